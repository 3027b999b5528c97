"""No window skipped, no run hung: faulty arXiv servers on loopback, through the real clients and the CLI.

The hanging and trickling servers run with `MIMWATCH_REQUEST_TIMEOUT` scaled down (0.6 s instead of 30 s), so
the suite stays fast; `bench/deadlines.py` measures the same runs with the defaults.
"""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from mimwatch import deadline as run_deadline
from mimwatch.cli import main
from mimwatch.deadline import Deadline, DeadlinePassed
from mimwatch.errors import SourceError
from mimwatch.sources.api import ApiSource
from mimwatch.sources.http import Pacer, Timeouts
from mimwatch.sources.retry import Backoff

from .conftest import MAY_LIST
from .fakes.arxiv_api import FakeArxivApi, atom_page, entries
from .fakes.slow_server import misbehaving_server

HTML_ERROR = b"<html><head><title>arXiv</title></head><body><h1>Service temporarily unavailable</h1></body></html>"


def runs(state: Path) -> list[tuple]:
    if not state.exists():
        return []
    with sqlite3.connect(state) as db:
        return db.execute("SELECT status, since, until FROM runs").fetchall()


def backfill(api_url: str, *extra: str, env: dict | None = None):
    return CliRunner().invoke(main, ["scan", "--since", "2024-01-01", "--until", "2024-01-07", "--categories", "cs.CV",
                                     "--git-repo", str(extra[0]), "--api-url", api_url, *extra[1:]], env=env)  # fmt: skip


@pytest.fixture
def clone(tmp_path):
    from .conftest import git_clone

    return git_clone(tmp_path)


def test_an_html_page_with_http_200_is_no_answer_and_the_window_stays_unscanned(httpserver, clone, isolated_home):
    fake = FakeArxivApi(entries(5), faults={(0, i): (200, {}, HTML_ERROR) for i in range(10)})
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    url = httpserver.url_for("/api/query")
    result = CliRunner().invoke(main, ["scan", "--since", "2024-01-01", "--until", "2024-01-07", "--git-repo",
                                       str(clone), "--api-url", url])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "not arXiv's Atom feed (a <html> document)" in result.output and "failed after 5 tries" in result.output
    assert runs(isolated_home / "state.sqlite") == []  # the window is not recorded: the next run reads it again
    fetched = CliRunner().invoke(main, ["fetch", "--since", "2024-01-01", "--until", "2024-01-07", "--api-url", url,
                                        "--no-cache"])  # fmt: skip
    assert fetched.exit_code == 1 and "not arXiv's Atom feed" in fetched.output


def test_a_page_that_disagrees_with_its_announced_total_is_retried(httpserver):
    fake = FakeArxivApi(entries(5), faults={(0, 0): (200, {}, atom_page(entries(5), 2, 0))})
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    source = ApiSource(base_url=httpserver.url_for("/api/query"), delay_seconds=0, backoff=Backoff(base=0.001),
                       sleep=lambda s: None)  # fmt: skip
    papers = list(source.search(date(2024, 1, 1), date(2024, 1, 7), ["cs.CV"]))
    assert len(papers) == 5 and fake.tries[0] == 2


@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_a_hanging_or_trickling_arxiv_fails_the_scan_quickly_recording_nothing(mode, clone, isolated_home):
    with misbehaving_server(mode, interval=0.1) as base:
        started = time.monotonic()
        result = backfill(f"{base}/api/query", clone, env={"MIMWATCH_REQUEST_TIMEOUT": "0.6"})
        took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "gave no answer in time 2 times in a row" in result.output and "127.0.0.1" in result.output
    assert result.output.count("\n") == 1  # one line
    assert took < 10  # two tries of 0.6 s, a short backoff; with the defaults (30 s) about a minute
    assert runs(isolated_home / "state.sqlite") == []


