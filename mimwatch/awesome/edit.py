"""Edits of the list that change only the bytes they must; each returns a new, re-parsed list."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..errors import ListEditError
from ..templating import render_template
from .document import AwesomeList
from .model import Entry, Heading, github_anchor
from .parse import LINK_RE, VENUE_LINE_RE, content, parse, render, split_lines

_TOC_RE = re.compile(r"^(?P<indent>\s*)[-*] \[(?P<text>.+)\]\(#(?P<anchor>[^)]+)\)\s*$")
_BACK_TO_TOP = '<p align="right"'


def render_entry(entry: Entry, doc: AwesomeList) -> str:
    """An entry's text in the list's own format, link spellings and line endings."""
    if entry.venue_tag is None or not entry.paper_url:
        raise ListEditError(f"cannot render {entry.title!r}: an entry needs a venue, a year and a paper link")
    text = render_template(
        f"entry_{doc.entry_format}.md.j2",
        entry=entry,
        paper_label=doc.link_label("paper"),
        code_label=doc.link_label("code"),
        indent=_inline_indent(doc),
    )
    return text.replace("\n", doc.newline)


def add_entries(doc: AwesomeList, section: str, entries: Iterable[Entry]) -> AwesomeList:
    """Append entries to a section, after its last entry, spaced the way that section is spaced."""
    entries = list(entries)
    heading = _require_heading(doc, section)
    if not entries:
        return doc
    lines = split_lines(render(doc))
    existing = doc.entries_in(heading.text)
    nl = doc.newline
    if existing:
        at = existing[-1].end_line  # 0-based index of the line after the last entry
        gap = nl if _blank_between_entries(doc, existing) else ""
        chunks = [gap + render_entry(e, doc) for e in entries]
    else:
        at = heading.line
        gap = nl if doc.entry_format == "br" else ""
        chunks = [nl + render_entry(entries[0], doc)] + [gap + render_entry(e, doc) for e in entries[1:]]
    return _splice(doc, lines, at, "".join(chunks))


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
    lines = split_lines(render(doc))
    body = lines[current.line - 1 : current.end_line]
    if venue is not None or year is not None:
        body = _replace_venue(current, body, venue or current.venue, year or current.year)
    if code_url is not None:
        body = _set_code(doc, current, body, code_url)
    new_text = "".join(lines[: current.line - 1] + body + lines[current.end_line :])
    return parse(new_text, doc.path)


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


def _splice(doc: AwesomeList, lines: list[str], at: int, text: str) -> AwesomeList:
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += doc.newline  # the list had no final newline: the new text needs one before it
        text = text.removesuffix(doc.newline)
    return parse("".join(lines[:at]) + text + "".join(lines[at:]), doc.path)


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


def _blank_between_entries(doc: AwesomeList, existing: tuple[Entry, ...]) -> bool:
    if len(existing) >= 2:
        return existing[1].line - existing[0].end_line > 1
    return doc.entry_format == "br"


def _inline_indent(doc: AwesomeList) -> str:
    indents = Counter(
        m.group(1)
        for e in doc.entries
        if e.format == "inline"
        for m in [re.match(r"^(\s+)- ", split_lines(e.raw)[1])]
        if m
    )
    return indents.most_common(1)[0][0] if indents else "   "


def _replace_venue(entry: Entry, body: list[str], venue: str | None, year: int | None) -> list[str]:
    if venue is None or year is None:
        raise ListEditError(f"entry at line {entry.line} needs both a venue and a year")
    tag = f"{venue}'{year}"
    body = list(body)
    if entry.format == "br":
        for i in range(2, len(body)):
            if m := VENUE_LINE_RE.match(body[i]):
                body[i] = body[i][: m.start("venue")] + tag + body[i][m.end("year") :]
                return body
    else:
        for i, line in enumerate(body):
            for m in LINK_RE.finditer(line):
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9&.+\- ]*'\d{4}", m.group("label").strip()):
                    body[i] = line[: m.start("label")] + tag + line[m.end("label") :]
                    return body
    raise ListEditError(f"entry at line {entry.line} has no venue tag to update")


def _set_code(doc: AwesomeList, entry: Entry, body: list[str], url: str) -> list[str]:
    body = list(body)
    label = doc.link_label("code")
    for i, line in enumerate(body):
        for m in LINK_RE.finditer(line):
            if m.group("label").strip().lower() == "code":
                body[i] = line[: m.start("url")] + url + line[m.end("url") :]
                return body
    # No code link yet: put one right after the paper link, on its own line when links stand one a line.
    for i, line in enumerate(body):
        for m in LINK_RE.finditer(line):
            kind = m.group("label").strip().lower()
            is_paper = kind == "paper" or (entry.format == "inline" and m.group("url") == entry.paper_url)
            if not is_paper:
                continue
            link = f"[[{label}]({url})]"
            if entry.format == "br" and (line.lstrip().startswith("[[") or _next_is_link_line(body, i)):
                ending = line[len(line.rstrip("\r\n")) :] or doc.newline
                if not line.endswith("\n"):
                    body[i] = line + doc.newline
                    ending = ""
                body.insert(i + 1, link + ending)
            else:
                body[i] = line[: m.end()] + " " + link + line[m.end() :]
            return body
    raise ListEditError(f"entry at line {entry.line} has no paper link to put a code link after")


def _next_is_link_line(body: list[str], i: int) -> bool:
    return i + 1 < len(body) and body[i + 1].lstrip().startswith("[[")


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
