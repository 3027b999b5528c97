"""Publish a proposal as a GitHub pull request with PyGithub (base URL configurable: GitHub Enterprise).

One open bot PR at a time: a rerun updates it rather than opening another; the scan carries the open PR's
papers into the new proposal, so none is dropped. Every change to the branch is one new commit, built first
(Git Data API) and then the branch moved once, forward only: a maintainer's commit pushed meanwhile makes
the move fail and the run try again, never vanish. While every commit on the branch is the bot's, the new
commit holds the whole proposal applied to the base's list (its parents: the branch's head and, when the
base moved on, the base's head); once any commit is not the bot's, the branch is the maintainers' and the
run's new entries go on top of their version. The head never moves to the base: GitHub closes a PR whose
head has no commits over its base. The token is never logged or echoed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from github import (
    Auth,
    Github,
    GithubException,
    GithubRetry,
    InputGitTreeElement,
    RateLimitExceededExceedsMaxWait,
    UnknownObjectException,
)
from github.PullRequest import PullRequest
from github.Repository import Repository

from .. import deadline as run_deadline
from ..errors import PublishError
from ..review import done_lines, read_ticks
from ..sources.retry import unreachable
from . import Published
from .proposal import OpenPull, Proposal, is_bot_commit, marker_ids

log = logging.getLogger(__name__)

DEFAULT_API = "https://api.github.com"
ACTIONS_NOT_PERMITTED = "not permitted to create or approve pull requests"


@dataclass(frozen=True)
class PullRequestRecord:
    number: int
    url: str
    branch: str
    state: str  # open, merged, closed
    ids: tuple[str, ...]
    updates: tuple[str, ...]
    triage: tuple[str, ...] = ()  # listed in the body for a maintainer to place; not in the diff
    merged_list: str | None = None  # the list as merged, to see which entries the maintainer removed
    more: int = 0  # keys the body's markers had no room for (the state keeps them)
    considered: tuple[str, ...] = ()  # papers under the threshold the body offers to add
    body: str = field(default="", repr=False)


class GitHubPublisher:
    def __init__(
        self,
        repo: str,
        token: str,
        list_path: str = "README.md",
        base_url: str = DEFAULT_API,
        labels: tuple[str, ...] = ("mimwatch",),
        branch_prefix: str = "mimwatch/",
        seconds_between_requests: float | None = None,
        seconds_between_writes: float | None = None,
        max_rate_limit_wait: float = 300.0,
        body_editors: dict[int, str] | None = None,
    ):
        if not token:
            raise PublishError("no GitHub token: set GITHUB_TOKEN or pass --token")
        self.repo_name = repo
        self.list_path = list_path
        self.labels = labels
        self.branch_prefix = branch_prefix
        # Who edited a PR's description, when the run knows it already (the `edited` event's sender).
        self.body_editors = body_editors or {}
        kwargs = {}
        if seconds_between_requests is not None:
            kwargs["seconds_between_requests"] = seconds_between_requests
        if seconds_between_writes is not None:
            kwargs["seconds_between_writes"] = seconds_between_writes
        self.base_url = base_url
        # PyGithub waits out a rate limit itself; beyond this many seconds it raises instead (see _call).
        self.max_rate_limit_wait = max_rate_limit_wait
        # A host that refuses the connection (or has no DNS) is not retried: the run stops at once, quietly (urllib3
        # would log a "Retrying" line per try). A read that times out is tried once more.
        retry = GithubRetry(max_rate_limit_wait=max_rate_limit_wait, connect=0, read=1)
        self.github = Github(base_url=base_url.rstrip("/"), auth=Auth.Token(token), retry=retry, **kwargs)
        self._repo: Repository | None = None

    # ---- reading -------------------------------------------------------------------------------

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self._call(lambda: self.github.get_repo(self.repo_name), f"repository {self.repo_name}")
        return self._repo

    def read_list(self) -> tuple[str, str]:
        """The list's text on the default branch, and the sha of that branch's head."""
        head = self._base_head()
        return self._file_at(head), head

    def bot_pulls(self, state: str = "all", skip: frozenset[int] = frozenset()) -> list[PullRequestRecord]:
        """The bot's pull requests (by branch prefix and hidden marker), newest first.

        Args:
            skip: numbers of PRs whose review is already learned: not returned, their lists not read again.
        """
        records = []
        pulls = self._call(lambda: list(self.repo.get_pulls(state=state, sort="created", direction="desc")), "pulls")
        for pr in pulls:
            if pr.number in skip:
                continue
            if not pr.head.ref.startswith(self.branch_prefix) or "mimwatch:ids" not in (pr.body or ""):
                continue
            marks = marker_ids(pr.body)
            merged = bool(pr.merged)
            merged_list = None
            if merged and pr.merge_commit_sha:
                merged_list = self._file_at(pr.merge_commit_sha)
            records.append(
                PullRequestRecord(
                    number=pr.number,
                    url=pr.html_url,
                    branch=pr.head.ref,
                    state="merged" if merged else pr.state,
                    ids=tuple(marks["ids"]),
                    updates=tuple(marks["updates"]),
                    triage=tuple(marks["triage"]),
                    merged_list=merged_list,
                    more=sum(int(n) for n in marks["more"] if n.isdigit()),
                    considered=tuple(marks["considered"]),
                    body=pr.body or "",
                )
            )
        return records

    def open_pull(self) -> OpenPull:
        """What the bot's open PR proposes, from its body's markers (with `more`: keys they had no room for), and
        the boxes ticked in it by someone who may steer the bot (write access to the repository)."""
        mine = self.bot_pulls(state="open")
        if not mine:
            return OpenPull()
        pr = mine[0]
        ticks, editor, ignored = read_ticks(pr.body), None, 0
        if ticks:
            editor = self.body_editors.get(pr.number) or self._body_editor(pr.number)
            if editor is None or not self._may_write(editor):
                log.warning("ticks in PR #%d by %s ignored: no write access", pr.number, editor or "someone unknown")
                ticks, ignored = [], len(ticks)
        return OpenPull(ids=frozenset(pr.ids), updates=frozenset(pr.updates), triage=frozenset(pr.triage),
                        number=pr.number, more=pr.more, considered=frozenset(pr.considered), ticks=tuple(ticks),
                        editor=editor, ignored=ignored, done=tuple(done_lines(pr.body)))  # fmt: skip

    def _body_editor(self, number: int) -> str | None:
        """Who last edited the PR's description (GitHub's GraphQL API; REST does not say), or None."""
        query = ("query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) "
                 "{ pullRequest(number: $number) { editor { login } lastEditedAt } } }")  # fmt: skip
        owner, name = self.repo_name.split("/", 1)
        _, data = self._call(lambda: self.github.requester.graphql_query(query, {"owner": owner, "name": name,
                                                                                "number": number}),
                             f"who edited PR #{number}")  # fmt: skip
        editor = (((data.get("data") or {}).get("repository") or {}).get("pullRequest") or {}).get("editor")
        return editor.get("login") if editor else None

    def _may_write(self, login: str) -> bool:
        """The user may edit the list (admin, maintain or write access): only they steer the bot."""
        permission = self._call(lambda: self.repo.get_collaborator_permission(login), f"{login}'s permission")
        return permission in ("admin", "write")

    # ---- writing -------------------------------------------------------------------------------

    def publish(self, proposal: Proposal) -> Published:
        return self.open_or_update(proposal)

    def open_or_update(self, proposal: Proposal, attempts: int = 3) -> Published:
        """Open the bot's PR, or update the open one: one new commit on its branch, the branch moved forward
        once. Again (up to `attempts` times) when someone moves the branch or the base meanwhile."""
        existing = self._open_bot_pull()
        for attempt in range(1, attempts + 1):
            base = self._base_head()
            if existing:
                branch, tip = existing.head.ref, self._tip(existing.head.ref)
            else:
                branch, tip = self._free_branch(base, proposal.day.isoformat())
            try:
                text = self._commit_proposal(branch, base, tip, proposal)
            except _Moved as moved:
                log.warning("%s (try %d); building the commit again", moved, attempt)
                continue
            if attempt < attempts and self._base_head() != base:
                log.warning("the base branch moved while committing (try %d); adding its head to the branch", attempt)
                continue
            held = proposal.held_by(text)
            return self._pull_request(existing, branch, proposal.keeping(held), held)
        raise PublishError(f"the base branch or the PR branch of {self.repo_name} kept moving; run again later")

    def _commit_proposal(self, branch: str, base: str, tip: str | None, proposal: Proposal) -> str:
        """Commit the proposal to `branch` (at `tip`, or new) and move it there; returns the list it holds.

        A branch a maintainer has committed to gets this run's new entries on top of their version; a branch
        of the bot's own gets the whole proposal applied to the base's list.
        """
        before = self._file_at(tip) if tip else None
        if tip is not None and self._edited_by_hand(base, tip):
            log.warning("%s has commits that are not mimwatch's: adding the new entries on top of them", branch)
            after, parents, files_from = proposal.edit_new(before or ""), [tip], tip
        else:
            after = proposal.edit(self._file_at(base))
            parents = [tip] if tip else [base]
            if tip and self._compare(base, tip).merge_base_commit.sha != base:
                parents.append(base)  # the base moved on: the branch takes its head (no force, no rebuild)
            files_from = base
        if after == before:
            return after  # the branch holds all of it already
        commit = self._commit(parents, files_from, after, proposal.commit_message())
        self._move(branch, tip, commit)
        return after

    def _pull_request(self, existing: PullRequest | None, branch: str, proposal: Proposal,
                      held: frozenset[str]) -> Published:  # fmt: skip
        if existing:
            pr, created = existing, False
            self._call(lambda: pr.edit(title=proposal.title(), body=proposal.body()), f"PR #{pr.number}")
        else:
            pr = self._call(
                lambda: self.repo.create_pull(
                    base=self.repo.default_branch, head=branch, title=proposal.title(), body=proposal.body()
                ),
                "opening the pull request",
            )
            created = True
        if self.labels:
            self._call(lambda: pr.add_to_labels(*self.labels), f"labels of PR #{pr.number}")
        return Published(where=pr.html_url, held=held, number=pr.number, branch=branch, created=created,
                         keys=proposal.keys)  # fmt: skip

    def _edited_by_hand(self, base: str, tip: str | None) -> bool:
        """Any commit of the branch over the base is not the bot's (no trailer): a maintainer's edit, a merge
        of the base, an older release's commit. Every commit counts, not only the head."""
        if tip is None:
            return False
        commits = self._call(lambda: list(self._compare(base, tip).commits), f"the commits of {tip[:12]}")
        return any(not is_bot_commit(c.commit.message) for c in commits)

    def _free_branch(self, base: str, day: str) -> tuple[str, str | None]:
        """`mimwatch/<day>` and its tip, unless a pull request used it or a maintainer committed to it: then the
        first free `mimwatch/<day>-N` (a branch of a closed PR may be reopened; it is never moved)."""
        for n in range(1, 100):
            name = f"{self.branch_prefix}{day}" + (f"-{n}" if n > 1 else "")
            tip = self._tip(name)
            if tip is None:
                return name, None
            used = self._call(lambda name=name: list(self.repo.get_pulls(
                state="all", head=f"{self.repo.owner.login}:{name}")), f"pulls of {name}")  # fmt: skip
            if not used and not self._edited_by_hand(base, tip):
                return name, tip  # a run that died before opening its PR left it: this run goes on from it
        raise PublishError(f"no free branch name for {day} under {self.branch_prefix} in {self.repo_name}")

    def _commit(self, parents: list[str], files_from: str, text: str, message: str) -> str:
        """A new commit: the tree of `files_from` with the list replaced by `text`, on `parents`."""

        def create() -> str:
            tree = self.repo.get_git_commit(files_from).tree
            blob = self.repo.create_git_blob(text, "utf-8")
            new_tree = self.repo.create_git_tree(
                [InputGitTreeElement(self.list_path, "100644", "blob", sha=blob.sha)], base_tree=tree
            )
            on = [self.repo.get_git_commit(p) for p in parents]
            return self.repo.create_git_commit(message, new_tree, on).sha

        return self._call(create, f"a commit of {self.list_path}")

    def _move(self, branch: str, old: str | None, new: str) -> None:
        """Create `branch` at `new`, or move it from `old` to `new` only if that is a fast forward (GitHub checks):
        a branch someone moved meanwhile raises _Moved, never loses their commits."""
        if old is None:
            self._call(lambda: self.repo.create_git_ref(f"refs/heads/{branch}", new), f"creating {branch}")
        else:
            ref = self.repo.get_git_ref(f"heads/{branch}")
            self._call(lambda: ref.edit(new, force=False), f"moving {branch}")

    def _tip(self, branch: str) -> str | None:
        try:
            return self.repo.get_git_ref(f"heads/{branch}").object.sha  # the lookup is lazy: this is the request
        except UnknownObjectException:
            return None
        except GithubException as exc:
            raise _publish_error(exc, f"branch {branch}") from exc

    def _compare(self, base: str, head: str):
        return self._call(lambda: self.repo.compare(base, head), f"{base[:12]}...{head[:12]}")

    def _base_head(self) -> str:
        branch = self.repo.default_branch
        return self._call(lambda: self.repo.get_branch(branch), f"branch {branch}").commit.sha

    def _open_bot_pull(self) -> PullRequest | None:
        pulls = self._call(lambda: list(self.repo.get_pulls(state="open")), "open pulls")
        for pr in pulls:
            if pr.head.ref.startswith(self.branch_prefix) and "mimwatch:ids" in (pr.body or ""):
                return pr
        return None

    def _file_at(self, ref: str) -> str:
        content = self._call(lambda: self.repo.get_contents(self.list_path, ref=ref), f"{self.list_path} at {ref[:12]}")
        if isinstance(content, list):
            raise PublishError(f"{self.list_path} is a folder in {self.repo_name}, not the list file")
        return content.decoded_content.decode("utf-8")

    def _call(self, action, what: str):  # action: a thunk; returns its result
        if (deadline := run_deadline.current()) is not None:
            deadline.check(f"asking GitHub for {what}")
        try:
            return action()
        except RateLimitExceededExceedsMaxWait as exc:
            reset = datetime.now(UTC) + timedelta(seconds=exc.wait or 0)
            raise PublishError(
                f"GitHub's rate limit is used up until {reset:%Y-%m-%d %H:%M} UTC, longer than the "
                f"{self.max_rate_limit_wait:.0f} s this run may wait (MIMWATCH_GITHUB_MAX_WAIT); stopped while reading "
                f"{what}. Nothing was recorded: the next run goes on from the state."
            ) from exc
        except GithubException as exc:
            if exc.status == 409 or exc.status == 422 and _says(exc, "fast forward", "already exists"):
                raise _Moved(f"{what}: someone changed it meanwhile") from exc
            raise _publish_error(exc, what) from exc
        except requests.RequestException as exc:
            why = unreachable(exc, self.base_url) or f"{type(exc).__name__}: {exc}"
            raise PublishError(f"GitHub ({self.base_url}) while reading or writing {what}: {why}") from exc


class _Moved(Exception):
    """The branch (or the file on it) changed between reading it and writing it."""


def _says(exc: GithubException, *phrases: str) -> bool:
    text = str(exc.data).lower()
    return any(p in text for p in phrases)


def _publish_error(exc: GithubException, what: str) -> PublishError:
    message = ""
    if isinstance(exc.data, dict):
        message = str(exc.data.get("message", ""))
    if exc.status == 403 and ACTIONS_NOT_PERMITTED in message:
        return PublishError(
            f"GitHub refused {what}: {message}. In the repository's Settings → Actions → General, turn on "
            "'Allow GitHub Actions to create and approve pull requests' (or use a token with "
            "contents: write and pull-requests: write)."
        )
    if exc.status == 404:
        return PublishError(
            f"GitHub has no {what} (404): check the repository name, the branch and the list path, and that the "
            "token can see the repository."
        )
    if exc.status == 401:
        return PublishError(f"GitHub rejected the token (401) while reading {what}: check GITHUB_TOKEN.")
    if exc.status == 403:
        return PublishError(f"GitHub refused {what} (403): {message or 'forbidden'}; check the token's permissions.")
    return PublishError(f"GitHub error {exc.status} on {what}: {message or exc}")
