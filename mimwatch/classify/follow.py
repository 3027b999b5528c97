"""Keep the model in step with the list it serves: new entries and new sections the model has not seen.

The list defines relevance and grows. Before a scan, the model's training entries are compared with the
list; when the list has entries or sections the model lacks, the section head and the "nearest entries"
are refit on the current list (abstracts of new entries fetched by id and cached in the state; title
only when arXiv cannot be reached). The relevance head keeps its weights: its negatives are not shipped
(see MODEL_CARD.md); `mimwatch train --list … --negatives …` retrains it whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ..awesome.document import AwesomeList
from ..errors import SourceError
from ..state import State
from .data import document, paper_key
from .model import Model, TrainConfig, train_sections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListChanges:
    new_entries: tuple[str, ...]  # keys (arXiv id or title) the model has not trained on
    new_sections: tuple[str, ...]
    moved: int  # entries the model knows under another section

    @property
    def any(self) -> bool:
        return bool(self.new_entries or self.new_sections or self.moved)

    def describe(self) -> str:
        return (f"{len(self.new_entries)} new entries, {len(self.new_sections)} new sections "
                f"({', '.join(self.new_sections) or 'none'}), {self.moved} moved")  # fmt: skip


def list_changes(model: Model, doc: AwesomeList) -> ListChanges:
    known = {e["key"]: e["section"] for e in model.entries}
    new_entries, moved = [], 0
    seen: set[str] = set()
    for entry in doc.entries:
        key = paper_key(entry.arxiv_id, entry.title)
        if key in seen:
            continue  # a paper listed twice counts where it first stands, as in training
        seen.add(key)
        if key not in known:
            new_entries.append(key)
        elif known[key] != entry.section:
            moved += 1
    new_sections = tuple(s for s in doc.sections if s not in model.sections)
    return ListChanges(tuple(dict.fromkeys(new_entries)), new_sections, moved)


def follow_list(model: Model, doc: AwesomeList, state: State | None = None, fetch_ids=None) -> Model:  # noqa: ANN001
    """A model whose sections and nearest entries are those of `doc`; the same model if nothing changed.

    Args:
        fetch_ids: a callable taking arXiv ids and returning Papers (the API source), or None offline.
    """
    changes = list_changes(model, doc)
    if not changes.any:
        return model
    log.warning("the list has changed since the model was trained: %s; refitting its sections", changes.describe())
    abstracts = _abstracts([e for e in doc.entries if e.arxiv_id], set(changes.new_entries), state, fetch_ids)
    known_rows = {e["key"]: i for i, e in enumerate(model.entries)}
    rows, entries = [], []
    seen: set[str] = set()
    for entry in doc.entries:
        key = paper_key(entry.arxiv_id, entry.title)
        if key in seen or entry.section is None:
            continue
        seen.add(key)
        if key in known_rows:
            rows.append(model.entry_matrix[known_rows[key]])
        else:
            text = document(entry.title, abstracts.get(entry.arxiv_id or "", ""))
            rows.append(model.vectorizer.transform([text]))
        entries.append({"key": key, "title": entry.title, "section": entry.section})
    matrix = sp.vstack(rows).tocsr()
    sections = list(doc.sections)
    config = TrainConfig(**model.meta.get("config", {})) if model.meta.get("config") else TrainConfig()
    columns = np.unique(matrix.indices)
    clf, headings, weight, top1, top3 = train_sections(
        model.vectorizer, matrix, columns, [e["section"] for e in entries], sections, config
    )
    meta = dict(model.meta)
    meta["followed_list"] = {
        "entries": len(entries), "sections": len(sections), "changes": changes.describe(),
        "section_cv_top1": top1, "section_cv_top3": top3,
    }  # fmt: skip
    return replace(
        model, sections=sections, section_clf=clf, heading_matrix=headings, section_weight=weight,
        section_columns=columns, entry_matrix=matrix, entries=entries, meta=meta,
    )  # fmt: skip


def _abstracts(entries, wanted: set[str], state: State | None, fetch_ids) -> dict[str, str]:  # noqa: ANN001
    ids = [e.arxiv_id for e in entries if e.arxiv_id in wanted]
    found = {i: r.get("abstract", "") for i, r in (state.cached_abstracts(ids) if state else {}).items()}
    missing = [i for i in ids if i not in found]
    if missing and fetch_ids is not None:
        try:
            papers = fetch_ids(missing)
        except SourceError as exc:
            log.warning("cannot fetch abstracts of new list entries (%s): using their titles only", exc)
            papers = []
        records = [{"id": p.id, "title": p.title, "abstract": p.abstract} for p in papers]
        if state is not None and records:
            state.cache_abstracts(records)
        found.update({r["id"]: r["abstract"] for r in records})
    elif missing:
        log.warning("offline: %d new list entries are learned from their titles only", len(missing))
    return found


__all__ = ["ListChanges", "follow_list", "list_changes"]
