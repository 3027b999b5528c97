"""The judgement: is a paper relevant to the list, and in which of its sections does it belong.

Relevance (format 3): a logistic regression over TF-IDF of hashed words and word pairs (the text head); the
paper's strongest list author's log-ratio (how much more often the name stands on list entries than on recent
papers, capped) is the author evidence; a small stacker fitted on out-of-fold text scores weighs the two and is
the calibration, so no weight absorbs what the words already say. (Format 2, still read: the author count was
a column of the text regression, its weight fitted in-sample.) The operating threshold comes from the
maintainer's reading budget: the score above which `candidates_per_1000` of the recent stream's papers (the
negatives) fall.
Sections: an ensemble of a logistic regression over the list's own entries (words and title character
n-grams), the heading words, and the sections of the nearest entries (kNN), mixed as cross-validation on the
list says; "needs triage" when the first section is not clearly ahead.
Everything is deterministic, and a model is arrays and JSON: it loads on any supported scikit-learn and
runs no code when loaded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import scipy.sparse as sp

from ..errors import MimwatchError
from . import features as F

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

# scikit-learn is imported in the functions that train: scoring needs none of it (features.py hashes on its
# own), and a scan that does not retrain starts 1.3 s sooner without it.

log = logging.getLogger(__name__)
T = TypeVar("T")

NEEDS_TRIAGE = "needs triage"
# The section fits stop at a loose tolerance on purpose: on the list's own cross-validation it ranks
# sections better than a fit run to convergence (top-1 0.710 vs 0.691 on the December list).
SECTION_MAX_ITER, SECTION_TOL = 300, 1e-3
FORMAT_VERSION = 3  # 3: relevance stacked out of sample (`stack`, `author_weights`); 2 still loads


class ModelError(MimwatchError):
    """A model folder that cannot be loaded or used; says what to do."""


@dataclass(frozen=True)
class TrainConfig:
    C: float = 10.0  # relevance regularisation (larger: trusts the list's words more)
    section_Cs: tuple[float, ...] = (1.0, 10.0, 100.0)  # the section head's regularisation: chosen by CV
    min_df: int = 5  # a word or pair in fewer papers is no evidence (and a smaller matrix: retraining in 7 s)
    max_df: float = 0.5
    # The title's character 3-5-grams beside the words: off for relevance (on 2025 papers they cost AP: they
    # tie a paper to the list's method names; bench/recent.py), kept for sections (the list's own entries).
    char_weight: float = 0.0
    section_char_weight: float = 0.5
    author_weight: float = 1.0  # scale of the author column of an in-sample ("in-sample") author evidence
    # How the author evidence is weighed: "stacked" — its weight fitted beside the out-of-fold text score, on
    # papers the text head did not train on; "in-sample" — a column of the text regression (format 2, whose
    # weight the nearly separable data drives up); "none" — text only (an ablation).
    author_evidence: str = "stacked"
    author_cap: float = 2.0  # the strongest list author's log-ratio counts up to this
    candidates_per_1000: float = 2.5  # the reading budget that sets the operating threshold
    folds: int = 5
    title_only_share: float = 0.05  # negatives also seen title-only, so that "short" is no signal
    triage_floor: float = 0.2  # top section probability below this: "needs triage"
    triage_lead: float = 1.25  # ... or the first section not this many times the second
    heading_weights: tuple[float, ...] = (0.0, 2.0, 5.0, 10.0, 20.0)
    knn_weights: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0)
    knn: int = 5
    seed: int = 0


@dataclass
class Score:
    id: str
    relevance: float
    relevant: bool
    section: str
    sections: list[tuple[str, float]]
    reasons: dict[str, list]

    @property
    def first_section(self) -> str | None:
        """The model's first choice of section, even when it is unsure (`section` then says "needs triage")."""
        return self.sections[0][0] if self.sections else None

    def as_record(self) -> dict:
        return {
            "id": self.id,
            "relevance": round(self.relevance, 6),
            "relevant": self.relevant,
            "section": self.section,
            "sections": [[name, round(p, 4)] for name, p in self.sections],
            "reasons": self.reasons,
        }


