"""The `mimwatch` command line: parses options, calls the library, turns its errors into exit codes.

Exit codes: 0 success (also "nothing new"), 1 error or problems found, 2 usage error.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from . import app

from . import __version__, config
from .awesome import load
from .awesome.lint import lint_file
from .errors import MimwatchError, UsageProblem
from .fsutil import output_file
from .records import enriched_record, write_jsonl
from .settings import URL, ConfigError, load_settings
from .sources import DEFAULT_CATEGORIES
from .sources.api import DEFAULT_API_URL
from .sources.feed import DEFAULT_FEED_URL

log = logging.getLogger("mimwatch")

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class MimwatchGroup(click.Group):
    """Turns the library's own exceptions into `Error: …` and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ConfigError as exc:  # one line naming the setting and where it came from; exit 2
            raise _SettingsError(str(exc)) from exc
        except UsageProblem as exc:
            raise click.UsageError(str(exc), ctx) from exc
        except MimwatchError as exc:
            raise click.ClickException(str(exc)) from exc
        except (OSError, sqlite3.Error) as exc:  # a full disk or a locked state file: no traceback either
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


class _SettingsError(click.ClickException):
    exit_code = 2


@click.group(cls=MimwatchGroup)
@click.version_option(__version__, prog_name="mimwatch")
@click.option("-v", "--verbose", count=True, help="More progress on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """mimwatch watches arXiv for papers that belong in an awesome list and proposes them as a pull request.

    Run `mimwatch COMMAND --help` for each command's options and an example.
    """
    config.check_environment()
    level = logging.WARNING - 10 * verbose
    # Plain words for a user; the logger names and levels help a developer (-v).
    detail = "%(levelname)s %(name)s: %(message)s" if verbose else "mimwatch: %(message)s"
    logging.basicConfig(level=max(level, logging.DEBUG), format=detail, stream=sys.stderr)
    # PyGithub says at INFO when it waits for a rate limit to reset: a silent half-hour sleep looks like a hang.
    logging.getLogger("github.GithubRetry").setLevel(min(logging.INFO, max(level, logging.DEBUG)))


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
    linted = lint_file(list_path, apply_fix)
    doc, fixed, problems = linted.doc, linted.fixed, linted.problems
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


def _url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An endpoint option: an http(s) URL, checked before anything runs."""
    import re

    if value is not None and not re.fullmatch(URL, value):
        raise click.BadParameter(f"{value!r} is not an http(s) URL", ctx=ctx, param=param)
    return value


def _split_values(values: tuple[str, ...]) -> list[str]:
    return [v for value in values for v in value.replace(",", " ").split() if v]


class _Progress:
    """Progress of a long backfill on stderr; one line per page when stderr is not a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        text = f"fetched {done:,}" + (f" of {total:,}" if total else "") + " papers"
        if self.tty:
            click.echo("\r" + text, nl=False, err=True)
        else:
            log.info(text)

    def close(self) -> None:
        if self.tty:
            click.echo("", err=True)


@main.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Backfill through the API: first submission day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last submission day of the backfill [today].")
@click.option("--ids", multiple=True, help="arXiv ids to fetch through the API (repeat, or separate with commas).")
@click.option("--feed", "use_feed", is_flag=True, help="Today's announcements from the arXiv RSS feed.")
@click.option(
    "--source",
    "source_file",
    type=EXISTING_FILE,
    help="A saved feed or API response (.xml/.atom/.rss) or JSONL(.gz) records.",
)
@click.option(
    "--categories",
    default=",".join(DEFAULT_CATEGORIES),
    show_default=True,
    help="arXiv categories, comma-separated.",
)
@click.option("--output", "-o", default="-", show_default=True, help="JSONL file to write, or - for stdout.")
@click.option(
    "--list",
    "list_path",
    type=EXISTING_FILE,
    help="Spell venues the way this awesome list does (NIPS or NeurIPS, ArXiv or arXiv).",
)
@click.option(
    "--api-url",
    callback=_url,
    envvar="MIMWATCH_ARXIV_API_URL",
    default=DEFAULT_API_URL,
    show_default=True,
    help="arXiv API endpoint (env MIMWATCH_ARXIV_API_URL).",
)
@click.option(
    "--feed-url",
    callback=_url,
    envvar="MIMWATCH_ARXIV_FEED_URL",
    default=DEFAULT_FEED_URL,
    show_default=True,
    help="arXiv feed host (env MIMWATCH_ARXIV_FEED_URL).",
)
@click.option("--no-cache", is_flag=True, help="Do not keep or reuse fetched API pages.")
def fetch(since, until, ids, use_feed, source_file, categories, output, list_path, api_url, feed_url, no_cache):
    """Fetch arXiv papers and write them as enriched JSONL records.

    Exactly one of --since, --ids, --feed or --source. Each line has the fields id, title,
    abstract, authors, categories, published and source, plus
    version, updated, comment, journal_ref, doi, announce_type and the enrichment: venue
    (e.g. CVPR'2023, else ArXiv'<year>), code, project and abbreviation.

    An interrupted --since backfill resumes where it stopped: fetched pages are cached.
    An empty feed (weekend, holiday, not yet announced) writes nothing and exits 0.

    Example:

        mimwatch fetch --since 2023-06-01 --until 2023-06-07 -o june.jsonl
    """
    from . import app

    style = load(list_path).venue_style() if list_path else {}
    progress = _Progress()
    result = app.fetch(
        since=since.date() if since else None, until=until.date() if until else None, ids=_split_values(ids),
        use_feed=use_feed, source_file=source_file, categories=_split_values((categories,)), api_url=api_url,
        feed_url=feed_url, use_cache=not no_cache, progress=progress,
    )  # fmt: skip
    if not result.announced:
        click.echo(f"nothing announced yet in {result.origin} (weekend, holiday or before 20:00 US Eastern)", err=True)
    papers = [*result.papers, *result.updates]
    records = (enriched_record(p, style) for p in papers)
    with output_file(output) as handle:
        count = write_jsonl(records, handle)
    progress.close()
    click.echo(f"wrote {count} record(s) to {'stdout' if output == '-' else output}", err=True)


@main.command()
@click.option(
    "--list",
    "list_path",
    type=EXISTING_FILE,
    help="The awesome list whose entries are the positives [the configured list].",
)
@click.option(
    "--corpus",
    multiple=True,
    type=EXISTING_FILE,
    help="JSONL(.gz) records with abstracts of list papers (id or arxiv_id, title, abstract). Repeatable.",
)
@click.option(
    "--negatives",
    multiple=True,
    type=EXISTING_FILE,
    help="JSONL(.gz) pool papers that are not in the list. Repeatable.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Model folder to write (needed with --negatives; without, the model cache is written, and --out too).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Settings file.")
@click.option(
    "--negative-share",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.01, 1.0),
    help="Train on this share of the pool (a stable split by id); the rest stays unseen for evaluation.",
)
@click.option(
    "--candidates-per-1000",
    default=2.5,
    show_default=True,
    type=click.FloatRange(0.1, 1000.0),
    help="The reading budget: the threshold lets this many of 1,000 recent unlisted papers through.",
)
@click.option(
    "--feedback/--no-feedback",
    default=True,
    show_default=True,
    help="Add the papers maintainers rejected in review (from the state) as negatives.",
)
@click.option(
    "--not-negatives",
    multiple=True,
    type=EXISTING_FILE,
    help="JSONL of pool papers judged on-topic (id/title; with a verdict, yes and borderline count): never negatives.",
)
def train(list_path, corpus, negatives, out, negative_share, candidates_per_1000, feedback, not_negatives,
          config_path):  # fmt: skip
    """Train the relevance and section model on a list, and write it with its model card.

    Positives are the list's entries (abstracts from --corpus, by arXiv id or title; entries
    without one are used title-only); negatives are pool papers (--negatives) minus list papers,
    plus the papers maintainers rejected in review; pool papers judged on-topic (--not-negatives)
    never are. Writes model.npz, model.json, manifest.json, MODEL_CARD.md and (with the `plot`
    extra) pr_curve.png to --out.

    Without --negatives (e.g. `mimwatch train` with no arguments) the model is retrained whole on
    the configured list: its entries are the positives (abstracts from --corpus first, then the
    state's cache, then arXiv by id), the papers the bot judged in its scans and the sample shipped
    with the model the negatives. The result is cached by the list's content (scans use it) and
    written to --out when given.

    Example:

        mimwatch train --list README.md --corpus abstracts.jsonl --negatives pool.jsonl.gz --out models/mine
    """
    from . import app

    settings = load_settings(config_path)
    list_path = list_path or settings.list_file
    if not negatives:
        if list_path is None:
            raise click.UsageError("give --list PATH (or `list` in the settings file)")
        api_url = os.environ.get("MIMWATCH_ARXIV_API_URL", DEFAULT_API_URL)
        followed = app.follow(settings, list_path, corpus, app.Endpoints(api_url=api_url), out)
        if followed.model is None:
            click.echo(f"the model already knows every entry and section of {list_path}")
        else:
            where = out or f"the model cache ({config.model_cache_dir()})"
            click.echo(f"trained the model on {list_path} ({followed.changes.describe()}); wrote {where}")
        return
    if list_path is None or out is None:
        raise click.UsageError("training with --negatives needs --list and --out")
    model, report = app.train_on_pool(list_path, out, corpus, negatives, negative_share, candidates_per_1000,
                                      feedback=feedback, not_negatives=not_negatives)  # fmt: skip
    click.echo(
        f"trained on {report.positives} list entries and {report.negatives:,} pool papers; "
        f"held-out AP {report.oof_average_precision:.3f}, threshold {model.threshold:.4f} "
        f"({report.oof_candidates_per_1000:.1f} of 1,000 recent papers pass it; held-out recall "
        f"{report.oof_recall_at_threshold:.2f}); "
        f"wrote {out}"
    )


@main.command()
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Model folder [the shipped models/default].",
)
@click.option(
    "--input",
    "input_path",
    required=True,
    type=EXISTING_FILE,
    help="JSONL(.gz) papers: id, title, and optionally abstract, authors, categories, comment, journal_ref.",
)
@click.option("--output", "-o", default="-", show_default=True, help="JSONL file for the scores, or - for stdout.")
def classify(model_dir, input_path, output):
    """Score papers: relevance, section (top 3) and the reasons, one JSON line per input, in input order.

    Each line: {"id", "relevance" (0..1), "relevant" (above the model's threshold), "section"
    (a heading of the list, or "needs triage" when unsure), "sections" ([[heading, p], …] top 3),
    "reasons": {"terms": [...], "nearest": [3 closest list entries], "list_authors": [...] when
    any}}. A large file is scored by one forked worker per core; the order stays the input's.

    Example:

        mimwatch fetch --since 2024-05-01 -o may.jsonl && mimwatch classify --input may.jsonl -o scores.jsonl
    """
    from .classify.tasks import classify_file, load_model

    model = load_model(model_dir)
    with output_file(output) as handle:
        count = classify_file(model, input_path, handle)
    click.echo(f"scored {count} paper(s)", err=True)


@main.command()
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Model folder [the shipped models/default].",
)
@click.option(
    "--labels",
    required=True,
    type=EXISTING_FILE,
    help="JSONL of list papers not trained on: id, title, abstract, section.",
)
@click.option(
    "--pool",
    "pool_paths",
    multiple=True,
    required=True,
    type=EXISTING_FILE,
    help="JSONL(.gz) pool files; papers the model trained on (per its manifest) are left out.",
)
@click.option(
    "--list",
    "list_path",
    type=EXISTING_FILE,
    help="The training list, to train the arxiv-sanity baseline on the same positives.",
)
@click.option(
    "--corpus",
    multiple=True,
    type=EXISTING_FILE,
    help="Abstracts of the training list's papers (for the baseline).",
)
@click.option("--pool-size", type=int, help="Sample the evaluation pool down to about this many papers.")
@click.option(
    "--not-negatives",
    multiple=True,
    type=EXISTING_FILE,
    help="JSONL of pool papers judged on-topic: left out of the pool (they are no false alarms).",
)
def evaluate(model_dir, labels, pool_paths, list_path, corpus, pool_size, not_negatives):
    """Measure the model against the peers' methods on labelled papers mixed into unseen pool papers.

    Prints relevance AP, recall at 1/2/5 pool papers flagged per 1,000, recall and flags per
    1,000 at the model's threshold, section top-1/top-3 accuracy — and the same relevance
    figures for the keyword and arxiv-sanity (TF-IDF + SVM) baselines.

    Example:

        mimwatch evaluate --model /tmp/may --labels dev.jsonl --pool pool.jsonl.gz --list README.md
    """
    from .classify.data import load_corpus, positives
    from .classify.tasks import evaluate as run_evaluation
    from .classify.tasks import load_model, read_labels, read_manifest, read_not_negatives

    model = load_model(model_dir)
    manifest = read_manifest(model_dir) if model_dir else read_manifest(_default_model_dir())
    baseline_pos = positives(load(list_path), load_corpus(corpus)) if list_path else []
    result = run_evaluation(model, manifest, read_labels(labels), pool_paths, baseline_pos, pool_size,
                            not_negatives=read_not_negatives(not_negatives))  # fmt: skip
    click.echo(result.table())


def _default_model_dir() -> Path:
    from .classify.tasks import default_model_dir

    return default_model_dir()


@main.command()
@click.option("--list", "list_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The list, relative to the repository [README.md, else the Markdown file with most entries].")
@click.option("--repo", help="OWNER/NAME on GitHub [from git's origin remote].")
@click.option("--force", is_flag=True, help="Write over an existing mimwatch.toml and workflow.")
def init(list_path, repo, force):
    """Set mimwatch up in a list's repository (run it there): detect the list's dialect and sections, write a
    commented mimwatch.toml and .github/workflows/mimwatch.yml, and print the next two steps.

    Example:

        cd Awesome-Masked-Autoencoders && mimwatch init
    """
    from . import app
    from .awesome.dialects import dialect

    found = app.init(Path.cwd(), list_path, repo, force)
    described = ", ".join(f"{n} {name}" for name, n in found.counts.items())
    click.echo(f"{found.list_path}: {sum(found.counts.values())} entries ({described}), "
               f"{len(found.sections)} sections; new entries will be written as {found.dialect}:")  # fmt: skip
    click.echo(f"  {dialect(found.dialect).summary}")
    if found.unreadable:
        click.echo(f"  {found.unreadable} entries could not be read: `mimwatch lint {found.list_path}` lists them")
    for path in found.written:
        click.echo(f"wrote {path.relative_to(Path.cwd())}")
    click.echo(
        "\nNext:\n"
        "  1. Train the model on the list (its entries' abstracts come from arXiv; offline, run `mimwatch train` "
        "alone: it learns their titles):\n"
        "       mimwatch corpus build --out corpus.jsonl.gz && mimwatch train --corpus corpus.jsonl.gz\n"
        "  2. Run a first scan that only prints what it would propose:\n"
        "       mimwatch scan --dry-run"
    )


@main.group()
def corpus():
    """Build the corpus of abstracts that training reads for the list's own papers."""


@corpus.command("build")
@click.option("--list", "list_path", type=EXISTING_FILE, help="The awesome list [the settings' list].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Settings file.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSONL(.gz) file to write.")
@click.option(
    "--api-url",
    callback=_url,
    envvar="MIMWATCH_ARXIV_API_URL",
    default=DEFAULT_API_URL,
    show_default=True,
    help="arXiv API endpoint (env MIMWATCH_ARXIV_API_URL).",
)
def corpus_build(list_path, config_path, out, api_url):
    """Fetch the abstracts of every arXiv entry of a list through the arXiv API.

    Entries without an arXiv link are reported and trained on title-only.

    Example:

        mimwatch corpus build --list README.md --out corpus.jsonl.gz
    """
    from . import app

    list_path = list_path or load_settings(config_path).list_file
    if list_path is None:
        raise click.UsageError("give --list PATH (or `list` in the settings file)")
    progress = _Progress()
    built = app.build_corpus(list_path, out, api_url, progress)
    progress.close()
    click.echo(
        f"wrote {built.written} abstract(s) of {built.arxiv_entries} arXiv entries to {out}; "
        f"{built.title_only} entries have no arXiv link (title-only)",
        err=True,
    )


def _stack(*options):  # click decorators
    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command

    return apply


# Where the list comes from and where the proposal goes: shared by scan and refresh.
_target_options = _stack(
    click.option("--list", "list_path", type=click.Path(dir_okay=False, path_type=Path),
                 help="The list file (absolute, or from here); with --git-repo or --repo, a file of that clone "
                      "or of this checkout [the settings' list, else list_path]."),
    click.option("--repo", help="OWNER/NAME of the list's GitHub repository (the list is read from there)."),
    click.option("--dry-run", "mode", flag_value="dry-run", help="Print the diff and the PR text; write nothing."),
    click.option("--open-pr", "mode", flag_value="open-pr", help="Open (or update) the bot's pull request on GitHub."),
    click.option("--git-repo", type=click.Path(file_okay=False, exists=True, path_type=Path),
                 help="Commit on a branch mimwatch/<date> of this local clone (or a folder in it) instead."),
)  # fmt: skip
_run_options = _stack(
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                 help="Settings file [mimwatch.toml, or [tool.mimwatch] in pyproject.toml]."),
    click.option("--model", "model_dir", type=click.Path(file_okay=False, path_type=Path), help="Model folder."),
    click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), envvar="MIMWATCH_STATE",
                 help="SQLite state file (env MIMWATCH_STATE) [$MIMWATCH_HOME/state.sqlite]."),
    click.option("--token", envvar="GITHUB_TOKEN", help="GitHub token (env GITHUB_TOKEN); never printed."),
    click.option("--github-url", callback=_url, envvar="MIMWATCH_GITHUB_URL",
                 help="GitHub API URL (GitHub Enterprise, tests)."),
    click.option("--api-url", callback=_url, envvar="MIMWATCH_ARXIV_API_URL", default=DEFAULT_API_URL,
                 help="arXiv API endpoint."),
)  # fmt: skip


