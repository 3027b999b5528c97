"""A title bullet with its links and an author bullet beneath (jason718/awesome-self-supervised-learning):

    - Paper Name.
      [[pdf]](link)
      [[code]](link)
      - Author 1, Author 2, and Author 3. *Conference Year*

Grouped by field, then often by year (`#### 2021`): a new entry goes under its year, and the year's
heading is made when the list has none yet. Bullets and indents vary from section to section; a new
entry copies those of its section's last entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import ListEditError
from ...markdown import escape_markdown, unescape_markdown
from ...papers import arxiv_id_from_url
from ...venues import venue_family
from ..lines import content, ending, splice, split_lines
from ..model import Entry, Heading, Link, Unreadable
from . import Dialect, Read, blank_between

if TYPE_CHECKING:
    from ..document import AwesomeList

_TITLE_RE = re.compile(r"^(?P<bullet>\s*[-*]\s+)(?P<title>[^\[\s].*?)\s*$")
_LINK_LINE_RE = re.compile(r"^\s+\[\[")
# `[[pdf]](url)`, and the `[[code](url)]` some entries write instead.
_LINK_RE = re.compile(r"\[\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]*)\)\]|\[\[(?P<label2>[^\]]*)\]\]\((?P<url2>[^)\s]*)\)")
_AUTHORS_RE = re.compile(r"^(?P<bullet>\s+[-*]\s+)(?P<text>.*?)\s*$")
_VENUE_RE = re.compile(r"\*(?P<venue>[^*]+?)\s+(?P<year>(?:19|20)\d{2})(?P<note>[^*]*)\*\s*$")
_PAPER_LABELS = ("pdf", "paper", "arxiv")


@dataclass(frozen=True)
class Style:
    """How a section writes its entries: the title bullet, the links' indent, the author bullet."""

    bullet: str = "- "
    indent: str = "  "
    author_bullet: str = "  - "
    period: bool = True  # titles end with a period

    @classmethod
    def of(cls, entry: Entry | None) -> Style:
        if entry is None:
            return cls()
        lines = [content(x) for x in split_lines(entry.raw)]
        title = _TITLE_RE.match(lines[0])
        link = next((x for x in lines[1:] if _LINK_LINE_RE.match(x)), "  ")
        author = next((m for x in lines[1:] if (m := _AUTHORS_RE.match(x)) and not _LINK_LINE_RE.match(x)), None)
        return cls(bullet=title.group("bullet") if title else "- ", indent=link[: len(link) - len(link.lstrip())],
                   author_bullet=author.group("bullet") if author else "  - ",
                   period=lines[0].rstrip().endswith("."))  # fmt: skip