@dataclass(frozen=True)  # shared once loaded (see `read_once`): never changed in place
class Model:
    weighting: F.Weighting
    coef: np.ndarray  # relevance weights over the weighted columns, then the author column
    intercept: float
    calibration: tuple[float, float]  # probability = sigmoid(a * decision + b)
    threshold: float
    sections: list[str]
    section_weighting: F.Weighting  # TF-IDF of the list's own entries: what tells its sections apart
    section_coef: np.ndarray  # (sections, section features)
    section_intercept: np.ndarray
    heading_matrix: sp.csr_matrix  # (sections, section features)
    heading_weight: float
    knn_weight: float
    entry_matrix: sp.csr_matrix  # the training entries in section features (nearest entries, kNN)
    entries: list[dict]  # key, title, section of each training positive
    entry_counts: sp.csr_matrix  # their raw hashed counts: a retrain needs no text of them
    list_authors: Counter[str]  # author key -> entries in the list
    meta: dict = field(default_factory=dict)
    # Format 3: relevance = sigmoid(a * text decision + b * author evidence + c), a, b, c fitted out of sample
    # (`stack`); the author evidence is the strongest list author's log-ratio (`author_weights`, capped).
    stack: tuple[float, float, float] | None = None
    author_weights: dict[str, float] = field(default_factory=dict)

    # ---- scoring -------------------------------------------------------------------------------

    @property
    def triage_floor(self) -> float:
        """Below this top probability a section is a guess: the configured floor, or 2.5x uniform if lower."""
        configured = self.meta.get("config", {}).get("triage_floor", TrainConfig.triage_floor)
        return min(configured, 2.5 / max(len(self.sections), 1))

    @property
    def author_weight(self) -> float:
        return float(self.meta.get("config", {}).get("author_weight", TrainConfig.author_weight))

    def vectors(self, records: Sequence[dict]) -> tuple[sp.csr_matrix, sp.csr_matrix, list[list[str]], F.Analysed]:
        """Relevance and section features of input records, each one's author keys, and its terms."""
        X, terms = F.counts_and_terms([r.get("title") or "" for r in records], [r.get("abstract") for r in records])
        keys = [[F.author_key(a) for a in _authors(r)] for r in records]
        return self.weighting.transform(X), self.section_weighting.transform(X), keys, terms

    def relevance(self, W: sp.csr_matrix, authors: Sequence[Sequence[str]]) -> np.ndarray:
        """Calibrated relevance of papers (weighted features `W`, author keys `authors`)."""
        if self.stack is None:  # format 2: the author column inside the text regression
            n_list = [F.list_author_count(a, self.list_authors) for a in authors]
            a = F.author_feature(n_list) * self.author_weight
            return self.probability(W @ self.coef[:-1] + a * self.coef[-1] + self.intercept)
        text = W @ self.coef + self.intercept
        cap = float(self.meta.get("config", {}).get("author_cap", TrainConfig.author_cap))
        evidence = F.author_evidence(authors, self.author_weights, cap)
        a, b, c = self.stack
        return 1.0 / (1.0 + np.exp(-(a * text + b * evidence + c)))

    def probability(self, decision: np.ndarray) -> np.ndarray:
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * decision + b)))

    def section_scores(self, S: sp.csr_matrix) -> np.ndarray:
        """Probabilities over `self.sections` (rows sum to 1): classifier, heading words and nearest entries."""
        logits = _section_logits(S, self.section_coef, self.section_intercept, self.heading_matrix,
                                 self.heading_weight, self.knn_weight, self.entry_matrix, self._entry_labels(),
                                 self._k)  # fmt: skip
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    @property
    def _k(self) -> int:
        return int(self.meta.get("config", {}).get("knn", TrainConfig.knn))

    def _entry_labels(self) -> np.ndarray:
        index = {s: i for i, s in enumerate(self.sections)}
        return np.array([index.get(e["section"], -1) for e in self.entries])

    def score(self, records: Sequence[dict], explain: bool = True) -> list[Score]:
        """Score input records (`id`, `title`, optional `abstract`, `authors`), in input order."""
        if not records:
            return []
        W, S, keys, analysed = self.vectors(records)
        prob = self.relevance(W, keys)
        section_p = self.section_scores(S)
        order = np.argsort(-section_p, axis=1, kind="stable")[:, :3]
        terms = self._top_terms(W, analysed) if explain else [[] for _ in records]
        nearest = self._nearest(S) if explain else [[] for _ in records]
        lead = self.meta.get("config", {}).get("triage_lead", TrainConfig.triage_lead)
        scores = []
        top_p, sections = np.take_along_axis(section_p, order, axis=1).tolist(), self.sections
        for i, (record, columns) in enumerate(zip(records, order.tolist(), strict=True)):
            top = [(sections[j], p) for j, p in zip(columns, top_p[i], strict=True)]
            clear = top[0][1] >= self.triage_floor and (len(top) < 2 or top[0][1] >= lead * top[1][1])
            reasons: dict[str, list] = {"terms": terms[i], "nearest": nearest[i]}
            named = [a for a, k in zip(_authors(record), keys[i], strict=True) if k and self.list_authors.get(k, 0) > 0]
            if named:
                reasons["list_authors"] = list(dict.fromkeys(named))
            scores.append(
                Score(
                    id=str(record.get("id") or ""),
                    relevance=float(prob[i]),
                    relevant=bool(prob[i] >= self.threshold),
                    section=top[0][0] if clear else NEEDS_TRIAGE,
                    sections=top,
                    reasons=reasons,
                )
            )
        return scores

    def _top_terms(self, W: sp.csr_matrix, analysed: F.Analysed, k: int = 6) -> list[list[str]]:
        """The words and word pairs that raised each paper's relevance most, named from its own text: the best
        columns are found on the matrix, then named by the first of the paper's terms that hashes to each."""
        n_words = self.weighting.n_word_columns
        words = W if W.shape[1] == n_words else W[:, :n_words]  # format 2 and 3 alike: text columns first
        contrib = words.multiply(self.coef[:n_words]).tocsr()
        # The k largest positive contributions of each row, for all rows at once: sort by (row, -value).
        rows = np.repeat(np.arange(contrib.shape[0]), np.diff(contrib.indptr))
        raising = contrib.data > 0
        rows, values, indices = rows[raising], contrib.data[raising], contrib.indices[raising]
        order = np.lexsort((-values, rows))
        starts = np.r_[0, np.cumsum(np.bincount(rows, minlength=contrib.shape[0]))[:-1]]
        rank = np.arange(len(order)) - starts[rows[order]]
        keep = order[rank < k]
        columns = self.weighting.columns[indices[keep]]
        splits = np.cumsum(np.bincount(rows[keep], minlength=contrib.shape[0]))[:-1]
        best = [part.tolist() for part in np.split(columns, splits)]
        names = F.first_terms_for(analysed, best)
        return [[names[(row, c)] for c in columns if (row, c) in names] for row, columns in enumerate(best)]

    def _nearest(self, S: sp.csr_matrix, k: int = 3) -> list[list[dict]]:
        sims = (S @ self.entry_matrix.T).toarray()
        k = min(k, sims.shape[1])
        # The k best of each row, ties to the earlier entry (as a stable sort): a partition, then those k sorted.
        rank = -sims + np.arange(sims.shape[1]) * 1e-12
        part = np.argpartition(rank, k - 1, axis=1)[:, :k] if k < sims.shape[1] else np.argsort(rank, axis=1)
        top = np.take_along_axis(part, np.argsort(np.take_along_axis(rank, part, axis=1), axis=1), axis=1)
        entries = self.entries
        return [
            [{"title": entries[j]["title"], "section": entries[j]["section"], "id": entries[j]["key"],
              "similarity": round(float(sims[i, j]), 3)} for j in top[i]]
            for i in range(sims.shape[0])
        ]  # fmt: skip

    # ---- persistence -------------------------------------------------------------------------

    def save(self, folder: str | Path) -> None:
        """Arrays in `model.npz` (no pickles), everything else in `model.json`; the folder is replaced whole,
        so a crash leaves the previous model or the new one, never a mix."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            arrays = {
                "columns": self.weighting.columns, "idf": self.weighting.idf, "coef": self.coef.astype(np.float32),
                "section_coef": self.section_coef.astype(np.float32),
                "section_intercept": self.section_intercept.astype(np.float32),
                "section_columns": self.section_weighting.columns, "section_idf": self.section_weighting.idf,
                **_sparse("heading", self.heading_matrix), **_sparse("entry", self.entry_matrix),
                **_sparse("entry_counts", self.entry_counts),
            }  # fmt: skip
            with open(scratch / "model.npz", "wb") as handle:
                np.savez_compressed(handle, **arrays)
            meta = {k: v for k, v in self.meta.items() if not k.startswith("_")}
            meta.update(
                format_version=FORMAT_VERSION, features={"word_bits": F.WORD_BITS, "char_bits": F.CHAR_BITS},
                char_weight=self.weighting.char_weight, section_char_weight=self.section_weighting.char_weight,
                intercept=self.intercept, calibration=list(self.calibration),
                threshold=self.threshold, sections=self.sections, heading_weight=self.heading_weight,
                knn_weight=self.knn_weight, entries=self.entries, list_authors=dict(sorted(self.list_authors.items())),
            )  # fmt: skip
            if self.stack is not None:
                meta.update(stack=list(self.stack), author_weights=self.author_weights)
            else:
                meta.update(format_version=2)  # the author column inside the text regression
            (scratch / "model.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            # The shipped negative sample is data beside the model and stays; a manifest, card or plot
            # describes the model that was there and must not outlive it (the writer adds the new ones).
            if (folder / "negatives.npz").is_file():
                shutil.copy2(folder / "negatives.npz", scratch / "negatives.npz")
            old = folder.with_name(f".{folder.name}.old")
            if folder.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(folder, old)
            os.replace(scratch, folder)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

    @classmethod
    def load(cls, folder: str | Path) -> Model:
        """The model saved in `folder`; read once per process while its files stay the same (see `read_once`)."""
        folder = Path(folder)
        return read_once([folder / "model.json", folder / "model.npz"], lambda: cls._read(folder))

    @classmethod
    def _read(cls, folder: Path) -> Model:
        meta_path = folder / "model.json"
        if not meta_path.is_file():
            raise ModelError(
                f"{folder} is not a mimwatch model folder (no model.json); train one with `mimwatch train`"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{folder}: model.json unreadable ({exc}); retrain with `mimwatch train`") from exc
        if meta.get("format_version") not in (2, FORMAT_VERSION):
            raise ModelError(
                f"{folder}: model format {meta.get('format_version')} is not the {FORMAT_VERSION} this mimwatch "
                "reads; retrain with `mimwatch train`"
            )
        if meta.get("features") != {"word_bits": F.WORD_BITS, "char_bits": F.CHAR_BITS}:
            raise ModelError(f"{folder}: trained on another feature space; retrain with `mimwatch train`")
        try:
            with np.load(folder / "model.npz", allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            return cls(
                weighting=F.Weighting(arrays["columns"], arrays["idf"], float(meta["char_weight"])),
                coef=arrays["coef"], intercept=float(meta["intercept"]), calibration=tuple(meta["calibration"]),
                threshold=float(meta["threshold"]), sections=list(meta["sections"]),
                section_weighting=F.Weighting(arrays["section_columns"], arrays["section_idf"],
                                              float(meta["section_char_weight"])),
                section_coef=arrays["section_coef"], section_intercept=arrays["section_intercept"],
                heading_matrix=_unsparse("heading", arrays),
                heading_weight=float(meta["heading_weight"]), knn_weight=float(meta["knn_weight"]),
                entry_matrix=_unsparse("entry", arrays), entries=list(meta["entries"]),
                entry_counts=_unsparse("entry_counts", arrays), list_authors=Counter(meta["list_authors"]), meta=meta,
                stack=tuple(meta["stack"]) if meta.get("stack") else None,
                author_weights=dict(meta.get("author_weights") or {}),
            )  # fmt: skip
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError) as exc:
            raise ModelError(f"{folder}: model.npz damaged or incomplete ({exc}); retrain: `mimwatch train`") from exc


_READ: OrderedDict[tuple, object] = OrderedDict()
_READ_KEEP = 4  # a base model, the one retrained on the list, the shipped sample: and one to spare


def read_once(paths: Sequence[Path], read: Callable[[], T]) -> T:
    """`read()`, or what it returned before for the same files (path, inode, size, modification time).

    A model and the shipped sample are never changed once read, and a process that scans again and again
    (the daemon; the tests) need not decompress ~10 MB per scan. A file that is rewritten (saved anew, or
    damaged) is a new key; files that cannot be stat'ed are read, so that `read` reports them."""
    try:
        key = tuple((str(p.resolve()), (st := p.stat()).st_ino, st.st_size, st.st_mtime_ns) for p in paths)
    except OSError:
        return read()
    if key in _READ:
        _READ.move_to_end(key)
        return _READ[key]  # type: ignore[return-value]
    value = _READ[key] = read()
    while len(_READ) > _READ_KEEP:
        _READ.popitem(last=False)
    return value


