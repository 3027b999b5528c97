"""How long a run may take: one deadline per run, checked before every request and every wait.

A run that passes its deadline stops at the next check with `DeadlinePassed`: nothing is recorded for its
window (a backfill's fetched pages stay cached, so the next run resumes). The daemon cancels a run's deadline
when asked to stop at once (a second Ctrl-C), which stops the run at its next check the same way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from .errors import MimwatchError

DEFAULT_RUN_DEADLINE = 50 * 60.0  # seconds: the example workflow's job has 60 minutes


class DeadlinePassed(MimwatchError):
    """The run's deadline passed (or the run was told to stop): it stopped where it was, recording nothing."""


@dataclass(eq=False)
class Deadline:
    seconds: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)
    stopped: str | None = None  # why the run was told to stop before its time, if it was

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        if self.stopped:
            return 0.0
        return self.seconds - (self.clock() - self.started)

    def check(self, doing: str) -> None:
        """Raise DeadlinePassed when there is no time left for `doing`."""
        if self.remaining() <= 0:
            raise DeadlinePassed(self._why(doing))

    def allow(self, seconds: float, doing: str) -> float:
        """`seconds`, or what is left of the run if that is less (raising when nothing is left)."""
        self.check(doing)
        return min(seconds, self.remaining())

    def stop(self, why: str) -> None:
        """Make the run stop at its next check."""
        self.stopped = why

    def _why(self, doing: str) -> str:
        if self.stopped:
            return f"stopped while {doing}: {self.stopped}; nothing was recorded for this run"
        return (f"the run's deadline ({describe(self.seconds)}, --deadline) passed while {doing}; stopped, nothing "
                "recorded for this run (a backfill's fetched pages are cached: the next run resumes)")  # fmt: skip


_current: ContextVar[Deadline | None] = ContextVar("mimwatch_deadline", default=None)
_active: set[Deadline] = set()  # the deadlines of the runs in progress, in any thread (see stop_all)


def current() -> Deadline | None:
    """The deadline of the run in progress (in this thread), if any."""
    return _current.get()


@contextmanager
def running(deadline: Deadline) -> Iterator[Deadline]:
    """Make `deadline` the current run's for the block."""
    token = _current.set(deadline)
    _active.add(deadline)
    try:
        yield deadline
    finally:
        _active.discard(deadline)
        _current.reset(token)


def stop_all(why: str) -> int:
    """Tell every run in progress to stop at its next check (the daemon's second stop signal); how many."""
    running = list(_active)
    for deadline in running:
        deadline.stop(why)
    return len(running)


def wait(seconds: float, doing: str, sleep: Callable[[float], None] = time.sleep) -> None:
    """Sleep `seconds`, unless the run's deadline comes first: then raise DeadlinePassed at once. A real sleep is
    taken in short slices, so that a run told to stop (`stop_all`) stops within one."""
    deadline = current()
    if deadline is None:
        sleep(seconds)
        return
    if seconds > deadline.remaining():
        deadline.check(doing)
        raise DeadlinePassed(deadline._why(f"{doing} (a wait of {seconds:.0f} s would pass it)"))
    if sleep is not time.sleep:
        sleep(seconds)
        return
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        deadline.check(doing)
        time.sleep(min(left, 0.25))


_DURATION = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>s|sec|m|min|h)?\s*$", re.I)


def parse_duration(text: str) -> float:
    """Seconds from `90s`, `45m`, `1h` or a plain number of minutes; ValueError otherwise."""
    m = _DURATION.match(text or "")
    if not m or float(m.group("n")) <= 0:
        raise ValueError(f"{text!r} is not a duration (like 45m, 90s, 1h; a plain number is minutes)")
    unit = (m.group("unit") or "m").lower()[0]
    return float(m.group("n")) * {"s": 1, "m": 60, "h": 3600}[unit]


def describe(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"
