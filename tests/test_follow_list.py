"""The model follows the list: a new section with a few entries gets papers proposed into it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from mimwatch.awesome import Entry, parse, render
from mimwatch.awesome.edit import add_entries, add_section
from mimwatch.classify.follow import list_changes, load_sample, model_for_list
from mimwatch.classify.tasks import default_model_dir, load_model
from mimwatch.cli import main

from .conftest import MAY_LIST

ROBOTICS = [
    ("2203.06173", "Masked Visual Pre-training for Motor Control", "Tete Xiao"),
    ("2210.03109", "Real-World Robot Learning with Masked Visual Pre-training", "Ilija Radosavovic"),
    ("2206.14244", "Masked World Models for Visual Control", "Younggyo Seo"),
    ("2302.02408", "Multi-View Masked World Models for Visual Robotic Manipulation", "Younggyo Seo"),
]


def downstream_list() -> str:
    """The May list cut to its introduction and its downstream-task sections: a small list retrains in a
    third of the time the whole one takes, and these tests are about following a change, not its size."""
    text = MAY_LIST.read_text(encoding="utf-8")
    return text[: text.index("## MIM for Backbones")] + text[text.index("## MIM for Downstream Tasks") : text.index(
        "## Analysis and Understanding of MIM")]


def list_with_robotics(tmp_path):
    doc = add_section(parse(downstream_list()), "MIM for Robotics", parent="MIM for Downstream Tasks")
    entries = [Entry(title=t, authors=(a,), venue="ArXiv", year=2023, paper_url=f"https://arxiv.org/abs/{i}")
               for i, t, a in ROBOTICS]  # fmt: skip
    path = tmp_path / "README.md"
    path.write_text(render(add_entries(doc, "MIM for Robotics", entries)), encoding="utf-8")
    return path


def test_list_changes_and_refit(tmp_path):
    doc = parse(list_with_robotics(tmp_path).read_text(encoding="utf-8"))
    model = load_model()
    changes = list_changes(model, doc)
    assert "MIM for Robotics" in changes.new_sections and len(changes.new_entries) >= 4
    sample = load_sample(default_model_dir())
    # Offline: the new entries are learned from their titles; the negatives are the shipped sample. Through
    # the session's model cache, which the scan of the same list below then reads.
    followed = model_for_list(model, doc, Path(os.environ["MIMWATCH_MODEL_CACHE"]), sample, list, None)
    assert "MIM for Robotics" in followed.sections and followed.sections == list(doc.sections)
    assert list_changes(followed, doc).any is False
    trained = followed.meta["followed_list"]
    assert trained["negatives"] == sample.counts.shape[0] and trained["sample"] == sample.version
    assert {e["key"] for e in followed.entries} >= {i for i, _, _ in ROBOTICS}  # the whole model retrained
    assert followed.threshold != model.threshold and followed.meta["training"]["positives"] == len(followed.entries)


def test_scan_proposes_into_the_new_section(tmp_path):
    listing = list_with_robotics(tmp_path)
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({
        "id": "2403.05304", "title": "Masked Visual Pre-training for Robotic Manipulation from Human Videos",
        "abstract": "We pre-train a visual encoder for robot learning with masked autoencoding on egocentric videos "
                    "and use it for robotic manipulation and motor control of a real robot arm.",
        "authors": ["Ann Robot"], "categories": ["cs.RO", "cs.CV"], "published": "2024-03-08"}) + "\n",
        encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(main, ["scan", "--source", str(papers), "--list", str(listing), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "| MIM for Robotics |" in result.stdout
    after = result.stdout.split("--- pull request")[0]
    robotics_hunk = after[after.index("Multi-View Masked World Models") :]
    assert "+   - Masked Visual Pre-training for Robotic Manipulation from Human Videos." in robotics_hunk


def test_train_without_negatives_reads_the_corpus_then_fetches_only_whats_missing(tmp_path, monkeypatch, httpserver):
    """`train` with no --negatives retrains on the configured list: abstracts from --corpus first, the rest
    fetched by id; then `train` with no arguments at all is served from the cache."""
    from .fakes.arxiv_api import FakeArxivApi, FakeEntry

    listing = list_with_robotics(tmp_path)
    (tmp_path / "mimwatch.toml").write_text(f'[mimwatch]\nlist = "{listing}"\n', encoding="utf-8")
    in_corpus, to_fetch = ROBOTICS[:2], ROBOTICS[2:]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "title": t, "abstract": f"Masked pre-training for robots: {t}."})
                              + "\n" for i, t, _ in in_corpus), encoding="utf-8")  # fmt: skip
    fake = FakeArxivApi([FakeEntry(id=f"{i}v1", title=t, abstract="Masked pre-training for robots.") for i, t, _ in to_fetch])
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    monkeypatch.setenv("MIMWATCH_ARXIV_API_URL", httpserver.url_for("/api/query"))
    cache = tmp_path / "cache"
    monkeypatch.setenv("MIMWATCH_MODEL_CACHE", str(cache))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "new sections" in result.output and "the model cache" in result.output
    asked = {i for r in fake.requests for i in r["id_list"].split(",")}
    assert {i for i, _, _ in to_fetch} <= asked and not asked & {i for i, _, _ in in_corpus}  # the corpus first
    (folder,) = [p for p in cache.iterdir() if (p / "model.json").is_file()]
    assert "MIM for Robotics" in load_model(folder).sections  # the model scans of this list use
    requests = len(fake.requests)
    again = CliRunner().invoke(main, ["train"])
    assert again.exit_code == 0 and len(fake.requests) == requests  # from the cache: nothing fetched or trained


def test_rejected_papers_become_negatives(tmp_path):
    from datetime import datetime

    from mimwatch.classify.tasks import read_manifest, rejected_examples, train_from_files
    from mimwatch.state import PaperDecision, State

    from .test_classify import CORPUS, LIST, POOL

    state = State(tmp_path / "state.sqlite")
    state.record_run(started=datetime(2024, 3, 5), since=None, until=None, source="rss", status="ok", counts={},
                     decisions=[PaperDecision("2403.00007", 1, "Masked Cats", 0.7, "Medical Image", "proposed")])  # fmt: skip
    state.cache_abstracts([{"id": "2403.00007", "title": "Masked Cats", "abstract": "Masked autoencoders for cats."}])

    from mimwatch.publish.github import PullRequestRecord

    closed = PullRequestRecord(number=1, url="u", branch="mimwatch/x", state="closed", ids=("2403.00007",), updates=())

    from mimwatch.app import sync_feedback

    assert sync_feedback([closed], state) == {"rejected": 1}
    rejected = rejected_examples(state)
    assert [r.title for r in rejected] == ["Masked Cats"]
    train_from_files(LIST, tmp_path / "m", [CORPUS], [POOL], rejected=rejected)
    assert read_manifest(tmp_path / "m")["negatives"]["rejected_in_review"] == 1
    assert "2403.00007" in read_manifest(tmp_path / "m")["negatives"]["keys"]


def test_state_reads_any_number_of_ids(tmp_path):
    """Lookups by id go 500 at a time: SQLite caps the parameters of one statement."""
    from mimwatch.state import State

    state = State(tmp_path / "state.sqlite")
    records = [{"id": f"2401.{i:05d}", "title": f"Paper {i}", "abstract": ""} for i in range(1200)]
    state.cache_abstracts(records)
    wanted = [r["id"] for r in records] + ["2401.99999"]
    assert set(state.cached_abstracts(wanted)) == set(wanted[:-1])
    history = state.history(wanted)
    assert history.decisions == {} and history.outcomes == {}