def _sparse(name: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    m = sp.csr_matrix(matrix)
    return {
        f"{name}_data": m.data.astype(np.float32),
        f"{name}_indices": m.indices.astype(np.int32),
        f"{name}_indptr": m.indptr.astype(np.int64),
        f"{name}_shape": np.array(m.shape, dtype=np.int64),
    }


def _unsparse(name: str, arrays: dict[str, np.ndarray]) -> sp.csr_matrix:
    shape = tuple(int(x) for x in arrays[f"{name}_shape"])
    return sp.csr_matrix((arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]), shape=shape)


def _authors(record: dict) -> list[str]:
    authors = record.get("authors") or []
    return [a for a in authors if isinstance(a, str)] if isinstance(authors, list | tuple) else []


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _knn_votes(sims: sp.spmatrix, labels: np.ndarray, n_sections: int, k: int) -> np.ndarray:
    """log of the similarity-weighted section votes of the k nearest entries (smoothed)."""
    sims = sims.toarray() if sp.issparse(sims) else np.asarray(sims)
    votes = np.zeros((sims.shape[0], n_sections))
    if sims.shape[1] == 0:
        return votes
    k = min(k, sims.shape[1])
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(sims.shape[0]), k)
    cols = top.ravel()
    known = labels[cols] >= 0
    np.add.at(votes, (rows[known], labels[cols][known]), np.maximum(sims[rows[known], cols[known]], 0.0))
    votes /= np.maximum(votes.sum(axis=1, keepdims=True), 1e-9)
    return np.log(votes + 0.05)


