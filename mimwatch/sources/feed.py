"""The arXiv daily feed (rss.arxiv.org, RSS 2.0 or Atom, format of 2024+): what was announced today.

`new` and `cross` items are candidates; `replace` and `replace-cross` items are new versions of papers
announced before and go to `updates`. An empty feed means "nothing announced yet" (weekend, holiday,
before 20:00 US Eastern), which the caller must not confuse with "announced, nothing relevant".
"""

from __future__ import annotations

import logging
import re
import time
import xml.sax
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import feedparser

from ..errors import SourceError
from ..papers import Paper
from .http import DEFAULT_TIMEOUTS, Timeouts, get_with_retries, session_for
from .retry import Backoff

log = logging.getLogger(__name__)

DEFAULT_CATEGORIES = ("cs.CV", "cs.LG", "cs.AI", "eess.IV", "cs.MM", "cs.SD", "eess.AS")
DEFAULT_FEED_URL = "https://rss.arxiv.org"
USER_AGENT = "mimwatch/0.1 (literature watch for awesome lists; +https://github.com/mimwatch)"

_ANNOUNCE_RE = re.compile(r"^\s*arXiv:(?P<id>\S+?)\s+Announce Type:\s*(?P<type>[\w-]+)\s*", re.I)
_ABSTRACT_PREFIX = re.compile(r"^\s*Abstract:\s*", re.I)
_OAI_ID = re.compile(r"oai:arXiv\.org:(?P<id>.+)$", re.I)
_ABS_URL = re.compile(r"arxiv\.org/abs/(?P<id>[^\s?#]+)", re.I)


@dataclass(frozen=True)
class FeedResult:
    papers: tuple[Paper, ...]  # new and cross-listed: candidates
    updates: tuple[Paper, ...]  # replace / replace-cross: new versions of known papers
    announced: bool  # False when the feed is empty: nothing announced yet, try again later
    date: date | None  # the announcement date the feed is for
    origin: str = ""

    @classmethod
    def of(cls, papers: Iterable[Paper], day: date | None, origin: str) -> FeedResult:
        """Papers read from a source that announces nothing: new versions of papers are its updates."""
        papers = list(papers)
        return cls(papers=tuple(p for p in papers if not p.is_new_version),
                   updates=tuple(p for p in papers if p.is_new_version), announced=True, date=day,
                   origin=origin)  # fmt: skip


class FeedSource:
    """Fetches and parses the daily feed of some categories (joined with `+`)."""

    def __init__(
        self,
        base_url: str = DEFAULT_FEED_URL,
        categories: Sequence[str] = DEFAULT_CATEGORIES,
        feed_format: str = "rss",
        backoff: Backoff | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if feed_format not in ("rss", "atom"):
            raise ValueError(f"feed format must be 'rss' or 'atom', not {feed_format!r}")
        self.base_url = base_url.rstrip("/")
        self.categories = tuple(categories)
        self.feed_format = feed_format
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        # One request a day: no pacing beyond the shared transport's deadlines.
        self.session = session_for(self.base_url, 0.0, timeouts, user_agent=USER_AGENT)

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.feed_format}/{'+'.join(self.categories)}"

    def fetch(self) -> FeedResult:
        """Today's feed; retries HTTP failures and malformed bodies, then raises SourceError."""
        return get_with_retries(self.session, self.url, "arXiv feed", lambda r: parse_feed(r.content, origin=self.url),
                                self.backoff, self.sleep, retry_on=(SourceError,))  # fmt: skip


def parse_feed(data: bytes, origin: str = "feed") -> FeedResult:
    """Parse the bytes of an rss.arxiv.org RSS or Atom feed into new papers and updates."""
    # The text is used as plain text, never as HTML: skip the sanitiser and URI rewriting (3x faster).
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") or (parsed.bozo and _is_malformed(parsed.get("bozo_exception"))):
        problem = parsed.get("bozo_exception") or "not an RSS or Atom document"
        raise SourceError(f"malformed arXiv feed from {origin}: {problem}")
    feed_date = _date_of(parsed.feed)
    papers: list[Paper] = []
    updates: list[Paper] = []
    for index, item in enumerate(parsed.entries, start=1):
        try:
            paper = _paper_from_item(item, origin, index)
        except SourceError as exc:  # one bad item must not cost the day's other papers
            log.warning("%s; skipped", exc)
            continue
        (updates if paper.is_new_version else papers).append(paper)
    return FeedResult(
        papers=tuple(papers),
        updates=tuple(updates),
        announced=bool(parsed.entries),
        date=feed_date,
        origin=origin,
    )


def _is_malformed(exc: object) -> bool:
    return isinstance(exc, xml.sax.SAXException) and not isinstance(exc, feedparser.CharacterEncodingOverride)


def _paper_from_item(item: dict, origin: str, index: int) -> Paper:
    """One feed item, or one entry of a saved API response (no announce type, real v1 date)."""
    description = item.get("summary", "") or ""
    header = _ANNOUNCE_RE.match(description)
    raw_id = header.group("id") if header else ""
    for candidate in (item.get("id", ""), item.get("link", "")):
        if not raw_id and (m := _OAI_ID.search(candidate or "") or _ABS_URL.search(candidate or "")):
            raw_id = m.group("id")
    if not raw_id:
        raise SourceError(f"feed item {index} from {origin} has no arXiv id (title {item.get('title')!r})")
    announce_type = item.get("arxiv_announce_type") or (header.group("type") if header else None)
    announce_type = announce_type.lower() if announce_type else None
    abstract = _ABSTRACT_PREFIX.sub("", description[header.end() :] if header else description)
    categories = [t.get("term") for t in item.get("tags", []) if t.get("term")]
    primary = (item.get("arxiv_primary_category") or {}).get("term")
    # An API entry's <published> is the v1 date; a new item is announced within days of v1;
    # a replacement's v1 date is not in the feed.
    published = _date_of(item) if announce_type in (None, "new", "cross") else None
    return Paper.build(
        id=raw_id,
        title=item.get("title", ""),
        abstract=abstract,
        authors=_authors(item),
        categories=categories,
        primary_category=primary,
        published=published,
        updated=_date_of(item, prefer="updated_parsed"),
        journal_ref=item.get("arxiv_journal_reference") or item.get("arxiv_journal_ref"),
        doi=item.get("arxiv_doi"),
        comment=item.get("arxiv_comment"),
        source="rss" if announce_type else "api",
        announce_type=announce_type,
        links=tuple(link.get("href") for link in item.get("links", []) if link.get("href")),
    )


def _authors(item: dict) -> list[str]:
    names = [a.get("name", "") for a in item.get("authors", []) if a.get("name")]
    if len(names) == 1 and "," in names[0]:  # dc:creator holds the whole list in one string
        names = names[0].split(",")
    return [n.strip() for n in names if n.strip()]


def _date_of(node: dict, prefer: str = "published_parsed") -> date | None:
    for key in (prefer, "published_parsed", "updated_parsed"):
        # dict.get, not the FeedParserDict lookup that maps a missing `updated_parsed` to `published_parsed`
        # (deprecated in feedparser and warned about on every item).
        if value := dict.get(node, key):
            return datetime(*value[:6]).date()
    return None
