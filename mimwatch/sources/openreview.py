"""OpenReview (API v2, through the official client `openreview-py`): a venue's public submissions and decisions.

Public notes need no login. A venue's submissions are the notes of the invitation `<venue>/-/Submission`; each
field is wrapped as `{"value": …}`; `venue`/`venueid` carry the outcome (`ICLR 2026 Poster`,
`…/Withdrawn_Submission`, `…/Desk_Rejected_Submission`, `…/Rejected_Submission`); the authors of a double-blind
venue are hidden until the decision. A window is the notes modified in it (newest first, paged until older
ones); requests go through the process's transport (paced, bounded in time) and are retried like arXiv's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time

import requests

from ..errors import SourceError
from ..papers import Paper
from .feed import FeedResult
from .http import DEFAULT_TIMEOUTS, PACER, Pacer, Timeouts, Tries, session_for
from .retry import Backoff, parse_retry_after

log = logging.getLogger(__name__)

DEFAULT_OPENREVIEW_URL = "https://api2.openreview.net"
FORUM_URL = "https://openreview.net/forum?id={}"
PAGE = 1000  # notes a request (the API's most)


@dataclass
class _Observed:
    status: int | None = None
    retry_after: float | None = None


def decision(venue: str, venueid: str, group: str | None = None) -> str:
    """What OpenReview says of a submission: accepted, rejected, withdrawn, desk-rejected or pending."""
    if venueid.endswith("Withdrawn_Submission") or "withdrawn" in venue.lower():
        return "withdrawn"
    if venueid.endswith("Desk_Rejected_Submission") or "desk rejected" in venue.lower():
        return "desk-rejected"
    if venueid.endswith("Rejected_Submission"):
        return "rejected"
    if venue.lower().startswith("submitted to") or venueid.endswith("/Submission") or not venue:
        return "pending"
    if group is None or venueid == group or not venueid.startswith(group + "/"):
        return "accepted"
    return "pending"


def paper_from_note(note: dict, group: str | None = None) -> Paper:
    """A Paper from one note of API v2 (as JSON): a submission, with its outcome in `extra`."""
    content = note.get("content") or {}

    def value(name: str):
        field = content.get(name)
        return field.get("value") if isinstance(field, dict) else field

    venue, venueid = str(value("venue") or ""), str(value("venueid") or "")
    authors = [a for a in (value("authors") or []) if isinstance(a, str) and a.strip() and a != "Anonymous"]
    when = note.get("pdate") or note.get("odate") or note.get("cdate") or note.get("tcdate")
    forum = note.get("forum") or note.get("id")
    return Paper.build(
        id="",
        title=str(value("title") or ""),
        abstract=str(value("abstract") or ""),
        authors=authors,
        published=datetime.fromtimestamp(when / 1000, UTC).date() if when else None,
        updated=datetime.fromtimestamp(note["tmdate"] / 1000, UTC).date() if note.get("tmdate") else None,
        source="openreview",
        extra={"openreview_id": forum, "venue": venue, "venueid": venueid,
               "decision": decision(venue, venueid, group), "keywords": value("keywords") or []},
    )  # fmt: skip


class OpenReviewSource:
    """A venue's public submissions (`venue`: its group id, e.g. `ICLR.cc/2026/Conference`)."""

    def __init__(
        self,
        venue: str,
        base_url: str = DEFAULT_OPENREVIEW_URL,
        page_size: int = PAGE,
        backoff: Backoff | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        delay_seconds: float = 1.0,
        pacer: Pacer = PACER,
        sleep: Callable[[float], None] = time.sleep,
    ):
        from openreview.api import OpenReviewClient

        self.venue = venue.strip("/")
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        # No login: public notes. The client's own adapter (which retries for minutes and prints each retry) is
        # replaced by the process's transport; retries are ours, with backoff and the run's deadline.
        self.client = OpenReviewClient(baseurl=self.base_url)
        session_for(self.base_url, delay_seconds, timeouts, pacer, session=self.client.session)
        self.client.session.hooks.setdefault("response", []).append(self._on_response)
        self._observed = _Observed()

    @property
    def name(self) -> str:
        return f"openreview:{self.venue}"

    def _on_response(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self._observed = _Observed(response.status_code, parse_retry_after(response.headers.get("Retry-After")))

    def window(self, since: date | None = None, until: date | None = None, progress=None) -> FeedResult:
        """The venue's submissions modified in [since, until] (everything without `since`), newest first."""
        low = _ms(since) if since else None
        high = _ms(until, end=True) if until else None
        papers: list[Paper] = []
        offset = 0
        while True:
            page = self._request(f"submissions of {self.venue} at {offset}", invitation=f"{self.venue}/-/Submission",
                                 sort="tmdate:desc", limit=self.page_size, offset=offset)  # fmt: skip
            for note in page:
                if low is not None and (note.get("tmdate") or 0) < low:
                    return self._result(papers, until)
                if high is None or (note.get("tmdate") or 0) <= high:
                    papers.append(paper_from_note(note, self.venue))
            offset += len(page)
            if progress:
                progress(offset, None)
            if len(page) < self.page_size:
                return self._result(papers, until)

    def by_keys(self, keys: Sequence[str]) -> list[Paper]:
        """The submissions of `openreview:<forum>` keys, as they are now."""
        out = []
        for key in keys:
            if key.startswith("openreview:"):
                forum = key.removeprefix("openreview:")
                out += [paper_from_note(n, self.venue) for n in self._request(f"note {forum}", id=forum)]
        return out

    def latest(self, papers: Iterable[Paper]) -> list[Paper]:
        return self.by_keys([p.key for p in papers])

    def _result(self, papers: list[Paper], until: date | None) -> FeedResult:
        return FeedResult(papers=tuple(papers), updates=(), announced=True, date=until, origin=self.name)

    def _request(self, what: str, **params) -> list[dict]:
        """One page of notes (as JSON), retried with backoff; SourceError naming the venue and page at the end."""
        from openreview import OpenReviewException

        tries = Tries("OpenReview", self.base_url, self.backoff, self.sleep, label=f"OpenReview ({what})",
                      failure=f"OpenReview {what}")  # fmt: skip
        for attempt in tries:
            self._observed = _Observed()
            try:
                return [_as_json(n) for n in self.client.get_notes(**params)]
            except (OpenReviewException, requests.RequestException, ValueError, KeyError) as exc:
                status = self._observed.status
                reason = f"HTTP {status}" if status and status != 200 else f"{type(exc).__name__}: {_short(exc)}"
                tries.failed(attempt, reason, exc, self._observed.retry_after, final=status in (400, 403, 404))
        raise AssertionError("unreachable")


def read_notes(data: dict, origin: str) -> FeedResult:
    """A saved API v2 response (`{"notes": [...]}`) as a source."""
    notes = data.get("notes")
    if not isinstance(notes, list):
        raise SourceError(f"{origin}: not an OpenReview response (no 'notes' list)")
    papers = []
    for index, note in enumerate(notes, start=1):
        if not isinstance(note, dict) or not (note.get("content") or {}).get("title"):
            log.warning("%s: note %d has no title; skipped", origin, index)
            continue
        papers.append(paper_from_note(note, _group_of(note)))
    return FeedResult(papers=tuple(papers), updates=(), announced=True, date=None, origin=origin)


def _as_json(note) -> dict:  # an openreview.api.Note: its JSON with the dates (to_json leaves some out)
    data = note.to_json()
    for name in ("cdate", "pdate", "odate", "tcdate", "tmdate", "domain", "forum"):
        if getattr(note, name, None) is not None:
            data[name] = getattr(note, name)
    return data


def _group_of(note: dict) -> str | None:
    """The venue a saved note belongs to (`ICLR.cc/2026/Conference` of `ICLR.cc/2026/Conference/-/Submission`)."""
    for invitation in note.get("invitations") or []:
        if "/-/" in invitation:
            return invitation.split("/-/")[0]
    return note.get("domain")


def _ms(day: date, end: bool = False) -> int:
    moment = datetime.combine(day, clock_time.max if end else clock_time.min, tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _short(exc: Exception) -> str:
    """The message of an OpenReview error (its first argument is the API's error object) or of any other."""
    first = exc.args[0] if exc.args else exc
    return str(first.get("message", first) if isinstance(first, dict) else first)[:200]
