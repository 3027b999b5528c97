"""The daily feed against a real HTTP server on loopback, parsed by the real feedparser."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from mimwatch.awesome import parse
from mimwatch.enrich import enrich
from mimwatch.errors import SourceError
from mimwatch.sources import FeedSource, read_source_file
from mimwatch.sources.retry import Backoff

FEEDS = Path(__file__).parent / "data" / "feeds"
DAILY = (FEEDS / "rss-2024-03-05.xml").read_bytes()
WEEKEND = (FEEDS / "rss-empty-weekend.xml").read_bytes()
FAST = Backoff(base=0.01, cap=0.05, attempts=3)


def feed_source(httpserver, **kwargs) -> FeedSource:
    kwargs.setdefault("backoff", FAST)
    return FeedSource(base_url=httpserver.url_for("/"), categories=("cs.CV", "cs.LG"), **kwargs)


def test_daily_feed_splits_candidates_and_updates(httpserver):
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data(DAILY, content_type="application/rss+xml")
    result = feed_source(httpserver).fetch()
    assert result.announced and result.date == date(2024, 3, 5)
    assert [(p.id, p.announce_type) for p in result.papers] == [
        ("2305.14344", "new"),
        ("2309.03576", "new"),
        ("2503.11742", "new"),
        ("2306.00989", "cross"),
    ]
    assert [(p.id, p.version, p.announce_type) for p in result.updates] == [
        ("2111.06377", 4, "replace"),
        ("2205.14540", 3, "replace-cross"),
    ]
    siam = result.papers[0]
    assert siam.title == "Siamese Masked Autoencoders"
    assert siam.authors == ("Agrim Gupta", "Jiajun Wu", "Jia Deng", "Li Fei-Fei")
    assert siam.abstract.startswith("Establishing correspondence") and "Announce Type" not in siam.abstract
    assert siam.categories == ("cs.CV", "cs.LG") and siam.version == 1
    assert result.papers[2].authors[0] == "Moreno D'Incà"


def test_feed_url_joins_categories_with_plus():
    source = FeedSource(categories=("cs.CV", "eess.IV"), feed_format="atom")
    assert source.url == "https://rss.arxiv.org/atom/cs.CV+eess.IV"


def test_empty_weekend_feed_means_not_announced(httpserver):
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data(WEEKEND, content_type="application/rss+xml")
    result = feed_source(httpserver).fetch()
    assert not result.announced
    assert result.papers == () and result.updates == ()


def test_version_bump_of_a_listed_paper_is_an_update(httpserver, may_text):
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data(DAILY, content_type="application/rss+xml")
    result = feed_source(httpserver).fetch()
    doc = parse(may_text)
    mae = next(p for p in result.updates if p.id == "2111.06377")
    assert doc.find(arxiv_id=mae.id) is not None  # already listed: an update, never a new candidate
    assert all(doc.find(arxiv_id=p.id, title=p.title, authors=p.authors) is None for p in result.papers)
    assert enrich(mae).venue.tag() == "CVPR'2022"
    supmae = next(p for p in result.updates if p.id == "2205.14540")
    assert enrich(supmae).venue.tag() == "AAAI Workshop'2024"
    assert enrich(supmae).code == "https://github.com/enyac-group/supmae"


def test_503_then_success(httpserver):
    httpserver.expect_ordered_request("/rss/cs.CV+cs.LG").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/rss/cs.CV+cs.LG").respond_with_data(DAILY, content_type="application/rss+xml")
    assert len(feed_source(httpserver).fetch().papers) == 4


def test_persistent_failure_is_a_source_error(httpserver):
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data("down", status=503)
    with pytest.raises(
        SourceError,
        match=r"arXiv feed http://localhost:\d+/rss/cs\.CV\+cs\.LG failed after 3 tries: HTTP 503",
    ):
        feed_source(httpserver).fetch()


@pytest.mark.parametrize(
    "body", [b"<rss><channel><item><title>x</title>", b"not xml at all {", DAILY[: len(DAILY) // 2]]
)
def test_malformed_feed_is_a_source_error(httpserver, body):
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data(body, content_type="application/rss+xml")
    with pytest.raises(SourceError, match="malformed arXiv feed"):
        feed_source(httpserver).fetch()


def test_saved_feed_and_api_files(tmp_path):
    daily = read_source_file(FEEDS / "rss-2024-03-05.xml")
    assert len(daily.papers) == 4 and len(daily.updates) == 2
    api = read_source_file(FEEDS / "api-query-all-science-2019-08-10.atom.xml")
    assert len(api.papers) == 10 and api.papers[0].published == date(2015, 1, 21)


def test_jsonl_source_reads_the_shared_schema(tmp_path):
    path = tmp_path / "pool.jsonl.gz"
    records = [
        {"id": "2503.11731", "title": "A  Title", "abstract": "Text\nwrapped", "authors": ["A B"],
         "categories": ["cs.CV"], "published": None, "source": "x", "listing_date": "2025-03-18"},
        {"id": "2301.00001", "title": "B", "abstract": "", "authors": None, "categories": None,
         "published": "2023-01-01", "comment": "Accepted to CVPR 2023", "version": 2},
    ]  # fmt: skip
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in records) + "\n")
    papers = read_source_file(path).papers
    assert papers[0].title == "A Title" and papers[0].abstract == "Text wrapped"
    assert papers[0].published == date(2025, 3, 18)
    assert (papers[1].comment, papers[1].version) == ("Accepted to CVPR 2023", 2)


def test_bad_jsonl_records_are_skipped_with_file_and_line(tmp_path, caplog):
    path = tmp_path / "bad.jsonl"
    lines = ['{"id": "2401.00001", "title": "ok"}', '{"id": broken', '{"id": "2401.00002", "title": "A\\u0000B"}',
             '[1, 2]', '{"id": "2401.00003"}', '{"id": "2401.00004", "title": "also ok"}']  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    papers = read_source_file(path).papers
    assert [p.id for p in papers] == ["2401.00001", "2401.00004"]
    warnings = [r.getMessage() for r in caplog.records]
    assert any("bad.jsonl:2: not a JSON record" in w for w in warnings)
    assert any("bad.jsonl:3: skipped a record that holds a NUL byte" in w for w in warnings)
    assert any("bad.jsonl:4: expected a JSON object" in w for w in warnings)
    assert any("bad.jsonl:5: skipped a record that has no 'title'" in w for w in warnings)
    other = tmp_path / "x.csv"
    other.write_text("id,title\n", encoding="utf-8")
    with pytest.raises(SourceError, match="unknown source type"):
        read_source_file(other)


def test_atom_flavour_of_the_daily_feed(httpserver):
    body = (FEEDS / "atom-2024-03-05.xml").read_bytes()
    httpserver.expect_request("/atom/cs.CV").respond_with_data(body, content_type="application/atom+xml")
    result = FeedSource(base_url=httpserver.url_for("/"), categories=("cs.CV",), feed_format="atom").fetch()
    assert result.announced and result.date == date(2024, 3, 5)
    assert [(p.id, p.version, p.authors) for p in result.papers] == [("2305.14344", 1, ("Agrim Gupta", "Jiajun Wu"))]
    assert [(p.id, p.version, p.journal_ref) for p in result.updates] == [("2111.06377", 4, "CVPR 2022")]
