"""Papers as the JSONL records other commands and tools read: arXiv fields plus the enrichment."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from .enrich import enrich
from .papers import Paper


def enriched_record(paper: Paper, style: Mapping[str, str] | None = None) -> dict[str, Any]:
    record = paper.to_record()
    found = enrich(paper)
    venue = found.venue.tag(style) if found.venue else None
    record.update(venue=venue, code=found.code, project=found.project, abbreviation=found.abbreviation)
    return record


def write_jsonl(records: Iterable[Mapping[str, Any]], handle: TextIO) -> int:
    count = 0
    for record in records:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
