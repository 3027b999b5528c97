"""Where a proposal goes: the bot's GitHub pull request, a branch of a local clone, or a dry run's printout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .proposal import OpenPull, Proposal


@dataclass(frozen=True)
class Published:
    """Where a proposal went, and which of its papers the published list or PR really holds: only those are
    recorded as proposed (the others are judged again by the next run)."""

    where: str  # a PR's URL, a branch, "dry run"
    held: frozenset[str] = frozenset()  # paper keys: entries in the diff, updates applied, papers in the body
    number: int | None = None  # the pull request's number (GitHub)
    branch: str | None = None
    created: bool = False  # a new pull request was opened
    keys: dict[str, list[str]] | None = None  # every paper the pull request names, by kind (ids, updates, triage)


class Publisher(Protocol):
    """What a scan needs of the place its proposal goes."""

    def open_pull(self) -> OpenPull:
        """What the bot's open pull request proposes already (nothing, where there is no such PR)."""
        ...

    def publish(self, proposal: Proposal) -> Published:
        """Publish the proposal; says where it went (a PR's URL, a branch, "dry run") and what it holds."""
        ...