@main.command()
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Scan the API from this submission day [the end of the last successful run].",
)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last submission day [today].")
@click.option(
    "--source",
    "source_opt",
    multiple=True,
    help="rss (today's feed), api (a date window), openreview:VENUE (e.g. openreview:ICLR.cc/2026/Conference), "
    "biorxiv[:CATEGORIES], or a saved FILE (.xml/.atom/.rss/.json/.jsonl[.gz]); repeatable [settings `sources`: rss].",
)
@_target_options
@click.option("--threshold", type=click.FloatRange(0, 1), help="Relevance threshold [the model's own].")
@click.option(
    "--max-candidates",
    type=click.IntRange(1),
    help="At most this many new papers per run; the rest wait for the next [25].",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="PHRASE",
    help="Never propose papers whose title or abstract has PHRASE (whole words, any case); repeatable.",
)
@click.option("--categories", help="arXiv categories to watch, comma-separated [settings `categories`].")
@click.option("--deadline", metavar="DURATION",
              help="Stop the run cleanly after this long (45m, 90s, 2h; a number is minutes) [settings: 50m].")
@_run_options
@click.option("--feed-url", callback=_url, envvar="MIMWATCH_ARXIV_FEED_URL", default=DEFAULT_FEED_URL,
              help="arXiv feed host.")
