"""The library's own exceptions; only the CLI turns them into exit codes."""

from __future__ import annotations


class MimwatchError(Exception):
    """Base class of every error mimwatch reports to its user."""


class UsageProblem(MimwatchError):
    """Options that do not go together; the CLI reports it as a usage error (exit 2)."""


class ListFormatError(MimwatchError):
    """The awesome list cannot be read: names the file, the line and the offending text."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, text: str = ""):
        self.message = message
        self.path = path
        self.line = line
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<list>"
        if self.line is not None:
            where += f":{self.line}"
        shown = f": {self.text.strip()[:120]!r}" if self.text.strip() else ""
        return f"{where}: {self.message}{shown}"


class ListEditError(MimwatchError):
    """An edit of the list cannot be applied (unknown section, entry not found, …)."""


class SourceError(MimwatchError):
    """arXiv (or a local source file) could not give what was asked; says which query and page."""


class PublishError(MimwatchError):
    """The pull request (or local branch) could not be made; says what to fix."""
