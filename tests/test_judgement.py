"""Issue 10: the whole model retrains on the list and on the papers the bot has seen; authors count; the PR
shows three sections; the retrained model is cached by the list's content."""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from mimwatch.awesome import parse
from mimwatch.classify.follow import list_fingerprint, load_sample, model_for_list, stream_examples
from mimwatch.classify.tasks import load_model
from mimwatch.cli import main
from mimwatch.state import SCHEMA_VERSION, PaperDecision, State

from .conftest import MAY_LIST, git_clone

DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"
SMALL_LIST = Path(__file__).parent / "data" / "classify" / "list.md"


def test_a_changed_list_retrains_once_then_comes_from_the_cache(tmp_path, caplog):
    listing = tmp_path / "README.md"
    listing.write_bytes(MAY_LIST.read_bytes())
    runs = []
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            result = CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--list", str(listing), "--dry-run"])
        assert result.exit_code == 0, result.output
        runs.append((result.stdout, [r for r in caplog.records if "training the model on this list" in r.getMessage()]))
    # The first dry run trained and wrote the cache (a cache is not state; the session's shared cache may
    # have it already); the second read it.
    assert len(runs[0][1]) <= 1 and runs[1][1] == [] and runs[0][0] == runs[1][0]
    assert any(p.name != "." for p in Path(os.environ["MIMWATCH_MODEL_CACHE"]).iterdir())
    # Formatting is not content: the same entries written with CRLF line ends need no retraining.
    listing.write_bytes(MAY_LIST.read_bytes().replace(b"\n", b"\r\n"))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--list", str(listing)]).exit_code == 0
    assert not [r for r in caplog.records if "training the model on this list" in r.getMessage()]


def small_changed_list():
    """The 20-entry fixture list with one more section and entry: retraining on it takes seconds."""
    from mimwatch.awesome import Entry
    from mimwatch.awesome.edit import add_entries, add_section

    doc = add_section(parse(SMALL_LIST.read_text(encoding="utf-8")), "MIM for Robotics")
    entry = Entry(title="Masked Visual Pre-training for Motor Control", authors=("Tete Xiao",), venue="ArXiv",
                  year=2022, paper_url="https://arxiv.org/abs/2203.06173")  # fmt: skip
    return add_entries(doc, "MIM for Robotics", [entry])


