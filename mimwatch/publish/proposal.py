"""What a scan proposes: new entries by section, in-place updates, papers to triage; and its PR text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from ..awesome import parse, render
from ..awesome.dialects import dialect
from ..awesome.document import find_paper
from ..awesome.edit import add_entries, move_entry, remove_entry, update_entry
from ..awesome.model import Entry
from ..papers import Paper, key_from_token, key_token
from ..templating import render_template
from ..venues import Venue

MAX_BODY = 60_000  # characters; GitHub refuses a PR body over 65,536
TITLE_PREFIX = "mimwatch: "  # of the PR title and of every commit the bot makes
# The last line of every commit the bot makes: a branch with any commit without it has been edited by hand.
BOT_TRAILER = "Made-by: mimwatch"
MARKER_RE = re.compile(r"<!--\s*mimwatch:(?P<kind>ids|updates|triage|considered|more)\s*(?P<ids>[^>]*?)\s*-->")
MARKER_KINDS = ("ids", "updates", "triage", "considered")


def marker_text(keys: dict[str, Sequence[str]], room: int) -> str:
    """The hidden markers naming `keys` (by kind), in at most `room` characters: the keys that do not fit are
    left out, counted in a `more` marker (the state keeps the PR's whole list)."""
    kinds = [kind for kind in MARKER_KINDS if kind in ("ids", "updates") or keys.get(kind)]
    words: dict[str, list[str]] = {kind: [] for kind in kinds}
    # Room for each marker's frame and for the `more` marker is kept first; keys fill what is left, in order.
    used = sum(len(f"<!-- mimwatch:{kind} -->\n") for kind in kinds) + len("<!-- mimwatch:more 10000000 -->\n")
    left_out = 0
    for kind in kinds:
        for key in keys.get(kind, ()):
            word = " " + key_token(key)
            if used + len(word) > room:
                left_out += 1
                continue
            words[kind].append(word)
            used += len(word)
    lines = [f"<!-- mimwatch:{kind}{''.join(words[kind])} -->\n" for kind in kinds]
    if left_out:
        lines.append(f"<!-- mimwatch:more {left_out} -->\n")
    return "".join(lines)


def venue_text(entry: Entry, venue: str | None = None, year: int | None = None) -> str:
    """A venue as the entry's list writes it (`CVPR'2023`, `CVPR 2023`); the entry's own by default."""
    venue, year = venue or entry.venue, year or entry.year
    if not venue or not year:
        return ""
    return dialect(entry.format or "br").venue_text(venue, year)


@dataclass(frozen=True)
class Candidate:
    paper: Paper
    entry: Entry  # as it will stand in the list
    section: str
    relevance: float
    sections: tuple[tuple[str, float], ...] = ()
    terms: tuple[str, ...] = ()
    nearest: tuple[str, ...] = ()
    list_authors: tuple[str, ...] = ()  # its authors who already have entries in the list (they weighed in)

    @property
    def venue(self) -> str:
        return venue_text(self.entry)


@dataclass(frozen=True)
class Update:
    paper: Paper
    entry: Entry  # the entry in the list now
    venue: Venue | None = None  # the new venue, spelled the list's way
    code: str | None = None  # new code link

    @property
    def venue_tag(self) -> str | None:
        return self.venue.tag() if self.venue else None

    @property
    def venue_change(self) -> str:
        """`Arxiv 2021 → CVPR 2022`, as the list writes venues; empty when the venue stays."""
        if not self.venue:
            return ""
        return f"{venue_text(self.entry)} → {venue_text(self.entry, self.venue.label, self.venue.year)}"


@dataclass(frozen=True)
class Steer:
    """What one tick asked, by whom, for the Done part of the body and the state."""

    verb: str  # move, out, add; "ignored" for ticks of someone who may not steer the bot
    key: str
    title: str
    who: str
    section: str | None = None
    note: str = ""  # why it could not be done, or what else was ticked for the paper

    def line(self, held: frozenset[str] | None) -> str:
        """Its line in Done; a move or an add that the branch does not show failed (the paper was removed by hand,
        or its section renamed meanwhile). Titles and sections come from papers: escaped, never markup."""
        from ..templating import table_cell

        who, title, section = f"@{self.who}", f"**{table_cell(self.title)}**", f"*{table_cell(self.section or '')}*"
        if self.verb == "failed":  # the note says why, with {title} and {section} where they go
            return f"{who}: " + self.note.replace("{title}", title).replace("{section}", section)
        if self.verb in ("move", "add") and held is not None and self.key not in held:
            return (f"{who}: could not {self.verb} {title} to {section}: it is not on the branch as expected "
                    "(removed by hand?)")  # fmt: skip
        text = {
            "move": f"{who} moved {title} to {section}",
            "add": f"{who} added {title} to {section}",
            "out": f"{who} took out {title}: not for this list, never proposed again",
            "ignored": f"ticks by {who} were ignored: only people with write access steer mimwatch",
        }[self.verb]
        return text + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class OpenPull:
    """What the bot's open PR proposes (its body's markers). A new proposal rebuilds that PR, so it keeps them."""

    ids: frozenset[str] = frozenset()
    updates: frozenset[str] = frozenset()
    triage: frozenset[str] = frozenset()
    number: int | None = None  # the pull request's number, where there is one
    more: int = 0  # keys its markers had no room for (the state keeps them)
    considered: frozenset[str] = frozenset()  # papers under the threshold it offers to add
    ticks: tuple = ()  # review.Tick: the boxes ticked in its body, by someone who may steer the bot
    editor: str | None = None  # who last edited its body
    ignored: int = 0  # ticks of an editor without write access
    done: tuple[str, ...] = ()  # its Done lines so far

    @property
    def all(self) -> frozenset[str]:
        return self.ids | self.updates | self.triage

    def with_keys(self, kept: dict[str, list[str]]) -> OpenPull:
        """This PR's keys with those the state kept for it (its markers are bounded, the state is not)."""
        return replace(self, ids=self.ids | set(kept.get("ids", ())),
                       updates=self.updates | set(kept.get("updates", ())),
                       triage=self.triage | set(kept.get("triage", ())))  # fmt: skip


@dataclass(frozen=True)
class Proposal:
    day: date
    list_path: str
    candidates: tuple[Candidate, ...]
    updates: tuple[Update, ...] = ()
    triage: tuple[Candidate, ...] = ()
    carried: frozenset[str] = frozenset()  # keys of papers the open bot PR's diff holds already
    considered: tuple[Candidate, ...] = ()  # under the threshold but close: offered to add
    moves: tuple[tuple[str, str], ...] = ()  # (key, section): carried papers a maintainer moved
    removals: frozenset[str] = frozenset()  # carried papers a maintainer took out
    removed: tuple[Paper, ...] = ()  # those papers (to find their entries on the branch)
    steered: tuple[Steer, ...] = ()  # what this run's ticks did
    done: tuple[str, ...] = ()  # the Done lines of earlier runs
    held: frozenset[str] | None = None  # what the published branch holds (set by `keeping`)

    def edit(self, text: str) -> str:
        """The change applied to a list text (the base branch may have moved since the scan read it)."""
        return apply_proposal(text, self.list_path, self.candidates, self.updates)

    def edit_new(self, text: str) -> str:
        """This run's own change on top of a PR branch a maintainer has edited: the ticked removals and moves of
        the papers it holds, then the new papers and updates (not what the open PR carried: it is there)."""
        doc = parse(text, self.list_path)
        papers = {c.paper.key: c.paper for c in self.candidates} | {p.key: p for p in self.removed}
        for key in sorted(self.removals):
            if key in papers and (entry := find_paper(doc, papers[key])) is not None:
                doc = remove_entry(doc, entry)
        for key, section in self.moves:
            entry = find_paper(doc, papers[key]) if key in papers else None
            if entry is not None and entry.section != section and doc.heading(section) is not None:
                doc = move_entry(doc, entry, section)
        new = [c for c in self.candidates if c.paper.key not in self.carried]
        updates = [u for u in self.updates if u.paper.key not in self.carried]
        return apply_proposal(render(doc), self.list_path, new, updates)

    @property
    def done_lines(self) -> list[str]:
        """The Done part: earlier lines, then what this run's ticks did; the newest few (the body is bounded)."""
        from ..review import DONE_KEPT

        return [*self.done, *(s.line(self.held) for s in self.steered)][-DONE_KEPT:]

    @property
    def considered_ids(self) -> list[str]:
        return [c.paper.key for c in self.considered]

    @property
    def ids(self) -> list[str]:
        """Keys of the new papers (an arXiv id, else the paper's key on its source)."""
        return [c.paper.key for c in self.candidates]

    @property
    def update_ids(self) -> list[str]:
        return [u.paper.key for u in self.updates]

    @property
    def triage_ids(self) -> list[str]:
        return [c.paper.key for c in self.triage]

    @property
    def keys(self) -> dict[str, list[str]]:
        """Every paper the proposal names, by marker kind."""
        return {"ids": self.ids, "updates": self.update_ids, "triage": self.triage_ids,
                "considered": self.considered_ids}  # fmt: skip

    @property
    def empty(self) -> bool:
        return not self.candidates and not self.updates

    def held_by(self, text: str) -> frozenset[str]:
        """Keys of this proposal's papers that a published list `text` (with the PR body) holds: new entries
        and updates found in the list, and the papers to triage (they stand in the body only)."""
        doc = parse(text, self.list_path)
        moved = dict(self.moves)
        held = {c.paper.key for c in self.candidates if (entry := find_paper(doc, c.paper))
                and entry.section == moved.get(c.paper.key, entry.section)}  # fmt: skip
        for u in self.updates:
            entry = find_paper(doc, u.paper)
            if entry is not None and (u.venue is None or entry.venue_tag == u.venue_tag) and (
                u.code is None or entry.code_url == u.code
            ):
                held.add(u.paper.key)
        return frozenset(held | {c.paper.key for c in (*self.triage, *self.considered)})

    def keeping(self, keys: frozenset[str]) -> Proposal:
        """The proposal with only these papers, and every paper the open PR carried (its markers keep them, so
        that one a maintainer removed from the branch is learned as rejected at merge)."""
        kept = keys | self.carried
        return replace(
            self,
            candidates=tuple(c for c in self.candidates if c.paper.key in kept),
            updates=tuple(u for u in self.updates if u.paper.key in kept),
            triage=tuple(c for c in self.triage if c.paper.key in kept),
            held=keys,
        )

    def commit_message(self, body: bool = False) -> str:
        """The message of the bot's commits: the PR title (and body), then the bot's trailer."""
        return f"{self.title()}\n\n{self.body() + chr(10) if body else ''}{BOT_TRAILER}\n"

    def title(self) -> str:
        parts = []
        if self.candidates:
            parts.append(f"{len(self.candidates)} new paper{'s' if len(self.candidates) != 1 else ''}")
        if self.updates:
            parts.append(f"{len(self.updates)} update{'s' if len(self.updates) != 1 else ''}")
        return f"{TITLE_PREFIX}{' and '.join(parts) or 'no changes'} ({self.day.isoformat()})"

    def body(self) -> str:
        """The PR text, within GitHub's limit: the reasons go first, then papers beyond the first few are left
        to the diff; the hidden markers name every paper while they fit, and the state keeps the rest."""
        n = len(self.candidates) + len(self.updates) + len(self.triage)
        full = marker_text(self.keys, MAX_BODY)
        for reasons, limit in ((True, n), (False, n), (False, 100), (False, 20), (False, 0)):
            text = render_template("pr_body.md.j2", proposal=self, reasons=reasons, limit=limit)
            if len(text) + len(full) <= MAX_BODY:
                return text + full
        return text + marker_text(self.keys, MAX_BODY - len(text))


def is_bot_commit(message: str) -> bool:
    """A commit the bot made: its message ends with the bot's trailer."""
    return BOT_TRAILER in message.rstrip().splitlines()[-1:]


def marker_ids(body: str | None) -> dict[str, list[str]]:
    """The keys a bot PR body says it proposes (`ids`), updates (`updates`) and leaves to triage (`triage`), and
    (`more`) how many its markers had no room for."""
    found: dict[str, list[str]] = {"ids": [], "updates": [], "triage": [], "considered": [], "more": []}
    for m in MARKER_RE.finditer(body or ""):
        found[m.group("kind")].extend(key_from_token(k) for k in m.group("ids").split())
    return found


def apply_proposal(text: str, path: str, candidates: Sequence[Candidate], updates: Sequence[Update]) -> str:
    """The list text with the new entries (grouped by section) and the updates; skips what is already there."""
    doc = parse(text, path)
    by_section: dict[str, list[Entry]] = {}
    for c in candidates:
        if find_paper(doc, c.paper) is None:
            by_section.setdefault(c.section, []).append(c.entry)
    for section, entries in by_section.items():
        if doc.heading(section) is not None:
            doc = add_entries(doc, section, entries)
    for u in updates:
        current = find_paper(doc, u.paper)
        if current is not None:
            venue, year = (u.venue.label, u.venue.year) if u.venue else (None, None)
            doc = update_entry(doc, current, venue=venue, year=year, code_url=u.code)
    return render(doc)
