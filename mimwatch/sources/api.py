"""The arXiv API (the `arxiv` package's real Client): date-window backfills and fetches by id.

What the Client leaves to us: it retries at once with only its 3 s spacing, ignores Retry-After, ends a
search quietly at an empty page, and parses a truncated body (or an HTML error page) as "no papers". So each
page is fetched on its own, checked to be arXiv's Atom and against the total the server announced, retried
with backoff, and kept in a cache so that an interrupted backfill resumes where it stopped. Requests go
through the process's one transport to arXiv (`http.Transport`: one pacer per host, a deadline per answer).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import arxiv
import requests
import requests.adapters
from lxml import etree

from ..papers import Paper, split_arxiv_id
from .feed import DEFAULT_CATEGORIES
from .http import DEFAULT_TIMEOUTS, PACER, Pacer, Timeouts, Tries, session_for
from .retry import Backoff, parse_retry_after

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
ID_BATCH = 100  # ids per request when fetching by id
_TOTAL_RE = re.compile(rb"<opensearch:totalResults[^>]*>\s*(\d+)\s*<", re.I)
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"

Progress = Callable[[int, int | None], None]


def date_window_query(since: date, until: date, categories: Sequence[str] = DEFAULT_CATEGORIES) -> str:
    """`submittedDate:[… TO …] AND (cat:cs.CV OR …)`, both days included."""
    window = f"submittedDate:[{since:%Y%m%d}0000 TO {until:%Y%m%d}2359]"
    if not categories:
        return window
    return f"{window} AND ({' OR '.join(f'cat:{c}' for c in categories)})"


@dataclass
class _Observed:
    """What the last HTTP response said that the Client does not pass on."""

    status: int | None = None
    retry_after: float | None = None
    total: int | None = None
    malformed: str | None = None


class PageCache:
    """Pages already fetched, by query and offset, in SQLite; written per page, atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS api_pages (query TEXT, start INTEGER, page_size INTEGER,"
                " total INTEGER, fetched_at TEXT, papers TEXT, PRIMARY KEY (query, start, page_size))"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, query: str, start: int, page_size: int) -> tuple[list[Paper], int] | None:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT papers, total FROM api_pages WHERE query=? AND start=? AND page_size=?",
                (query, start, page_size),
            ).fetchone()
        if row is None:
            return None
        return [Paper.from_record(r, source="api") for r in json.loads(row[0])], row[1]

    def put(self, query: str, start: int, page_size: int, papers: list[Paper], total: int) -> None:
        records = json.dumps([p.to_record() for p in papers], ensure_ascii=False)
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO api_pages VALUES (?, ?, ?, ?, ?, ?)",
                (query, start, page_size, total, datetime.now(UTC).isoformat(), records),
            )


class _RetryablePage(Exception):
    pass


