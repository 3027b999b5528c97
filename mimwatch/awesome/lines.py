"""Lines of a list's text with their endings kept: what every parser and edit of the list works on."""

from __future__ import annotations

import re

_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their endings (`\\n` or `\\r\\n`); only `\\n` splits, unlike str.splitlines."""
    return _LINE_RE.findall(text)


def content(line: str) -> str:
    """A line without its line ending (and without a byte-order mark at the start of the file)."""
    return line.rstrip("\r\n").lstrip("\ufeff")


def ending(line: str) -> str:
    """The line's own ending: `\\r\\n`, `\\n`, or nothing (the last line of a file without a final newline)."""
    return line[len(line.rstrip("\r\n")) :]


def splice(lines: list[str], at: int, text: str, newline: str) -> str:
    """The text with `text` (whole lines, ending in `newline`) inserted before line index `at`."""
    lines = list(lines)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += newline  # the list had no final newline: the new text needs one before it
        text = text.removesuffix(newline)
    return "".join(lines[:at]) + text + "".join(lines[at:])
