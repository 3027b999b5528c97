"""The application layer called as a library: what the CLI and the daemon both run."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from mimwatch import app
from mimwatch.cli import _ScheduledScan, scan
from mimwatch.errors import UsageProblem
from mimwatch.settings import Settings

from .conftest import MAY_LIST, git_clone

DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"


def test_a_dry_run_scan_returns_its_summary_prints_the_diff_and_keeps_no_state(isolated_home):
    out = io.StringIO()
    target = app.Target.resolve(Settings(), list_path=MAY_LIST)
    summary = app.scan(Settings(), target, app.ScanOptions(source=str(DAILY)), out=out)
    assert (summary.fetched, summary.proposed, summary.updates, summary.published) == (
        summary.fetched, 3, 1, "dry run (nothing written)")
    assert "+* **DropPos**: Haochen Wang" in out.getvalue()
    assert not (isolated_home / "state.sqlite").exists()


def test_targets_take_what_the_options_leave_out_from_the_settings(tmp_path):
    settings = Settings(list="README.md", repo=None)
    assert app.Target.resolve(settings) == app.Target(mode="dry-run", list_path=Path("README.md"))
    with_repo = app.Target.resolve(Settings(repo="o/n"), mode="open-pr")
    assert with_repo.reads_github and with_repo.list_path is None
    assert app.Target.resolve(Settings(repo="o/n"), list_path=Path("README.md")).reads_github is False
    for kwargs, message in (({"mode": "open-pr"}, "--open-pr needs --repo"),
                            ({"git_repo": tmp_path, "mode": "dry-run"}, "--git-repo goes without"),
                            ({}, "give --list PATH")):  # fmt: skip
        with pytest.raises(UsageProblem, match=message):
            app.Target.resolve(Settings(), **kwargs)


def test_a_local_clone_needs_no_github_token_even_when_the_settings_name_a_repository(tmp_path):
    clone = git_clone(tmp_path)
    settings = Settings(repo="lupin/Awesome-MIM")  # and no GITHUB_TOKEN in the environment
    summary = app.scan(settings, app.Target.resolve(settings, git_repo=clone), app.ScanOptions(source=str(DAILY)))
    assert summary.published.startswith("branch mimwatch/2024-03-05")


def test_scan_options_refuse_a_missing_file_and_a_reversed_window():
    with pytest.raises(UsageProblem, match="rss, api, openreview:<venue id>, biorxiv.*, a saved file, not .no-such-feed.xml."):
        app.ScanOptions(source="no-such-feed.xml").check()
    from datetime import date

    with pytest.raises(UsageProblem, match="is after"):
        app.ScanOptions(since=date(2024, 3, 5), until=date(2024, 3, 1)).check()


def test_the_daemon_runs_the_scan_as_a_library_call_and_logs_a_failed_run(tmp_path, capsys, caplog):
    with scan.make_context("scan", ["--source", str(DAILY), "--git-repo", str(git_clone(tmp_path))]) as ctx:
        run = _ScheduledScan(ctx.params)
    run()
    assert re.search(r"proposed\s+3\n", capsys.readouterr().err)
    run()  # the second run finds everything known: nothing new, no error
    assert re.search(r"proposed\s+0\n", capsys.readouterr().err)
    listing = tmp_path / "README.md"
    listing.write_text("not a list\n", encoding="utf-8")
    with scan.make_context("scan", ["--source", str(DAILY), "--list", str(listing), "--dry-run"]) as ctx:
        broken = _ScheduledScan(ctx.params)
    with caplog.at_level(logging.ERROR):
        broken()  # logged, not raised: the daemon goes on
    assert "scan failed" in caplog.text and "found no paper entries" in caplog.text
