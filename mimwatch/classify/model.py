"""The judgement: is a paper relevant to the list, and in which of its sections does it belong.

Relevance: TF-IDF (words and word pairs) + logistic regression, its scores calibrated to probabilities
on out-of-fold predictions; the operating threshold is the highest one that keeps the stated recall on
held-out folds. Sections: a logistic regression over the list's own headings, with the heading text
itself as extra evidence (weighted by cross-validation on the list), and "needs triage" below a floor.
Everything is deterministic: same data, same model, same scores.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold

from ..errors import MimwatchError
from .data import Example, document, in_split

log = logging.getLogger(__name__)

NEEDS_TRIAGE = "needs triage"
FORMAT_VERSION = 1
# Words of 2+ characters that start with a letter, and 2D/3D/4D. No other token starting with a digit: years,
# counts and sizes ("2021", "7B") tell the pool's era from the list's. "3D" names sections ("3D Point Cloud").
_TOKEN_PATTERN = r"(?u)\b(?:[a-zA-Z][a-zA-Z0-9]+|[0-9][dD])\b"


class ModelError(MimwatchError):
    """A model folder that cannot be loaded or used; says what to do."""


@dataclass(frozen=True)
class TrainConfig:
    C: float = 30.0  # relevance regularisation (larger: trusts the list's words more)
    section_C: float = 10.0  # chosen by cross-validation on the May-2023 list (see MODEL_CARD.md)
    max_features: int = 200_000
    min_df: int = 2
    max_df: float = 0.5
    recall_target: float = 0.9  # the threshold keeps this recall on held-out folds
    folds: int = 5
    title_only_share: float = 0.05  # negatives also seen title-only, so that "short" is no signal
    triage_floor: float = 0.2  # top section probability below this: "needs triage"
    section_weights: tuple[float, ...] = (0.0, 2.0, 5.0, 10.0, 20.0)
    seed: int = 0


@dataclass
class Score:
    id: str
    relevance: float
    relevant: bool
    section: str
    sections: list[tuple[str, float]]
    reasons: dict[str, list]

    def as_record(self) -> dict:
        return {
            "id": self.id,
            "relevance": round(self.relevance, 6),
            "relevant": self.relevant,
            "section": self.section,
            "sections": [[name, round(p, 4)] for name, p in self.sections],
            "reasons": self.reasons,
        }


@dataclass
class Model:
    vectorizer: TfidfVectorizer
    relevance: LogisticRegression
    calibration: tuple[float, float]  # probability = sigmoid(a * decision + b)
    threshold: float
    sections: list[str]
    section_clf: LogisticRegression
    heading_matrix: sp.csr_matrix
    section_weight: float
    section_columns: np.ndarray  # the features list entries use: the section head sees only these
    entry_matrix: sp.csr_matrix
    entries: list[dict]  # key, title, section of each training positive (for "nearest")
    meta: dict = field(default_factory=dict)

    # ---- scoring -------------------------------------------------------------------------------

    @property
    def triage_floor(self) -> float:
        """Below this top probability a section is a guess: the configured floor, or 2.5x uniform if lower."""
        configured = self.meta.get("triage_floor", TrainConfig.triage_floor)
        return min(configured, 2.5 / max(len(self.sections), 1))

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        return self.relevance.decision_function(self.vectorizer.transform(texts))

    def probability(self, decision: np.ndarray) -> np.ndarray:
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * decision + b)))

    def section_scores(self, X: sp.csr_matrix) -> np.ndarray:
        """Probabilities over `self.sections` (rows sum to 1)."""
        X = X[:, self.section_columns]
        logp = self.section_clf.predict_log_proba(X)
        logits = logp + self.section_weight * (X @ self.heading_matrix.T).toarray()
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def score(self, records: Sequence[dict], explain: bool = True) -> list[Score]:
        """Score input records (`id`, `title`, optional `abstract`), in input order."""
        if not records:
            return []
        texts = [document(r.get("title") or "", r.get("abstract")) for r in records]
        X = self.vectorizer.transform(texts)
        decision = self.relevance.decision_function(X)
        prob = self.probability(decision)
        section_p = self.section_scores(X)
        order = np.argsort(-section_p, axis=1, kind="stable")[:, :3]
        terms = self._top_terms(X) if explain else [[] for _ in records]
        nearest = self._nearest(X) if explain else [[] for _ in records]
        floor = self.triage_floor
        scores = []
        for i, record in enumerate(records):
            top = [(self.sections[j], float(section_p[i, j])) for j in order[i]]
            section = top[0][0] if top[0][1] >= floor else NEEDS_TRIAGE
            scores.append(
                Score(
                    id=str(record.get("id") or ""),
                    relevance=float(prob[i]),
                    relevant=bool(prob[i] >= self.threshold),
                    section=section,
                    sections=top,
                    reasons={"terms": terms[i], "nearest": nearest[i]},
                )
            )
        return scores

    def _top_terms(self, X: sp.csr_matrix, k: int = 6) -> list[list[str]]:
        names = self.meta["_feature_names"]
        contrib = X.multiply(self.relevance.coef_[0]).tocsr()
        out = []
        for row in range(contrib.shape[0]):
            start, end = contrib.indptr[row], contrib.indptr[row + 1]
            values, cols = contrib.data[start:end], contrib.indices[start:end]
            best = np.argsort(-values, kind="stable")[:k]
            out.append([names[cols[j]] for j in best if values[j] > 0])
        return out

    def _nearest(self, X: sp.csr_matrix, k: int = 3) -> list[list[dict]]:
        sims = (X @ self.entry_matrix.T).toarray()
        out = []
        for row in sims:
            best = np.argsort(-row, kind="stable")[:k]
            out.append(
                [
                    {"title": self.entries[j]["title"], "section": self.entries[j]["section"],
                     "id": self.entries[j]["key"], "similarity": round(float(row[j]), 3)}
                    for j in best
                ]
            )  # fmt: skip
        return out

    # ---- persistence -------------------------------------------------------------------------

    def save(self, folder: str | Path) -> None:
        """skops for the estimators (safe to load: no code runs), JSON for everything else."""
        import skops.io as sio

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {
            "idf": self.vectorizer.idf_.astype(np.float32),
            "relevance": self.relevance,
            "section_clf": self.section_clf,
            "heading_matrix": self.heading_matrix,
            "section_columns": self.section_columns,
            "entry_matrix": self.entry_matrix,
        }
        sio.dump(arrays, folder / "model.skops")
        meta = {k: v for k, v in self.meta.items() if not k.startswith("_")}
        meta.update(
            format_version=FORMAT_VERSION,
            sklearn_version=sklearn.__version__,
            vectorizer=_vectorizer_params(self.vectorizer),
            calibration=list(self.calibration),
            threshold=self.threshold,
            sections=self.sections,
            section_weight=self.section_weight,
            entries=self.entries,
        )
        (folder / "model.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (folder / "vocabulary.json").write_text(
            json.dumps(self.meta["_feature_names"], ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: str | Path) -> Model:
        import skops.io as sio

        folder = Path(folder)
        meta_path = folder / "model.json"
        if not meta_path.is_file():
            raise ModelError(
                f"{folder} is not a mimwatch model folder (no model.json); train one with `mimwatch train`"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            vocabulary = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"{folder}: model files unreadable ({exc}); retrain with `mimwatch train`") from exc
        trained_with = meta.get("sklearn_version", "unknown")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"{folder}: model format {meta.get('format_version')} is not the {FORMAT_VERSION} this mimwatch "
                "reads; retrain with `mimwatch train`"
            )
        if _minor(trained_with) != _minor(sklearn.__version__):
            raise ModelError(
                f"{folder}: trained with scikit-learn {trained_with}, but {sklearn.__version__} is installed; "
                f"install scikit-learn=={trained_with} or retrain with `mimwatch train`"
            )
        try:
            path = folder / "model.skops"
            untrusted = sio.get_untrusted_types(file=path)
            unexpected = [t for t in untrusted if not t.startswith(("sklearn.", "numpy.", "scipy."))]
            if unexpected:
                raise ModelError(f"{path}: refuses to load unexpected types {unexpected}")
            arrays = sio.load(path, trusted=untrusted)
        except ModelError:
            raise
        except Exception as exc:  # skops raises many kinds on a damaged or foreign file
            raise ModelError(
                f"{folder}: cannot load model.skops (trained with scikit-learn {trained_with}, installed "
                f"{sklearn.__version__}): {exc}; retrain with `mimwatch train`"
            ) from exc
        vectorizer = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(vocabulary)}, **_vectorizer_kwargs(meta))
        vectorizer.idf_ = arrays["idf"]
        meta["_feature_names"] = vocabulary
        return cls(
            vectorizer=vectorizer,
            relevance=arrays["relevance"],
            calibration=tuple(meta["calibration"]),
            threshold=float(meta["threshold"]),
            sections=list(meta["sections"]),
            section_clf=arrays["section_clf"],
            heading_matrix=arrays["heading_matrix"],
            section_weight=float(meta["section_weight"]),
            section_columns=arrays["section_columns"],
            entry_matrix=arrays["entry_matrix"],
            entries=list(meta["entries"]),
            meta=meta,
        )


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _vectorizer_params(vectorizer: TfidfVectorizer) -> dict:
    return {"ngram_range": list(vectorizer.ngram_range), "token_pattern": vectorizer.token_pattern}


def _vectorizer_kwargs(meta: dict) -> dict:
    params = meta.get("vectorizer", {})
    return dict(
        strip_accents="unicode",
        stop_words="english",
        token_pattern=params.get("token_pattern", _TOKEN_PATTERN),
        ngram_range=tuple(params.get("ngram_range", (1, 2))),
        sublinear_tf=True,
        dtype=np.float32,
    )


# ---- training ----------------------------------------------------------------------------------


@dataclass
class TrainReport:
    positives: int
    negatives: int
    title_only_positives: int
    oof_average_precision: float
    oof_recall_at_threshold: float
    oof_candidates_per_1000: float
    section_cv_top1: float
    section_cv_top3: float
    section_weight: float
    oof_pr_curve: tuple[list[float], list[float]] = ((), ())  # type: ignore[assignment]

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("oof_pr_curve")
        return out


def train(
    positives: Sequence[Example],
    negatives: Sequence[Example],
    sections: Sequence[str],
    config: TrainConfig | None = None,
) -> tuple[Model, TrainReport]:
    """Fit the relevance and section heads on list entries (positives) and pool papers (negatives)."""
    config = config or TrainConfig()
    if len(positives) < config.folds or not negatives:
        raise ModelError(f"need at least {config.folds} list entries and some negatives to train")
    sections = [s for s in sections if any(p.section == s for p in positives)]
    # Negatives also seen title-only (a stable sample), as some list entries have no abstract.
    title_only = [
        Example(key=n.key + "#title", title=n.title)
        for n in negatives
        if n.abstract and in_split(n.key, config.title_only_share, "title-only")
    ]
    docs = [p.text for p in positives] + [n.text for n in negatives] + [t.text for t in title_only]
    y = np.r_[np.ones(len(positives)), np.zeros(len(negatives) + len(title_only))]
    vectorizer = TfidfVectorizer(
        min_df=config.min_df, max_df=config.max_df, max_features=config.max_features, **_vectorizer_kwargs({})
    )
    X = vectorizer.fit_transform(docs).tocsr()
    vectorizer.stop_words_ = None  # the pruned terms: large, and not needed to transform
    log.info("vectorised %d documents into %d features", X.shape[0], X.shape[1])

    oof = np.zeros(len(y))
    for train_idx, test_idx in StratifiedKFold(config.folds, shuffle=True, random_state=config.seed).split(X, y):
        fold = _relevance_clf(config).fit(X[train_idx], y[train_idx])
        oof[test_idx] = fold.decision_function(X[test_idx])
    calibrator = LogisticRegression(C=1e4, max_iter=1000).fit(oof.reshape(-1, 1), y)
    a, b = float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])
    oof_prob = 1.0 / (1.0 + np.exp(-(a * oof + b)))
    threshold = _threshold_for_recall(oof_prob[y == 1], config.recall_target)
    relevance = _relevance_clf(config).fit(X, y)

    n_pos = len(positives)
    Xp = X[:n_pos]
    # Only words the list's entries use can tell its sections apart; fewer features train 10x faster.
    section_columns = np.unique(Xp.indices)
    section_clf, heading_matrix, weight, cv_top1, cv_top3 = train_sections(
        vectorizer, Xp, section_columns, [p.section for p in positives], sections, config
    )

    from sklearn.metrics import average_precision_score, precision_recall_curve

    precision, recall, _ = precision_recall_curve(y, oof_prob)
    neg_prob = oof_prob[y == 0]
    report = TrainReport(
        positives=n_pos,
        negatives=len(negatives),
        title_only_positives=sum(1 for p in positives if not p.abstract),
        oof_average_precision=float(average_precision_score(y, oof_prob)),
        oof_recall_at_threshold=float(np.mean(oof_prob[y == 1] >= threshold)),
        oof_candidates_per_1000=float(np.mean(neg_prob >= threshold) * 1000),
        section_cv_top1=cv_top1,
        section_cv_top3=cv_top3,
        section_weight=weight,
        oof_pr_curve=(precision.tolist(), recall.tolist()),
    )
    model = Model(
        vectorizer=vectorizer,
        relevance=relevance,
        calibration=(a, b),
        threshold=threshold,
        sections=list(sections),
        section_clf=section_clf,
        heading_matrix=heading_matrix,
        section_weight=weight,
        section_columns=section_columns,
        entry_matrix=Xp,
        entries=[{"key": p.key, "title": p.title, "section": p.section} for p in positives],
        meta={
            "_feature_names": vectorizer.get_feature_names_out().tolist(),
            "triage_floor": config.triage_floor,
            "recall_target": config.recall_target,
            "config": asdict(config),
            "training": report.as_dict(),
        },
    )
    return model, report


def _relevance_clf(config: TrainConfig) -> LogisticRegression:
    return LogisticRegression(C=config.C, class_weight="balanced", max_iter=5000)


def _threshold_for_recall(positive_probs: np.ndarray, target: float) -> float:
    """The highest threshold that keeps at least `target` of the positives at or above it."""
    ranked = np.sort(positive_probs)[::-1]
    keep = max(int(np.ceil(target * len(ranked))), 1)
    return float(ranked[keep - 1])


def _heading_documents(sections: Sequence[str], section_texts: dict[str, list[str]]) -> list[str]:
    """Each heading's own words, minus those (like `MIM`, `image`) that most list entries share."""
    df: Counter[str] = Counter()
    total = sum(len(texts) for texts in section_texts.values())
    for texts in section_texts.values():
        for text in texts:
            df.update(set(re.findall(r"[a-z0-9]+", text.lower())))
    out = []
    for heading in sections:
        words = [w for w in re.findall(r"[A-Za-z0-9]+", heading) if df[w.lower()] < 0.25 * total]
        out.append(" ".join(words))
    return out