def scan(since, until, source_opt, list_path, repo, mode, git_repo, threshold, max_candidates, exclude, categories,
         deadline, config_path, model_dir, state_path, token, github_url, api_url, feed_url):  # fmt: skip
    """Find new papers for the list and propose them: fetch, drop known ones, classify, insert, publish.

    Papers already in the list, in the bot's open PR, rejected by the maintainers, seen in
    an earlier run or naming an --exclude phrase are skipped. Relevant papers go into their
    section in the list's own format; listed papers whose new version names a venue or a code
    link get an in-place update. The result is a dry run (default), a local branch
    (--git-repo) or the bot's PR (--open-pr). A summary table goes to stderr (and to
    $GITHUB_STEP_SUMMARY when set). Exit 0 also when nothing is new.

    Example, offline (the README's demo):

        mimwatch scan --source tests/data/feeds/rss-2024-03-05.xml --list tests/data/awesome-2023-05-25.md

    Example, live:

        GITHUB_TOKEN=… mimwatch scan --repo OWNER/NAME --open-pr
    """
    from . import app

    settings = load_settings(config_path)
    target = app.Target.resolve(settings, list_path, repo, mode, git_repo)
    options = _scan_options(since, until, source_opt, threshold, max_candidates, exclude, categories, deadline)
    endpoints = app.Endpoints(api_url, feed_url, github_url, token or "", state_path, model_dir)
    progress = _Progress()
    summary = app.scan(settings, target, options, endpoints, out=sys.stdout, progress=progress)
    progress.close()
    _emit_summary("mimwatch scan", summary.table())