# ---- training ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSet:
    """Raw hashed counts and what goes with them: positives (list entries) first, then negatives."""

    positive_counts: sp.csr_matrix
    positives: list[dict]  # key, title, section, authors of each list entry
    negative_counts: sp.csr_matrix
    negative_authors: list[list[str]]  # author keys
    stream: np.ndarray  # per negative: from the recent stream (sets the reading-budget threshold)
    title_only_counts: sp.csr_matrix  # some negatives again, title only: "short" must be no signal
    title_only_authors: list[list[str]]


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
    heading_weight: float
    knn_weight: float
    section_C: float
    author_coefficient: float
    positives_with_list_authors: float
    negatives_with_list_authors: float
    oof_pr_curve: tuple[list[float], list[float]] = ((), ())  # type: ignore[assignment]

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("oof_pr_curve")
        return out


def train(data: TrainingSet, sections: Sequence[str], config: TrainConfig | None = None) -> tuple[Model, TrainReport]:
    """Fit the relevance and section heads on list entries (positives) and other papers (negatives)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, precision_recall_curve
    from sklearn.model_selection import StratifiedKFold

    config = config or TrainConfig()
    n_pos, n_neg = data.positive_counts.shape[0], data.negative_counts.shape[0]
    if n_pos < config.folds or n_neg < config.folds:
        raise ModelError(f"need at least {config.folds} list entries and {config.folds} negatives to train")
    sections = [s for s in sections if any(p["section"] == s for p in data.positives)]
    n_title = data.title_only_counts.shape[0]
    blocks = [data.positive_counts, data.negative_counts, data.title_only_counts]
    weighting = F.Weighting.fit(blocks, config.min_df, config.max_df, config.char_weight)
    # Weighted block by block, then stacked: the raw counts are never copied into one matrix (peak memory).
    W = sp.vstack([weighting.transform(b) for b in blocks], format="csr")
    log.info("vectorised %d documents into %d features", W.shape[0], W.shape[1])

    list_authors = F.author_counts(p["authors"] for p in data.positives)
    pos_authors = [F.list_author_count(p["authors"], list_authors, own_entry=True) for p in data.positives]
    neg_keys = [*data.negative_authors, *data.title_only_authors]
    neg_authors = [F.list_author_count(a, list_authors) for a in neg_keys]
    authors = np.r_[pos_authors, neg_authors]
    y = np.r_[np.ones(n_pos), np.zeros(n_neg + n_title)]
    stream = np.r_[np.zeros(n_pos, bool), data.stream, np.zeros(n_title, bool)]
    folds = list(StratifiedKFold(config.folds, shuffle=True, random_state=config.seed).split(np.zeros(len(y)), y))
    author_weights: dict[str, float] = {}
    stack = None
    if config.author_evidence == "in-sample":  # format 2: the author column inside the text regression
        A = sp.csr_matrix(F.author_feature(authors).reshape(-1, 1) * config.author_weight)
        X = sp.hstack([W, A], format="csr", dtype=np.float32)
    else:
        X = W.astype(np.float32)
    del W
    oof = np.zeros(len(y))
    for train_idx, test_idx in folds:
        fold = _relevance_clf(config).fit(X[train_idx], y[train_idx])
        oof[test_idx] = fold.decision_function(X[test_idx])
    if config.author_evidence == "in-sample":
        calibrator = LogisticRegression(C=1e4, max_iter=1000).fit(oof.reshape(-1, 1), y)
        a, b = float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])
        oof_prob = 1.0 / (1.0 + np.exp(-(a * oof + b)))
    else:
        # The other evidence is weighed on papers the text head did not see (out-of-fold text scores): its weight
        # is what it adds to the words, not what the nearly separable training data would let it absorb.
        pos_keys = [p["authors"] for p in data.positives]
        rates = F.AuthorRates.of(pos_keys, neg_keys)
        author_weights = rates.weights()
        evidence = np.r_[rates.own_evidence(pos_keys, config.author_cap, "positive"),
                         rates.own_evidence(neg_keys, config.author_cap, "negative")]  # fmt: skip
        if config.author_evidence == "none":
            evidence = np.zeros_like(evidence)
        stacker = LogisticRegression(C=1e4, max_iter=1000).fit(np.c_[oof, evidence], y)
        stack = (float(stacker.coef_[0, 0]), float(stacker.coef_[0, 1]), float(stacker.intercept_[0]))
        a, b = 1.0, 0.0
        oof_prob = stacker.predict_proba(np.c_[oof, evidence])[:, 1]
    budget_scores = oof_prob[stream] if stream.any() else oof_prob[y == 0]
    threshold = _threshold_for_load(budget_scores, config.candidates_per_1000)
    relevance = _relevance_clf(config).fit(X, y)

    heads = train_sections(data.positive_counts, [p["section"] for p in data.positives], sections, config,
                           [p["title"] for p in data.positives])  # fmt: skip

    precision, recall, _ = precision_recall_curve(y, oof_prob)
    neg = y == 0
    report = TrainReport(
        positives=n_pos,
        negatives=n_neg,
        title_only_positives=int(sum(1 for p in data.positives if not p.get("abstract", True))),
        oof_average_precision=float(average_precision_score(y, oof_prob)),
        oof_recall_at_threshold=float(np.mean(oof_prob[y == 1] >= threshold)),
        oof_candidates_per_1000=float(np.mean(budget_scores >= threshold) * 1000),
        section_cv_top1=heads.cv_top1,
        section_cv_top3=heads.cv_top3,
        heading_weight=heads.heading_weight,
        knn_weight=heads.knn_weight,
        section_C=heads.C,
        author_coefficient=float(stack[1] if stack else relevance.coef_[0, -1] * config.author_weight),
        positives_with_list_authors=float(np.mean(np.asarray(pos_authors) > 0)),
        negatives_with_list_authors=float(np.mean(np.asarray(authors)[neg] > 0)),
        oof_pr_curve=(precision.tolist(), recall.tolist()),
    )
    model = Model(
        weighting=weighting,
        coef=relevance.coef_[0].astype(np.float32),
        intercept=float(relevance.intercept_[0]),
        calibration=(a, b),
        threshold=threshold,
        sections=list(sections),
        section_weighting=heads.weighting,
        section_coef=heads.coef,
        section_intercept=heads.intercept,
        heading_matrix=heads.headings,
        heading_weight=heads.heading_weight,
        knn_weight=heads.knn_weight,
        entry_matrix=heads.entries,
        entries=[{"key": p["key"], "title": p["title"], "section": p["section"]} for p in data.positives],
        entry_counts=data.positive_counts,
        list_authors=list_authors,
        meta={"config": asdict(config), "training": report.as_dict()},
        stack=stack,
        author_weights={k: round(v, 4) for k, v in sorted(author_weights.items()) if v > 0},
    )
    return model, report


def _relevance_clf(config: TrainConfig) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=config.C, class_weight="balanced", max_iter=5000)


def _threshold_for_load(negative_probs: np.ndarray, per_1000: float) -> float:
    """The score above which `per_1000` of these (recent, unlisted) papers fall: the reading budget."""
    ranked = np.sort(negative_probs)[::-1]
    allowed = int(np.floor(len(ranked) * per_1000 / 1000))
    if allowed >= len(ranked):
        return float(ranked[-1])
    return float(np.nextafter(ranked[allowed], np.inf))


@dataclass
class SectionHeads:
    weighting: F.Weighting
    coef: np.ndarray
    intercept: np.ndarray
    headings: sp.csr_matrix
    entries: sp.csr_matrix
    C: float
    heading_weight: float
    knn_weight: float
    cv_top1: float
    cv_top3: float


def heading_documents(sections: Sequence[str], entry_texts: Sequence[str]) -> list[str]:
    """Each heading's own words, minus those (like `MIM`, `image`) that most list entries share."""
    df: Counter[str] = Counter()
    for text in entry_texts:
        df.update(set(re.findall(r"[a-z0-9]+", text.lower())))
    total = max(len(entry_texts), 1)
    return [" ".join(w for w in re.findall(r"[A-Za-z0-9]+", h) if df[w.lower()] < 0.25 * total) for h in sections]


