"""Edits of the list that change only the bytes they must; each returns a new, re-parsed list."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from ..errors import ListEditError
from .dialects import Dialect, dialect
from .document import AwesomeList
from .lines import content, split_lines
from .model import Entry, Heading, github_anchor
from .parse import parse, render

_TOC_RE = re.compile(r"^(?P<indent>\s*)[-*] \[(?P<text>.+)\]\(#(?P<anchor>[^)]+)\)\s*$")
_BACK_TO_TOP = '<p align="right"'


def entry_dialect(entry: Entry, doc: AwesomeList) -> Dialect:
    """The dialect an entry is written in: its own, else the one the list writes new entries in."""
    return dialect(entry.format or doc.entry_format)


def render_entry(entry: Entry, doc: AwesomeList, section: str | None = None) -> str:
    """An entry's text in its dialect (the list's, for a new entry), link spellings and line endings."""
    section = section or entry.section or (doc.sections[0] if doc.sections else "")
    return entry_dialect(entry, doc).render(entry, doc, section).replace("\n", doc.newline)


def read_back(doc: AwesomeList, section: str, entry: Entry) -> Entry | None:
    """The entry as the list would read it once written into `section`: rendered in its dialect and parsed on
    its own (after its section's table header, where it has one), without re-reading the whole list."""
    style = entry_dialect(entry, doc)
    heading = _require_heading(doc, section)
    text = heading.raw + style.preamble(doc, heading.text) + render_entry(entry, doc, heading.text)
    return next(iter(parse(text, doc.path).entries), None)


def add_entries(doc: AwesomeList, section: str, entries: Iterable[Entry]) -> AwesomeList:
    """Add entries to a section where the list puts new ones (after its last entry; a table row in date
    order; under the paper's year), in the list's dialect, spaced the way that section is spaced."""
    entries = list(entries)
    heading = _require_heading(doc, section)
    for name in dict.fromkeys(e.format or doc.entry_format for e in entries):
        group = [e for e in entries if (e.format or doc.entry_format) == name]
        doc = parse(dialect(name).insert(doc, heading, group), doc.path)
        heading = _require_heading(doc, section)
    return doc


def update_entry(
    doc: AwesomeList,
    entry: Entry,
    *,
    venue: str | None = None,
    year: int | None = None,
    code_url: str | None = None,
) -> AwesomeList:
    """Change an entry's venue tag and/or code link in place; every other byte stays."""
    current = _locate(doc, entry)
    style = entry_dialect(current, doc)
    lines = split_lines(render(doc))
    body = lines[current.line - 1 : current.end_line]
    if venue is not None or year is not None:
        venue, year = venue or current.venue, year or current.year
        if venue is None or year is None:
            raise ListEditError(f"entry at line {current.line} needs both a venue and a year")
        body = style.set_venue(doc, current, body, venue, year)
    if code_url is not None:
        body = style.set_code(doc, current, body, code_url)
    new_text = "".join(lines[: current.line - 1] + body + lines[current.end_line :])
    return parse(new_text, doc.path)


def remove_entry(doc: AwesomeList, entry: Entry) -> AwesomeList:
    """Take an entry out of the list: its lines, and one of the blank lines that stood on either side of it (so
    entries that stood apart stay apart by one blank line); every other byte stays."""
    current = _locate(doc, entry)
    lines = split_lines(render(doc))
    start, end = current.line - 1, current.end_line  # the entry is lines[start:end]
    blank_before = start > 0 and not content(lines[start - 1]).strip()
    if blank_before and end < len(lines) and not content(lines[end]).strip():
        end += 1  # blank on both sides: keep one
    elif blank_before and end >= len(lines):
        start -= 1  # the list's last lines: no blank line left dangling at its end
    rest = lines[:start] + lines[end:]
    if rest and rest[-1].endswith("\n") and not lines[-1].endswith("\n") and end >= len(lines):
        rest[-1] = rest[-1].rstrip("\r\n")  # the file had no final newline: it still has none
    return parse("".join(rest), doc.path)


def move_entry(doc: AwesomeList, entry: Entry, section: str) -> AwesomeList:
    """Move an entry to another section: out of its place, in where that section puts new entries, written in
    the list's dialect from its fields as they stand (a maintainer's fix of its title stays)."""
    _require_heading(doc, section)
    current = _locate(doc, entry)
    moved = replace(current, section=section, raw="", line=0, end_line=0)
    return add_entries(remove_entry(doc, current), section, [moved])


def add_section(doc: AwesomeList, title: str, parent: str | None = None) -> AwesomeList:
    """Add an empty section and its table-of-contents line: at the end of `parent`, or as a new `##`."""
    if doc.heading(title) is not None:
        raise ListEditError(f"the list already has a section {title!r}")
    owner = _require_heading(doc, parent) if parent is not None else _top_level_owner(doc)
    level = owner.level + 1 if parent is not None else owner.level
    subtree = _subtree(doc, owner)
    lines = split_lines(render(doc))
    nl = doc.newline
    end = _subtree_end_line(doc, owner)  # 0-based index of the first line after the subtree
    at = end
    while at > owner.line and (not content(lines[at - 1]).strip() or content(lines[at - 1]).startswith(_BACK_TO_TOP)):
        at -= 1
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += nl
    heading_text = f"{nl}{'#' * level} {title}{nl}"
    lines = lines[:at] + [heading_text] + lines[at:]
    toc_at, toc_line = _toc_insertion(lines, doc, owner, subtree, level, title)
    if toc_at is not None:
        lines = lines[:toc_at] + [toc_line + nl] + lines[toc_at:]
    return parse("".join(lines), doc.path)


def _require_heading(doc: AwesomeList, section: str) -> Heading:
    heading = doc.heading(section)
    if heading is None:
        known = ", ".join(repr(s) for s in doc.sections)
        raise ListEditError(f"the list has no section {section!r}; its sections are {known}")
    return heading


def _locate(doc: AwesomeList, entry: Entry) -> Entry:
    for candidate in doc.entries:
        if candidate.line == entry.line and candidate.raw == entry.raw:
            return candidate
    found = doc.find(arxiv_id=entry.arxiv_id, title=entry.title, authors=entry.authors)
    if found is None:
        raise ListEditError(f"entry {entry.title!r} is not in the list")
    return found


def _subtree(doc: AwesomeList, owner: Heading) -> list[Heading]:
    headings = list(doc.headings)
    start = headings.index(owner)
    out = [owner]
    for h in headings[start + 1 :]:
        if h.level <= owner.level:
            break
        out.append(h)
    return out


def _subtree_end_line(doc: AwesomeList, owner: Heading) -> int:
    headings = list(doc.headings)
    for h in headings[headings.index(owner) + 1 :]:
        if h.level <= owner.level:
            return h.line - 1
    return len(split_lines(render(doc)))


def _top_level_owner(doc: AwesomeList) -> Heading:
    """The `##` heading whose subtree holds the list's last entry: new top-level sections go after it."""
    if not doc.entries:
        raise ListEditError("the list has no entries, so there is no place for a new section")
    last = doc.entries[-1]
    owner = None
    for h in doc.headings:
        if h.line > last.line:
            break
        if h.level <= 2:
            owner = h
    if owner is None:
        raise ListEditError("the list's entries stand under no heading")
    return owner


def _toc_insertion(
    lines: list[str], doc: AwesomeList, owner: Heading, subtree: list[Heading], level: int, title: str
) -> tuple[int | None, str]:
    """Where the new section's table-of-contents line goes (after the subtree's last line), and that line."""
    toc = {}
    for i, line in enumerate(lines):
        if m := _TOC_RE.match(content(line)):
            toc.setdefault(m.group("anchor"), (i, m.group("indent")))
    last = subtree[-1]
    if last.anchor not in toc or owner.anchor not in toc:
        return None, ""
    at, _ = toc[last.anchor]
    owner_indent = toc[owner.anchor][1]
    step = _toc_step(doc, toc)
    indent = owner_indent + step if level > owner.level else owner_indent
    # Past the TOC children of the last heading, if the TOC lists deeper levels than the headings we know.
    while (
        at + 1 < len(lines)
        and (m := _TOC_RE.match(content(lines[at + 1])))
        and len(m.group("indent")) > len(toc[last.anchor][1])
    ):
        at += 1
    return at + 1, f"{indent}- [{title}](#{github_anchor(title)})"


def _toc_step(doc: AwesomeList, toc: dict[str, tuple[int, str]]) -> str:
    for h in doc.headings:
        if h.parent is not None and h.anchor in toc:
            parent = doc.heading(h.parent)
            if parent is not None and parent.anchor in toc:
                step = len(toc[h.anchor][1]) - len(toc[parent.anchor][1])
                if step > 0:
                    return " " * step
    return "  "