def _scan_options(since, until, source, threshold, max_candidates, exclude, categories, deadline) -> app.ScanOptions:
    from . import app
    from .deadline import parse_duration

    try:
        seconds = parse_duration(deadline) if deadline else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--deadline") from exc
    return app.ScanOptions(
        sources=tuple(source or ()), since=since.date() if since else None, until=until.date() if until else None,
        threshold=threshold, max_candidates=max_candidates, exclude=tuple(exclude),
        categories=tuple(_split_values((categories,))) if categories else (), deadline=seconds,
    )  # fmt: skip


def _emit_summary(title: str, table: str) -> None:
    """The run's summary on stderr, and in the Action's job summary when there is one."""
    click.echo(table, err=True)
    if step_summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(f"## {title}\n\n```\n{table}\n```\n")


@main.command()
@_target_options
@_run_options
def refresh(list_path, repo, mode, git_repo, config_path, state_path, token, github_url, api_url, model_dir):
    """Check every arXiv entry of the list for a venue or code link that arrived since; propose updates.

    Fetches the latest version of each listed arXiv paper (100 ids per request) and proposes
    `ArXiv'2023` → `CVPR'2024` and missing `[[Code](…)]` links in place, like a scan does for
    new versions it meets.

    Example:

        mimwatch refresh --list README.md --dry-run
    """
    from . import app

    settings = load_settings(config_path)
    target = app.Target.resolve(settings, list_path, repo, mode, git_repo)
    endpoints = app.Endpoints(api_url=api_url, github_url=github_url, token=token or "", state_path=state_path,
                              model_dir=model_dir)  # fmt: skip
    progress = _Progress()
    summary = app.refresh(settings, target, endpoints, out=sys.stdout, progress=progress)
    progress.close()
    _emit_summary("mimwatch refresh", summary.table())


