"""`scan --git-repo`: a branch of a local clone, never reset, never leaving the clone changed."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mimwatch.cli import main

from .conftest import MAY_LIST

DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"
BRANCH = "mimwatch/2024-03-05"
NO_IDENTITY = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
               "EMAIL": "", "GIT_AUTHOR_NAME": "", "GIT_AUTHOR_EMAIL": "", "GIT_COMMITTER_NAME": "",
               "GIT_COMMITTER_EMAIL": ""}  # fmt: skip


def git(clone: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, check=check)
    return done.stdout.strip()


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of the list on `main`, made by a maintainer; git itself knows no identity afterwards."""
    for key, value in NO_IDENTITY.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(key)
    repo = tmp_path / "clone"
    repo.mkdir()
    (repo / "README.md").write_bytes(MAY_LIST.read_bytes())
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "README.md")
    git(repo, "-c", "user.name=Maintainer", "-c", "user.email=m@example.org", "commit", "-q", "-m", "list")
    return repo


def scan_into(repo: Path, *extra: str, feed: Path = DAILY):
    return CliRunner().invoke(main, ["scan", "--source", str(feed), "--git-repo", str(repo), *extra])


def snapshot(repo: Path) -> tuple[str, str, str, bytes]:
    """The clone as a user sees it: branch, index, status, working-tree list."""
    return (git(repo, "symbolic-ref", "--short", "HEAD"), git(repo, "ls-files", "-s"), git(repo, "status", "--porcelain"),
            (repo / "README.md").read_bytes())  # fmt: skip


def test_commits_with_a_bot_identity_when_git_has_none(clone):
    before = snapshot(clone)
    result = scan_into(clone)
    assert result.exit_code == 0, result.output
    assert f"branch {BRANCH}" in result.stderr
    assert "DropPos" in git(clone, "show", f"{BRANCH}:README.md")
    assert git(clone, "log", "-1", "--format=%an <%ae>", BRANCH) == "mimwatch <mimwatch@users.noreply.github.com>"
    assert snapshot(clone) == before  # branch, index and working tree untouched


def test_a_second_run_adds_on_top_and_keeps_a_maintainers_commit(clone, tmp_path):
    from .test_scan import _day_one

    assert scan_into(clone, feed=_day_one(tmp_path)).exit_code == 0  # the morning's feed lacks Siamese MAE
    first = git(clone, "rev-parse", BRANCH)
    # A maintainer fixes something on the bot's branch.
    git(clone, "checkout", "-q", BRANCH)
    text = (clone / "README.md").read_text(encoding="utf-8").replace("DropPos", "DropPos (checked)")
    (clone / "README.md").write_text(text, encoding="utf-8")
    git(clone, "-c", "user.name=M", "-c", "user.email=m@example.org", "commit", "-q", "-am", "fix the entry")
    maintainers = git(clone, "rev-parse", "HEAD")
    git(clone, "checkout", "-q", "main")
    # The next run of the day sees one more paper: it goes on top.
    again = scan_into(clone)
    assert again.exit_code == 0, again.output
    assert "added on top" in again.stderr
    history = git(clone, "rev-list", BRANCH).split()
    assert history[1] == maintainers and first in history  # nothing rewritten
    shown = git(clone, "show", f"{BRANCH}:README.md")
    assert "DropPos (checked)" in shown and shown.count("arxiv.org/abs/2309.03576") == 1
    assert "arxiv.org/abs/2305.14344" in shown  # Siamese MAE, the new paper


def test_an_identical_second_run_reports_nothing_new(clone):
    assert scan_into(clone).exit_code == 0
    tip = git(clone, "rev-parse", BRANCH)
    again = scan_into(clone)
    assert again.exit_code == 0, again.output
    assert re.search(r"proposed\s+0\n", again.stderr) and re.search(r"updates\s+0\n", again.stderr)
    assert "nothing new" in again.stderr
    assert git(clone, "rev-parse", BRANCH) == tip  # no second commit of the same update


def test_a_failed_git_step_leaves_the_clone_and_the_state_as_they_were(clone, isolated_home):
    before = snapshot(clone)
    (clone / ".git" / "refs" / "heads" / "mimwatch").mkdir(parents=True)
    (clone / ".git" / "refs" / "heads" / "mimwatch" / "2024-03-05.lock").write_text("held by another git\n")
    result = scan_into(clone)
    assert result.exit_code == 1
    assert result.output.count("\n") <= 2 and "git update-ref failed" in result.output
    assert "Checklist" not in result.output  # the PR body is not dumped into the error
    assert snapshot(clone) == before
    with sqlite3.connect(isolated_home / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM papers WHERE decision='proposed'").fetchone() == (0,)
    (clone / ".git" / "refs" / "heads" / "mimwatch" / "2024-03-05.lock").unlink()
    retry = scan_into(clone)  # nothing was recorded, so the retry proposes the same papers
    assert retry.exit_code == 0 and "DropPos" in git(clone, "show", f"{BRANCH}:README.md")


def test_refuses_a_clone_whose_list_has_uncommitted_changes(clone):
    (clone / "README.md").write_text((clone / "README.md").read_text() + "\n<!-- local edit -->\n")
    result = scan_into(clone)
    assert result.exit_code == 1
    assert "README.md has uncommitted changes" in result.output and "commit or stash" in result.output
    assert git(clone, "branch", "--list", BRANCH) == ""


def test_a_run_killed_during_the_git_step_leaves_the_clone_on_its_branch(clone, tmp_path, isolated_home, may_model):
    # A `git` that kills the scan (SIGKILL, like kill -9) the moment it is asked to write the commit.
    shim = tmp_path / "bin"
    shim.mkdir()
    real_git = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    (shim / "git").write_text(
        f'#!/bin/sh\nfor a in "$@"; do [ "$a" = commit-tree ] && kill -9 $PPID && sleep 5; done\nexec {real_git} "$@"\n'
    )
    (shim / "git").chmod(0o755)
    before = snapshot(clone)
    env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    command = [sys.executable, "-m", "mimwatch.cli", "scan", "--source", str(DAILY), "--git-repo", str(clone)]
    killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9
    assert snapshot(clone) == before
    assert git(clone, "branch", "--list", BRANCH) == ""
    result = scan_into(clone)  # the next run starts from the same clone and the same (unrecorded) state
    assert result.exit_code == 0, result.output
    assert "DropPos" in git(clone, "show", f"{BRANCH}:README.md") and snapshot(clone) == before
