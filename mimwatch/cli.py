"""The `mimwatch` command line: parses options, calls the library, turns its errors into exit codes.

Exit codes: 0 success (also "nothing new"), 1 error or problems found, 2 usage error.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from . import __version__
from .awesome import load, render
from .awesome.lint import fix as fix_list
from .awesome.lint import lint as lint_list
from .errors import MimwatchError
from .fsutil import write_atomic


class MimwatchGroup(click.Group):
    """Turns the library's own exceptions into `Error: …` and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except MimwatchError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=MimwatchGroup)
@click.version_option(__version__, prog_name="mimwatch")
@click.option("-v", "--verbose", count=True, help="More progress on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """mimwatch watches arXiv for papers that belong in an awesome list and proposes them as a pull request.

    Run `mimwatch COMMAND --help` for each command's options and an example.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


@main.command()
@click.argument("list_path", metavar="LIST", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--fix",
    "apply_fix",
    is_flag=True,
    help="Apply the safe fixes (venue spellings) in place; no other byte changes.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report as text lines or as one JSON document.",
)
def lint(list_path: Path, apply_fix: bool, output_format: str) -> None:
    """Check an awesome list: duplicates, venue spellings, missing fields, malformed links.

    Prints one line per problem as FILE:LINE: CODE: MESSAGE and exits 1 when it finds any, 0 when the
    list is clean. With --fix the fixable problems (marked "fixable") are repaired in place first.

    Example:

        mimwatch lint README.md --fix
    """
    doc = load(list_path)
    fixed = 0
    if apply_fix:
        repaired = fix_list(doc)
        before = len(lint_list(doc))
        if render(repaired) != render(doc):
            write_atomic(list_path, render(repaired))
        fixed = before - len(lint_list(repaired))
        doc = repaired
    problems = lint_list(doc)
    if output_format == "json":
        report = {
            "path": str(list_path),
            "entries": len(doc.entries),
            "fixed": fixed,
            "problems": [p.as_dict() for p in problems],
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for p in problems:
            mark = " (fixable)" if p.fixable else ""
            click.echo(f"{list_path}:{p.line}: {p.code}: {p.message}{mark}")
        summary = f"{len(problems)} problem(s) in {len(doc.entries)} entries"
        if apply_fix:
            summary += f"; fixed {fixed}"
        click.echo(summary, err=True)
    if problems:
        sys.exit(1)
