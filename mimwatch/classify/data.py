"""Training data: the list's entries as positives (with abstracts from a corpus), pool papers as negatives."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..awesome.document import AwesomeList
from ..errors import MimwatchError
from ..papers import normalise_title, title_key
from ..sources.files import iter_records
from .features import author_key, counts, document

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
    authors: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return document(self.title, self.abstract)


def paper_key(arxiv_id: str | None, title: str) -> str:
    return arxiv_id or title_key(title)


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
                index.setdefault(title_key(title), record)
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
            title_key(entry.title)
        )
        abstract = (record or {}).get("abstract") or ""
        if not abstract:
            missing += 1
        examples.append(
            Example(key=key, title=entry.title, abstract=abstract, section=entry.section, authors=tuple(entry.authors))
        )
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
            authors = record.get("authors") if isinstance(record.get("authors"), list) else []
            yield Example(key=key, title=title, abstract=record.get("abstract") or "", authors=tuple(authors))


def training_set(
    positives: Sequence[Example],
    negatives: Sequence[Example],
    stream: Sequence[bool] | None = None,
    sample: NegativeSample | None = None,
    title_only_share: float = 0.05,
    chars: bool = True,
):  # returns a model.TrainingSet
    """Counts of list entries and negatives (papers as text, plus a shipped sample already counted).

    `stream`: per negative, whether it is a recent stream paper (sets the reading-budget threshold);
    the sample's papers are recent stream papers by construction. `chars` off: the negatives' title character
    n-grams are not counted (only the relevance head reads negatives; without character features, it needs
    none; the list's entries always have them, for the section head).
    """
    import numpy as np
    import scipy.sparse as sp

    from .model import TrainingSet

    pos_counts = counts([p.title for p in positives], [p.abstract for p in positives])
    neg_counts = counts([n.title for n in negatives], [n.abstract for n in negatives], chars)
    title_rows = [n for n in negatives if n.abstract and in_split(n.key, title_only_share, "title-only")]
    title_counts = counts([n.title for n in title_rows], [""] * len(title_rows), chars)
    neg_authors = [[author_key(a) for a in n.authors] for n in negatives]
    title_authors = [[author_key(a) for a in n.authors] for n in title_rows]
    stream_mask = list(stream) if stream is not None else [True] * len(negatives)
    if sample is not None:
        neg_counts = sp.vstack([neg_counts, sample.counts], format="csr")
        title_counts = sp.vstack([title_counts, sample.title_counts], format="csr")
        neg_authors += sample.authors
        title_authors += sample.title_authors
        stream_mask += [True] * sample.counts.shape[0]
    return TrainingSet(
        positive_counts=pos_counts,
        positives=[{"key": p.key, "title": p.title, "section": p.section, "abstract": bool(p.abstract),
                    "authors": [author_key(a) for a in p.authors]} for p in positives],  # fmt: skip
        negative_counts=neg_counts,
        negative_authors=neg_authors,
        stream=np.array(stream_mask, dtype=bool),
        title_only_counts=title_counts,
        title_only_authors=title_authors,
    )


SAMPLE_FILE = "negatives.npz"  # a model's negative sample, beside its model.npz


@dataclass(frozen=True)
class NegativeSample:
    """Recent unlisted papers shipped with a model as hashed counts (no text), for offline retraining."""

    counts: object  # scipy.sparse.csr_matrix
    title_counts: object
    authors: list[list[str]]  # author keys (surname and initial) of each paper
    title_authors: list[list[str]]
    version: str

    @classmethod
    def from_examples(cls, examples: Sequence[Example], version: str, title_only_share: float = 0.05) -> NegativeSample:
        """Papers counted and hashed: no text is kept, only counts and author keys."""
        title_rows = [e for e in examples if e.abstract and in_split(e.key, title_only_share, "title-only")]
        return cls(
            counts=counts([e.title for e in examples], [e.abstract for e in examples]),
            title_counts=counts([e.title for e in title_rows], [""] * len(title_rows)),
            authors=[[author_key(a) for a in e.authors] for e in examples],
            title_authors=[[author_key(a) for a in e.authors] for e in title_rows],
            version=version,
        )

    def save(self, path: str | Path) -> None:
        import json

        import numpy as np

        from .model import _sparse

        arrays = {**_sparse("counts", self.counts), **_sparse("title_counts", self.title_counts)}
        meta = json.dumps({"version": self.version, "authors": self.authors, "title_authors": self.title_authors})
        with open(path, "wb") as handle:
            np.savez_compressed(handle, meta=np.frombuffer(meta.encode("utf-8"), dtype=np.uint8), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> NegativeSample:
        import json

        import numpy as np

        from .model import _unsparse, read_once

        def read() -> NegativeSample:
            with np.load(path, allow_pickle=False) as data:  # BadZipFile, KeyError: the caller reports
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
            return cls(_unsparse("counts", arrays), _unsparse("title_counts", arrays), meta["authors"],
                       meta["title_authors"], meta["version"])  # fmt: skip

        return read_once([Path(path)], read)