class ApiSource:
    """Searches and fetches through `arxiv.Client`, pointed at `base_url` (arXiv, or a local server)."""

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        page_size: int = 100,
        delay_seconds: float = 3.0,
        backoff: Backoff | None = None,
        cache: PageCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_results: int | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        pacer: Pacer = PACER,
    ):
        if not 1 <= page_size <= 2000:
            raise ValueError("page_size must be between 1 and 2000 (the API's limit per page)")
        self.page_size = page_size
        self.backoff = backoff or Backoff()
        self.cache = cache
        self.sleep = sleep
        self.max_results = max_results  # None: everything the query matches, never a silent cap
        self.delay_seconds = delay_seconds
        self.timeouts = timeouts
        self.pacer = pacer
        # Retries are ours (with backoff); pacing is the transport's, shared by every client in the process.
        self.client = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=0)
        self.base_url = base_url
        self.client.query_url_format = base_url.rstrip("?") + "?{}"
        self._observed = _Observed()
        self._observe_responses()

    def _observe_responses(self) -> None:
        # The Client hides the HTTP response; a requests hook on its session is the only way to read
        # Retry-After, the announced total and whether the body is well-formed XML.
        session = getattr(self.client, "_session", None)
        if session is None:
            log.warning("arxiv.Client has no session to observe: Retry-After and truncation checks are off")
            return
        session.hooks.setdefault("response", []).append(self._on_response)
        session_for(self.base_url, self.delay_seconds, self.timeouts, self.pacer, session=session)

    def _on_response(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        observed = self._observed
        observed.status = response.status_code
        observed.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if response.status_code != 200:
            return
        body = response.content
        if m := _TOTAL_RE.search(body):
            observed.total = int(m.group(1))
        try:
            root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            observed.malformed = str(exc)
            return
        # An error page served with HTTP 200 (HTML, or XML of another kind) is no answer: the Client would read it
        # as a page without papers, and the window would count as scanned.
        if root.tag != _ATOM_FEED:
            observed.malformed = f"not arXiv's Atom feed (a <{etree.QName(root).localname}> document)"
        elif observed.total is None:
            observed.malformed = "an Atom feed without opensearch:totalResults"

    def search(
        self,
        since: date,
        until: date | None = None,
        categories: Sequence[str] = DEFAULT_CATEGORIES,
        progress: Progress | None = None,
    ) -> Iterator[Paper]:
        """Every paper submitted in [since, until] in the categories, oldest first, page by page."""
        query = date_window_query(since, until or datetime.now(UTC).date(), categories)
        yield from self._paged(query, progress)

    def fetch_ids(self, ids: Iterable[str], progress: Progress | None = None) -> list[Paper]:
        """The latest version of papers by arXiv id (any version suffix is dropped), 100 ids a request."""
        wanted = list(dict.fromkeys(_without_version(i) for i in ids if i and i.strip()))
        papers: list[Paper] = []
        for first in range(0, len(wanted), ID_BATCH):
            batch = wanted[first : first + ID_BATCH]
            description = f"id_list={','.join(batch[:3])}{'…' if len(batch) > 3 else ''} ({len(batch)} ids)"
            found, _ = self._fetch_page("", batch, 0, description)
            papers.extend(found)
            if progress:
                progress(first + len(batch), len(wanted))
        return papers

    def _paged(self, query: str, progress: Progress | None) -> Iterator[Paper]:
        start, total, seen = 0, None, 0
        while total is None or start < total:
            if self.max_results is not None and start >= self.max_results:
                return
            cached = self.cache.get(query, start, self.page_size) if self.cache else None
            if cached is not None:
                papers, total = cached
                log.info("page at %d of %r from cache", start, query)
            else:
                papers, total = self._fetch_page(query, [], start, f"{query!r}", expect_results=start > 0)
                if self.cache is not None and total is not None:
                    self.cache.put(query, start, self.page_size, papers, total)
            if not papers:
                return
            for paper in papers:
                if self.max_results is not None and seen >= self.max_results:
                    return
                seen += 1
                yield paper
            start += len(papers)
            if progress:
                progress(start, total)

    def _fetch_page(
        self, query: str, id_list: list[str], start: int, description: str, expect_results: bool = False
    ) -> tuple[list[Paper], int | None]:
        page_no = start // self.page_size + 1
        tries = Tries("arXiv API", self.base_url, self.backoff, self.sleep, label=f"arXiv API query {description}",
                      failure=f"arXiv API query {description} page {page_no} (start={start})",
                      stopped=f"stopped at page {page_no} of {description}, nothing recorded",
                      waiting=f"waiting to retry page {page_no} of {description}")  # fmt: skip
        for attempt in tries:
            self._observed = _Observed()
            try:
                search = arxiv.Search(
                    query=query,
                    id_list=id_list,
                    max_results=start + self.page_size,
                    sort_by=arxiv.SortCriterion.SubmittedDate,
                    sort_order=arxiv.SortOrder.Ascending,
                )
                results = list(self.client.results(search, offset=start))
                observed = self._observed
                if observed.malformed:
                    raise _RetryablePage(f"malformed or truncated response ({observed.malformed})")
                total = observed.total
                if not results and (expect_results or (total is not None and start < total)):
                    raise _RetryablePage(f"empty page although the server announced {total} results")
                if total is not None and start + len(results) > total:
                    raise _RetryablePage(f"{len(results)} results at {start} although the server announced {total}")
                return [paper_from_result(r) for r in results], total
            except (
                arxiv.HTTPError,
                arxiv.UnexpectedEmptyPageError,
                requests.RequestException,
                _RetryablePage,
            ) as exc:
                observed = self._observed
                tries.failed(attempt, _describe(exc), exc, observed.retry_after, final=observed.status in (400, 404))
        raise AssertionError("unreachable")  # the last try raises


def paper_from_result(result: arxiv.Result) -> Paper:
    """Convert an arxiv.Result at the boundary; nothing of the package travels further."""
    return Paper.build(
        id=result.get_short_id(),
        title=result.title,
        abstract=result.summary,
        authors=[a.name for a in result.authors],
        categories=list(result.categories),
        primary_category=result.primary_category or None,
        published=result.published,
        updated=result.updated,
        comment=result.comment,
        journal_ref=result.journal_ref,
        doi=result.doi,
        links=tuple(link.href for link in result.links),
        source="api",
    )


def _without_version(raw: str) -> str:
    try:
        return split_arxiv_id(raw)[0]
    except ValueError:
        return raw.strip()


def _describe(exc: Exception) -> str:
    if isinstance(exc, arxiv.HTTPError):
        return f"HTTP {exc.status}"
    if isinstance(exc, requests.RequestException):
        return f"{type(exc).__name__}: {exc}"
    return str(exc)
