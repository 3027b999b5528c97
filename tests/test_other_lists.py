"""A sibling list end to end: a scan proposes entries in that list's own dialect, which its lint accepts."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mimwatch.awesome import parse
from mimwatch.awesome.lint import lint
from mimwatch.cli import main

from .conftest import git_clone

OTHER = Path(__file__).parent / "data" / "other-lists"
DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"


@pytest.mark.parametrize(("name", "dialect"), [("edisonleeeee", "one-line"), ("ucasligang", "table"),
                                               ("jason718", "nested")])  # fmt: skip
def test_a_scan_writes_new_entries_in_the_lists_dialect_that_its_lint_accepts(tmp_path, name, dialect):
    source = OTHER / f"{name}-excerpt.md"
    clone = git_clone(tmp_path, source)
    # Offline, the model retrains on the list from its titles; threshold 0 makes every new paper a candidate.
    result = CliRunner().invoke(main, ["scan", "--git-repo", str(clone), "--source", str(DAILY), "--threshold", "0"])
    assert result.exit_code == 0, result.output
    branch = subprocess.run(["git", "-C", str(clone), "show", "mimwatch/2024-03-05:README.md"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    before, after = parse(source.read_text(encoding="utf-8")), parse(branch)
    new = [e for e in after.entries if before.find(arxiv_id=e.arxiv_id, title=e.title, authors=e.authors) is None]
    assert {e.arxiv_id for e in new} >= {"2305.14344", "2309.03576"} and {e.format for e in new} == {dialect}
    assert all(e.section in before.sections for e in new)
    new_lines = {line for e in new for line in range(e.line, e.end_line + 1)}
    assert [p for p in lint(after) if p.line in new_lines] == []
    assert len(lint(after)) == len(lint(before))  # nothing else changed its lint
    assert len(after.unreadable) == len(before.unreadable)

    # A dry run of the same scan (on a state that has not seen it) prints exactly that change, and writes nothing.
    copy = tmp_path / f"{name}.md"
    copy.write_bytes(source.read_bytes())
    dry = CliRunner().invoke(main, ["scan", "--list", str(copy), "--source", str(DAILY), "--threshold", "0", "--dry-run",
                                    "--state", str(tmp_path / "fresh.sqlite")])  # fmt: skip
    assert dry.exit_code == 0, dry.output
    printed = [line[1:] for line in dry.stdout.split("--- pull request")[0].splitlines()
               if line.startswith("+") and not line.startswith("+++")]  # fmt: skip
    committed = [line[1:] for line in difflib.unified_diff(source.read_text(encoding="utf-8").splitlines(),
                                                           branch.splitlines(), lineterm="")
                 if line.startswith("+") and not line.startswith("+++")]  # fmt: skip
    assert printed == committed and copy.read_bytes() == source.read_bytes()
    if dialect == "table":  # the PR writes venues as the list does
        assert "| Arxiv 2023 |" in dry.stdout and "Arxiv'2023" not in dry.stdout
