"""OpenReview and bioRxiv beside arXiv, behind one source seam: the real clients against loopback fakes that
answer with the services' response shapes; one paper on two sources is one paper."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import URIPattern

from mimwatch.awesome import parse
from mimwatch.cli import main
from mimwatch.sources.files import read_source_file

from .conftest import MAY_LIST, git_clone
from .fakes.biorxiv_api import FakeBiorxiv, record
from .fakes.openreview_api import FakeOpenReview, note

DATA = Path(__file__).parent / "data"
DAILY = DATA / "feeds" / "rss-2024-03-05.xml"
DAY_ONE = {r["id"]: r for r in map(json.loads, (DATA / "review" / "day-one.jsonl").read_text().splitlines())}
MEDICAL, VIDEO, TRIAGE = DAY_ONE["2503.14013"], DAY_ONE["2503.15096"], DAY_ONE["2504.09155"]
ICLR = "ICLR.cc/2026/Conference"
SEPT, OCT, JAN = 1758600000000, 1760000000000, 1769000000000  # tmdates: 2025-09-23, 2025-10-09, 2026-01-21


class Anything(URIPattern):
    def match(self, uri: str) -> bool:
        return True


def iclr_notes(decided: bool = False) -> list[dict]:
    """ICLR 2026 submissions: one on-topic with its authors public, one whose authors are hidden until the decision
    (with `decided`: accepted, names public), one withdrawn, and one accepted that the list has as an arXiv preprint."""
    anonymous = note("Vd3oXk2Lq0", VIDEO["title"], VIDEO["abstract"], VIDEO["authors"] if decided else None,
                     "ICLR 2026 Poster" if decided else "Submitted to ICLR 2026",
                     ICLR if decided else f"{ICLR}/Submission", int(time.time() * 1000) if decided else SEPT)  # fmt: skip
    return [
        note("Mx7QwPz1aB", MEDICAL["title"], MEDICAL["abstract"], MEDICAL["authors"], "Submitted to ICLR 2026",
             f"{ICLR}/Submission", SEPT),
        anonymous,
        note("Wd9rTy5uIo", TRIAGE["title"], TRIAGE["abstract"], TRIAGE["authors"],
             "ICLR 2026 Conference Withdrawn Submission", f"{ICLR}/Withdrawn_Submission", OCT),
        note("Sp2Mae8cVv", "SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners",
             "Supervised masked autoencoders.", ["Feng Liang", "Yangguang Li"], "ICLR 2026 Poster", ICLR, JAN),
    ]  # fmt: skip


@pytest.fixture
def openreview(httpserver, monkeypatch) -> FakeOpenReview:
    fake = FakeOpenReview(iclr_notes())
    httpserver.expect_request("/notes").respond_with_handler(fake)
    monkeypatch.setenv("MIMWATCH_OPENREVIEW_URL", httpserver.url_for("").rstrip("/"))
    return fake


def scan(*args: str):
    return CliRunner().invoke(main, ["scan", *args])


def test_an_openreview_venue_is_a_source(openreview, tmp_path):
    result = scan("--source", f"openreview:{ICLR}", "--list", str(MAY_LIST), "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[[OpenReview'2025](https://openreview.net/forum?id=Mx7QwPz1aB)]" in out  # its own page and venue
    assert "arxiv.org/abs/)" not in out and "ArXiv'2025" not in out
    assert re.search(r"skipped: held back: no authors\s+1\n", result.stderr)  # anonymous until the decision
    assert re.search(r"skipped: withdrawn at OpenReview\s+1\n", result.stderr)
    # The decision on a listed arXiv preprint updates its venue in place, in the list's spelling.
    assert "-   - SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners. [[ArXiv'2022]" in out
    assert "+   - SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners. [[ICLR'2026]" in out
    assert "<!-- mimwatch:ids openreview:Mx7QwPz1aB -->" in out
    first = openreview.requests[0]
    assert (first["invitation"], first["sort"], first["limit"]) == (f"{ICLR}/-/Submission", "tmdate:desc", "1000")


def test_a_saved_openreview_response_is_a_source(tmp_path):
    saved = tmp_path / "iclr2026.json"
    saved.write_text(json.dumps({"notes": iclr_notes(), "count": 4}), encoding="utf-8")
    result = read_source_file(saved)
    assert [p.key for p in result.papers] == ["openreview:Mx7QwPz1aB", "openreview:Vd3oXk2Lq0", "openreview:Wd9rTy5uIo",
                                              "openreview:Sp2Mae8cVv"]  # fmt: skip
    assert [p.extra["decision"] for p in result.papers] == ["pending", "pending", "withdrawn", "accepted"]
    assert result.papers[1].authors == () and result.papers[0].url == "https://openreview.net/forum?id=Mx7QwPz1aB"
    assert read_source_file(DATA / "openreview" / "iclr2026-submissions.json").papers


def test_anonymous_submissions_are_proposed_once_their_authors_are_public(openreview, tmp_path):
    clone = git_clone(tmp_path)
    first = scan("--source", f"openreview:{ICLR}", "--git-repo", str(clone))
    assert first.exit_code == 0 and "held back: no authors" in first.stderr
    openreview.notes = iclr_notes(decided=True)  # the decision: accepted, the names public, the note modified
    second = scan("--source", f"openreview:{ICLR}", "--git-repo", str(clone))
    assert second.exit_code == 0, second.output
    git = ["git", "-C", str(clone)]
    name = subprocess.run([*git, "branch", "--list", "mimwatch/*", "--format=%(refname:short)"], capture_output=True,
                          text=True).stdout.split()[0]  # fmt: skip
    branch = parse(subprocess.run([*git, "show", f"{name}:README.md"], capture_output=True, text=True).stdout)
    taken = branch.find(title=VIDEO["title"])
    assert taken is not None and taken.venue_tag == "ICLR'2026" and taken.paper_url.endswith("Vd3oXk2Lq0")
    assert "offset" in openreview.requests[-1] and re.search(r"proposed\s+1\n", second.stderr)


def test_a_paper_on_two_sources_is_one_paper_linking_arxiv(openreview, tmp_path):
    feed = DAILY.read_text(encoding="utf-8")
    droppos = re.search(r"<title>(DropPos[^<]*)</title>", feed).group(1)
    openreview.notes = [note("Dp0sXyZ123", droppos, "Masked positions.", ["Haochen Wang", "Junsong Fan"],
                             "ICLR 2026 Poster", ICLR, JAN)]  # fmt: skip
    result = scan("--source", str(DAILY), "--source", f"openreview:{ICLR}", "--list", str(MAY_LIST), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("+* **DropPos**") == 1
    assert "[[ICLR'2026](https://arxiv.org/abs/2309.03576)]" in result.stdout  # arXiv's link, OpenReview's decision
    assert "openreview:Dp0sXyZ123" not in result.stdout


def test_nothing_is_proposed_twice_across_sources_and_runs(openreview, tmp_path, isolated_home):
    clone = git_clone(tmp_path)
    assert scan("--source", f"openreview:{ICLR}", "--git-repo", str(clone)).exit_code == 0
    twin = tmp_path / "arxiv.jsonl"  # the same paper on arXiv, a day later
    twin.write_text(json.dumps({**MEDICAL, "published": "2025-03-18"}) + "\n", encoding="utf-8")
    again = scan("--source", str(twin), "--git-repo", str(clone))
    assert again.exit_code == 0, again.output
    assert re.search(r"skipped: seen before \(proposed\)\s+1\n", again.stderr) and re.search(r"proposed\s+0\n",
                                                                                             again.stderr)  # fmt: skip
    with sqlite3.connect(isolated_home / "state.sqlite") as db:
        assert db.execute("SELECT until FROM windows WHERE source = ?", (f"openreview:{ICLR}",)).fetchone()
    incremental = scan("--source", f"openreview:{ICLR}", "--git-repo", str(clone))  # from the last window on
    assert incremental.exit_code == 0 and re.search(r"fetched\s+0\n", incremental.stderr)


def test_refresh_asks_openreview_for_the_venues_of_listed_papers(openreview, httpserver, tmp_path):
    from .fakes.arxiv_api import FakeArxivApi, FakeEntry

    arxiv = FakeArxivApi([FakeEntry(id="2205.14540v2", title="SupMAE: Supervised Masked Autoencoders Are Efficient "
                                    "Vision Learners", authors=("Feng Liang", "Yangguang Li"))])  # fmt: skip
    httpserver.expect_request("/api/query").respond_with_handler(arxiv)
    config = tmp_path / "mimwatch.toml"
    config.write_text(f'[mimwatch]\nsources = ["rss", "openreview:{ICLR}"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["refresh", "--config", str(config), "--list", str(MAY_LIST), "--dry-run",
                                       "--api-url", httpserver.url_for("/api/query")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"updates\s+1\n", result.stderr) and openreview.requests
    assert "+   - SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners. [[ICLR'2026]" in result.stdout


# ---- bioRxiv -------------------------------------------------------------------------------------------------

PROTEIN = ("Masked autoencoders are scalable learners of protein structure", "We pre-train a masked autoencoder on "
           "protein structures: most residues are masked and the vision transformer reconstructs them, a masked "
           "image modeling recipe for self-supervised representation learning of proteins.")  # fmt: skip


@pytest.fixture
def biorxiv(httpserver, monkeypatch) -> FakeBiorxiv:
    fake = FakeBiorxiv([
        record("10.1101/2025.03.01.640001", *PROTEIN, "Ann Lee; Bo Chen; Cara Diaz", "2025-03-02"),
        record("10.1101/2025.03.02.640002", "Masked image modeling of cell microscopy for phenotype discovery",
               "A masked autoencoder pre-trained on cell painting images by masked image modeling learns "
               "self-supervised representations of microscopy.", "Dev Patel; Eva Novak", "2025-03-03",
               published="10.1038/s41592-025-0001"),
        record("10.1101/2025.03.02.640003", *PROTEIN, "Fay Wu", "2025-03-03", category="neuroscience"),
    ], journals={"10.1101/2025.03.02.640002": {"biorxiv_doi": "10.1101/2025.03.02.640002",
                                                "published_doi": "10.1038/s41592-025-0001",
                                                "published_journal": "Nature Methods", "preprint_date": "2025-03-03",
                                                "published_date": "2025-09-10"}})  # fmt: skip
    httpserver.expect_request(Anything()).respond_with_handler(fake)
    monkeypatch.setenv("MIMWATCH_BIORXIV_URL", httpserver.url_for("").rstrip("/"))
    return fake


def test_biorxiv_is_a_source_with_its_categories_doi_pages_and_journals(biorxiv):
    result = scan("--source", "biorxiv:bioinformatics", "--since", "2025-03-01", "--until", "2025-03-04",
                  "--list", str(MAY_LIST), "--dry-run", "--threshold", "0.05")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[[bioRxiv'2025](https://www.biorxiv.org/content/10.1101/2025.03.01.640001)]" in out
    assert "[[Nature Methods'2025](https://www.biorxiv.org/content/10.1101/2025.03.02.640002)]" in out
    assert "Fay Wu" not in out  # neuroscience: not a category the list watches
    assert "doi:10.1101/2025.03.01.640001" in out  # its key in the markers
    assert any("category=bioinformatics" in r for r in biorxiv.requests)
    assert any(r.startswith("/pubs/biorxiv/10.1101/2025.03.02.640002") for r in biorxiv.requests)


def test_a_saved_biorxiv_response_is_a_source():
    result = read_source_file(DATA / "biorxiv" / "details-2025-03.json")
    assert result.papers and all(p.key.startswith("doi:10.1101/") and p.server == "bioRxiv" for p in result.papers)
