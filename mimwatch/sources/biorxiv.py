"""bioRxiv's public API (`https://api.biorxiv.org`): preprints by date interval and category, and their journals.

`details/biorxiv/<from>/<to>/<cursor>?category=<name>` pages through a window, 100 records a page
(`messages[0]` says the total); `authors` is one `;`-separated string; `published` is the journal DOI or `NA`.
A preprint's journal name comes from `pubs/biorxiv/<doi>`. The entry links the preprint's page
(`https://www.biorxiv.org/content/<doi>`); once it is in a journal, that is its venue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from urllib.parse import quote

import requests

from ..errors import SourceError
from ..papers import Paper, parse_date
from .feed import FeedResult
from .http import DEFAULT_TIMEOUTS, PACER, Pacer, Timeouts, get_with_retries, session_for
from .retry import Backoff

log = logging.getLogger(__name__)

DEFAULT_BIORXIV_URL = "https://api.biorxiv.org"
PAGE = 100  # records a page: the API's own


def paper_from_record(record: dict, journal: dict | None = None) -> Paper:
    """A Paper from one record of `details` (and, once it is published, its `pubs` record: the journal)."""
    authors = [a.strip() for a in str(record.get("authors") or "").split(";") if a.strip()]
    extra = {"biorxiv_category": record.get("category"), "server": record.get("server") or "biorxiv"}
    published = str(record.get("published") or "NA")
    if published != "NA":
        extra["published_doi"] = published
    if journal and journal.get("published_journal"):
        extra["journal"] = journal["published_journal"]
        when = parse_date(journal.get("published_date"))
        extra["journal_year"] = when.year if when else None
    version = int(record["version"]) if str(record.get("version") or "").isdigit() else None
    return Paper.build(
        id="",
        title=str(record.get("title") or ""),
        abstract=str(record.get("abstract") or ""),
        authors=authors,
        doi=str(record.get("doi") or ""),
        published=record.get("date"),
        version=version,
        source="biorxiv",
        announce_type="new" if (version or 1) == 1 else "replace",
        extra=extra,
    )


class BiorxivSource:
    """bioRxiv preprints of some categories (none: every category)."""

    def __init__(
        self,
        categories: Sequence[str] = (),
        base_url: str = DEFAULT_BIORXIV_URL,
        backoff: Backoff | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        delay_seconds: float = 1.0,
        pacer: Pacer = PACER,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.categories = tuple(categories)
        self.base_url = base_url.rstrip("/")
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.session = session_for(self.base_url, delay_seconds, timeouts, pacer)

    @property
    def name(self) -> str:
        return "biorxiv" + (":" + ",".join(self.categories) if self.categories else "")

    def window(self, since: date, until: date, progress=None) -> FeedResult:
        """Preprints posted in [since, until] (a new version of an older one is an update)."""
        records: list[dict] = []
        for category in self.categories or (None,):
            cursor, total = 0, None
            while total is None or cursor < total:
                query = {"category": category.replace(" ", "_")} if category else None
                data = self._get(f"details/biorxiv/{since:%Y-%m-%d}/{until:%Y-%m-%d}/{cursor}", query)
                message = (data.get("messages") or [{}])[0]
                page = data.get("collection") or []
                total = int(message.get("total") or message.get("count") or 0)
                if not page:
                    if cursor < total:
                        raise SourceError(f"bioRxiv: an empty page at {cursor} although it announced {total}")
                    break
                records += page
                cursor += len(page)
                if progress:
                    progress(cursor, total)
        return FeedResult.of((self._paper(r) for r in records), until, self.name)

    def by_keys(self, keys: Sequence[str]) -> list[Paper]:
        """The latest version of `doi:<doi>` preprints."""
        out = []
        for key in keys:
            if key.startswith("doi:"):
                collection = self._get(f"details/biorxiv/{quote(key.removeprefix('doi:'), safe='/')}/na/json")
                versions = collection.get("collection") or []
                if versions:
                    out.append(self._paper(versions[-1]))
        return out

    def latest(self, papers: Iterable[Paper]) -> list[Paper]:
        return self.by_keys([p.key for p in papers])

    def _paper(self, record: dict) -> Paper:
        """The record as a Paper; a published one with its journal's name (asked of `pubs`)."""
        journal = None
        if str(record.get("published") or "NA") != "NA":
            found = self._get(f"pubs/biorxiv/{quote(str(record.get('doi')), safe='/')}/na/json").get("collection")
            journal = found[0] if found else None
        return paper_from_record(record, journal)

    def _get(self, path: str, params: dict | None = None) -> dict:
        return get_with_retries(self.session, f"{self.base_url}/{path}", "bioRxiv", _collection, self.backoff,
                                self.sleep, params=params, what=path)  # fmt: skip


def _collection(response: requests.Response) -> dict:
    data = response.json()
    if not isinstance(data, dict) or "collection" not in data:
        raise ValueError("not bioRxiv's JSON (no 'collection')")
    return data


def read_details(data: dict, origin: str) -> FeedResult:
    """A saved `details` response (`{"messages": [...], "collection": [...]}`) as a source."""
    records = [r for r in data.get("collection") or [] if isinstance(r, dict) and r.get("title")]
    return FeedResult.of((paper_from_record(r) for r in records), None, origin)
