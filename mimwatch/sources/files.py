"""Saved inputs, for replays, offline demos and benchmarks: API responses, feeds, JSONL(.gz) records."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import SourceError
from ..papers import Paper
from .feed import FeedResult, parse_feed

FEED_SUFFIXES = (".xml", ".atom", ".rss")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".ndjson")


def read_source_file(path: str | Path) -> FeedResult:
    """A saved feed or API response (.xml/.atom/.rss), or JSONL(.gz) records (../shared/data/arxiv schema)."""
    path = Path(path)
    name = path.name.lower()
    if not path.is_file():
        raise SourceError(f"{path}: no such source file")
    if name.endswith(FEED_SUFFIXES):
        return parse_feed(path.read_bytes(), origin=str(path))
    if name.endswith(JSONL_SUFFIXES):
        papers = tuple(iter_jsonl(path))
        return FeedResult(
            papers=tuple(p for p in papers if not p.is_new_version),
            updates=tuple(p for p in papers if p.is_new_version),
            announced=bool(papers),
            date=None,
            origin=str(path),
        )
    raise SourceError(f"{path}: unknown source type; expected {', '.join(FEED_SUFFIXES + JSONL_SUFFIXES)}")


def iter_jsonl(path: str | Path) -> Iterator[Paper]:
    """Papers from a JSONL file (gzipped when the name ends in .gz); a bad line names file and line."""
    for line_no, record in iter_records(path):
        if not record.get("title"):
            raise SourceError(f"{path}:{line_no}: record has no 'title'")
        yield Paper.from_record(record)


def iter_records(path: str | Path) -> Iterator[tuple[int, dict]]:
    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(f"{path}:{line_no}: not a JSON record ({exc.msg}): {line[:80]!r}") from exc
                if not isinstance(record, dict):
                    raise SourceError(f"{path}:{line_no}: expected a JSON object, got {type(record).__name__}")
                yield line_no, record
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from exc
