"""Publish a proposal as a GitHub pull request with PyGithub (base URL configurable: GitHub Enterprise).

One open bot PR at a time: a rerun updates it (branch rebuilt on the base head, body rewritten) rather
than opening another; the scan carries the open PR's papers into the new proposal, so none is dropped.
A branch a maintainer has committed to is never rebuilt: the run's new entries go on top of their edits.
The token is never logged or echoed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededExceedsMaxWait, UnknownObjectException
from github.PullRequest import PullRequest
from github.Repository import Repository

from ..awesome import parse
from ..errors import PublishError
from ..sources.retry import unreachable
from .proposal import TITLE_PREFIX, OpenPull, Proposal, marker_ids

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


@dataclass(frozen=True)
class Published:
    number: int
    url: str
    branch: str
    created: bool


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
    ):
        if not token:
            raise PublishError("no GitHub token: set GITHUB_TOKEN or pass --token")
        self.repo_name = repo
        self.list_path = list_path
        self.labels = labels
        self.branch_prefix = branch_prefix
        kwargs = {}
        if seconds_between_requests is not None:
            kwargs["seconds_between_requests"] = seconds_between_requests
        if seconds_between_writes is not None:
            kwargs["seconds_between_writes"] = seconds_between_writes
        self.base_url = base_url
        # PyGithub waits out a rate limit itself; beyond this many seconds it raises instead (see _call).
        self.max_rate_limit_wait = max_rate_limit_wait
        retry = GithubRetry(max_rate_limit_wait=max_rate_limit_wait)
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
        return self._file_at(head)[0], head

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
                merged_list = self._file_at(pr.merge_commit_sha)[0]
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
                )
            )
        return records

    def open_pull(self) -> OpenPull:
        """What the bot's open PR proposes, from its body's markers."""
        mine = self.bot_pulls(state="open")
        return OpenPull(ids=frozenset(i for p in mine for i in p.ids),
                        updates=frozenset(i for p in mine for i in p.updates),
                        triage=frozenset(i for p in mine for i in p.triage))  # fmt: skip

    # ---- writing -------------------------------------------------------------------------------

    def publish(self, proposal: Proposal) -> str:
        return self.open_or_update(proposal).url

    def open_or_update(self, proposal: Proposal) -> Published:
        """Open the bot's PR, or update the open one; rebuild the edit if the base moves meanwhile."""
        existing = self._open_bot_pull()
        branch = existing.head.ref if existing else f"{self.branch_prefix}{proposal.day.isoformat()}"
        if existing and self._edited_by_hand(branch, proposal):
            self._add_on_top(branch, proposal)
        else:
            self._rebuild(branch, proposal)
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
        return Published(number=pr.number, url=pr.html_url, branch=branch, created=created)

    def _rebuild(self, branch: str, proposal: Proposal) -> None:
        """Point `branch` at the base head and commit the whole proposal there; again if the base moves."""
        for attempt in range(1, 4):
            text, head = self.read_list()
            new_text = proposal.edit(text)
            if new_text == text:
                raise PublishError("the proposal changes nothing in the list on the base branch")
            self._point_branch(branch, head)
            blob = self._file_at(branch)[1]
            try:
                self._commit(branch, proposal, new_text, blob)
            except _StaleSha:
                log.warning("%s changed while committing (try %d); rebuilding the edit", branch, attempt)
                continue
            if self._base_head() == head:
                return
            log.warning("the base branch moved while committing (try %d); rebuilding the edit on it", attempt)
        raise PublishError(f"the base branch of {self.repo_name} kept moving; run again later")

    def _edited_by_hand(self, branch: str, proposal: Proposal) -> bool:
        """The head commit is not the bot's (its commits carry the PR title), and the branch still holds
        some of the proposed entries: a branch left on a base commit (a run that died between moving the
        branch and committing) holds none and is rebuilt."""
        head = self._call(lambda: self.repo.get_branch(branch), f"branch {branch}").commit
        message = self._call(lambda: head.commit.message, f"the head commit of {branch}")
        if message.startswith(TITLE_PREFIX):
            return False
        doc = parse(self._file_at(branch)[0], self.list_path)
        return any(doc.find(arxiv_id=i) is not None for i in proposal.ids)

    def _add_on_top(self, branch: str, proposal: Proposal) -> None:
        """Add this run's entries on top of a maintainer's edits of the PR branch; never move or rebuild it."""
        log.warning("a maintainer has committed to %s: adding the new entries on top, not rebuilding it", branch)
        edit_new = proposal.edit_new or proposal.edit
        for attempt in range(1, 4):
            text, blob = self._file_at(branch)
            new_text = edit_new(text)
            if new_text == text:
                return  # nothing of this run changes their version (e.g. they added the entries themselves)
            try:
                self._commit(branch, proposal, new_text, blob)
                return
            except _StaleSha:
                log.warning("%s changed while committing (try %d); adding the entries again", branch, attempt)
        raise PublishError(f"{branch} kept changing while mimwatch committed to it; run again later")

    def _commit(self, branch: str, proposal: Proposal, text: str, blob: str) -> None:
        self._call(
            lambda: self.repo.update_file(self.list_path, proposal.title(), text, blob, branch=branch),
            f"commit to {branch}",
        )

    def _base_head(self) -> str:
        branch = self.repo.default_branch
        return self._call(lambda: self.repo.get_branch(branch), f"branch {branch}").commit.sha

    def _open_bot_pull(self) -> PullRequest | None:
        pulls = self._call(lambda: list(self.repo.get_pulls(state="open")), "open pulls")
        for pr in pulls:
            if pr.head.ref.startswith(self.branch_prefix) and "mimwatch:ids" in (pr.body or ""):
                return pr
        return None

    def _point_branch(self, branch: str, sha: str) -> None:
        """Make `branch` start at the base head (create it, or move it there)."""
        try:
            ref = self.repo.get_git_ref(f"heads/{branch}")
            current = ref.object.sha  # the lookup is lazy: this is the request
        except UnknownObjectException:
            self._call(lambda: self.repo.create_git_ref(f"refs/heads/{branch}", sha), f"creating {branch}")
            return
        except GithubException as exc:
            raise _publish_error(exc, f"branch {branch}") from exc
        if current != sha:
            self._call(lambda: ref.edit(sha, force=True), f"moving {branch}")

    def _file_at(self, ref: str) -> tuple[str, str]:
        content = self._call(lambda: self.repo.get_contents(self.list_path, ref=ref), f"{self.list_path} at {ref[:12]}")
        if isinstance(content, list):
            raise PublishError(f"{self.list_path} is a folder in {self.repo_name}, not the list file")
        return content.decoded_content.decode("utf-8"), content.sha

    def _call(self, action, what: str):  # action: a thunk; returns its result
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
            if exc.status == 409:
                raise _StaleSha(what) from exc
            raise _publish_error(exc, what) from exc
        except requests.RequestException as exc:
            why = unreachable(exc, self.base_url) or f"{type(exc).__name__}: {exc}"
            raise PublishError(f"GitHub ({self.base_url}) while reading or writing {what}: {why}") from exc


class _StaleSha(Exception):
    pass


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
