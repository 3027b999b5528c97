"""The classifier: training on a list, the classify contract, determinism, safe persistence, evaluation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from mimwatch.classify.model import NEEDS_TRIAGE, Model, ModelError, fit_in_span
from mimwatch.classify.tasks import default_model_dir, load_model, train_from_files
from mimwatch.cli import main

DATA = Path(__file__).parent / "data" / "classify"
LIST, CORPUS, POOL, LABELS = (
    DATA / "list.md",
    DATA / "corpus.jsonl",
    DATA / "pool.jsonl",
    DATA / "labels.jsonl",
)
SECTIONS = {"MIM for Transformers", "Video Rrepresentation", "3D Point Cloud", "Medical Image"}


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_train_writes_model_manifest_and_card(tmp_path):
    out = tmp_path / "m"
    result = CliRunner().invoke(
        main,
        ["train", "--list", str(LIST), "--corpus", str(CORPUS), "--negatives", str(POOL), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "trained on 20 list entries and 90 pool papers" in result.output
    for name in ("model.npz", "model.json", "manifest.json", "MODEL_CARD.md"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["positives"]) == 20 and manifest["negatives"]["count"] == 90
    assert {p["section"] for p in manifest["positives"]} == SECTIONS
    card = (out / "MODEL_CARD.md").read_text()
    assert "Operating threshold" in card and "reading budget" in card and "**Bias**" in card


def test_features_keep_3d_but_no_years_counts_or_sizes():
    """The token "3D" names a section; "2021", "100M" or "2B" would only tell the pool's era from the list's."""
    from mimwatch.classify.features import analyse

    terms = analyse("3D point clouds in 2021", "A 7B model with 100M images and 2D views.")
    words = {w for term in terms for w in term.split()}
    assert "3d" in words and "point clouds" in terms and "2d" in words
    assert {w for w in words if w[0].isdigit()} <= {"2d", "3d", "4d"}


def test_classify_contract_in_input_order(tiny_model, tmp_path):
    papers = tmp_path / "in.jsonl"
    rows = [{"id": "b", "title": "Masked autoencoders for point cloud pre-training"},
            {"id": "a", "title": "A stock market forecasting benchmark", "abstract": "We forecast prices."},
            {"id": "c", "title": "Video masked autoencoders", "abstract": "Masked video modeling with tubes."}]  # fmt: skip
    papers.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(main, ["classify", "--model", str(tiny_model), "--input", str(papers), "-o", str(out)])
    assert result.exit_code == 0, result.output
    scores = records(out)
    assert [s["id"] for s in scores] == ["b", "a", "c"]
    for s in scores:
        assert set(s) == {"id", "relevance", "relevant", "section", "sections", "reasons"}
        assert 0.0 <= s["relevance"] <= 1.0 and isinstance(s["relevant"], bool)
        assert s["section"] in SECTIONS | {NEEDS_TRIAGE}
        assert len(s["sections"]) == 3 and all(name in SECTIONS for name, _ in s["sections"])
        assert [p for _, p in s["sections"]] == sorted((p for _, p in s["sections"]), reverse=True)
        assert len(s["reasons"]["nearest"]) == 3 and all("title" in n for n in s["reasons"]["nearest"])
    assert scores[0]["relevance"] > scores[1]["relevance"] and scores[2]["relevance"] > scores[1]["relevance"]
    assert scores[0]["sections"][0][0] == "3D Point Cloud"
    assert scores[2]["sections"][0][0] == "Video Rrepresentation"
    assert "masked" in " ".join(scores[2]["reasons"]["terms"])


def test_training_is_deterministic(tiny_model, tmp_path):
    again = tmp_path / "again"
    train_from_files(LIST, again, [CORPUS], [POOL])
    pool = records(POOL)[:30]
    first = [s.as_record() for s in load_model(tiny_model).score(pool)]
    second = [s.as_record() for s in load_model(again).score(pool)]
    assert first == second


def test_saved_and_loaded_model_score_alike(tiny_model, tmp_path):
    model = load_model(tiny_model)
    model.save(tmp_path / "copy")
    copy = Model.load(tmp_path / "copy")
    pool = records(POOL)
    assert np.allclose([s.relevance for s in model.score(pool)], [s.relevance for s in copy.score(pool)])


def test_a_model_is_arrays_and_json_only(tiny_model):
    """No pickle, no estimator: the model loads and scores alike on any supported scikit-learn."""
    with np.load(tiny_model / "model.npz", allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)
    meta = json.loads((tiny_model / "model.json").read_text())
    assert "sklearn_version" not in meta and meta["format_version"] == 3 and len(meta["stack"]) == 3


def test_another_model_format_is_a_clear_error(tiny_model, tmp_path):
    old = tmp_path / "old"
    load_model(tiny_model).save(old)
    meta = json.loads((old / "model.json").read_text())
    meta["format_version"] = 1
    (old / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"model format 1 is not the 3 this mimwatch reads; retrain"):
        Model.load(old)
    result = CliRunner().invoke(main, ["classify", "--model", str(old), "--input", str(POOL)])
    assert result.exit_code == 1 and "Error:" in result.output and "Traceback" not in result.output


def test_damaged_or_missing_model_files(tiny_model, tmp_path):
    damaged = tmp_path / "damaged"
    load_model(tiny_model).save(damaged)
    (damaged / "model.npz").write_bytes(b"PK\x03\x04 not a real archive")
    with pytest.raises(ModelError, match="model.npz damaged or incomplete"):
        Model.load(damaged)
    with pytest.raises(ModelError, match="not a mimwatch model folder"):
        Model.load(tmp_path / "nothing-here")


def test_title_only_papers_are_not_favoured(tiny_model):
    """Entries without abstracts train as title-only; a short text alone must not look relevant."""
    model = load_model(default_model_dir())
    pool = records(POOL)
    full = np.array([s.relevance for s in model.score(pool, explain=False)])
    title_only = np.array([s.relevance for s in model.score([{"title": r["title"]} for r in pool], explain=False)])
    positives = np.array([s.relevance for s in model.score([{"title": r["title"]} for r in records(CORPUS)])])
    assert np.median(title_only) < 0.05 and np.mean(title_only >= model.threshold) <= 0.05
    assert np.median(positives) > 10 * np.median(title_only)  # list papers by their titles alone still stand out
    assert np.median(title_only) <= max(3 * np.median(full), 0.01)


def test_shipped_model_loads_and_judges(tmp_path):
    model = load_model(default_model_dir())
    assert "Image Generation" in model.sections and "3D Point Cloud" in model.sections
    scores = model.score([
        {"id": "mim", "title": "Masked Image Modeling with Local Multi-Scale Reconstruction",
         "abstract": "Masked image modeling (MIM) has achieved outstanding success in self-supervised representation "
                     "learning. We reconstruct masked patches at multiple scales with a vision transformer."},
        {"id": "gan", "title": "Few-shot image synthesis with a lightweight GAN",
         "abstract": "We train a generative adversarial network on 100 images with a skip-layer excitation module."},
        {"id": "pc", "title": "Point-MAE: Masked Autoencoders for Point Cloud Self-supervised Learning",
         "abstract": "We propose a masked autoencoder for point clouds: irregular point patches are masked and reconstructed."},
    ])  # fmt: skip
    mim, gan, pc = scores
    assert mim.relevant and pc.relevant and not gan.relevant
    assert pc.sections[0][0] == "3D Point Cloud"


def test_evaluate_prints_model_and_baselines(tiny_model):
    result = CliRunner().invoke(
        main,
        ["evaluate", "--model", str(tiny_model), "--labels", str(LABELS), "--pool", str(POOL),
         "--list", str(LIST), "--corpus", str(CORPUS)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = result.output
    for row in ("mimwatch", "keyword", "arxiv-sanity TF-IDF+SVM"):
        assert row in table
    for column in ("AP", "R@2/1000", "recall@thr", "cand/1000@thr", "section top-1", "section top-3"):
        assert column in table
    assert "8 labelled list papers" in table and "90 training negatives left out" in table


def test_a_large_file_is_scored_in_worker_processes_in_input_order(tiny_model, tmp_path):
    import io

    from mimwatch.classify.tasks import classify_file

    model = load_model(tiny_model)
    alone, together = io.StringIO(), io.StringIO()
    assert classify_file(model, POOL, alone, batch=7, workers=1) == classify_file(model, POOL, together, batch=7,
                                                                                 workers=2) == 90  # fmt: skip
    assert alone.getvalue() == together.getvalue()
    assert [json.loads(line)["id"] for line in together.getvalue().splitlines()] == [r["id"] for r in records(POOL)]


@pytest.mark.parametrize("n_classes", [2, 5])
def test_the_section_regression_solved_in_the_span_of_its_examples_is_the_plain_regression(n_classes):
    """`fit_in_span` fits over ~60 coordinates what scikit-learn fits over 2,000 features: run both to
    convergence and they are the same model (duplicate rows make the span smaller than the examples)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = sp.random(60, 2000, density=0.02, format="csr", random_state=1, dtype=np.float64)
    X = sp.vstack([X, X[:6]]).tocsr()
    y = np.asarray(X @ rng.standard_normal((2000, n_classes))).argmax(axis=1)
    new = sp.random(25, 2000, density=0.02, format="csr", random_state=2, dtype=np.float64)

    span = fit_in_span(X, y, C=10.0, tol=1e-10)
    plain = LogisticRegression(C=10.0, class_weight="balanced", max_iter=20_000, tol=1e-10).fit(X, y)
    assert list(span.classes) == list(plain.classes_) == list(range(n_classes))
    np.testing.assert_allclose(span.log_proba(new, n_classes), plain.predict_log_proba(new), atol=1e-5)
    assert span.coef.shape == (n_classes, 2000)  # back in feature space, two rows for a binary fit
    # Entries with no section feature at all (titles of stop words): the classes' priors, and no weights.
    empty = fit_in_span(sp.csr_matrix((8, 2000)), np.arange(8) % n_classes, C=10.0)
    assert not empty.coef.any() and np.isfinite(empty.log_proba(new, n_classes)).all()