def _section_logits(S, coef, intercept, headings, heading_weight, knn_weight, entries, labels, k) -> np.ndarray:
    logits = _log_softmax(np.asarray(S @ coef.T) + intercept) + heading_weight * (S @ headings.T).toarray()
    if knn_weight:
        logits = logits + knn_weight * _knn_votes(S @ entries.T, labels, coef.shape[0], k)
    return logits


def train_sections(
    positive_counts: sp.csr_matrix,
    labels: Sequence[str],
    sections: Sequence[str],
    config: TrainConfig,
    entry_titles: Sequence[str] = (),
) -> SectionHeads:
    """The section ensemble over the list's own entries — a logistic regression, the heading words and the
    nearest entries' sections — with its regularisation and mix chosen by cross-validation on the list.
    Its TF-IDF is fitted on the list's entries alone: what is rare among them tells sections apart."""
    from sklearn.model_selection import KFold

    index = {s: i for i, s in enumerate(sections)}
    keep = [i for i, s in enumerate(labels) if s in index]
    y = np.array([index[labels[i]] for i in keep])
    weighting = F.Weighting.fit(positive_counts, 1, 1.0, config.section_char_weight)
    Sp = weighting.transform(positive_counts)[keep]
    titles = [entry_titles[i] for i in keep] if entry_titles else [" ".join(sections)]
    heading_docs = heading_documents(sections, titles)
    H = weighting.transform(F.counts(heading_docs, [""] * len(heading_docs)))

    def fit(X: sp.csr_matrix, targets: np.ndarray, C: float) -> LinearFit:
        # The heading text is one more example of its section: sections with one entry still have two.
        return fit_in_span(sp.vstack([X, H]).tocsr(), np.r_[targets, np.arange(len(sections))], C)

    grid = [(c, h, k) for c in config.section_Cs for h in config.heading_weights for k in config.knn_weights]
    hits = {g: [0, 0] for g in grid}
    n_folds = min(config.folds, max(2, len(y)))
    for train_idx, test_idx in KFold(n_folds, shuffle=True, random_state=config.seed).split(Sp):
        knn = _knn_votes(Sp[test_idx] @ Sp[train_idx].T, y[train_idx], len(sections), config.knn)
        heading_sim = (Sp[test_idx] @ H.T).toarray()
        for c in config.section_Cs:
            logp = fit(Sp[train_idx], y[train_idx], c).log_proba(Sp[test_idx], len(sections))
            for _, h, k in (g for g in grid if g[0] == c):
                order = np.argsort(-(logp + h * heading_sim + k * knn), axis=1, kind="stable")
                hits[(c, h, k)][0] += int(np.sum(order[:, 0] == y[test_idx]))
                hits[(c, h, k)][1] += int(sum(y[test_idx][i] in order[i, :3] for i in range(len(test_idx))))
    best = max(grid, key=lambda g: (hits[g][0] + hits[g][1], hits[g][0], -g[1], -g[2], g[0]))
    final = fit(Sp, y, best[0])
    coef = np.zeros((len(sections), Sp.shape[1]), np.float32)
    intercept = np.full(len(sections), -30.0, np.float32)
    coef[final.classes], intercept[final.classes] = final.coef, final.intercept
    entries = weighting.transform(positive_counts)
    return SectionHeads(weighting, coef, intercept, H.tocsr(), entries, float(best[0]), float(best[1]),
                        float(best[2]), hits[best][0] / len(y), hits[best][1] / len(y))  # fmt: skip


