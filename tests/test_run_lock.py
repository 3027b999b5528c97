"""One run at a time per state: a second run waits for the first, for a bounded time, then names its holder."""

from __future__ import annotations

import os
import re
import threading
import time

from click.testing import CliRunner

from mimwatch.cli import main
from mimwatch.state import run_lock

from .conftest import git_clone
from .test_list_location import DAILY, IDENTITY, git
from .test_list_location import github as github  # a fixture


def scan_into(clone, **env):
    return CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--git-repo", str(clone)], env={**IDENTITY, **env})


def test_a_second_run_on_a_held_state_waits_then_stops_naming_the_holder(tmp_path, isolated_home):
    clone = git_clone(tmp_path)
    with run_lock(isolated_home / "state.sqlite", wait=0):
        started = time.monotonic()
        result = scan_into(clone, MIMWATCH_LOCK_WAIT="0.4")
        waited = time.monotonic() - started
    assert result.exit_code == 1
    assert re.search(rf"state\.sqlite is in use by another mimwatch run \(pid {os.getpid()}, since .+\); waited 0 s",
                     result.output)  # fmt: skip
    assert waited >= 0.4
    assert git(clone, "branch", "--list", "mimwatch/*") == ""  # nothing published
    assert not (isolated_home / "state.sqlite").exists()  # nothing recorded: the state was not even opened


def test_a_second_run_goes_on_once_the_first_has_finished(tmp_path, isolated_home):
    clone = git_clone(tmp_path)
    held = threading.Event()

    def first_run() -> None:
        with run_lock(isolated_home / "state.sqlite", wait=0):
            held.set()
            time.sleep(0.5)

    thread = threading.Thread(target=first_run)
    thread.start()
    held.wait()
    result = scan_into(clone, MIMWATCH_LOCK_WAIT="30")
    thread.join()
    assert result.exit_code == 0, result.output
    assert "DropPos" in git(clone, "show", "mimwatch/2024-03-05:README.md")


def test_a_dry_run_needs_no_lock(tmp_path, isolated_home):
    from .conftest import MAY_LIST

    with run_lock(isolated_home / "state.sqlite", wait=0):
        result = CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--list", str(MAY_LIST), "--dry-run"],
                                    env={"MIMWATCH_LOCK_WAIT": "0"})  # fmt: skip
    assert result.exit_code == 0, result.output


def test_an_open_pr_run_beside_a_running_one_publishes_nothing(tmp_path, isolated_home, github, monkeypatch):
    from .conftest import MAY_LIST

    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_bytes(MAY_LIST.read_bytes())  # the Action's checkout
    with run_lock(isolated_home / "state.sqlite", wait=0):
        result = CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--list", "README.md", "--repo",
                                           "lupin/Awesome-MIM", "--open-pr"], env={"MIMWATCH_LOCK_WAIT": "0"})  # fmt: skip
    assert result.exit_code == 1 and "in use by another mimwatch run" in result.output
    assert github.pulls == [] and github.log == []  # GitHub was not even asked