@main.command()
@_target_options
@click.option(
    "--event",
    "event_path",
    type=EXISTING_FILE,
    envvar="GITHUB_EVENT_PATH",
    help="The GitHub event that started the run (env GITHUB_EVENT_PATH): who edited the PR, for an `edited` event.",
)
@_run_options
def review(list_path, repo, mode, git_repo, event_path, config_path, model_dir, state_path, token, github_url,
           api_url):  # fmt: skip
    """Carry out the boxes maintainers ticked in the bot's open PR: move a paper to another section, take one
    out, add a paper to triage or one under the threshold; then re-render the PR with the ticks under "Done".

    Only ticks by people with write access count. Every tick is a label mimwatch learns from (a section, a
    positive, a rejection: never proposed again). `mimwatch scan` applies ticks first too; the Action runs
    this on the PR's `edited` event, so a tick takes effect within a minute.

    Example:

        GITHUB_TOKEN=… mimwatch review --repo OWNER/NAME --open-pr
    """
    from . import app

    settings = load_settings(config_path)
    target = app.Target.resolve(settings, list_path, repo, mode, git_repo)
    if not target.reads_github:
        raise click.UsageError("review needs the bot's PR: give --repo OWNER/NAME (with --open-pr, or --dry-run)")
    event = None
    if event_path is not None:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise click.ClickException(f"{event_path}: not a GitHub event payload ({exc})") from exc
    endpoints = app.Endpoints(api_url=api_url, github_url=github_url, token=token or "", state_path=state_path,
                              model_dir=model_dir)  # fmt: skip
    summary = app.review(settings, target, endpoints, out=sys.stdout, event=event)
    _emit_summary("mimwatch review", summary.table())