def train_sections(
    vectorizer: TfidfVectorizer,
    Xp: sp.csr_matrix,
    columns: np.ndarray,
    labels: Sequence[str],
    sections: Sequence[str],
    config: TrainConfig,
) -> tuple[LogisticRegression, sp.csr_matrix, float, float, float]:
    by_section: dict[str, list[str]] = {s: [] for s in sections}
    keep = [i for i, s in enumerate(labels) if s in by_section]
    Xp = Xp[keep]
    labels = [labels[i] for i in keep]
    index = {s: i for i, s in enumerate(sections)}
    y = np.array([index[s] for s in labels])
    heading_docs = _heading_documents(sections, {s: [] for s in sections} | _texts_by(labels, Xp, vectorizer))
    H = vectorizer.transform(heading_docs).tocsr()[:, columns]
    Xp = Xp[:, columns]

    def fit(X: sp.csr_matrix, targets: np.ndarray) -> LogisticRegression:
        # The heading text is one more example of its section: sections with one entry still have two.
        Xh = sp.vstack([X, H]).tocsr()
        yh = np.r_[targets, np.arange(len(sections))]
        return LogisticRegression(C=config.section_C, class_weight="balanced", max_iter=5000).fit(Xh, yh)

    # Choose the weight of the heading evidence by cross-validation on the list itself.
    results = {w: [0, 0] for w in config.section_weights}
    folds = KFold(config.folds, shuffle=True, random_state=config.seed)
    for train_idx, test_idx in folds.split(Xp):
        clf = fit(Xp[train_idx], y[train_idx])
        logp = _full_log_proba(clf, Xp[test_idx], len(sections))
        sim = (Xp[test_idx] @ H.T).toarray()
        for w in config.section_weights:
            order = np.argsort(-(logp + w * sim), axis=1, kind="stable")
            results[w][0] += int(np.sum(order[:, 0] == y[test_idx]))
            results[w][1] += int(sum(y[test_idx][i] in order[i, :3] for i in range(len(test_idx))))
    best = max(config.section_weights, key=lambda w: (results[w][0], results[w][1], -w))
    clf = fit(Xp, y)
    return clf, H, float(best), results[best][0] / len(y), results[best][1] / len(y)


def _full_log_proba(clf: LogisticRegression, X: sp.csr_matrix, n: int) -> np.ndarray:
    out = np.full((X.shape[0], n), -30.0)
    out[:, clf.classes_] = clf.predict_log_proba(X)
    return out


def _texts_by(labels: Sequence[str], Xp: sp.csr_matrix, vectorizer: TfidfVectorizer) -> dict[str, list[str]]:
    """The words of each entry per section (from its vector), to know which heading words are generic."""
    names = vectorizer.get_feature_names_out()
    out: dict[str, list[str]] = {}
    for row, label in enumerate(labels):
        cols = Xp[row].indices
        out.setdefault(label, []).append(" ".join(names[c] for c in cols if " " not in names[c]))
    return out
