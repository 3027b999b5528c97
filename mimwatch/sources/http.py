"""Every request to arXiv goes through one transport: paced per host for the whole process, bounded in time.

A socket timeout alone bounds the wait between two bytes, not a request: a server that trickles a byte every
20 s would hold a run forever. The transport reads each answer against a total deadline (the request's own,
or what is left of the run's), and every client of a host shares one pacer, so two sources in one process
never ask arXiv faster than its terms allow.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
import requests.adapters

from .. import deadline as run_deadline


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
