"""Keep the model in step with the list it serves: the whole model retrains on the list as it is now.

The list defines relevance and grows. Before a scan (and with `mimwatch train` without `--negatives`), the
model's training entries are compared with the list; when the list has entries or sections the model has
not trained on, everything — features, relevance head, section heads, calibration, threshold — is trained
again on the current list. Positives: the list's entries (the model keeps the counts of those it knows;
new ones are read from their abstracts, or their titles offline). Negatives: the papers the bot judged in
its own scans (the state's recent window, minus what it proposed or the list took in, plus what the
maintainers rejected), then the sample of recent papers shipped with the model (hashed counts), so a fresh
install retrains offline from its first run. The result is cached by the list's content.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import scipy.sparse as sp

from ..awesome.document import AwesomeList
from ..awesome.model import Entry
from ..papers import normalise_title
from .data import SAMPLE_FILE, Example, NegativeSample, paper_key, training_set
from .features import author_counts, author_key, counts
from .model import Model, ModelError, TrainConfig, TrainingSet, train, train_sections

log = logging.getLogger(__name__)


Abstracts = Callable[[list[str]], dict[str, str]]  # arXiv ids -> abstracts (those it can find)


@dataclass(frozen=True)
class ListChanges:
    new_entries: tuple[str, ...]  # keys (arXiv id or title) the model has not trained on
    new_sections: tuple[str, ...]
    moved: int  # entries the model knows under another section
    removed: int = 0  # entries the model trained on that the list no longer has

    @property
    def any(self) -> bool:
        return bool(self.new_entries or self.new_sections or self.moved or self.removed)

    def describe(self) -> str:
        return (f"{len(self.new_entries)} new entries, {len(self.new_sections)} new sections "
                f"({', '.join(self.new_sections) or 'none'}), {self.moved} moved, {self.removed} removed")  # fmt: skip


def list_changes(model: Model, doc: AwesomeList, labelled: Sequence[Entry] = ()) -> ListChanges:
    known = {e["key"]: e["section"] for e in model.entries}
    new_entries, moved, present = [], 0, set()
    for entry in _entries(doc, labelled):
        key = paper_key(entry.arxiv_id, entry.title)
        present.add(key)
        if key not in known:
            new_entries.append(key)
        elif known[key] != entry.section:
            moved += 1
    new_sections = tuple(s for s in doc.sections if s not in model.sections)
    return ListChanges(tuple(dict.fromkeys(new_entries)), new_sections, moved, len(set(known) - present))


def _entries(doc: AwesomeList, labelled: Sequence[Entry] = ()) -> list:
    """Each paper of the list once, where it first stands (as in training); then the papers maintainers placed
    in a section by ticking a box in the bot's PR (`labelled`), that the list has not taken in (yet)."""
    seen: set[str] = set()
    out = []
    for entry in [*doc.entries, *labelled]:
        key = paper_key(entry.arxiv_id, entry.title)
        if key in seen or entry.section is None:
            continue
        seen.add(key)
        out.append(entry)
    return out


def follow_list(
    model: Model | None,
    doc: AwesomeList,
    abstracts: Abstracts | None = None,
    negatives: Sequence[Example] = (),
    sample: NegativeSample | None = None,
    config: TrainConfig | None = None,
    labelled: Sequence[Entry] = (),
) -> Model:
    """The model retrained whole on `doc`'s entries and sections (and the papers maintainers placed by a tick:
    `labelled`); the same model if nothing changed (`model` None: a first model for the list, every entry read
    from its abstract).

    Args:
        abstracts: finds the abstracts of new list entries by arXiv id (the state's cache, a corpus, the
            API); None offline: new entries are learned from their titles.
        negatives: recent papers the bot judged that are not list material (text).
        sample: the recent papers shipped with the model (counts), after `negatives`.
    """
    changes = list_changes(model, doc, labelled) if model is not None else None
    if changes is not None and not changes.any:
        return model
    if model is not None and changes is not None and not changes.new_entries:  # moved, renamed, removed
        return refit_sections(model, doc, labelled, changes)
    config = config or _config_of(model)
    data = list_training_set(model, doc, abstracts, negatives, sample, labelled, chars=config.char_weight > 0)
    if (n_negatives := data.negative_counts.shape[0]) < 1000:
        log.warning("retraining on only %d negatives: threshold and calibration are rough", n_negatives)
    followed, report = train(data, doc.sections, config)
    followed.meta["followed_list"] = {
        "changes": changes.describe() if changes else "first training",
        "entries": report.positives, "negatives": report.negatives,
        "stream_negatives": len(negatives), "sample": sample.version if sample else None,
    }  # fmt: skip
    return followed


