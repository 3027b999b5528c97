"""The API source against a real HTTP server on loopback, through the real `arxiv` Client."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mimwatch.errors import SourceError
from mimwatch.sources.api import ApiSource, PageCache, date_window_query
from mimwatch.sources.http import PACER, Pacer
from mimwatch.sources.retry import Backoff

from .fakes.arxiv_api import EMPTY_PAGE, FakeArxivApi, FakeEntry, atom_page, entries

RECORDED = Path(__file__).parent / "data" / "feeds" / "api-query-all-science-2019-08-10.atom.xml"
FAST = Backoff(base=0.01, cap=0.05, attempts=3)


class RecordingSleep:
    """Stands in for the source's waits between retries: records them (the fake server keeps no clock)."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_source(httpserver, fake, **kwargs) -> ApiSource:
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    kwargs.setdefault("backoff", FAST)
    kwargs.setdefault("delay_seconds", 0)
    return ApiSource(base_url=httpserver.url_for("/api/query"), **kwargs)


def test_recorded_response_fields(httpserver):
    httpserver.expect_request("/api/query").respond_with_data(
        RECORDED.read_bytes(), content_type="application/atom+xml"
    )
    source = ApiSource(base_url=httpserver.url_for("/api/query"), page_size=10, delay_seconds=0, max_results=10)
    papers = list(source.search(date(2015, 1, 1), date(2015, 12, 31), categories=["cs.DB"]))
    assert len(papers) == 10
    first = papers[0]
    assert (first.id, first.version, first.title) == ("1501.05039", 1, "Defining Data Science")
    assert first.abstract.startswith("Data science is gaining more and more") and "\n" not in first.abstract
    assert first.authors == ("Yangyong Zhu", "Yun Xiong")
    assert (first.primary_category, first.categories) == ("cs.DB", ("cs.DB", "cs.CY"))
    assert first.published == date(2015, 1, 21)
    with_ref = next(p for p in papers if p.id == "1503.01162")
    assert with_ref.journal_ref == "Science & Education, September 2014, 23(9): 1853-1873"
    assert with_ref.doi == "10.1007/s11191-014-9716-8"
    assert with_ref.comment == "Conference funded by NSF grant REESE-1205273. 31 pages"
    assert any(p.id == "quant-ph/0210005" for p in papers)


def test_defaults_are_polite_and_uncapped():
    source = ApiSource()
    assert source.delay_seconds >= 3.0 and source.pacer is PACER  # the process's one pacer, not the Client's own
    assert source.client.delay_seconds == 0
    assert source.max_results is None
    assert source.client.query_url_format.startswith("https://export.arxiv.org/api/query?")


def test_multi_page_search_in_order(httpserver):
    fake = FakeArxivApi(entries(25))
    papers = list(
        make_source(httpserver, fake, page_size=10).search(date(2024, 1, 1), date(2024, 1, 7), ["cs.CV", "cs.LG"])
    )
    assert [p.id for p in papers] == [f"2401.{i:05d}" for i in range(1, 26)]
    assert fake.starts() == [0, 10, 20]
    query = fake.requests[0]
    assert query["search_query"] == "submittedDate:[202401010000 TO 202401072359] AND (cat:cs.CV OR cat:cs.LG)"
    assert (query["sortBy"], query["sortOrder"], query["max_results"]) == ("submittedDate", "ascending", "10")


def test_progress_is_reported(httpserver):
    seen = []
    source = make_source(httpserver, FakeArxivApi(entries(25)), page_size=10)
    list(source.search(date(2024, 1, 1), date(2024, 1, 7), progress=lambda done, total: seen.append((done, total))))
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_empty_page_midway_is_retried(httpserver):
    fake = FakeArxivApi(entries(25), faults={(10, 0): EMPTY_PAGE})
    papers = list(make_source(httpserver, fake, page_size=10).search(date(2024, 1, 1), date(2024, 1, 7)))
    assert len(papers) == 25
    assert fake.starts() == [0, 10, 10, 20]


def test_429_honours_retry_after(httpserver):
    sleep = RecordingSleep()
    fake = FakeArxivApi(entries(5), faults={(0, 0): (429, {"Retry-After": "1"}, b"Rate exceeded.")})
    papers = list(make_source(httpserver, fake, sleep=sleep).search(date(2024, 1, 1), date(2024, 1, 7)))
    assert len(papers) == 5
    assert sleep.calls == [1.0]