def test_a_model_is_read_once_while_its_files_stay_the_same(tiny_model, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    first = Model.load(folder)
    assert Model.load(folder) is first  # the daemon's next scan: nothing decompressed again
    first.save(folder)  # saved anew (as a retrained model is): new files, read again
    again = Model.load(folder)
    assert again is not first and np.array_equal(again.coef, first.coef)
    (folder / "model.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="model.npz damaged"):
        Model.load(folder)


def test_the_features_are_hashing_vectorizers_column_for_column():
    """Scoring hashes without scikit-learn: the same columns and counts as the HashingVectorizer settings the
    models were trained with, on the fixture papers and on text that stresses accents, case and Unicode."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.utils import murmurhash3_32

    from mimwatch.classify import features as F

    papers = [*records(DATA / "corpus.jsonl"), *records(POOL)]
    odd = {"a": None, "ab": "", "abc": "x", "  x  y ": None, "Point-M2AE: multi\tscale": None, "VideoMAE V2": None,
           "Ünïcödé Fußball naïve café — ２Ｄ ﬁne-tuning İstanbul 3D": "Ǆ ǅ Ⅻ ½ ﬃ the and of 7B 2021 4d the cat sat",
           "x\u0301y\u0327z \t Ωmega λ-Calculus": None, "": "", "A": None}  # fmt: skip
    titles = [p.get("title") or "" for p in papers] + list(odd)
    abstracts = [p.get("abstract") for p in papers] + list(odd.values())
    common = {"alternate_sign": False, "norm": None, "dtype": np.float32}
    words = HashingVectorizer(n_features=F.N_WORD, ngram_range=(1, 2), token_pattern=F.TOKEN_PATTERN,
                              stop_words="english", strip_accents="unicode", lowercase=True, **common)  # fmt: skip
    chars = HashingVectorizer(n_features=F.N_CHAR, analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode",
                              lowercase=True, **common)  # fmt: skip
    expected = sp.hstack([words.transform([F.document(t, a) for t, a in zip(titles, abstracts, strict=True)]),
                          chars.transform(titles)], format="csr")  # fmt: skip
    for _ in range(2):  # cold, then from the caches of hashed terms and title words
        ours, analysed = F.counts_and_terms(titles, abstracts)
        assert (ours != expected).nnz == 0 and (F.counts(titles, abstracts) != expected).nnz == 0
    assert len(titles) == 120 and expected.nnz > 10_000
    terms = analysed.terms
    assert terms[-4][:3] == ["unicode", "naive", "cafe"] and "3d" in terms[-4]  # "fußball": no token (ß)
    assert all(F.term_column(t) == abs(murmurhash3_32(t, seed=0, positive=False)) % F.N_WORD for t in terms[0])
    # Each term's column, kept in reading order for explanations, is the one it was counted in.
    row = len(terms) - 4
    start, end = analysed.offsets[row], analysed.offsets[row + 1]
    assert analysed.columns[start:end].tolist() == [F.term_column(t) for t in terms[-4]]


def test_an_explanation_names_the_first_term_of_a_column_in_reading_order():
    from mimwatch.classify import features as F

    _, analysed = F.counts_and_terms(["Masked autoencoders", "Nothing here"], ["scale masked autoencoders", None])
    masked, pair = F.term_column("masked"), F.term_column("masked autoencoders")
    names = F.first_terms_for(analysed, [[pair, masked, F.term_column("absent")], []])
    assert names == {(0, masked): "masked", (0, pair): "masked autoencoders"}
    assert F.first_terms_for(analysed, [[], [F.term_column("masked")]]) == {}
