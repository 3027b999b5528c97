"""The long-running daemon: APScheduler 3.x runs the scan after each arXiv announcement, one at a time."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time as time_module
from collections.abc import Callable
from datetime import datetime, time, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

# arXiv announces Sunday to Thursday at 20:00 US Eastern and rebuilds rss.arxiv.org around midnight
# Eastern: the scan runs half an hour after that, Monday to Friday.
DEFAULT_CRON = "30 0 * * mon,tue,wed,thu,fri"
DEFAULT_TIMEZONE = "America/New_York"


class SingleRun:
    """Wraps the job so that two runs never overlap, even when started by hand beside the scheduler."""

    def __init__(self, job: Callable[[], object]):
        self.job = job
        self.lock = threading.Lock()
        self.runs = 0
        self.skipped = 0

    @property
    def running(self) -> bool:
        return self.lock.locked()

    def __call__(self) -> None:
        if not self.lock.acquire(blocking=False):
            self.skipped += 1
            log.warning("a scan is still running; this run is skipped")
            return
        try:
            self.runs += 1
            log.info("scan started")
            self.job()
            log.info("scan finished")
        except Exception:  # the daemon outlives a failed run; the next one tries again
            log.exception("scan failed")
        finally:
            self.lock.release()


class DstSafeCron(BaseTrigger):
    """A CronTrigger that does not skip a day. APScheduler 3.11's search skips the first fire time after a
    daylight-saving change (with the default cron, the Monday run after the March change: that day's
    announcements would never be read), so the search is also started from each local midnight up to the
    answer, and the earliest time found wins."""

    def __init__(self, cron: CronTrigger):
        self.cron = cron

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        found = self.cron.get_next_fire_time(previous_fire_time, now)
        if found is None:
            return None
        day = now.astimezone(found.tzinfo).date() + timedelta(days=1)
        while day <= found.date():
            midnight = datetime.combine(day, time(), tzinfo=found.tzinfo)
            candidate = self.cron.get_next_fire_time(None, midnight)
            if candidate is not None and now < candidate < found:
                return candidate
            day += timedelta(days=1)
        return found

    def __str__(self) -> str:
        return str(self.cron)


def check_schedule(cron: str, timezone: str) -> None:
    """Raise ValueError naming the field when the cron expression or the time zone is not valid, or the cron
    never fires (`0 0 31 2 *`: the 31st of February)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"--timezone: {timezone!r} is not a time zone (e.g. America/New_York, UTC)") from exc
    if problem := cron_problem(cron, timezone):
        raise ValueError(f"--cron: {cron!r} {problem}")


def cron_problem(cron: str, timezone: str = "UTC") -> str | None:
    """Why `cron` cannot schedule scans (not five crontab fields, or never fires), or None."""
    try:
        trigger = CronTrigger.from_crontab(cron, timezone=timezone)
    except ValueError as exc:
        return f"is not a crontab schedule of five fields ({exc})"
    if trigger.get_next_fire_time(None, datetime.now(trigger.timezone)) is None:
        return "never fires (no day matches it); the daemon would wait forever"
    return None


def build_scheduler(
    job: Callable[[], object],
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    misfire_grace_seconds: int = 3 * 3600,
) -> BackgroundScheduler:
    """A scheduler with one cron job: coalesced, at most one instance, forgiving a late start. It runs in a
    thread of its own: the main thread (`run_forever`) waits for signals and stops it."""
    scheduler = BackgroundScheduler(timezone=timezone)
    scheduler.add_job(
        SingleRun(job),
        DstSafeCron(CronTrigger.from_crontab(cron, timezone=timezone)),
        id="mimwatch-scan",
        name="mimwatch scan",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=misfire_grace_seconds,
        replace_existing=True,
    )
    return scheduler


def run_forever(scheduler: BackgroundScheduler, grace: float = 30.0, poll: float = 0.2) -> int:
    """Run the schedule until SIGTERM or SIGINT. The first signal stops the schedule and waits for the running
    scan (if any) to finish; a second stops that scan at its next check of the run's deadline (within a request
    or a wait: it records nothing, like any failed run). A scan that has not stopped `grace` seconds later
    (busy retraining) ends with the process: the state is a SQLite file written in one transaction per run,
    and the run's lock is the system's, so either leaves them consistent. Returns the exit code (0; 1 when a
    scan was stopped).

    The signal handler only notes the signal (and tells running scans to stop): it may interrupt the main
    thread anywhere, even inside the scheduler holding a lock, so the main thread does the stopping.
    """
    from . import deadline as run_deadline

    signals: list[int] = []

    def note(signum: int, _frame: object) -> None:
        signals.append(signum)
        if len(signals) == 2:
            run_deadline.stop_all(f"signal {signum} (a second stop)")

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        runs = [job.func for job in scheduler.get_jobs() if isinstance(job.func, SingleRun)]
        for job in scheduler.get_jobs():
            log.info("next run of %s: %s", job.name, job.trigger)
        scheduler.start()
        while not signals:
            time_module.sleep(poll)
        log.info("received signal %d: stopping after the current run (again to stop it now)", signals[0])
        scheduler.shutdown(wait=False)
        stopped_at = None
        while any(run.running for run in runs):
            if len(signals) >= 2:
                if stopped_at is None:
                    stopped_at = time_module.monotonic()
                    log.warning("received signal %d again: stopping the current run now", signals[1])
                elif time_module.monotonic() - stopped_at > grace:
                    log.error("the current run did not stop within %.0f s; ending it with the process", grace)
                    logging.shutdown()
                    os._exit(1)  # its thread cannot be joined; the state and the lock stay consistent (above)
            time_module.sleep(poll)
        return 1 if len(signals) >= 2 else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