def test_503_then_success_backs_off(httpserver):
    sleep = RecordingSleep()
    fake = FakeArxivApi(entries(5), faults={(0, 0): (503, {}, b"maintenance"), (0, 1): (503, {}, b"maintenance")})
    source = make_source(httpserver, fake, sleep=sleep, backoff=Backoff(base=0.01, cap=1, attempts=4))
    assert len(list(source.search(date(2024, 1, 1), date(2024, 1, 7)))) == 5
    assert len(sleep.calls) == 2 and sleep.calls[1] > sleep.calls[0] * 1.2  # exponential, with jitter


def test_persistent_failure_names_query_and_page(httpserver):
    fake = FakeArxivApi(entries(25), faults={(10, n): (500, {}, b"boom") for n in range(5)})
    source = make_source(httpserver, fake, page_size=10)
    with pytest.raises(SourceError) as info:
        list(source.search(date(2024, 1, 1), date(2024, 1, 7), ["cs.CV"]))
    message = str(info.value)
    assert "page 2 (start=10)" in message and "HTTP 500" in message and "after 3 tries" in message
    assert "submittedDate:[202401010000 TO 202401072359] AND (cat:cs.CV)" in message


@pytest.mark.parametrize(
    "bad_body",
    [b"<feed><entry><id>broken", atom_page(entries(5), 5, 0)[:-400], b"<html>Service Unavailable</html"],
    ids=["malformed", "truncated", "html"],
)
def test_malformed_or_truncated_body_is_retried(httpserver, bad_body):
    fake = FakeArxivApi(entries(5), faults={(0, 0): (200, {}, bad_body)})
    papers = list(make_source(httpserver, fake).search(date(2024, 1, 1), date(2024, 1, 7)))
    assert len(papers) == 5
    assert fake.starts() == [0, 0]


def test_always_truncated_raises(httpserver):
    truncated = atom_page(entries(5), 5, 0)[:-400]
    fake = FakeArxivApi(entries(5), faults={(0, n): (200, {}, truncated) for n in range(5)})
    with pytest.raises(SourceError, match="malformed or truncated"):
        list(make_source(httpserver, fake).search(date(2024, 1, 1), date(2024, 1, 7)))


def test_interrupted_backfill_resumes_from_cache(httpserver, tmp_path):
    cache = PageCache(tmp_path / "cache.sqlite")
    broken = FakeArxivApi(entries(25), faults={(20, n): (503, {}, b"down") for n in range(5)})
    source = make_source(httpserver, broken, page_size=10, cache=cache)
    got = []
    with pytest.raises(SourceError):
        for paper in source.search(date(2024, 1, 1), date(2024, 1, 7)):
            got.append(paper.id)
    assert len(got) == 20
    httpserver.clear()
    healthy = FakeArxivApi(entries(25))
    resumed = make_source(httpserver, healthy, page_size=10, cache=cache)
    papers = list(resumed.search(date(2024, 1, 1), date(2024, 1, 7)))
    assert len(papers) == 25
    assert healthy.starts() == [20]  # pages 1 and 2 came from the cache


def test_fetch_by_ids_in_batches_of_100(httpserver):
    corpus = entries(150, prefix="2402")
    fake = FakeArxivApi(corpus)
    source = make_source(httpserver, fake)
    ids = [e.id.split("v")[0] for e in corpus] + ["2402.00001v3"]  # a versioned duplicate
    papers = source.fetch_ids(ids[:150])
    assert len(papers) == 150
    assert [len(r["id_list"].split(",")) for r in fake.requests] == [100, 50]


def test_fetch_ids_enriches_from_comment(httpserver):
    fake = FakeArxivApi([FakeEntry(id="2303.00001v2", title="X", comment="Accepted to ICCV 2023")])
    (paper,) = make_source(httpserver, fake).fetch_ids(["2303.00001"])
    assert (paper.id, paper.version, paper.comment) == ("2303.00001", 2, "Accepted to ICCV 2023")


class Clock:
    """A clock the test moves: sleeping advances it, and each sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_one_pacer_paces_every_client_of_a_host(httpserver):
    """Three sources of one scan (by id, search, by id again) share the process's pacer: never two requests to
    arXiv within its delay, whichever client sends them."""
    clock = Clock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    fake = FakeArxivApi(entries(25))
    first, second = (make_source(httpserver, fake, page_size=10, delay_seconds=3, pacer=pacer) for _ in range(2))
    first.fetch_ids(["2401.00001"])
    list(second.search(date(2024, 1, 1), date(2024, 1, 7)))  # three pages
    first.fetch_ids(["2401.00002"])
    assert len(fake.requests) == 5 and clock.sleeps == [3.0] * 4


def test_date_window_query():
    assert date_window_query(date(2023, 6, 1), date(2023, 6, 30), ["cs.CV"]) == (
        "submittedDate:[202306010000 TO 202306302359] AND (cat:cs.CV)"
    )
