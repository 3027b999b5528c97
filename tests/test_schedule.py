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


def test_a_second_stop_signal_stops_the_running_scan_promptly():
    """The first SIGTERM waits for the running scan; a second stops it at its next check (here a long wait to
    retry), recording nothing: no traceback, no abandoned run, exit code 1."""
    import os
    import signal
    import time
    from datetime import UTC

    from mimwatch import deadline as run_deadline
    from mimwatch.deadline import Deadline, DeadlinePassed
    from mimwatch.schedule import run_forever

    started, stopped = threading.Event(), []

    def scan_like() -> None:
        with run_deadline.running(Deadline(3600)):
            started.set()
            try:
                run_deadline.wait(600, "waiting to retry page 1")
            except DeadlinePassed as exc:
                stopped.append(str(exc))
                raise

    scheduler = build_scheduler(scan_like, "* * * * *", "UTC")
    scheduler.get_job("mimwatch-scan").modify(next_run_time=datetime.now(UTC))

    def two_signals() -> None:
        started.wait(10)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=two_signals, daemon=True).start()
    began = time.monotonic()
    code = run_forever(scheduler, grace=10, poll=0.05)
    assert code == 1 and time.monotonic() - began < 5
    assert stopped == ["stopped while waiting to retry page 1: signal 15 (a second stop); nothing was recorded "
                       "for this run"]  # fmt: skip
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handlers are back


def test_one_stop_signal_lets_the_running_scan_finish():
    import os
    import signal
    from datetime import UTC

    from mimwatch.schedule import run_forever

    started, finished = threading.Event(), []

    def short_scan() -> None:
        started.set()
        import time

        time.sleep(0.3)
        finished.append(True)

    scheduler = build_scheduler(short_scan, "* * * * *", "UTC")
    scheduler.get_job("mimwatch-scan").modify(next_run_time=datetime.now(UTC))
    threading.Thread(target=lambda: (started.wait(10), os.kill(os.getpid(), signal.SIGTERM)), daemon=True).start()
    assert run_forever(scheduler, poll=0.05) == 0 and finished == [True]
