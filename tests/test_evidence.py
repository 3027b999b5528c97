"""Issue 21: the author evidence weighed out of sample and aware of common names; a format-2 model still
scores; a list whose sections moved or were renamed refits only the section head."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mimwatch.awesome import parse
from mimwatch.classify import features as F
from mimwatch.classify.follow import follow_list, list_changes
from mimwatch.classify.model import Model, TrainConfig
from mimwatch.classify.tasks import load_model, train_from_files

DATA = Path(__file__).parent / "data" / "classify"
LIST, CORPUS, POOL = DATA / "list.md", DATA / "corpus.jsonl", DATA / "pool.jsonl"


def pool_records() -> list[dict]:
    return [json.loads(line) for line in POOL.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_a_common_name_counts_for_less_than_a_name_of_the_lists_own():
    positives = [["ann rare"], ["ann rare", "yang liu"], ["yang liu"], ["bo solo"]]
    negatives = [["yang liu", f"x{i}"] if i % 5 == 0 else [f"x{i}"] for i in range(100)]
    weights = F.AuthorRates.of(positives, negatives).weights()
    assert weights["ann rare"] > weights["yang liu"] and weights["bo solo"] > weights["yang liu"]
    assert "x1" not in weights  # a name no list entry has is no list author
    # Papers without authors tell nothing of how common a name is: they do not dilute the negatives' rate.
    assert F.AuthorRates.of(positives, [*negatives, *[[]] * 500]).weights() == weights
    # Rates, not counts: 2 of 4 entries against 20 of 100 recent papers (one smoothed in).
    assert weights["yang liu"] == pytest.approx(math.log((2 / 4) / (21 / 101)))


def test_a_paper_is_never_evidence_for_itself_and_the_strongest_author_counts_up_to_the_cap():
    positives = [["ann rare"], ["ann rare"], ["bo solo"], ["yang liu"], ["yang liu"]]
    negatives = [["yang liu"] if i < 30 else [f"x{i}"] for i in range(100)]
    rates = F.AuthorRates.of(positives, negatives)
    weights = rates.weights()
    own = rates.own_evidence(positives, cap=10.0, side="positive")
    # "bo solo" has only their own entry: left out, nothing is left. "ann rare" has another entry.
    assert own[2] == 0.0 and own[0] > 0 and own[0] < weights["ann rare"]
    assert own[0] == pytest.approx(math.log((1 / 4) / (1 / 101)))
    # A recent paper of the common name, its own occurrence left out, counts as it would for a paper unseen.
    neg = rates.own_evidence(negatives[:1], cap=10.0, side="negative")
    assert neg[0] == pytest.approx(math.log((2 / 5) / (30 / 101)))
    # Unseen papers: the strongest list author's weight, capped; no list author, no evidence.
    unseen = F.author_evidence([["yang liu", "ann rare"], ["x3"], []], weights, cap=2.0)
    assert unseen.tolist() == [min(weights["ann rare"], 2.0), 0.0, 0.0]


@pytest.fixture(scope="module")
def stacked(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stacked")
    train_from_files(LIST, out, [CORPUS], [POOL], config=TrainConfig(min_df=2))
    return out


def test_relevance_is_the_stacker_over_the_text_score_and_the_author_evidence(stacked):
    model = load_model(stacked)
    meta = json.loads((stacked / "model.json").read_text())
    assert meta["format_version"] == 3 and meta["stack"] == pytest.approx(list(model.stack))
    assert model.meta["training"]["author_coefficient"] == pytest.approx(model.stack[1])
    papers = pool_records()[:20]
    W, _, _, _ = model.vectors(papers)
    keys = [[F.author_key(a) for a in p.get("authors") or []] for p in papers]
    evidence = F.author_evidence(keys, model.author_weights, model.meta["config"]["author_cap"])
    a, b, c = model.stack
    expected = 1 / (1 + np.exp(-(a * (W @ model.coef + model.intercept) + b * evidence + c)))
    assert [s.relevance for s in model.score(papers, explain=False)] == pytest.approx(expected.tolist(), rel=1e-5)
    # Only names of the list carry a weight, each > 0 (a name as common outside the list as in it is dropped).
    listed = {F.author_key(a) for e in parse(LIST.read_text(encoding="utf-8")).entries for a in e.authors}
    assert model.author_weights and set(model.author_weights) <= listed
    assert all(w > 0 for w in model.author_weights.values())


def test_the_ablation_without_authors_retrains_with_a_zero_author_weight(tmp_path):
    train_from_files(LIST, tmp_path, [CORPUS], [POOL], config=TrainConfig(min_df=2, author_evidence="none"))
    model = load_model(tmp_path)
    assert model.stack[1] == 0.0
    papers = pool_records()[:5]
    with_authors = model.score(papers, explain=False)
    without = model.score([{**p, "authors": []} for p in papers], explain=False)
    assert [s.relevance for s in with_authors] == [s.relevance for s in without]


def test_a_format_2_model_with_its_author_column_still_loads_and_scores_alike(tmp_path):
    """Models trained before the stacker (format 2) keep working until the next retrain."""
    config = TrainConfig(min_df=2, author_evidence="in-sample", char_weight=0.5)
    model, _ = train_from_files(LIST, tmp_path, [CORPUS], [POOL], config=config)
    meta = json.loads((tmp_path / "model.json").read_text())
    assert meta["format_version"] == 2 and "stack" not in meta
    loaded = Model.load(tmp_path)
    assert loaded.stack is None and loaded.coef.shape == model.coef.shape
    papers = pool_records()
    before = [s.relevance for s in model.score(papers, explain=False)]
    assert [s.relevance for s in loaded.score(papers)] == pytest.approx(before, rel=1e-5)


def renamed_and_moved() -> str:
    """The fixture list with a section renamed and one entry moved to another section: no new paper."""
    text = LIST.read_text(encoding="utf-8")
    text = text.replace("### Medical Image\n", "### Medical Imaging\n").replace("(#medical-image)", "(#medical-imaging)")
    entry_start = text.index("* **MeshMAE")
    entry = text[entry_start : text.index("* **Voxel-MAE")]
    text = text[:entry_start] + text[entry_start + len(entry) :]
    return text.rstrip("\n") + "\n\n" + entry.rstrip("\n") + "\n"


def test_sections_renamed_or_moved_refit_only_the_section_head(tiny_model):
    base = load_model(tiny_model)
    doc = parse(renamed_and_moved())
    changes = list_changes(base, doc)
    assert not changes.new_entries and "Medical Imaging" in changes.new_sections
    assert changes.moved == 4 + 1  # the renamed section's 4 entries and the moved one, now Medical Imaging's
    followed = follow_list(base, doc, None, [], None)  # no negatives, no sample: nothing to retrain relevance on
    assert followed.meta["followed_list"]["refit"] == "sections only"
    assert followed.sections == list(doc.sections) and "Medical Image" not in followed.sections
    # Relevance, its threshold and the author evidence are the model's as trained.
    assert followed.coef is base.coef and followed.threshold == base.threshold and followed.stack == base.stack
    assert followed.author_weights == base.author_weights
    assert list_changes(followed, doc).any is False
    mesh = next(e for e in followed.entries if "MeshMAE" in e["title"])
    assert mesh["section"] == "Medical Imaging"
    papers = [{"id": "x", "title": "Masked autoencoders for histopathology whole slide images", "abstract":
               "We pre-train a vision transformer on pathology slides with masked image modeling."}]  # fmt: skip
    scored = followed.score(papers)[0]
    assert {name for name, _ in scored.sections} <= set(followed.sections)
    assert scored.relevance == pytest.approx(base.score(papers)[0].relevance)


def test_a_refitted_model_saves_and_loads(tiny_model, tmp_path):
    followed = follow_list(load_model(tiny_model), parse(renamed_and_moved()), None, [], None)
    followed.save(tmp_path / "m")
    again = Model.load(tmp_path / "m")
    papers = pool_records()[:10]
    assert [s.section for s in again.score(papers)] == [s.section for s in followed.score(papers)]


def test_a_list_that_dropped_an_entry_no_longer_vouches_for_its_authors(tiny_model):
    base = load_model(tiny_model)
    text = LIST.read_text(encoding="utf-8")
    start = text.index("* **Voxel-MAE")
    end = text.index("### Medical Image")
    doc = parse(text[:start] + text[end:])
    changes = list_changes(base, doc)
    assert changes.removed == 1 and not changes.new_entries and changes.any
    assert "chen min" in base.list_authors and "chen min" in base.author_weights
    followed = follow_list(base, doc, None, [], None)
    assert followed.meta["followed_list"]["refit"] == "sections only" and "1 removed" in changes.describe()
    assert "chen min" not in followed.list_authors and "chen min" not in followed.author_weights
    assert followed.author_weights and set(followed.author_weights) <= set(followed.list_authors)
    paper = {"id": "x", "title": "Occupancy pre-training for point clouds", "authors": ["Chen Min", "Ann Other"]}
    assert "list_authors" in base.score([paper])[0].reasons
    assert "list_authors" not in followed.score([paper])[0].reasons
    assert list_changes(followed, doc).any is False
