"""Train, classify and evaluate from files: what the `train`, `classify` and `evaluate` commands call."""

from __future__ import annotations

import json
import logging
import os
import platform
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..awesome import load
from ..papers import normalise_title, title_key
from ..resources import shipped_dir
from ..sources.files import iter_records
from .data import (
    SAMPLE_FILE,
    Example,
    NegativeSample,
    in_split,
    load_corpus,
    paper_key,
    pool_examples,
    positives,
    training_set,
)
from .model import Model, ModelError, TrainConfig, TrainReport, train

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SAMPLE_SIZE = 4000  # negatives kept beside a trained model, hashed, for retraining on a changed list


def default_model_dir() -> Path:
    return shipped_dir("models") / "default"


def train_from_files(
    list_path: str | Path,
    out: str | Path,
    corpus: Sequence[str | Path] = (),
    negatives: Sequence[str | Path] = (),
    negative_share: float = 1.0,
    split_salt: str = "train",
    config: TrainConfig | None = None,
    rejected: Sequence[Example] = (),
    not_negatives: Iterable[str] = (),
) -> tuple[Model, TrainReport]:
    """Train on a list (positives, abstracts from the corpus) and pool files (negatives); save to `out`.

    Args:
        rejected: papers the maintainers rejected in review: negatives, whatever the pool says.
        not_negatives: keys (arXiv ids, or `title:` + normalised title) of pool papers judged on-topic:
            never negatives.
    """
    doc = load(list_path)
    pos = positives(doc, load_corpus(corpus))
    if not negatives:
        raise ModelError("training needs negatives: pass --negatives with JSONL(.gz) pool files")
    listed = {p.key for p in pos}
    extra = [r for r in rejected if r.key not in listed]
    banned = set(not_negatives)
    negs = [
        e
        for e in pool_examples(negatives, exclude=[*pos, *extra])
        if in_split(e.key, negative_share, split_salt) and not _is_banned(e, banned)
    ]
    negs += extra
    log.info("training on %d list entries and %d pool papers", len(pos), len(negs))
    chars = (config or TrainConfig()).char_weight > 0  # negatives' character n-grams only if relevance reads them
    model, report = train(training_set(pos, negs, chars=chars), doc.sections, config)
    out = Path(out)
    model.save(out)
    write_manifest(out, list_path, doc, pos, negs, negatives, negative_share, split_salt, len(extra))
    # A stable share of the negatives, hashed, beside the model: when the list grows, it retrains offline.
    sample = [n for n in negs if in_split(n.key, SAMPLE_SIZE / max(len(negs), 1), "sample")][:SAMPLE_SIZE]
    NegativeSample.from_examples(sample, f"{split_salt}-{len(sample)}").save(out / SAMPLE_FILE)
    return model, report


def _is_banned(example: Example, banned: set[str]) -> bool:
    return example.key in banned or title_key(example.title) in banned


def write_manifest(out, list_path, doc, pos, negs, negative_files, share, salt, rejected) -> None:
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "list": {"file": Path(list_path).name, "entries": len(doc.entries), "sections": list(doc.sections)},
        "positives": [
            {"key": p.key, "title": p.title, "section": p.section, "abstract": bool(p.abstract)} for p in pos
        ],
        "negatives": {
            "files": [Path(n).name for n in negative_files],
            "share": share,
            "split_salt": salt,
            "count": len(negs),
            "rejected_in_review": rejected,
            "keys": sorted(n.key for n in negs),
        },
    }
    (Path(out) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False) + "\n", encoding="utf-8")


def read_not_negatives(paths: Iterable[str | Path]) -> set[str]:
    """Keys of papers judged on-topic (JSONL with `id` and/or `title`; with a `verdict`, only "yes" and
    "borderline" count): left out of every negative set."""
    keys: set[str] = set()
    for path in paths:
        for _, record in iter_records(path):
            if record.get("verdict", "yes") not in ("yes", "borderline"):
                continue
            if record.get("id"):
                keys.add(str(record["id"]))
            if record.get("title"):
                keys.add(title_key(record["title"]))
    return keys