@main.command()
@click.option("--cron", help="When to scan, as crontab fields [settings `schedule`: 30 0 * * mon,tue,wed,thu,fri].")
@click.option("--timezone", help="Time zone of --cron [America/New_York].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Settings file.")
@click.argument("scan_args", nargs=-1, type=click.UNPROCESSED)
def schedule(cron, timezone, config_path, scan_args):
    """Run `mimwatch scan` on a schedule until stopped (SIGTERM or Ctrl-C stop it cleanly).

    The default runs Monday to Friday at 00:30 New York time: arXiv announces Sunday to
    Thursday at 20:00 and rebuilds its RSS feed around midnight. Runs never overlap; a run
    missed while the machine slept is made up once
    (within three hours). Each run logs its summary. Arguments after -- go to `mimwatch scan`.

    Example:

        mimwatch schedule -- --repo OWNER/NAME --open-pr
    """
    from .schedule import DEFAULT_CRON, DEFAULT_TIMEZONE, build_scheduler, check_schedule, run_forever

    settings = load_settings(config_path)
    cron = cron or settings.schedule or DEFAULT_CRON
    timezone = timezone or settings.timezone or DEFAULT_TIMEZONE
    # Everything a run needs is checked now (exit 2), not at 00:30 on every scheduled day.
    try:
        check_schedule(cron, timezone)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    args = [*(["--config", str(config_path)] if config_path else []), *scan_args]
    try:
        with scan.make_context("scan", args) as scan_ctx:  # parses and validates; runs nothing
            p = scan_ctx.params
        run = _ScheduledScan(p)
        run.target().check(), run.options.check(load_settings(config_path))
    except (click.UsageError, UsageProblem) as exc:
        message = exc.format_message() if isinstance(exc, click.UsageError) else str(exc)
        raise click.UsageError(f"the scan options after --: {message}") from exc

    scheduler = build_scheduler(run, cron, timezone)
    click.echo(f"mimwatch schedule: `{cron}` ({timezone}); Ctrl-C to stop (twice: stop the running scan)", err=True)
    sys.exit(run_forever(scheduler))


class _ScheduledScan:
    """One scheduled run of `app.scan` with the options given after `--`; the settings file is read again
    before each run, so a maintainer's edit of it counts from the next run on."""

    def __init__(self, params: dict) -> None:
        from . import app

        self.params = params
        self.options = _scan_options(params["since"], params["until"], params["source_opt"], params["threshold"],
                                     params["max_candidates"], params["exclude"], params["categories"],
                                     params["deadline"])  # fmt: skip
        self.endpoints = app.Endpoints(params["api_url"], params["feed_url"], params["github_url"],
                                       params["token"] or "", params["state_path"], params["model_dir"])  # fmt: skip

    def target(self) -> app.Target:
        from . import app

        p = self.params
        return app.Target.resolve(load_settings(p["config_path"]), p["list_path"], p["repo"], p["mode"], p["git_repo"])

    def __call__(self) -> None:
        from . import app

        try:
            summary = app.scan(load_settings(self.params["config_path"]), self.target(), self.options, self.endpoints)
        except (MimwatchError, OSError, sqlite3.Error) as exc:
            log.error("scan failed: %s", exc)
            return
        _emit_summary("mimwatch scan", summary.table())


if __name__ == "__main__":
    main()
