"""Where a proposal goes: the bot's GitHub pull request, a branch of a local clone, or a dry run's printout."""

from __future__ import annotations

from typing import Protocol

from .proposal import OpenPull, Proposal


class Publisher(Protocol):
    """What a scan needs of the place its proposal goes."""

    def open_pull(self) -> OpenPull:
        """What the bot's open pull request proposes already (nothing, where there is no such PR)."""
        ...

    def publish(self, proposal: Proposal) -> str:
        """Publish the proposal; says where it went (a PR's URL, a branch, "dry run")."""
        ...