def refit_sections(model: Model, doc: AwesomeList, labelled: Sequence[Entry], changes: ListChanges) -> Model:
    """The model with only its section head fitted again: the list has no paper the model has not trained on,
    its sections moved or were renamed. Relevance and its threshold stay as they are; the list's authors are
    this list's (a list that dropped entries no longer vouches for their authors: no evidence, no "already in
    the list")."""
    config = _config_of(model)
    rows = {e["key"]: i for i, e in enumerate(model.entries)}
    entries = [e for e in _entries(doc, labelled) if paper_key(e.arxiv_id, e.title) in rows]
    counts = sp.vstack([model.entry_counts[rows[paper_key(e.arxiv_id, e.title)]] for e in entries], format="csr")
    sections = [s for s in doc.sections if any(e.section == s for e in entries)]
    heads = train_sections(counts, [e.section for e in entries], sections, config, [e.title for e in entries])
    meta = {**model.meta, "followed_list": {"changes": changes.describe(), "refit": "sections only",
                                            "entries": len(entries)}}  # fmt: skip
    meta["training"] = {
        **meta.get("training", {}), "section_cv_top1": heads.cv_top1, "section_cv_top3": heads.cv_top3,
        "heading_weight": heads.heading_weight, "knn_weight": heads.knn_weight, "section_C": heads.C,
    }  # fmt: skip
    list_authors = author_counts([author_key(a) for a in e.authors] for e in entries)
    return replace(
        model, list_authors=list_authors,
        author_weights={k: w for k, w in model.author_weights.items() if k in list_authors},
        sections=sections, section_weighting=heads.weighting, section_coef=heads.coef,
        section_intercept=heads.intercept, heading_matrix=heads.headings, heading_weight=heads.heading_weight,
        knn_weight=heads.knn_weight, entry_matrix=heads.entries, entry_counts=counts, meta=meta,
        entries=[{"key": paper_key(e.arxiv_id, e.title), "title": e.title, "section": e.section} for e in entries],
    )  # fmt: skip


def list_training_set(
    model: Model | None,
    doc: AwesomeList,
    abstracts: Abstracts | None,
    negatives: Sequence[Example],
    sample: NegativeSample | None,
    labelled: Sequence[Entry] = (),
    chars: bool = True,
) -> TrainingSet:
    """Positives from the list and the papers placed by ticks (known entries' counts from the model, new ones
    from their text)."""
    entries = _entries(doc, labelled)
    known_rows = {e["key"]: i for i, e in enumerate(model.entries)} if model is not None else {}
    new_ids = [e.arxiv_id for e in entries if e.arxiv_id and paper_key(e.arxiv_id, e.title) not in known_rows]
    found: dict[str, str] = {}
    if new_ids and abstracts is not None:
        found = abstracts(new_ids)
    if missing := [i for i in new_ids if not found.get(i)]:
        log.warning("%d new list entries are learned from their titles only (no abstract found)", len(missing))
    listed_ids = {e.arxiv_id for e in entries if e.arxiv_id}
    listed_titles = {normalise_title(e.title) for e in entries}
    negatives = [n for n in negatives if n.key not in listed_ids and normalise_title(n.title) not in listed_titles]
    data = training_set([], negatives, sample=sample, chars=chars)
    rows, positives = [], []
    for entry in entries:
        key = paper_key(entry.arxiv_id, entry.title)
        if key in known_rows:
            rows.append(model.entry_counts[known_rows[key]])
            has_abstract = True
        else:
            abstract = found.get(entry.arxiv_id or "", "")
            rows.append(counts([entry.title], [abstract]))
            has_abstract = bool(abstract)
        positives.append({"key": key, "title": entry.title, "section": entry.section, "abstract": has_abstract,
                          "authors": [author_key(a) for a in entry.authors]})  # fmt: skip
    return replace(data, positive_counts=sp.vstack(rows, format="csr"), positives=positives)


