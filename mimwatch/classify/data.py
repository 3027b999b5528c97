"""Training data: the list's entries as positives (with abstracts from a corpus), pool papers as negatives."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..awesome.document import AwesomeList
from ..awesome.model import normalise_title
from ..errors import MimwatchError
from ..sources.files import iter_records

log = logging.getLogger(__name__)


class TrainingDataError(MimwatchError):
    """The list, corpus or pool cannot give usable training data."""


@dataclass(frozen=True)
class Example:
    """One paper as the classifier sees it."""

    key: str  # arXiv id, else normalised title
    title: str
    abstract: str = ""
    section: str | None = None  # the list section of a positive

    @property
    def text(self) -> str:
        return document(self.title, self.abstract)


def document(title: str, abstract: str | None) -> str:
    """What the models read: the title twice (it says most per word), then the abstract."""
    title = (title or "").strip()
    return f"{title}. {title}. {(abstract or '').strip()}".strip()


def paper_key(arxiv_id: str | None, title: str) -> str:
    return arxiv_id or "title:" + normalise_title(title)


def in_split(key: str, share: float, salt: str = "mimwatch") -> bool:
    """A stable pseudo-random split by key: the same paper always falls on the same side."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def load_corpus(paths: Iterable[str | Path]) -> dict[str, dict]:
    """Abstracts by arXiv id and by normalised title, from JSONL records (`id` or `arxiv_id`, title, abstract)."""
    index: dict[str, dict] = {}
    for path in paths:
        for _, record in iter_records(path):
            arxiv_id = record.get("id") or record.get("arxiv_id")
            title = record.get("title") or ""
            if arxiv_id:
                index.setdefault(str(arxiv_id), record)
            if title:
                index.setdefault("title:" + normalise_title(title), record)
    return index


def positives(doc: AwesomeList, corpus: dict[str, dict]) -> list[Example]:
    """Every entry of the list, with its abstract when the corpus has it (by id, else by title)."""
    examples = []
    seen: set[str] = set()
    missing = 0
    for entry in doc.entries:
        key = paper_key(entry.arxiv_id, entry.title)
        if key in seen or entry.section is None:
            continue  # the list's own duplicates count once
        seen.add(key)
        record = (corpus.get(entry.arxiv_id) if entry.arxiv_id else None) or corpus.get(
            "title:" + normalise_title(entry.title)
        )
        abstract = (record or {}).get("abstract") or ""
        if not abstract:
            missing += 1
        examples.append(Example(key=key, title=entry.title, abstract=abstract, section=entry.section))
    if not examples:
        raise TrainingDataError(f"{doc.path or 'the list'} has no entries to learn from")
    log.info("%d list entries, %d without an abstract (title only)", len(examples), missing)
    return examples


def pool_examples(paths: Sequence[str | Path], exclude: Iterable[Example] = ()) -> Iterator[Example]:
    """Pool papers that are not list papers (same id or same normalised title), each once."""
    banned_ids = {e.key for e in exclude if not e.key.startswith("title:")}
    banned_titles = {normalise_title(e.title) for e in exclude}
    seen: set[str] = set()
    for path in paths:
        for _, record in iter_records(path):
            title = record.get("title") or ""
            norm = normalise_title(title)
            arxiv_id = record.get("id")
            key = paper_key(str(arxiv_id) if arxiv_id else None, title)
            if not title or key in seen or norm in banned_titles or (arxiv_id and str(arxiv_id) in banned_ids):
                continue
            seen.add(key)
            yield Example(key=key, title=title, abstract=record.get("abstract") or "")
