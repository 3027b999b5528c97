"""Publish without GitHub: a dry run that prints the diff and PR text, or a branch in a local clone."""

from __future__ import annotations

import difflib
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..checkout import run_git
from ..errors import PublishError
from . import Published
from .proposal import OpenPull, Proposal

BOT_IDENTITY = "mimwatch <mimwatch@users.noreply.github.com>"


def unified_diff(before: str, after: str, path: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}"))


@dataclass
class DryRunPublisher:
    """Prints the list's diff and the PR title and body; writes nothing anywhere."""

    out: TextIO
    list_text: str
    pending: OpenPull = field(default_factory=OpenPull)  # the bot's open PR on GitHub, when the list is there

    def open_pull(self) -> OpenPull:
        return self.pending

    def publish(self, proposal: Proposal) -> Published:
        after = proposal.edit(self.list_text)
        held = proposal.held_by(after)
        proposal = proposal.keeping(held)
        self.out.write(unified_diff(self.list_text, after, proposal.list_path))
        self.out.write(f"\n--- pull request (dry run) ---\ntitle: {proposal.title()}\n\n{proposal.body()}\n")
        return Published("dry run (nothing written)", held)


@dataclass
class LocalGitPublisher:
    """Commits the edited list on a branch `mimwatch/<date>` of a local clone, for maintainers who push.

    The commit is built with git's plumbing (a blob, a tree from a private index, commit-tree, update-ref):
    the clone's checked-out branch, index and working tree are never touched, so a failed or killed run
    leaves the clone exactly as it was. An existing branch is never reset: the run adds on top of it.
    """

    repo: Path
    list_path: str = "README.md"
    branch_prefix: str = "mimwatch/"
    identity: str = BOT_IDENTITY  # used only when git has no user.name/user.email of its own

    def _git(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        return self._git_bytes(*args, stdin=stdin.encode("utf-8") if stdin is not None else None, env=env).decode(
            "utf-8", "replace"
        ).strip()

    def _git_bytes(self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
        """Bytes in and out: the list's line endings (CRLF included) pass through unchanged."""
        done = subprocess.run(
            ["git", "-C", str(self.repo), *args], input=stdin, capture_output=True, env={**os.environ, **(env or {})}
        )
        if done.returncode != 0:
            # Name the step, not its arguments: a commit message holds the whole PR body.
            reason = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise PublishError(f"git {args[0]} failed in {self.repo}: {reason}")
        return done.stdout

    def read_list(self) -> str:
        """The list as committed at the clone's HEAD (a branch, or a detached commit as CI checks out); refuses a
        list with local edits, or one that HEAD does not hold."""
        if run_git(self.repo, "cat-file", "-t", f"HEAD:{self.list_path}").stdout.strip() != "blob":
            raise PublishError(
                f"{self.list_path} is not in the commit checked out in {self.repo} (HEAD); give the list's path in "
                "the clone with --list, or commit it first"
            )
        if self._git("status", "--porcelain", "--", self.list_path):
            raise PublishError(
                f"{self.list_path} has uncommitted changes in {self.repo}; commit or stash them, then run again"
            )
        return self._git_bytes("show", f"HEAD:{self.list_path}").decode("utf-8")

    def refuse_checked_out_bot_branches(self, branch: str | None = None) -> None:
        """Refuse a clone where one of the bot's branches (or `branch`) is checked out, in the main worktree or a
        linked one: the bot moves its branches with update-ref, which would leave that checkout's files and index
        behind the branch (its status showing the bot's lines as staged deletions)."""
        for worktree, checked_out in self._worktree_branches():
            if checked_out == branch or (branch is None and checked_out.startswith(self.branch_prefix)):
                raise PublishError(
                    f"{checked_out} is checked out in {worktree}: mimwatch commits to its {self.branch_prefix}<day> "
                    "branches and would move it under that checkout; check out another branch there (or remove "
                    "that worktree), then run again"
                )

    def _worktree_branches(self) -> list[tuple[str, str]]:
        """(worktree folder, branch checked out there) for the clone's main and linked worktrees."""
        found, folder = [], ""
        for line in self._git("worktree", "list", "--porcelain").splitlines():
            if line.startswith("worktree "):
                folder = line.removeprefix("worktree ")
            elif line.startswith("branch refs/heads/"):
                found.append((folder, line.removeprefix("branch refs/heads/")))
        return found

    def open_pull(self) -> OpenPull:
        return OpenPull()  # a local clone has no pull request

    def publish(self, proposal: Proposal) -> Published:
        branch = f"{self.branch_prefix}{proposal.day.isoformat()}"
        ref = f"refs/heads/{branch}"
        self.refuse_checked_out_bot_branches(branch)
        tip = self._ref(ref)
        parent = tip or self._git("rev-parse", "--verify", "HEAD^{commit}")
        before = self._git_bytes("show", f"{parent}:{self.list_path}").decode("utf-8")
        after = proposal.edit(before)
        held = proposal.held_by(after)
        if after == before:
            return Published(f"nothing new: branch {branch} in {self.repo} already has these changes", held,
                             branch=branch)  # fmt: skip
        commit = self._commit(parent, after, proposal.keeping(held))
        # Moves the branch only if nobody moved it meanwhile (old value checked); never force.
        self._git("update-ref", "-m", "mimwatch", ref, commit, tip or "0" * 40)
        return Published(f"branch {branch} in {self.repo}" + (" (added on top)" if tip else ""), held, branch=branch)

    def _ref(self, ref: str) -> str | None:
        done = run_git(self.repo, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
        return done.stdout.strip() if done.returncode == 0 else None

    def _commit(self, parent: str, text: str, proposal: Proposal) -> str:
        blob = self._git_bytes("hash-object", "-w", "--stdin", stdin=text.encode("utf-8")).decode().strip()
        mode = (self._git("ls-tree", parent, "--", self.list_path).split() or ["100644"])[0]
        with tempfile.TemporaryDirectory(prefix="mimwatch-index-") as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self._git("read-tree", parent, env=index)
            self._git("update-index", "--add", "--cacheinfo", f"{mode},{blob},{self.list_path}", env=index)
            tree = self._git("write-tree", env=index)
        message = proposal.commit_message(body=True)
        return self._git("commit-tree", tree, "-p", parent, "-F", "-", stdin=message, env=self._identity())

    def _identity(self) -> dict[str, str]:
        """The bot's name and email where git has none configured (a fresh CI machine)."""
        env: dict[str, str] = {}
        name, _, email = self.identity.partition("<")
        has_name, has_email = bool(self._config("user.name")), bool(self._config("user.email"))
        for role in ("AUTHOR", "COMMITTER"):
            if not os.environ.get(f"GIT_{role}_NAME") and not has_name:
                env[f"GIT_{role}_NAME"] = name.strip()
            if not os.environ.get(f"GIT_{role}_EMAIL") and not has_email:
                env[f"GIT_{role}_EMAIL"] = email.rstrip(">").strip()
        return env

    def _config(self, key: str) -> str:
        return run_git(self.repo, "config", key).stdout.strip()
