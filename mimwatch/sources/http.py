"""Every request to arXiv goes through one transport: paced per host for the whole process, bounded in time.

A socket timeout alone bounds the wait between two bytes, not a request: a server that trickles a byte every
20 s would hold a run forever. The transport reads each answer against a total deadline (the request's own,
or what is left of the run's), and every client of a host shares one pacer, so two sources in one process
never ask arXiv faster than its terms allow.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlparse

import requests
import requests.adapters

from .. import deadline as run_deadline
from ..errors import SourceError
from .retry import Backoff, parse_retry_after, unreachable

log = logging.getLogger(__name__)
T = TypeVar("T")


class Pacer:
    """At least `delay` seconds between the starts of two requests to one host, across every client."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, delay: float) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + delay
        if start > now:
            run_deadline.wait(start - now, f"pacing requests to {host}", self.sleep)


PACER = Pacer()  # the process's one pacer


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0  # seconds to connect
    silence: float = 15.0  # seconds without a byte
    total: float = 30.0  # seconds for a whole answer

    @classmethod
    def within(cls, total: float) -> Timeouts:
        """Timeouts for requests of at most `total` seconds (`MIMWATCH_REQUEST_TIMEOUT`)."""
        return cls(connect=min(10.0, total), silence=min(15.0, total / 2), total=total)


DEFAULT_TIMEOUTS = Timeouts()


class Transport(requests.adapters.HTTPAdapter):
    """An adapter for a requests Session: paces each request (shared `pacer`) and reads the whole answer within
    its deadline, else raises `requests.Timeout` naming the host and the time."""

    def __init__(self, delay: float = 0.0, timeouts: Timeouts = DEFAULT_TIMEOUTS, pacer: Pacer = PACER):
        super().__init__()
        self.delay = delay
        self.timeouts = timeouts
        self.pacer = pacer

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def, override]
        host = urlparse(request.url).hostname or "?"
        total = self.timeouts.total
        if (deadline := run_deadline.current()) is not None:
            total = deadline.allow(total, f"asking {host}")
        self.pacer.wait(host, self.delay)
        started = time.monotonic()
        kwargs["timeout"] = (min(self.timeouts.connect, total), min(self.timeouts.silence, total))
        kwargs["stream"] = True
        response = super().send(request, **kwargs)
        raw = response.raw
        chunks = []
        try:
            while chunk := raw.read1(65536, decode_content=True):
                chunks.append(chunk)
                if time.monotonic() - started > total:
                    raise requests.exceptions.ReadTimeout(
                        f"{host} sent its answer too slowly: not complete within {total:.0f} s", request=request
                    )
        except Exception:
            response.close()
            raise
        raw.release_conn()
        response.raw = io.BytesIO(b"".join(chunks))  # read: requests takes the content from here, as from a socket
        return response


def session_for(url: str, delay: float, timeouts: Timeouts, pacer: Pacer = PACER, user_agent: str | None = None,
                session: requests.Session | None = None) -> requests.Session:  # fmt: skip
    """`session` (or a new one) sending every request through a Transport."""
    session = session or requests.Session()
    adapter = Transport(delay, timeouts, pacer)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if user_agent:
        session.headers["User-Agent"] = user_agent
    return session


@dataclass
class Tries:
    """The tries of one request, and what ends them: a host that cannot be reached, that gives no answer in time
    `backoff.timeouts` times in a row or asks for a longer wait than a run gives, a final answer (a wrong URL),
    the last try. Between tries it waits out the backoff, within the run's deadline."""

    name: str  # the source, as messages name it ("arXiv feed", "OpenReview")
    url: str
    backoff: Backoff
    sleep: Callable[[float], None] = time.sleep
    label: str = ""  # the request, in a message that stops the run at once [name]
    failure: str = ""  # the request, in "… failed after N tries" and in the retry warnings [name]
    stopped: str = "stopped, nothing recorded"  # what a hanging host leaves
    waiting: str = ""  # what the run does while it waits [waiting to retry <failure>]
    timed_out: int = 0  # tries in a row that got no (complete) answer in time

    def __iter__(self) -> Iterator[int]:
        return iter(range(1, self.backoff.attempts + 1))

    def failed(self, attempt: int, reason: str, error: BaseException | None = None, retry_after: float | None = None,
               final: bool = False) -> None:  # fmt: skip
        """Try number `attempt` failed (`reason`; `error`, what it raised): raise SourceError when another try
        cannot help, else wait before it."""
        host = urlparse(self.url).hostname or self.url
        label, failure = self.label or self.name, self.failure or self.name
        if error is not None and (why := unreachable(error, self.url)):
            raise SourceError(f"{label}: {why}") from error
        self.timed_out = self.timed_out + 1 if isinstance(error, requests.Timeout) else 0
        if self.timed_out >= self.backoff.timeouts:
            raise SourceError(
                f"{self.name} at {host} gave no answer in time {self.timed_out} times in a row ({reason}): it is down "
                f"or hanging; {self.stopped}"
            ) from error
        if too_long := self.backoff.too_long(retry_after, host):
            raise SourceError(f"{label}: {too_long}") from error
        if final or attempt >= self.backoff.attempts:
            raise SourceError(f"{failure} failed after {attempt} tries: {reason}") from error
        wait = self.backoff.delay(attempt, retry_after)
        log.warning("%s: %s; retrying in %.1f s", failure, reason, wait)
        run_deadline.wait(wait, self.waiting or f"waiting to retry {failure}", self.sleep)


def get_with_retries(
    session: requests.Session,
    url: str,
    name: str,
    read: Callable[[requests.Response], T],
    backoff: Backoff,
    sleep: Callable[[float], None] = time.sleep,
    params: dict | None = None,
    what: str = "",
    retry_on: tuple[type[Exception], ...] = (ValueError,),
) -> T:
    """GET `url` until `read` takes an answer of HTTP 200 (raising one of `retry_on` for a body it cannot use),
    tried as `Tries` says; a 400 or 404 is final (a wrong URL does not get better by waiting). `name`: the source;
    `what`: the request (default the URL)."""
    tries = Tries(name, url, backoff, sleep, failure=f"{name} {what or url}")
    for attempt in tries:
        retry_after, error, final = None, None, False
        try:
            response = session.get(url, params=params)
            if response.status_code == 200:
                return read(response)
            reason = f"HTTP {response.status_code}"
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            final = response.status_code in (400, 404)
        except requests.RequestException as exc:
            reason, error = f"{type(exc).__name__}: {exc}", exc
        except retry_on as exc:
            reason, error = str(exc), exc
        tries.failed(attempt, reason, error, retry_after, final)
    raise AssertionError("unreachable")  # the last try raises
