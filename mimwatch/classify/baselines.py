"""The peers' relevance methods, run on the same data as mimwatch's model (see ../shared/FIELD_NOTES.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from .data import Example

# cv-arxiv-daily style: a paper matches when its title or abstract contains any configured phrase.
KEYWORDS = (
    "masked image modeling", "masked image modelling", "masked autoencoder", "masked autoencoders",
    "masked modeling", "masked modelling", "mask image modeling", "masked visual modeling",
    "masked video modeling", "masked point modeling", "masked language modeling", "masked prediction",
    "masked feature prediction", "masked signal modeling", "mim", "mae",
)  # fmt: skip


def keyword_scores(papers: Sequence[Example], keywords: Sequence[str] = KEYWORDS) -> np.ndarray:
    """1 for a match (ties broken by the number of matching phrases), else 0."""
    patterns = [re.compile(rf"\b{re.escape(k)}\b", re.I) for k in keywords]
    return np.array([sum(1 for p in patterns if p.search(f"{e.title} {e.abstract}")) for e in papers], float)


def arxiv_sanity_scores(
    positives: Sequence[Example], negatives: Sequence[Example], papers: Sequence[Example]
) -> np.ndarray:
    """arxiv-sanity-lite: TF-IDF with its exact settings + LinearSVC(C=0.01, balanced); decision_function."""
    vectorizer = TfidfVectorizer(
        strip_accents="unicode", lowercase=True, stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2), max_features=20000,
        sublinear_tf=True, max_df=0.1, min_df=5,
    )  # fmt: skip
    X = vectorizer.fit_transform([_sanity_doc(e) for e in [*positives, *negatives]])
    y = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    svm = LinearSVC(class_weight="balanced", C=0.01).fit(X, y)
    return svm.decision_function(vectorizer.transform([_sanity_doc(e) for e in papers]))


def _sanity_doc(e: Example) -> str:
    return f"{e.title} {e.abstract}"  # arxiv-sanity adds authors; the pool mostly has none


def embedding_scores(
    positives: Sequence[Example], papers: Sequence[Example], encode: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """zotero-arxiv-daily: 10 * sum_i w_i * cos(candidate, item_i), items newest first, w_i = 1/(1+log10(i+1)).

    `encode` maps texts to L2-normalised embeddings (e.g. a sentence-transformers model); list entries count
    as newest first by their arXiv id (the list itself is not dated), entries without one last.
    """
    items = sorted(positives, key=lambda e: e.key if not e.key.startswith("title:") else "", reverse=True)
    weights = 1.0 / (1.0 + np.log10(np.arange(1, len(items) + 1) + 1))
    weights /= weights.sum()
    library = encode([f"{e.title}. {e.abstract}" for e in items])
    candidates = encode([f"{e.title}. {e.abstract}" for e in papers])
    return 10.0 * (candidates @ library.T) @ weights


def section_svm_top3(positives: Sequence[Example], papers: Sequence[Example]) -> list[list[str]]:
    """A per-section linear SVM (one against the rest, arxiv-sanity's TF-IDF) over the list's entries:
    each paper's three best sections, for comparison with mimwatch's section head."""
    labelled = [p for p in positives if p.section]
    sections = sorted({p.section for p in labelled})
    if not papers or len(sections) < 2:
        return [sections[:3] for _ in papers]
    vectorizer = TfidfVectorizer(strip_accents="unicode", lowercase=True, stop_words="english",
                                 token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
                                 sublinear_tf=True)  # fmt: skip
    X = vectorizer.fit_transform([_sanity_doc(p) for p in labelled])
    svm = LinearSVC(class_weight="balanced", C=1.0).fit(X, [p.section for p in labelled])
    decision = svm.decision_function(vectorizer.transform([_sanity_doc(p) for p in papers]))
    order = np.argsort(-decision, axis=1, kind="stable")[:, :3]
    return [[svm.classes_[j] for j in row] for row in order]
