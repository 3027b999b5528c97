"""Issue 11: bad input never costs a run its other papers, never reaches the list or the PR unbounded,
and every failure is one clear line (the file, the host, the remedy)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimwatch.awesome import Entry, parse
from mimwatch.awesome.lint import lint
from mimwatch.classify.model import Score
from mimwatch.cli import main
from mimwatch.papers import Paper, title_key
from mimwatch.pipeline import ListView, Scored, _candidate, _unwritable, exclusion_patterns
from mimwatch.publish.proposal import MAX_BODY, Candidate, Proposal, Update, apply_proposal, marker_ids
from mimwatch.venues import Venue

from .conftest import MAY_LIST, git_clone

DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"
MASKED = "We propose masked image modeling with a vision transformer: masked autoencoders reconstruct pixels."


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def scan(*args: str, **kwargs):
    return CliRunner().invoke(main, ["scan", *args], **kwargs)


# ---- inputs -------------------------------------------------------------------------------------------


def test_records_without_an_id_are_keyed_by_title(tmp_path):
    records = [{"id": None, "openreview_id": f"or{i}", "title": f"Masked Autoencoders for Thing {i}",
                "abstract": MASKED, "authors": ["Ann Author"], "published": "2020-10-02"} for i in range(3)]  # fmt: skip
    records.append(dict(records[0]))  # the same paper twice is still a duplicate
    source = write_jsonl(tmp_path / "openreview.jsonl", records)
    result = scan("--source", str(source), "--list", str(MAY_LIST), "--dry-run", "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert re.search(r"new\s+3\n", result.stderr)
    assert re.search(r"skipped: duplicate in this fetch\s+1\n", result.stderr)
    assert "https://openreview.net/forum?id=or1" in result.stdout  # the entry links where the record points


def test_papers_without_authors_are_held_back_offline_and_completed_online(tmp_path, httpserver):
    from .fakes.arxiv_api import FakeArxivApi, FakeEntry

    record = {"id": "2403.01234", "title": "Masked Autoencoders Without Names", "abstract": MASKED, "authors": None}
    source = write_jsonl(tmp_path / "arxiver.jsonl", [record])
    offline = scan("--source", str(source), "--list", str(MAY_LIST), "--dry-run", "--threshold", "0")
    assert offline.exit_code == 0, offline.output
    assert re.search(r"skipped: held back: no authors\s+1\n", offline.stderr) and "* **<br>" not in offline.stdout

    fake = FakeArxivApi([
        FakeEntry(id="2403.01234v1", title=record["title"], authors=("Ada Lovelace", "Alan Turing"),
                  published="2024-03-01T18:00:00Z"),
        FakeEntry(id="2402.05555v1", title="Masked Autoencoders From Last Month", abstract=MASKED,
                  published="2024-02-20T18:00:00Z"),  # outside the window: the API does not return it
    ])  # fmt: skip
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    # A saved source with the API at hand (as in the Action, where the API is reachable): authors fetched by id.
    online = scan("--source", "api", "--since", "2024-03-01", "--until", "2024-03-02", "--list", str(MAY_LIST),
                  "--dry-run", "--threshold", "0", "--api-url", httpserver.url_for("/api/query"))  # fmt: skip
    assert online.exit_code == 0, online.output
    assert "Ada Lovelace, Alan Turing" in online.stdout and "From Last Month" not in online.stdout
    assert "submittedDate:[202403010000 TO 202403022359]" in fake.requests[0]["search_query"]


def test_authors_are_fetched_by_id_when_arxiv_can_be_asked():
    from mimwatch.pipeline import _with_authors

    paper = Paper.build(id="2403.01234", title="T", abstract=MASKED)
    score = Score("2403.01234", 0.9, True, "MIM for Transformers", [("MIM for Transformers", 0.9)], {})
    asked = []

    def fetch_ids(ids):
        asked.extend(ids)
        return [Paper.build(id="2403.01234", title="T", authors=["Ada Lovelace"])]

    completed = _with_authors([Scored(paper, score)], fetch_ids)
    assert asked == ["2403.01234"] and completed[0].paper.authors == ("Ada Lovelace",)


# Every character UTF-8 can encode (all but the surrogates), named by category: `codec="utf-8"` would have Hypothesis
# try each code point against the codec once per fresh example database (seconds of a first run).
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)
SMALL_LISTS = {
    "inline": "# L\n\n## Methods\n\n* **MAE**: Kaiming He, Xinlei Chen.\n"
              "   - Masked Autoencoders Are Scalable Vision Learners. [[CVPR'2022](https://arxiv.org/abs/2111.06377)]\n",
    "br": "# L\n\n## Methods\n\n* **Masked Autoencoders Are Scalable Vision Learners**<br>\n*Kaiming He, Xinlei Chen*<br>\n"
          "CVPR'2022 [[Paper](https://arxiv.org/abs/2111.06377)]\n",
}  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    fmt=st.sampled_from(sorted(SMALL_LISTS)),
    title=_text,
    authors=st.one_of(st.none(), st.lists(_text, max_size=40)),
    abstract=_text,
    comment=st.one_of(st.none(), _text),
    has_id=st.booleans(),
)
def test_any_record_becomes_an_entry_that_lints_clean_or_is_held_back(fmt, title, authors, abstract, comment, has_id):
    text = SMALL_LISTS[fmt]
    doc = parse(text)
    record = {"id": "2403.01234" if has_id else None, "title": title, "authors": authors, "abstract": abstract,
              "comment": comment, "published": "2024-03-01", "openreview_id": "abc"}  # fmt: skip
    paper = Paper.from_record(record)
    score = Score(paper.key, 0.9, True, "Methods", [("Methods", 0.9)], {"terms": [], "nearest": []})
    view = ListView(doc)
    if _unwritable(Scored(paper, score), view) is not None:
        return  # held back, with a reason in the summary
    candidate = _candidate(paper, score, "Methods", view)
    after_text = apply_proposal(text, "README.md", [candidate], [])
    after = parse(after_text)
    assert len(after.entries) == 2
    assert [p for p in lint(after) if p.code in ("missing-field", "malformed-link")] == []
    assert not any(ch in after_text for ch in "\u202a\u202e\u2066\u2069\x00")


def test_a_huge_title_and_bidi_controls_stay_out_of_the_list_and_the_pr(tmp_path, may_text):
    doc = parse(may_text)
    title = "Masked \u202eevil\u202c Autoencoders " + "word " * 20_000  # about 100 KB
    paper = Paper.build(id="2403.01234", title=title, abstract=MASKED, authors=[f"Author {i}" for i in range(500)])
    section = "MIM for Transformers"
    score = Score(paper.id, 0.9, True, section, [(section, 0.9)], {"terms": ["masked"] * 6, "nearest": []})
    view = ListView(doc)
    candidates = tuple(_candidate(paper.with_(id=f"2403.{i:05d}"), score, section, view) for i in range(300))
    proposal = Proposal(day=date(2024, 3, 5), list_path="README.md", candidates=candidates)
    body = proposal.body()
    assert len(body) <= 65_536
    assert "in the diff only" in body and len(re.findall(r"2403\.\d{5}", body.split("<!-- mimwatch:ids")[1])) == 300
    entry = candidates[0].entry
    assert len(entry.title) <= 300 and "\u202e" not in entry.title and len(entry.authors) == 31
    assert "\u202e" not in body


def test_a_list_with_a_half_written_entry_is_refused_before_anything_is_fetched(tmp_path):
    broken = tmp_path / "README.md"
    text = MAY_LIST.read_text(encoding="utf-8")
    cut = text.index("[[code](https://github.com/bytedance/ibot)]")
    broken.write_text(text[:cut] + "[[Code](https://github\n" + text[cut + 44 :], encoding="utf-8")
    before = broken.read_bytes()
    result = scan("--source", str(DAILY), "--list", str(broken), "--dry-run")
    assert result.exit_code == 1
    line = text[:cut].count("\n") + 1
    assert f"{broken}:{line}: a half-written entry" in result.output
    assert broken.read_bytes() == before


def test_exclude_matches_hyphens_and_spaces_alike():
    [(phrase, pattern)] = exclusion_patterns(["masked-autoencoders"])
    assert phrase == "masked autoencoders"
    assert pattern.search("Masked Autoencoders Are Scalable") and pattern.search("masked-autoencoder-ish masked-autoencoders")
    assert not pattern.search("maskedautoencoders")


# ---- state and models ---------------------------------------------------------------------------------


def test_a_damaged_state_file_is_named_with_the_remedy(tmp_path, monkeypatch):
    state = tmp_path / "state.sqlite"
    state.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("MIMWATCH_STATE", str(state))
    for target in (["--list", str(MAY_LIST), "--dry-run"], ["--git-repo", str(git_clone(tmp_path))]):
        result = scan("--source", str(DAILY), *target)
        assert result.exit_code == 1
        assert f"{state}: the state file is damaged" in result.output and "move it away" in result.output


def test_a_dry_run_reads_a_state_in_a_read_only_folder(tmp_path, monkeypatch, isolated_home):
    folder = tmp_path / "ro"
    folder.mkdir()
    monkeypatch.setenv("MIMWATCH_STATE", str(folder / "state.sqlite"))
    # A real run leaves a state behind; then the folder becomes read-only.
    listing = tmp_path / "README.md"
    listing.write_bytes(MAY_LIST.read_bytes())
    from mimwatch.state import PaperDecision, State

    State(folder / "state.sqlite").record_run(
        started=__import__("datetime").datetime.now(), since=None, until=None, source="x", status="ok", counts={},
        decisions=[PaperDecision("2305.14344", 1, "Siamese", 0.9, "Video Rrepresentation", "proposed")],
    )  # fmt: skip
    folder.chmod(0o555)
    try:
        before = sorted(p.name for p in folder.iterdir())
        result = scan("--source", str(DAILY), "--list", str(listing), "--dry-run")
        assert result.exit_code == 0, result.output
        assert re.search(r"skipped: seen before \(proposed\)\s+1\n", result.stderr)  # it did read the state
        assert sorted(p.name for p in folder.iterdir()) == before
    finally:
        folder.chmod(0o755)


# ---- network, validation, scheduler -------------------------------------------------------------------

REFUSED = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--source", "rss", "--list", str(MAY_LIST), "--feed-url", REFUSED],
        ["scan", "--source", "api", "--since", "2024-03-01", "--list", str(MAY_LIST), "--api-url", REFUSED],
        ["fetch", "--ids", "2111.06377", "--api-url", REFUSED],
        ["fetch", "--feed", "--feed-url", REFUSED],
        ["refresh", "--list", str(MAY_LIST), "--api-url", REFUSED],
        ["corpus", "build", "--list", str(MAY_LIST), "--out", "x.jsonl", "--api-url", REFUSED],
    ],
    ids=["scan-rss", "scan-api", "fetch-ids", "fetch-feed", "refresh", "corpus-build"],
)
def test_an_unreachable_host_fails_at_once_with_one_line(args, monkeypatch, caplog, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIMWATCH_RETRY_BASE", "30")  # a retry would wait 30 s: none may happen
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "127.0.0.1 refused the connection" in result.output
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]
    assert not Path("x.jsonl").exists()


def test_fetch_validates_before_going_to_the_network():
    late = CliRunner().invoke(main, ["fetch", "--since", "2024-03-05", "--until", "2024-03-01", "--api-url", REFUSED])
    assert late.exit_code == 2 and "--since 2024-03-05 is after --until 2024-03-01" in late.output
    bad = CliRunner().invoke(main, ["fetch", "--ids", "2111.06377,notanid", "--api-url", REFUSED])
    assert bad.exit_code == 2 and "not arXiv ids: notanid" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cron", "bogus"], "--cron: 'bogus' is not a crontab schedule"),
        (["--timezone", "Mars/Olympus"], "--timezone: 'Mars/Olympus' is not a time zone"),
        (["--", "--bogus", "--list", "x.md"], "the scan options after --: No such option"),
        (["--", "--dry-run"], "give --list PATH"),
    ],
)
def test_schedule_validates_everything_at_start(args, message):
    result = CliRunner().invoke(main, ["schedule", *args])
    assert result.exit_code == 2 and message in result.output


def test_a_rate_limit_longer_than_the_allowed_wait_stops_with_the_reset_time(httpserver, monkeypatch, tmp_path):
    from pytest_httpserver import URIPattern

    from .fakes.github_api import FakeGitHub

    gh = FakeGitHub(base=httpserver.url_for("").rstrip("/"))
    gh.seed(MAY_LIST.read_text(encoding="utf-8"))
    reset = int(time.time()) + 3600

    class Repos(URIPattern):
        def match(self, uri: str) -> bool:
            return uri.startswith("/repos/")

    gh.faults.append(("GET", r"/repos/lupin/Awesome-MIM$", 403,
                      {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
                      {"message": "API rate limit exceeded for user ID 1."}))  # fmt: skip
    httpserver.expect_request(Repos()).respond_with_handler(gh)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_x")
    monkeypatch.setenv("MIMWATCH_GITHUB_MAX_WAIT", "5")
    result = scan("--repo", "lupin/Awesome-MIM", "--open-pr", "--source", str(DAILY), "--github-url", gh.base,
                  "--state", str(tmp_path / "s.sqlite"))  # fmt: skip
    assert result.exit_code == 1, result.output
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(reset + 1))
    assert "rate limit is used up until" in result.output and when[:13] in result.output
    assert not gh.pulls
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_name_resolution_and_tls_failures_are_final_timeouts_are_not():
    import requests
    import urllib3.exceptions as u3

    from mimwatch.sources.retry import unreachable

    def wrapped(reason: Exception) -> requests.ConnectionError:
        # What requests raises: its ConnectionError around urllib3's MaxRetryError around the cause.
        return requests.ConnectionError(u3.MaxRetryError(None, "/x", reason))

    dns = wrapped(u3.NameResolutionError("export.arxiv.org", None, OSError("Name or service not known")))
    assert unreachable(dns, "https://export.arxiv.org/api/query") == "cannot resolve export.arxiv.org (no network, or no DNS)"
    assert "TLS failure talking to rss.arxiv.org" in unreachable(requests.exceptions.SSLError("bad cert"), "https://rss.arxiv.org")
    assert unreachable(requests.ReadTimeout("slow"), "https://export.arxiv.org") is None
    assert unreachable(requests.ConnectionError("Connection reset by peer"), "https://export.arxiv.org") is None


_KEYS = st.one_of(
    st.builds("{}.{:05d}".format, st.integers(1501, 2612), st.integers(0, 99999)),
    st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=4, max_size=12).map("openreview:{}".format),
    st.text(st.characters(categories=("L", "N", "Zs"), exclude_characters="\u2028\u2029"), min_size=1, max_size=300)
    .map(title_key),
)  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(counts=st.tuples(*[st.sampled_from([0, 1, 3, 30, 700, 7000])] * 3), key=_KEYS, data=st.data())
def test_the_pr_body_fits_githubs_limit_for_any_number_of_papers(counts, key, data):
    """However many papers and however long their keys, the body stays under 65,536 characters; the markers
    name as many keys as fit and count the rest (`more`), which the state keeps."""
    n_new, n_updates, n_triage = counts
    title = data.draw(st.text(min_size=1, max_size=400).map(lambda t: t.strip() or "T"))

    def candidate(i: int) -> Candidate:
        paper = Paper.build(id="", title=f"{title} {i}", abstract="a", authors=["A B"],
                            extra={"openreview_id": f"{key}-{i}"})  # fmt: skip
        entry = Entry(title=paper.title[:300], authors=("A B",), venue="ICLR", year=2025, paper_url=paper.url)
        return Candidate(paper, entry, "Methods", 0.9, (("Methods", 0.9),), ("masked",) * 5, ("MAE",) * 3)

    def update(i: int) -> Update:
        paper = Paper.build(id=f"2301.{i:05d}", title=f"{title} {i}")
        entry = Entry(title=paper.title[:300], authors=("A B",), venue="ArXiv", year=2023, paper_url=paper.url)
        return Update(paper, entry, Venue("CVPR", 2024), "https://github.com/a/b")

    proposal = Proposal(day=date(2024, 3, 5), list_path="README.md",
                        candidates=tuple(candidate(i) for i in range(n_new)),
                        updates=tuple(update(i) for i in range(n_updates)),
                        triage=tuple(candidate(n_new + i) for i in range(n_triage)))  # fmt: skip
    body = proposal.body()
    assert len(body) <= MAX_BODY <= 65_536
    marks = marker_ids(body)
    named = marks["ids"] + marks["updates"] + marks["triage"]
    assert set(named) <= set(proposal.ids + proposal.update_ids + proposal.triage_ids)
    assert len(named) + sum(int(n) for n in marks["more"]) == n_new + n_updates + n_triage
    assert marks["ids"] == proposal.ids[: len(marks["ids"])]  # the first ones, in order, decoded as they were