def test_a_damaged_cached_model_is_trained_again(tiny_model, tmp_path, caplog):
    base, doc = load_model(tiny_model), small_changed_list()
    sample = load_sample(tiny_model)
    folder = tmp_path / list_fingerprint(doc, base, sample)
    folder.mkdir()
    (folder / "model.json").write_text("{ damaged", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        model = model_for_list(base, doc, tmp_path, sample, list, None)
    assert any("cannot be used" in r.getMessage() for r in caplog.records)
    assert model.sections == list(doc.sections) and load_model(folder).sections == list(doc.sections)


def test_the_state_keeps_a_window_of_judged_papers_as_negatives(tmp_path):
    state = State(tmp_path / "state.sqlite", stream_window=5)
    papers = [{"id": f"2403.{i:05d}", "title": f"Paper {i}", "abstract": "x", "authors": ["A B"]} for i in range(8)]
    decisions = [PaperDecision(p["id"], 1, p["title"], 0.01, None, "irrelevant") for p in papers]
    decisions[6] = PaperDecision("2403.00006", 1, "Paper 6", 0.9, "S", "proposed")
    decisions[7] = PaperDecision("2403.00007", 1, "Paper 7", 0.9, "S", "proposed")
    state.record_run(started=datetime(2024, 3, 5), since=None, until=None, source="rss", status="ok", counts={},
                     decisions=decisions[:4], papers=papers[:4])  # fmt: skip
    state.record_run(started=datetime(2024, 3, 6), since=None, until=None, source="rss", status="ok", counts={},
                     decisions=decisions[4:], papers=papers[4:])  # fmt: skip

    from mimwatch.app import sync_feedback
    from mimwatch.publish.github import PullRequestRecord

    sync_feedback([PullRequestRecord(1, "u", "mimwatch/x", "closed", ("2403.00007",), ())], state)
    negatives = [r["id"] for r in state.stream_negatives()]
    # The window keeps the 5 newest; what the bot proposed is no negative, unless the maintainers rejected it.
    assert negatives == ["2403.00003", "2403.00004", "2403.00005", "2403.00007"]
    examples = stream_examples(state.stream_negatives())
    assert examples[0].authors == ("A B",) and examples[0].abstract == "x"


def test_retraining_reads_the_states_negatives(tiny_model, tmp_path):
    base, doc = load_model(tiny_model), small_changed_list()
    sample = load_sample(tiny_model)
    records = [{"id": f"2403.{i:05d}", "title": f"A study of graph networks {i}", "abstract": "Graphs."}
               for i in range(30)] + [{"id": "2203.06173", "title": "Masked Visual Pre-training for Motor Control"}]  # fmt: skip
    model = model_for_list(base, doc, tmp_path, sample, lambda: stream_examples(records), None)
    trained = model.meta["followed_list"]
    assert trained["stream_negatives"] == 31
    assert trained["negatives"] == sample.counts.shape[0] + 30  # the listed paper is never a negative


def test_authors_already_in_the_list_count_and_are_named():
    model = load_model()
    paper = {"id": "x", "title": "Masked image modeling for dense prediction",
             "abstract": "We study masked image modeling pre-training for detection and segmentation."}  # fmt: skip
    known = max(model.list_authors, key=lambda k: model.list_authors[k])  # the list's most frequent author
    first, last = known.split()[0], known.split()[-1]
    with_author, without = model.score([{**paper, "authors": [f"{first.title()} {last.title()}", "New Person"]},
                                        {**paper, "authors": ["New Person"]}])  # fmt: skip
    assert with_author.relevance > without.relevance
    assert with_author.reasons["list_authors"] == [f"{first.title()} {last.title()}"]
    assert "list_authors" not in without.reasons


def test_the_pr_shows_three_sections_for_every_paper(tmp_path):
    result = CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--list", str(MAY_LIST), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "--- pull request (dry run) ---" in result.stdout, result.output
    body = result.stdout.split("--- pull request (dry run) ---")[1]
    table = body.split("## New papers")[1].split("<details>")[0]
    rows = [line for line in table.splitlines() if line.startswith("| [")]
    assert rows and all(len(re.findall(r" \d\.\d\d", row.split(" | ")[2])) == 3 for row in rows)


def test_a_state_written_by_the_first_release_opens_and_rescans_cleanly(tmp_path):
    """tests/data/state-first-release.sqlite: the state of commit 4c3b4c2 (no schema version) after a scan
    of the daily feed into a local clone. Today's mimwatch migrates it and proposes nothing twice."""
    import shutil
    import sqlite3

    state = tmp_path / "state.sqlite"
    shutil.copy(Path(__file__).parent / "data" / "state-first-release.sqlite", state)
    result = CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--git-repo", str(git_clone(tmp_path)),
                                       "--state", str(state)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"proposed\s+0\n", result.stderr) and re.search(r"updates\s+0\n", result.stderr)
    assert re.search(r"skipped: seen before \(proposed\)\s+3\n", result.stderr)
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_a_model_of_its_own_keeps_a_sample_and_retrains_offline_on_a_grown_list(tiny_model, tmp_path):
    """`train --negatives` writes the model's own hashed sample, so a scan retrains offline when the list grows."""
    sample = load_sample(tiny_model)  # tiny_model: `train --negatives` of the small list (conftest)
    assert sample is not None and sample.counts.shape[0] == 90  # all 90 pool papers (under the 4,000 cap)
    grown = small_changed_list()
    model = model_for_list(load_model(tiny_model), grown, tmp_path / "cache", sample, list, None)
    assert "MIM for Robotics" in model.sections


def test_too_few_negatives_keep_the_model_as_trained_instead_of_failing_the_scan(tmp_path, caplog):
    base = load_model()
    with caplog.at_level(logging.WARNING):
        model = model_for_list(base, small_changed_list(), tmp_path, None, list, None)  # no sample, empty state
    assert model is base and any("cannot retrain on this list" in r.getMessage() for r in caplog.records)