def test_a_retry_after_beyond_the_cap_stops_at_once(httpserver, clone, isolated_home):
    fake = FakeArxivApi(entries(5), faults={(0, 0): (429, {"Retry-After": "100000"}, b"slow down")})
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    started = time.monotonic()
    result = backfill(httpserver.url_for("/api/query"), clone)
    assert result.exit_code == 1 and time.monotonic() - started < 10
    assert "asks to wait 100000 s before trying again (Retry-After)" in result.output and "stopped" in result.output
    assert fake.tries[0] == 1 and runs(isolated_home / "state.sqlite") == []


def test_the_feed_stops_at_once_on_a_huge_retry_after(httpserver, tmp_path):
    httpserver.expect_request("/rss/cs.CV").respond_with_data("busy", status=503, headers={"Retry-After": "100000"})
    result = CliRunner().invoke(main, ["scan", "--categories", "cs.CV", "--list", str(MAY_LIST), "--dry-run",
                                       "--feed-url", httpserver.url_for("/")])  # fmt: skip
    assert result.exit_code == 1 and "asks to wait 100000 s" in result.output
    assert len(httpserver.log) == 1


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_run_deadline_stops_a_backfill_between_pages_and_waits(httpserver):
    clock = Clock()
    fake = FakeArxivApi(entries(30))
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    source = ApiSource(base_url=httpserver.url_for("/api/query"), page_size=10, delay_seconds=3,
                       pacer=Pacer(clock=clock, sleep=clock.sleep), sleep=clock.sleep)  # fmt: skip
    with run_deadline.running(Deadline(5.0, clock=clock)), pytest.raises(DeadlinePassed) as stopped:
        list(source.search(date(2024, 1, 1), date(2024, 1, 7)))
    assert fake.starts() == [0, 10]  # the third page would have started at 6 s, past the 5 s deadline
    assert "the run's deadline (5 s, --deadline) passed while pacing requests to localhost" in str(stopped.value)


def test_a_scan_past_its_deadline_stops_cleanly_recording_nothing(httpserver, clone, isolated_home):
    fake = FakeArxivApi(entries(5), faults={(0, 0): (503, {"Retry-After": "60"}, b"busy")})
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    result = backfill(httpserver.url_for("/api/query"), clone, "--deadline", "30s")
    assert result.exit_code == 1, result.output
    assert re.search(r"the run's deadline \(30 s, --deadline\) passed while waiting to retry page 1", result.output)
    assert runs(isolated_home / "state.sqlite") == [] and fake.tries[0] == 1


def test_a_bad_deadline_is_a_usage_error(clone):
    result = CliRunner().invoke(main, ["scan", "--git-repo", str(clone), "--deadline", "soon"])
    assert result.exit_code == 2 and "--deadline" in result.output and "not a duration" in result.output


def test_timeouts_bound_the_silence_within_the_total():
    assert Timeouts.within(30) == Timeouts(connect=10, silence=15, total=30)
    assert Timeouts.within(0.6) == Timeouts(connect=0.6, silence=0.3, total=0.6)


def test_a_source_error_is_raised_for_a_dead_port():
    with pytest.raises(SourceError, match="refused the connection"):
        ApiSource(base_url="http://127.0.0.1:9/api/query", delay_seconds=0).fetch_ids(["2401.00001"])


def test_github_refusing_the_connection_stops_the_run_at_once_quietly(tmp_path, caplog, monkeypatch):
    import logging

    (tmp_path / "README.md").write_bytes(MAY_LIST.read_bytes())
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["scan", "--source", str(Path(__file__).parent / "data" / "feeds" /
                                       "rss-2024-03-05.xml"), "--list", "README.md", "--repo", "lupin/Awesome-MIM",
                                       "--open-pr", "--github-url", "http://127.0.0.1:9"],
                                env={"GITHUB_TOKEN": "ghp_x"})  # fmt: skip
    assert result.exit_code == 1
    assert "127.0.0.1 refused the connection" in result.output and result.output.count("\n") == 1
    assert "Retrying" not in caplog.text and time.monotonic() - started < 10