def _config_of(model: Model | None) -> TrainConfig:
    """The settings `model` was trained with (the defaults for a first model, or one that does not say)."""
    return TrainConfig(**_tuples(model.meta["config"])) if model and model.meta.get("config") else TrainConfig()


def _tuples(config: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}


# ---- the cache of retrained models -------------------------------------------------------------------


def list_fingerprint(
    doc: AwesomeList, base: Model, sample: NegativeSample | None, labelled: Sequence[Entry] = ()
) -> str:
    """What a retrained model depends on: the list's entries and sections (not its formatting) and the papers
    placed by ticks, the base model, and the shipped sample's version."""
    content = {
        "entries": [[paper_key(e.arxiv_id, e.title), e.section] for e in _entries(doc, labelled)],
        "sections": list(doc.sections),
        "base": base.meta.get("trained_on", base.meta.get("training", {})),
        "sample": sample.version if sample else None,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:20]


def model_for_list(
    base: Model,
    doc: AwesomeList,
    cache_dir: Path,
    sample: NegativeSample | None,
    negatives: Callable[[], Sequence[Example]],
    abstracts: Abstracts | None,
    labelled: Sequence[Entry] = (),
) -> Model:
    """`base` when it knows the list (and the papers placed by ticks: `labelled`); else the model retrained on
    them, from the cache when there."""
    changes = list_changes(base, doc, labelled)
    if not changes.any:
        return base
    folder = Path(cache_dir) / list_fingerprint(doc, base, sample, labelled)
    if (folder / "model.json").is_file():
        try:
            return Model.load(folder)
        except ModelError as exc:
            log.warning("the cached model in %s cannot be used (%s); training it again", folder, exc)
    log.warning(
        "the list differs from the one the model was trained on (%s): training the model on this list "
        "(once; it is kept in %s for the next runs)", changes.describe(), folder
    )
    try:
        followed = follow_list(base, doc, abstracts, negatives(), sample, labelled=labelled)
    except ModelError as exc:  # too few negatives: a model of its own without a sample, and a young state
        log.warning("cannot retrain on this list (%s): scanning with the model as it was trained", exc)
        return base
    try:
        followed.save(folder)
    except OSError as exc:  # a read-only home: the run goes on with the model in memory
        log.warning("cannot keep the retrained model in %s: %s", folder, exc)
    return followed


def load_sample(model_dir: Path) -> NegativeSample | None:
    path = Path(model_dir) / SAMPLE_FILE
    if not path.is_file():
        return None
    try:
        return NegativeSample.load(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("%s cannot be read (%s): retraining without the shipped sample", path, exc)
        return None


def stream_examples(records: Sequence[dict]) -> list[Example]:
    """The state's recent papers as training negatives."""
    out = []
    for r in records:
        if not r.get("title"):
            continue
        authors = r.get("authors") if isinstance(r.get("authors"), list) else []
        out.append(Example(key=paper_key(r.get("id") or None, r["title"]), title=r["title"],
                           abstract=r.get("abstract") or "", authors=tuple(authors)))  # fmt: skip
    return out


__all__ = ["ListChanges", "follow_list", "list_changes", "model_for_list"]
