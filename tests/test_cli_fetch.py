"""`mimwatch fetch` end to end: loopback servers, real clients, JSONL out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mimwatch.cli import main

from .conftest import MAY_LIST
from .fakes.arxiv_api import FakeArxivApi, FakeEntry, entries

FEEDS = Path(__file__).parent / "data" / "feeds"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_fetch_since_writes_enriched_jsonl(httpserver, tmp_path):
    corpus = entries(3)
    corpus[0] = FakeEntry(id="2401.00001v2", title="MaskX: Masked Things", comment="Accepted to CVPR 2024",
                          abstract="Code: https://github.com/me/maskx")  # fmt: skip
    httpserver.expect_request("/api/query").respond_with_handler(FakeArxivApi(corpus))
    out = tmp_path / "out.jsonl"
    result = run(
        "fetch",
        "--since",
        "2024-01-01",
        "--until",
        "2024-01-07",
        "--categories",
        "cs.CV",
        "-o",
        str(out),
        env={"MIMWATCH_ARXIV_API_URL": httpserver.url_for("/api/query")},
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["2401.00001", "2401.00002", "2401.00003"]
    first = records[0]
    assert (first["version"], first["venue"], first["code"], first["abbreviation"]) == (
        2,
        "CVPR'2024",
        "https://github.com/me/maskx",
        "MaskX",
    )
    assert records[1]["venue"] == "ArXiv'2024"
    assert set(first) >= {"id", "title", "abstract", "authors", "categories", "published", "source", "comment",
                          "journal_ref"}  # fmt: skip


def test_fetch_ids(httpserver):
    fake = FakeArxivApi(entries(5))
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    result = run("fetch", "--ids", "2401.00002,2401.00004", "--ids", "2401.00005v1",
                 "--api-url", httpserver.url_for("/api/query"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in lines(result.stdout)] == ["2401.00002", "2401.00004", "2401.00005"]
    assert fake.requests[0]["id_list"] == "2401.00002,2401.00004,2401.00005"  # latest versions


def test_fetch_feed_spelled_as_the_list(httpserver):
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data((FEEDS / "rss-2024-03-05.xml").read_bytes())
    result = run("fetch", "--feed", "--categories", "cs.CV,cs.LG", "--feed-url", httpserver.url_for("/"),
                 "--list", str(MAY_LIST))  # fmt: skip
    assert result.exit_code == 0, result.output
    records = lines(result.stdout)
    assert [r["announce_type"] for r in records] == ["new", "new", "new", "cross", "replace", "replace-cross"]
    assert records[1]["code"] == "https://github.com/Haochen-Wang409/DropPos"


def test_fetch_empty_feed_is_not_an_error(httpserver):
    httpserver.expect_request("/rss/cs.CV").respond_with_data((FEEDS / "rss-empty-weekend.xml").read_bytes())
    result = run("fetch", "--feed", "--categories", "cs.CV", "--feed-url", httpserver.url_for("/"))
    assert result.exit_code == 0
    assert "nothing announced yet" in result.stderr and result.stdout == ""


def test_fetch_source_file_and_failures(httpserver, tmp_path):
    ok = run("fetch", "--source", str(FEEDS / "api-query-all-science-2019-08-10.atom.xml"))
    assert ok.exit_code == 0 and len(lines(ok.stdout)) == 10
    httpserver.expect_request("/api/query").respond_with_data("down", status=503)
    out = tmp_path / "never.jsonl"
    failed = run("fetch", "--ids", "2401.00001", "--api-url", httpserver.url_for("/api/query"), "-o", str(out),
                 env={"MIMWATCH_RETRY_BASE": "0.01"})  # fmt: skip
    assert failed.exit_code == 1
    assert "Error: arXiv API query id_list=2401.00001" in failed.output and "HTTP 503" in failed.output
    assert not out.exists()  # no half-written output


def test_fetch_usage_errors():
    assert run("fetch").exit_code == 2
    assert run("fetch", "--feed", "--ids", "1").exit_code == 2
    assert run("fetch", "--until", "2024-01-01", "--ids", "1").exit_code == 2
