"""Saved inputs, for replays, offline demos and benchmarks: API responses, feeds, JSONL(.gz) records."""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import SourceError
from ..papers import Paper
from .feed import FeedResult, parse_feed

log = logging.getLogger(__name__)

FEED_SUFFIXES = (".xml", ".atom", ".rss")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".ndjson")
RESPONSE_SUFFIXES = (".json",)  # a saved OpenReview (`notes`) or bioRxiv (`collection`) API response


def read_source_file(path: str | Path) -> FeedResult:
    """A saved feed or API response (.xml/.atom/.rss; OpenReview or bioRxiv .json), or JSONL(.gz) records
    (../shared/data/arxiv schema)."""
    path = Path(path)
    name = path.name.lower()
    if not path.is_file():
        raise SourceError(f"{path}: no such source file")
    if name.endswith(FEED_SUFFIXES + JSONL_SUFFIXES + RESPONSE_SUFFIXES) and path.stat().st_size == 0:
        log.warning("%s is empty: no papers", path)
        return FeedResult.of((), None, str(path))
    if name.endswith(FEED_SUFFIXES):
        return parse_feed(path.read_bytes(), origin=str(path))
    if name.endswith(JSONL_SUFFIXES):
        # A file of records is no announcement: "nothing announced yet" is the feed's to say.
        return FeedResult.of(iter_jsonl(path), None, str(path))
    if name.endswith(RESPONSE_SUFFIXES):
        return _saved_response(path)
    suffixes = ", ".join(FEED_SUFFIXES + JSONL_SUFFIXES + RESPONSE_SUFFIXES)
    raise SourceError(f"{path}: unknown source type; expected {suffixes}")


def _saved_response(path: Path) -> FeedResult:
    """An OpenReview API v2 response (`{"notes": [...]}`) or a bioRxiv one (`{"collection": [...]}`)."""
    from .biorxiv import read_details
    from .openreview import read_notes

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{path}: not a JSON API response ({exc})") from exc
    if isinstance(data, dict) and "notes" in data:
        return read_notes(data, str(path))
    if isinstance(data, dict) and "collection" in data:
        return read_details(data, str(path))
    raise SourceError(f"{path}: neither an OpenReview response ('notes') nor a bioRxiv one ('collection')")


def iter_jsonl(path: str | Path) -> Iterator[Paper]:
    """Papers from a JSONL file (gzipped when the name ends in .gz). A bad record is skipped with a
    warning naming the file and line: one broken line must not cost the run the other papers."""
    for line_no, record in iter_records(path, lenient=True):
        if problem := _record_problem(record):
            log.warning("%s:%d: skipped a record that %s", path, line_no, problem)
            continue
        yield Paper.from_record(record)


def _record_problem(record: dict) -> str | None:
    title = record.get("title")
    if not isinstance(title, str) or not title.strip():
        return "has no 'title'"
    texts = [title, record.get("abstract"), *(record.get("authors") or [])]
    if any(isinstance(t, str) and "\x00" in t for t in texts):
        return "holds a NUL byte (a damaged file?)"
    if record.get("authors") is not None and not isinstance(record.get("authors"), list):
        return "has 'authors' that is not a list of names"
    return None


def iter_records(path: str | Path, lenient: bool = False) -> Iterator[tuple[int, dict]]:
    """(line number, record) of a JSONL(.gz) file. A line that is not a JSON object (or not UTF-8) is skipped with
    a warning when `lenient`, else raises SourceError naming file and line; a file that cannot be read (damaged
    gzip data, a read error) raises SourceError naming the file and how far it was read."""
    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    line_no = 0
    try:
        with opener(path, "rb") as handle:
            for line_no, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    line = raw.decode("utf-8")
                    record = json.loads(line)
                    if not isinstance(record, dict):
                        raise SourceError(f"{path}:{line_no}: expected a JSON object, got {type(record).__name__}")
                except UnicodeDecodeError as exc:
                    problem = SourceError(f"{path}:{line_no}: not UTF-8 text ({exc.reason} at byte {exc.start})")
                    if not lenient:
                        raise problem from exc
                    log.warning("%s; skipped", problem)
                    continue
                except json.JSONDecodeError as exc:
                    problem = SourceError(f"{path}:{line_no}: not a JSON record ({exc.msg}): {line[:80]!r}")
                    if not lenient:
                        raise problem from exc
                    log.warning("%s; skipped", problem)
                    continue
                except SourceError as problem:
                    if not lenient:
                        raise
                    log.warning("%s; skipped", problem)
                    continue
                yield line_no, record
    except (OSError, EOFError, zlib.error) as exc:
        where = f" after line {line_no}" if line_no else ""
        raise SourceError(f"{path}: cannot be read{where} ({type(exc).__name__}: {exc}); is the file damaged?") from exc
