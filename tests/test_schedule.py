"""The daemon's schedule under a frozen clock, and overlap prevention."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from mimwatch.schedule import DEFAULT_CRON, SingleRun, build_scheduler

NY = ZoneInfo("America/New_York")


def test_job_and_trigger_after_the_announcement():
    calls = []
    scheduler = build_scheduler(lambda: calls.append(1))
    (job,) = scheduler.get_jobs()
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 3 * 3600)
    with time_machine.travel(datetime(2024, 3, 8, 12, 0, tzinfo=NY), tick=False):  # a Friday
        now = datetime.now(NY)
        first = job.trigger.get_next_fire_time(None, now)
        second = job.trigger.get_next_fire_time(first, first)
    assert first == datetime(2024, 3, 10, 20, 30, tzinfo=NY)  # Sunday evening, not Friday or Saturday
    assert second == datetime(2024, 3, 11, 20, 30, tzinfo=NY)
    with time_machine.travel(datetime(2024, 3, 14, 21, 0, tzinfo=NY), tick=False):  # Thursday, after the run
        nxt = job.trigger.get_next_fire_time(None, datetime.now(NY))
    assert nxt == datetime(2024, 3, 17, 20, 30, tzinfo=NY)
    job.func()  # firing the job runs the scan
    assert calls == [1]
    assert DEFAULT_CRON == "30 20 * * sun,mon,tue,wed,thu"


def test_overlapping_runs_are_prevented():
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)

    guarded = SingleRun(slow)
    worker = threading.Thread(target=guarded)
    worker.start()
    started.wait(5)
    guarded()  # a second run while the first is still going
    release.set()
    worker.join(5)
    assert (guarded.runs, guarded.skipped) == (1, 1)


def test_a_failed_run_does_not_stop_the_daemon():
    def boom():
        raise RuntimeError("arXiv down")

    guarded = SingleRun(boom)
    guarded()
    guarded()
    assert guarded.runs == 2