def rejected_examples(state) -> list[Example]:  # state: a mimwatch.state.State
    """Papers the maintainers rejected in review, with their cached text: negatives for training."""
    rejected = [paper_id for paper_id, outcome in state.outcomes().items() if outcome == "rejected"]
    cached = state.cached_abstracts(rejected)
    return [
        Example(key=paper_id, title=record.get("title", ""), abstract=record.get("abstract", ""))
        for paper_id, record in cached.items()
        if record.get("title")
    ]


def load_model(folder: str | Path | None = None) -> Model:
    """The model in `folder`, else the shipped one (models/default)."""
    return Model.load(folder or default_model_dir())


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def classify_file(model: Model, input_path: str | Path, output, batch: int = 2000, workers: int | None = None) -> int:
    """Score every record of a JSONL(.gz) file, in input order, as JSON lines on `output`.

    Batches are scored in `workers` forked processes (default: the machine's cores, at most 4) when the
    file has more than one batch: scoring is CPU-bound Python, and the output order is the input order.
    """
    workers = workers or min(os.cpu_count() or 1, 4)
    count = 0

    def batches():
        pending: list[dict] = []
        for line_no, record in iter_records(input_path):
            if not record.get("title") and not record.get("abstract"):
                from ..errors import SourceError

                raise SourceError(f"{input_path}:{line_no}: record has neither 'title' nor 'abstract'")
            pending.append(record)
            if len(pending) >= batch:
                yield pending
                pending = []
        if pending:
            yield pending

    for lines in _score_batches(model, batches(), workers):
        output.write(lines)
        count += lines.count("\n")
    return count


_WORKER_MODEL: Model | None = None  # the model, inherited by forked workers (never pickled)


def _score_lines(records: list[dict]) -> str:
    return "".join(json.dumps(s.as_record(), ensure_ascii=False) + "\n" for s in _WORKER_MODEL.score(records))  # type: ignore[union-attr]


def _score_batches(model: Model, batches, workers: int):  # yields JSON-lines text
    """Scored batches in input order: in this process, or in forked workers that share the loaded model."""
    global _WORKER_MODEL
    _WORKER_MODEL = model
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    import multiprocessing

    if second is None or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for records in (first, *(b for b in (second,) if b), *batches):
            yield _score_lines(records)
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from itertools import chain

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        window: deque = deque()  # a few batches ahead, not the whole file in memory
        for records in chain((first, second), batches):
            window.append(pool.submit(_score_lines, records))
            if len(window) >= 2 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


# ---- evaluation --------------------------------------------------------------------------------


@dataclass
class Evaluation:
    rows: list[tuple[str, dict[str, float]]]
    labels: int
    pool: int
    excluded_training: int
    section_eligible: int
    era: dict[str, float]

    def table(self) -> str:
        columns = ["AP", "R@1/1000", "R@2/1000", "R@5/1000", "recall@thr", "cand/1000@thr", "section top-1",
                   "section top-3"]  # fmt: skip
        width = max(len(name) for name, _ in self.rows) + 2
        lines = [f"{'method':<{width}}" + "".join(f"{c:>15}" for c in columns)]
        for name, figures in self.rows:
            cells = "".join(f"{_fmt(figures.get(c)):>15}" for c in columns)
            lines.append(f"{name:<{width}}{cells}")
        lines.append(
            f"\n{self.labels} labelled list papers among {self.pool:,} pool papers not used in training "
            f"({self.excluded_training:,} training negatives left out); section accuracy over the "
            f"{self.section_eligible} labelled papers whose section is in the model."
        )
        if self.era:
            lines.append(
                "Era check (pool papers flagged per 1,000, by era): "
                + ", ".join(f"{k}: {v:.1f}" for k, v in self.era.items())
            )
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def read_labels(path: str | Path) -> list[Example]:
    out = []
    for _, record in iter_records(path):
        title = record.get("title") or ""
        out.append(
            Example(
                key=paper_key(record.get("id"), title),
                title=title,
                abstract=record.get("abstract") or "",
                section=record.get("section"),
            )
        )
    return out


