"""The daemon's schedule under a frozen clock, and overlap prevention."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from mimwatch.schedule import SingleRun, build_scheduler

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
    # Sunday's 20:00 announcement is in the feed rebuilt around midnight: Monday 00:30, not Saturday or Sunday.
    assert first == datetime(2024, 3, 11, 0, 30, tzinfo=NY)
    assert second == datetime(2024, 3, 12, 0, 30, tzinfo=NY)
    with time_machine.travel(datetime(2024, 3, 15, 1, 0, tzinfo=NY), tick=False):  # Friday, after the run
        nxt = job.trigger.get_next_fire_time(None, datetime.now(NY))
    assert nxt == datetime(2024, 3, 18, 0, 30, tzinfo=NY)
    job.func()  # firing the job runs the scan
    assert calls == [1]


def test_no_weekday_is_skipped_across_daylight_saving_changes():
    from datetime import timedelta

    (job,) = build_scheduler(lambda: None).get_jobs()
    fire = job.trigger.get_next_fire_time(None, datetime(2024, 1, 1, 12, 0, tzinfo=NY))
    fired = set()
    while fire.year == 2024:
        assert (fire.hour, fire.minute) == (0, 30)
        fired.add(fire.date())
        fire = job.trigger.get_next_fire_time(fire, fire)
    day, missed = datetime(2024, 1, 2).date(), []
    while day.year == 2024:
        if day.weekday() < 5 and day not in fired:
            missed.append(day)
        day += timedelta(days=1)
    assert missed == []  # APScheduler's own CronTrigger misses Monday 2024-03-11


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