@dataclass(frozen=True)
class LinearFit:
    """A fitted logistic regression over the classes it saw (a binary fit as a ± pair of rows)."""

    classes: np.ndarray
    coef: np.ndarray  # (len(classes), features)
    intercept: np.ndarray

    def log_proba(self, X: sp.csr_matrix, n: int) -> np.ndarray:
        """Log-probabilities over all `n` classes (-30 for those it never saw)."""
        out = np.full((X.shape[0], n), -30.0)
        out[:, self.classes] = _log_softmax(np.asarray(X @ self.coef.T) + self.intercept)
        return out


def fit_in_span(X: sp.csr_matrix, y: np.ndarray, C: float, tol: float = SECTION_TOL) -> LinearFit:
    """A balanced L2 logistic regression, solved in the span of its examples.

    The optimum of an L2-regularised linear model is a combination of its examples (the representer
    theorem). A list has ~150–300 entries and ~20,000 section features: with X = U·√Λ·Vᵀ (from the Gram
    matrix X·Xᵀ), the regression is fitted on the coordinates U·√Λ — the same loss, and the same penalty
    since V's columns are orthonormal — and its weights B are mapped back, W = B·Vᵀ = B·Λ^-½·Uᵀ·X. Same
    objective with ~100x fewer parameters: the section cross-validation takes 0.5 s, not 8 s."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    lam, U = np.linalg.eigh(np.asarray((X @ X.T).todense(), dtype=np.float64))
    keep = lam > lam.max() * 1e-9 if lam.size and lam.max() > 0 else np.zeros(lam.shape, bool)
    lam, U = lam[keep], U[:, keep]  # directions with no data in them carry no weight
    root = np.sqrt(lam)
    # No example with a feature: an empty span, and the fit learns the classes' priors alone.
    Z = U * root if keep.any() else np.zeros((X.shape[0], 1))
    # A problem this small spends more time waking BLAS threads than computing (4x slower on two cores).
    with warnings.catch_warnings(), threadpool_limits(1, "blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)  # the loose tolerance: see SECTION_TOL
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=SECTION_MAX_ITER, tol=tol).fit(Z, y)
    B = clf.coef_ if len(clf.classes_) > 2 else np.vstack([-clf.coef_, clf.coef_]) / 2
    b = clf.intercept_ if len(clf.classes_) > 2 else np.r_[-clf.intercept_, clf.intercept_] / 2
    if not keep.any():
        return LinearFit(clf.classes_, np.zeros((len(B), X.shape[1])), b)
    coef = np.asarray((X.T @ (U @ (B / root).T)).T)  # B·Λ^-½·Uᵀ·X, without a dense features-wide product
    return LinearFit(clf.classes_, coef, b)