def evaluate(
    model: Model,
    manifest: dict,
    labels: Sequence[Example],
    pool_paths: Sequence[str | Path],
    baseline_positives: Sequence[Example] = (),
    pool_size: int | None = None,
    encode=None,  # texts -> normalised embeddings, for the embedding-similarity baseline
    not_negatives: Iterable[str] = (),
) -> Evaluation:
    """The model and the peers' methods on labelled list papers mixed into pool papers not trained on
    (and not judged on-topic: `not_negatives`)."""
    from .baselines import arxiv_sanity_scores, embedding_scores, keyword_scores  # scikit-learn's SVM, metrics
    from .metrics import relevance_figures, section_figures, threshold_figures

    trained_keys = set(manifest.get("negatives", {}).get("keys", []))
    label_titles = {normalise_title(e.title) for e in labels}
    banned = set(not_negatives)
    candidates = pool_examples(pool_paths, exclude=[*labels, *baseline_positives])
    all_pool = [e for e in candidates if not _is_banned(e, banned)]
    pool = [e for e in all_pool if e.key not in trained_keys and normalise_title(e.title) not in label_titles]
    training_negatives = [e for e in all_pool if e.key in trained_keys]
    if pool_size is not None and len(pool) > pool_size:
        pool = [e for e in pool if in_split(e.key, pool_size / len(pool), "evaluation-sample")]
    trained_titles = {normalise_title(p["title"]) for p in manifest.get("positives", [])}
    leaked = sum(1 for e in labels if normalise_title(e.title) in trained_titles)
    if leaked:
        log.warning("%d labelled papers are in the model's training list: its figures are not a fair test", leaked)

    rows: list[tuple[str, dict[str, float]]] = []
    records = [{"id": e.key, "title": e.title, "abstract": e.abstract, "authors": list(e.authors)}
               for e in [*labels, *pool]]  # fmt: skip
    scores = model.score(records, explain=False)
    pos_scores, pool_scores = scores[: len(labels)], scores[len(labels) :]
    eligible = [(e, s) for e, s in zip(labels, pos_scores, strict=True) if e.section in model.sections]
    figures = relevance_figures([s.relevance for s in pos_scores], [s.relevance for s in pool_scores])
    figures |= threshold_figures([s.relevant for s in pos_scores], [s.relevant for s in pool_scores])
    figures |= section_figures([e.section for e, _ in eligible], [[n for n, _ in s.sections] for _, s in eligible])
    rows.append(("mimwatch", figures))

    rows.append(("keyword", relevance_figures(keyword_scores(labels), keyword_scores(pool))))
    if baseline_positives and training_negatives:
        sanity = arxiv_sanity_scores(baseline_positives, training_negatives, [*labels, *pool])
        rows.append(("arxiv-sanity TF-IDF+SVM", relevance_figures(sanity[: len(labels)], sanity[len(labels) :])))
    if encode is not None and baseline_positives:
        embedded = embedding_scores(baseline_positives, [*labels, *pool], encode)
        rows.append(
            ("embedding similarity (MiniLM)", relevance_figures(embedded[: len(labels)], embedded[len(labels) :]))
        )
    era = _era_check(pool, pool_scores)
    return Evaluation(rows, len(labels), len(pool), len(training_negatives), len(eligible), era)


def _era_check(pool: Sequence[Example], scores: Iterable) -> dict[str, float]:
    """Flag rates of 2020-era pool papers (ICLR 2021 submissions) and 2025-era ones: a year detector differs."""
    by_era: dict[str, list[bool]] = {}
    for example, score in zip(pool, scores, strict=True):
        era = "ICLR-2021 (2020)" if example.key.startswith("title:") else "arXiv ids (mostly 2025)"
        by_era.setdefault(era, []).append(score.relevant)
    return {k: float(np.mean(v) * 1000) for k, v in by_era.items() if len(v) >= 100}


def environment() -> dict[str, str]:
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
