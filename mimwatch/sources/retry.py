"""How long to wait before trying arXiv again: exponential backoff with jitter, or what the server asks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlparse


@dataclass(frozen=True)
class Backoff:
    base: float = 3.0  # seconds before the first retry
    cap: float = 300.0
    attempts: int = 5  # tries in all, the first one included
    jitter: float = 0.5  # up to +50 % at random, so that parallel clients do not retry in step
    max_retry_after: float = 120.0  # a server asking for longer than this is down for this run: stop at once
    timeouts: int = 2  # a host that times out this many times in a row is down (or hanging): stop at once

    def delay(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based); a server's Retry-After wins (the caller
        stops instead when it asks for more than `max_retry_after`: see `too_long`)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        wait = min(self.base * 2 ** (attempt - 1), self.cap)
        return wait * (1 + (rng or random).uniform(0, self.jitter))

    def too_long(self, retry_after: float | None, host: str) -> str | None:
        """Why a Retry-After beyond the cap ends the run (one line), or None."""
        if retry_after is None or retry_after <= self.max_retry_after:
            return None
        return (f"{host} asks to wait {retry_after:.0f} s before trying again (Retry-After), more than the "
                f"{self.max_retry_after:.0f} s a run waits: it is down for now; stopped, nothing recorded")  # fmt: skip


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds (also fractional) or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def unreachable(exc: BaseException, url: str) -> str | None:
    """A one-line reason when `exc` says the host cannot be reached at all (no such name, connection
    refused, TLS failure): waiting does not help, so the caller stops at once. None for what can pass
    (timeouts, resets, HTTP 429/5xx), which is worth another try."""
    import requests
    import urllib3.exceptions as u3

    host = urlparse(url).hostname or url
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, u3.NameResolutionError):
            return f"cannot resolve {host} (no network, or no DNS)"
        if isinstance(current, requests.exceptions.SSLError | u3.SSLError):
            return f"TLS failure talking to {host}: {current}"
        if isinstance(current, ConnectionRefusedError) or "Connection refused" in str(current) and isinstance(
            current, u3.NewConnectionError
        ):
            return f"{host} refused the connection"
        todo += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        todo += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
    return None