class NestedDialect(Dialect):
    name = "nested"
    summary = "- Title. / [[pdf]](link) [[code]](link) / - Authors. *Venue Year*"
    required = ("title", "authors", "paper link")
    blank_between = True

    def read(self, lines: list[str], i: int, section: str | None, source: str | None) -> Read | None:
        if content(lines[i]).lstrip()[:1] not in ("-", "*") or i + 1 >= len(lines) or "[[" not in lines[i + 1]:
            return None  # the common case, decided without a regex
        first = _TITLE_RE.match(content(lines[i]))
        if first is None or i + 1 >= len(lines) or not _LINK_LINE_RE.match(content(lines[i + 1])):
            return None
        j = i + 1
        while j < len(lines) and _LINK_LINE_RE.match(content(lines[j])):
            j += 1
        author = _AUTHORS_RE.match(content(lines[j])) if j < len(lines) else None
        deeper = author is not None and len(author.group("bullet")) > len(first.group("bullet")) - len(
            first.group("bullet").lstrip())  # fmt: skip
        raw_links = "".join(lines[i + 1 : j])
        if not deeper:
            ids = tuple(filter(None, (arxiv_id_from_url(m.group("url") or m.group("url2"))
                                      for m in _LINK_RE.finditer(raw_links))))  # fmt: skip
            return Read(j, (Unreadable("".join(lines[i:j]), i + 1, self.name, "no author line under its links", ids),))
        assert author is not None
        end = j + 1
        paper_url = code_url = None
        others = []
        for m in _LINK_RE.finditer(raw_links):
            label, url = (m.group("label") or m.group("label2") or ""), (m.group("url") or m.group("url2") or "")
            if label.strip().lower() in _PAPER_LABELS and paper_url is None:
                paper_url = url
            elif label.strip().lower() == "code" and code_url is None:
                code_url = url
            else:
                others.append(Link(label, url))
        text, venue, year = author.group("text"), None, None
        if v := _VENUE_RE.search(text):
            venue, year, text = v.group("venue").strip(), int(v.group("year")), text[: v.start()]
        title = first.group("title")
        entry = Entry(
            title=unescape_markdown(title[:-1] if title.endswith(".") else title).strip(),
            authors=_authors(text.strip()), venue=venue, year=year, paper_url=paper_url, code_url=code_url,
            other_links=tuple(others), format=self.name, section=section, line=i + 1, end_line=end,
            raw="".join(lines[i:end]),
        )  # fmt: skip
        return Read(end, (entry,))

    def render(self, entry: Entry, doc: AwesomeList, section: str) -> str:
        if not entry.paper_url:
            raise ListEditError(f"cannot render {entry.title!r}: an entry needs a paper link")
        mine = [e for e in doc.entries_in(section) if e.format == self.name]
        style = Style.of(mine[-1] if mine else next((e for e in doc.entries if e.format == self.name), None))
        title = escape_markdown(entry.title)
        lines = [style.bullet + (title + "." if style.period else title), f"{style.indent}[[pdf]]({entry.paper_url})"]
        if entry.code_url:
            lines.append(f"{style.indent}[[code]]({entry.code_url})")
        lines += [f"{style.indent}[[{link.label}]]({link.url})" for link in entry.other_links]
        authors = ", ".join(escape_markdown(a) for a in entry.authors) + "."
        if entry.venue and entry.year and entry.venue.casefold() != "arxiv":
            authors += f" *{entry.venue} {entry.year}*"
        lines.append(style.author_bullet + authors)
        return "\n".join(lines) + "\n"

    def insert(self, doc: AwesomeList, heading: Heading, entries: Sequence[Entry]) -> str:
        """Under the entry's year when the section is split by years (the year's heading made where the list
        would have it), else after the section's last entry."""
        from ..parse import parse  # the parser reads entries with this dialect: imported when editing

        text = "".join(b.raw for b in doc.blocks)
        for entry in entries:
            doc = parse(text, doc.path)
            current = doc.heading(heading.text)
            assert current is not None
            years = _year_headings(doc, current)
            if not years:
                text = Dialect.insert(self, doc, current, [entry])
                continue
            text = self._insert_by_year(doc, current, years, entry)
        return text

    def _insert_by_year(self, doc: AwesomeList, section: Heading, years: list[Heading], entry: Entry) -> str:
        lines = split_lines("".join(b.raw for b in doc.blocks))
        nl = doc.newline
        rendered = self.render(entry, doc, section.text).replace("\n", nl)
        year = str(entry.year or max(int(h.text) for h in years))
        same = next((h for h in years if h.text.strip() == year), None)
        if same is not None:
            under = [e for e in doc.entries_in(section.text) if _year_of(doc, e) is same]
            if under:
                gap = nl if blank_between(under, default=False) else ""
                return splice(lines, under[-1].end_line, gap + rendered, nl)
            return splice(lines, same.line, rendered, nl)
        ascending = int(years[0].text) <= int(years[-1].text)
        after = [h for h in years if (int(h.text) < int(year)) == ascending]
        # Before the first year heading that comes after this year; else at the end of the last year's run.
        following = next((h for h in years if h not in after), None)
        at = following.line - 1 if following is not None else _run_end(doc, years[-1])
        while at > 0 and not content(lines[at - 1]).strip():
            at -= 1
        block = f"{nl}{'#' * years[0].level} {year}{nl}{rendered}"
        return splice(lines, at, block, nl)

    def set_venue(self, doc: AwesomeList, entry: Entry, body: list[str], venue: str, year: int) -> list[str]:
        body = list(body)
        line = body[-1]
        text = content(line)
        if m := _VENUE_RE.search(text):
            # `, Spotlight` stays when only the spelling changes.
            note = m.group("note") if venue_family(m.group("venue")) == venue_family(venue) else ""
            text = text[: m.start()] + f"*{venue} {year}{note}*" + text[m.end() :].rstrip()
        else:
            text = text.rstrip() + f" *{venue} {year}*"
        body[-1] = text + ending(line)
        return body

    def set_code(self, doc: AwesomeList, entry: Entry, body: list[str], url: str) -> list[str]:
        body = list(body)
        links = [i for i, line in enumerate(body) if _LINK_LINE_RE.match(content(line))]
        if not links:
            raise ListEditError(f"entry at line {entry.line} has no paper link to put a code link after")
        first = content(body[links[0]])
        indent = first[: len(first) - len(first.lstrip())]
        body.insert(links[0] + 1, f"{indent}[[code]]({url})" + (ending(body[links[0]]) or doc.newline))
        return body


NESTED = NestedDialect()


def _authors(text: str) -> tuple[str, ...]:
    text = text[:-1] if text.endswith(".") else text
    names = re.split(r",\s*(?:and\s+)?|;\s*|\s+and\s+", unescape_markdown(text))
    return tuple(n.strip() for n in names if n.strip())


def _year_headings(doc: AwesomeList, section: Heading) -> list[Heading]:
    """The year subsections directly under `section`, in document order."""
    headings = list(doc.headings)
    out = []
    for h in headings[headings.index(section) + 1 :]:
        if h.level <= section.level:
            break
        if h.is_year and h.parent == section.text:
            out.append(h)
    return out


def _year_of(doc: AwesomeList, entry: Entry) -> Heading | None:
    last = None
    for h in doc.headings:
        if h.line > entry.line:
            break
        last = h
    return last if last is not None and last.is_year else None


def _run_end(doc: AwesomeList, year: Heading) -> int:
    """The line index after the last line under a year heading (before the next heading at its level or above)."""
    for h in doc.headings:
        if h.line > year.line and h.level <= year.level:
            return h.line - 1
    return len(split_lines("".join(b.raw for b in doc.blocks)))
