"""Problems a maintainer wants to hear about: duplicates, venue spellings, missing fields, broken links."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from ..errors import ListFormatError
from ..fsutil import write_atomic
from ..venues import venue_family
from .dialects import dialect
from .document import TITLE_MATCH_RATIO, AwesomeList, same_first_author
from .edit import update_entry
from .lines import split_lines
from .model import Entry
from .parse import load, render


@dataclass(frozen=True)
class Problem:
    line: int
    code: str
    message: str
    fixable: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def lint(doc: AwesomeList) -> list[Problem]:
    problems = _duplicates(doc) + _venue_spellings(doc) + _missing_fields(doc) + _malformed_links(doc)
    problems += [Problem(u.line, "unreadable-entry", f"not a {u.dialect} entry mimwatch can read ({u.reason}); "
                         "kept as it is") for u in doc.unreadable]  # fmt: skip
    return sorted(problems, key=lambda p: (p.line, p.code))


def fix(doc: AwesomeList) -> AwesomeList:
    """Apply the safe fixes (venue spellings) only; every other byte stays as it was."""
    preferred = doc.venue_style()
    for entry in doc.entries:
        if entry.venue and preferred[venue_family(entry.venue)] != entry.venue:
            doc = update_entry(doc, entry, venue=preferred[venue_family(entry.venue)], year=entry.year)
    return doc


def _duplicates(doc: AwesomeList) -> list[Problem]:
    problems = []
    first_by_id: dict[str, Entry] = {}
    reported: set[int] = set()
    for entry in doc.entries:
        if entry.arxiv_id and entry.arxiv_id in first_by_id:
            first = first_by_id[entry.arxiv_id]
            problems.append(
                Problem(
                    entry.line,
                    "duplicate",
                    f"same arXiv id {entry.arxiv_id} as the entry at line {first.line}",
                )
            )
            reported.add(entry.line)
        elif entry.arxiv_id:
            first_by_id[entry.arxiv_id] = entry
    # Every pair of titles scored in one call; 0 where they are not close.
    titles = doc.normalised_titles
    close = process.cdist(titles, titles, scorer=fuzz.ratio, score_cutoff=TITLE_MATCH_RATIO)
    for j, later in enumerate(doc.entries):
        if later.line in reported:
            continue
        for i in np.flatnonzero(close[j, :j]):
            earlier = doc.entries[i]
            if (
                same_first_author(earlier.authors, later.authors)
                and not (earlier.arxiv_id and later.arxiv_id and earlier.arxiv_id != later.arxiv_id)
            ):
                problems.append(
                    Problem(
                        later.line,
                        "duplicate",
                        f"same title as the entry at line {earlier.line}: {later.title!r}",
                    )
                )
                break
    return problems


def _venue_spellings(doc: AwesomeList) -> list[Problem]:
    preferred = doc.venue_style()
    problems = []
    for entry in doc.entries:
        if entry.venue and entry.year and preferred[venue_family(entry.venue)] != entry.venue:
            want = preferred[venue_family(entry.venue)]
            style = dialect(entry.format or "br")
            problems.append(
                Problem(
                    _venue_line(entry),
                    "venue-spelling",
                    f"venue {style.venue_text(entry.venue, entry.year)!r} is spelled {want!r} elsewhere in the list "
                    f"({style.venue_text(want, entry.year)})",
                    fixable=True,
                )
            )
    return problems


def entry_problems(entry: Entry) -> list[str]:
    """What lint would say of this one entry: missing fields and malformed links (the messages)."""
    return [p.message for p in _entry_fields(entry) + _entry_links(entry)]


def half_written(doc: AwesomeList) -> Problem | None:
    """The first entry cut off mid-link (`[[Code](https://github`): where the list does not parse cleanly,
    and an edit could land in the wrong place."""
    return next((p for p in _malformed_links(doc) if p.message.startswith("unclosed link")), None)


def refuse_half_written(doc: AwesomeList, path: str) -> None:
    """Raise ListFormatError naming the line of a half-written entry: mimwatch does not edit such a list."""
    if problem := half_written(doc):
        raise ListFormatError(
            "a half-written entry; fix it (`mimwatch lint` lists it) before mimwatch edits the list",
            path=path,
            line=problem.line,
            text=problem.message.removeprefix("unclosed link: "),
        )


def _missing_fields(doc: AwesomeList) -> list[Problem]:
    return [p for entry in doc.entries for p in _entry_fields(entry)]


def _malformed_links(doc: AwesomeList) -> list[Problem]:
    return [p for entry in doc.entries for p in _entry_links(entry)]


def _entry_fields(entry: Entry) -> list[Problem]:
    present = {"title": entry.title.strip(), "authors": entry.authors, "venue'year": entry.venue_tag,
               "paper link": entry.paper_url, "date": entry.date}  # fmt: skip
    missing = [name for name in dialect(entry.format or "br").required if not present[name]]
    if not missing:
        return []
    return [Problem(entry.line, "missing-field", f"entry {entry.title[:60]!r} has no {', no '.join(missing)}")]


def _entry_links(entry: Entry) -> list[Problem]:
    found = dialect(entry.format or "br").link_problems(entry)
    return [Problem(entry.line + offset, "malformed-link", message) for offset, message in found]


def _venue_line(entry: Entry) -> int:
    """The line of the entry that names its venue (`CVPR'2023`, `CVPR 2023`, `*CVPR 2023*`)."""
    pattern = re.compile(re.escape(entry.venue or "") + r"""['\s]+""" + str(entry.year))
    for offset, line in enumerate(split_lines(entry.raw)):
        if entry.venue and pattern.search(line):
            return entry.line + offset
    return entry.line


@dataclass(frozen=True)
class Linted:
    doc: AwesomeList  # as it stands after the fixes
    problems: list[Problem]
    fixed: int  # problems the fixes removed


def lint_file(list_path: str | Path, apply_fix: bool = False) -> Linted:
    """The list's problems; with `apply_fix` the safe fixes are written first (atomically, no other byte changed)."""
    doc = load(list_path)
    fixed = 0
    if apply_fix:
        repaired = fix(doc)
        if render(repaired) != render(doc):
            write_atomic(list_path, render(repaired))
        fixed = len(lint(doc)) - len(lint(repaired))
        doc = repaired
    return Linted(doc, lint(doc), fixed)
