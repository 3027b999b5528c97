"""Steering the bot from its pull request: the maintainer ticks a box, the next run does the editing.

The PR body lists, for each proposed paper, "move to <section>" and "take out"; for each paper to triage, its
likely sections and "not for this list"; for a few papers under the threshold, "add to <section>". Each box
is a task-list item carrying a hidden instruction (`<!-- mimwatch:do move KEY SECTION -->`). GitHub keeps
the body's source as it is and only flips `[ ]` to `[x]` when someone ticks a box, so the instruction is
read back exactly. What a tick did is told in the body's "Done" part, one line each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .papers import key_from_token, key_token

VERBS = ("move", "out", "add")
_TICKED = re.compile(
    r"^\s*[-*+] \[[xX]\] .*?<!--\s*mimwatch:do "
    rf"(?P<verb>{'|'.join(VERBS)}) (?P<key>\S+)(?: (?P<section>\S+))?\s*-->\s*$"
)
_DONE_HEADING = re.compile(r"^## Done\s*$")
DONE_KEPT = 30  # lines of the Done part a body keeps (the newest)


@dataclass(frozen=True)
class Tick:
    """One ticked box: `move` a proposed paper to `section`, take a paper `out`, or `add` one to `section`."""

    verb: str
    key: str
    section: str | None = None
    line: int = 0  # in the body, 1-based: the last tick for a paper wins

    def instruction(self) -> str:
        """The hidden instruction its box carries."""
        section = f" {key_token(self.section)}" if self.section else ""
        return f"<!-- mimwatch:do {self.verb} {key_token(self.key)}{section} -->"


def box(verb: str, key: str, section: str | None = None) -> str:
    """The hidden instruction of a box (for the template)."""
    return Tick(verb, key, section).instruction()


def read_ticks(body: str | None) -> list[Tick]:
    """The ticked boxes of a bot PR body, in the body's order."""
    ticks = []
    for number, line in enumerate((body or "").splitlines(), start=1):
        if m := _TICKED.match(line):
            section = key_from_token(m.group("section")) if m.group("section") else None
            ticks.append(Tick(m.group("verb"), key_from_token(m.group("key")), section, number))
    return ticks


def last_per_paper(ticks: list[Tick]) -> tuple[list[Tick], dict[str, list[Tick]]]:
    """The tick that counts for each paper (the last in the body's order), and the papers ticked more than once
    with all their ticks (Done says which one won)."""
    by_key: dict[str, list[Tick]] = {}
    for tick in ticks:
        by_key.setdefault(tick.key, []).append(tick)
    return [ts[-1] for ts in by_key.values()], {k: ts for k, ts in by_key.items() if len(ts) > 1}


def done_lines(body: str | None) -> list[str]:
    """The lines of the body's Done part (what earlier ticks did), oldest first."""
    lines, inside = [], False
    for line in (body or "").splitlines():
        if _DONE_HEADING.match(line):
            inside = True
        elif inside and (line.startswith("#") or line.startswith("<!--")):
            break
        elif inside and line.startswith("- "):
            lines.append(line[2:])
    return lines
