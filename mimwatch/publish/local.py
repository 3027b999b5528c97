"""Publish without GitHub: a dry run that prints the diff and PR text, or a branch in a local clone."""

from __future__ import annotations

import difflib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..errors import PublishError
from ..fsutil import write_atomic
from .proposal import Proposal


def unified_diff(before: str, after: str, path: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}"))


@dataclass
class DryRunPublisher:
    """Prints the list's diff and the PR title and body; writes nothing anywhere."""

    out: TextIO
    list_text: str

    def publish(self, proposal: Proposal) -> str:
        diff = unified_diff(self.list_text, proposal.edit(self.list_text), proposal.list_path)
        self.out.write(diff)
        self.out.write(f"\n--- pull request (dry run) ---\ntitle: {proposal.title()}\n\n{proposal.body()}\n")
        return diff


@dataclass
class LocalGitPublisher:
    """Commits the edited list on a new branch `mimwatch/<date>` of a local clone, for maintainers who push."""

    repo: Path
    list_path: str = "README.md"
    branch_prefix: str = "mimwatch/"

    def _git(self, *args: str) -> str:
        done = subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise PublishError(f"git {' '.join(args)} failed in {self.repo}: {done.stderr.strip()}")
        return done.stdout.strip()

    def read_list(self) -> str:
        path = self.repo / self.list_path
        if not path.is_file():
            raise PublishError(f"{path} does not exist in the clone")
        return path.read_text(encoding="utf-8")

    def publish(self, proposal: Proposal) -> str:
        if self._git("status", "--porcelain", "--", self.list_path):
            raise PublishError(f"{self.list_path} has uncommitted changes in {self.repo}; commit or stash them first")
        start = self._git("rev-parse", "--abbrev-ref", "HEAD")
        branch = f"{self.branch_prefix}{proposal.day.isoformat()}"
        existing = self._git("branch", "--list", branch)
        self._git("checkout", "-B" if existing else "-b", branch)
        try:
            text = self.read_list()
            write_atomic(self.repo / self.list_path, proposal.edit(text))
            self._git("add", "--", self.list_path)
            self._git("commit", "-q", "-m", proposal.title(), "-m", proposal.body())
        except PublishError:
            self._git("checkout", "-q", "--", self.list_path)
            self._git("checkout", "-q", start)
            raise
        self._git("checkout", "-q", start)
        return branch
