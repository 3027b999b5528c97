"""A Markdown table per section (ucasligang/awesome-MIM), rows in date order:

    Date|Method|Conference|Title|Code
    -----|----|-----|-----|-----
    2021-11-11|MAE|Arxiv 2021|[Masked Autoencoders Are Scalable Vision Learners](https://arxiv.org/pdf/2111.06377.pdf)|[MAE](https://github.com/facebookresearch/mae)

The header names the columns (a table may leave some out); `None` stands for no code. A row with more or
fewer cells than its header is kept verbatim and reported.
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
from ..model import Entry, Heading, Text, Unreadable
from . import Dialect, Read

if TYPE_CHECKING:
    from ..document import AwesomeList

_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$")
_LINK_RE = re.compile(r"^\[(?P<text>(?:\\.|[^\]\\])*)\]\((?P<url>[^)\s]*)\)$")
_VENUE_RE = re.compile(r"^(?P<venue>.+?)\s+(?P<year>(?:19|20)\d{2})\b")
_COLUMNS = {"date": "date", "method": "method", "conference": "venue", "venue": "venue", "publication": "venue",
            "title": "title", "paper": "title", "code": "code", "authors": "authors", "author": "authors"}  # fmt: skip
NO_CODE = "None"
NO_METHOD = "-"  # what a new row without an abbreviation shows in the Method column


@dataclass(frozen=True)
class Shape:
    """How a table is written: its columns (by meaning) and its pipes."""

    columns: tuple[str, ...]
    outer: bool  # rows start and end with a pipe
    padded: bool  # cells are set off by spaces

    @classmethod
    def of_header(cls, line: str) -> Shape:
        return cls(tuple(_COLUMNS.get(c.strip().lower(), c.strip().lower()) for c in cells(line)),
                   line.strip().startswith("|"), " | " in line)  # fmt: skip

    def row(self, values: Sequence[str]) -> str:
        joined = (" | " if self.padded else "|").join(values)
        return f"| {joined} |" if self.outer and self.padded else f"|{joined}|" if self.outer else joined


_CELL_RE = re.compile(r"(?:\\.|[^|\\])*\\?")  # a cell: escaped characters (`\|`, `\\`) or anything but a pipe


def cells(line: str) -> list[str]:
    """A row's cells; `\\|` inside a cell is text, not a border (but `\\\\|` is an escaped backslash, then one)."""
    text = content(line).strip()
    if text.startswith("|"):
        text = text[1:]
    values: list[str] = []
    at = 0
    while True:
        cell = _CELL_RE.match(text, at)
        values.append(cell.group().strip())
        at = cell.end() + 1  # past the pipe that ends the cell (or the row's closing pipe)
        if at >= len(text):
            return values


class TableDialect(Dialect):
    name = "table"
    summary = "Date|Method|Conference|Title|Code table rows, e.g. 2021-11-11|MAE|Arxiv 2021|[Title](link)|[MAE](code)"
    required = ("title", "paper link", "date", "venue'year")

    def read(self, lines: list[str], i: int, section: str | None, source: str | None) -> Read | None:
        header = content(lines[i])
        if "|" not in header or i + 1 >= len(lines) or not _SEPARATOR_RE.match(content(lines[i + 1])):
            return None
        shape = Shape.of_header(header)
        if "title" not in shape.columns:
            return None  # a table, but not of papers
        blocks: list = [Text(lines[i] + lines[i + 1], i + 1)]
        j = i + 2
        while j < len(lines) and "|" in content(lines[j]) and content(lines[j]).strip():
            blocks.append(self._row(lines[j], j + 1, shape, section))
            j += 1
        if not any(isinstance(b, Entry) and b.paper_url for b in blocks):
            return None  # no row links a paper: a table of something else
        return Read(j, tuple(blocks))

    def _row(self, line: str, line_no: int, shape: Shape, section: str | None) -> Entry | Unreadable:
        values = cells(line)
        if len(values) != len(shape.columns):
            ids = tuple(filter(None, (arxiv_id_from_url(u) for u in re.findall(r"\(([^)\s]+)\)", line))))
            reason = f"{len(values)} cells where its table has {len(shape.columns)}"
            return Unreadable(line, line_no, self.name, reason, ids)
        row = dict(zip(shape.columns, values, strict=True))
        title, paper_url = _link(row.get("title", ""))
        code_text, code_url = _link(row.get("code", ""))
        venue = year = None
        if m := _VENUE_RE.match(row.get("venue", "")):
            venue, year = m.group("venue"), int(m.group("year"))
        method = unescape_markdown(row.get("method", ""))
        method = None if method in ("", NO_METHOD) else method
        return Entry(
            title=title, authors=tuple(a.strip() for a in unescape_markdown(row.get("authors", "")).split(",")
                                       if a.strip()),
            venue=venue, year=year, paper_url=paper_url, code_url=code_url, abbreviation=method,
            date=row.get("date") or None, format=self.name, section=section, line=line_no, end_line=line_no, raw=line,
        )  # fmt: skip

    def render(self, entry: Entry, doc: AwesomeList, section: str) -> str:
        if not entry.paper_url:
            raise ListEditError(f"cannot render {entry.title!r}: an entry needs a paper link")
        shape = _shape(doc, section)
        name = escape_markdown(entry.abbreviation) if entry.abbreviation else NO_METHOD
        values = {
            "date": entry.date or "",
            "method": name,
            "venue": f"{entry.venue} {entry.year}" if entry.venue and entry.year else "",
            "title": f"[{escape_markdown(entry.title)}]({entry.paper_url})",
            "code": f"[{name if entry.abbreviation else 'Code'}]({entry.code_url})" if entry.code_url else NO_CODE,
            "authors": ", ".join(escape_markdown(a) for a in entry.authors),
        }
        return shape.row([values.get(column, "") for column in shape.columns]) + "\n"

    def preamble(self, doc: AwesomeList, section: str) -> str:
        heading = doc.heading(section)
        header = _table_header(doc, heading) if heading is not None else None
        return header.raw if header is not None else _any_header(doc).replace("\n", doc.newline)

    def insert(self, doc: AwesomeList, heading: Heading, entries: Sequence[Entry]) -> str:
        """Each row where its date belongs among the section's rows (after rows of the same date)."""
        from ..parse import parse  # the parser reads tables with this dialect: imported when editing

        text = "".join(b.raw for b in doc.blocks)
        for entry in entries:
            doc = parse(text, doc.path)
            rows = [e for e in doc.entries_in(heading.text) if e.format == self.name]
            lines = split_lines(text)
            if rows:
                later = [r for r in rows if (r.date or "")[:10] > (entry.date or "")[:10]]
                at = later[0].line - 1 if later and entry.date else rows[-1].end_line
            else:
                at = _empty_table_end(doc, heading)
            row = self.render(entry, doc, heading.text).replace("\n", doc.newline)
            if at is None:  # the section has no table yet: one like the list's others
                header = _any_header(doc)
                row = doc.newline + header.replace("\n", doc.newline) + row
                at = heading.line
            text = splice(lines, at, row, doc.newline)
        return text

    def set_venue(self, doc: AwesomeList, entry: Entry, body: list[str], venue: str, year: int) -> list[str]:
        shape = _shape(doc, entry.section or "")
        old = cells(body[0])[shape.columns.index("venue")] if "venue" in shape.columns else ""
        m = _VENUE_RE.match(old)
        same = m is not None and venue_family(m.group("venue")) == venue_family(venue)
        note = old[m.end() :] if m and same else ""  # `(Oral)` stays when only the spelling changes
        return [self._set_cell(doc, entry, body[0], "venue", f"{venue} {year}{note}")]

    def set_code(self, doc: AwesomeList, entry: Entry, body: list[str], url: str) -> list[str]:
        name = escape_markdown(entry.abbreviation) if entry.abbreviation else "Code"
        return [self._set_cell(doc, entry, body[0], "code", f"[{name}]({url})")]

    def _set_cell(self, doc: AwesomeList, entry: Entry, line: str, column: str, value: str) -> str:
        shape = _shape(doc, entry.section or "")
        if column not in shape.columns:
            raise ListEditError(f"the table of the entry at line {entry.line} has no {column} column")
        index = shape.columns.index(column)
        text = content(line)
        # Replace the cell's text only, keeping its padding and every other byte of the row.
        borders = [m.start() for m in re.finditer(r"(?<!\\)\|", text)]
        starts = ([0] if not text.lstrip().startswith("|") else []) + [b + 1 for b in borders]
        start = starts[index]
        end = next((b for b in borders if b >= start), len(text))
        cell = text[start:end]
        left = len(cell) - len(cell.lstrip())
        right = len(cell) - len(cell.rstrip())
        return text[: start + left] + value + text[end - right :] + ending(line)


TABLE = TableDialect()


def _link(cell: str) -> tuple[str, str | None]:
    if m := _LINK_RE.match(cell.strip()):
        return unescape_markdown(m.group("text")), m.group("url")
    return unescape_markdown(cell), None


def _table_header(doc: AwesomeList, heading: Heading) -> Text | None:
    """The header block of the table under `heading` (before the next heading)."""
    blocks = list(doc.blocks)
    start = blocks.index(heading)
    for block in blocks[start + 1 :]:
        if isinstance(block, Heading):
            return None
        if isinstance(block, Text) and len(split_lines(block.raw)) == 2 and _SEPARATOR_RE.match(
            content(split_lines(block.raw)[1])
        ):
            return block
    return None


def _shape(doc: AwesomeList, section: str) -> Shape:
    heading = doc.heading(section)
    header = _table_header(doc, heading) if heading is not None else None
    return Shape.of_header(split_lines(header.raw if header else _any_header(doc))[0])


def _any_header(doc: AwesomeList) -> str:
    """The header and separator most of the list's tables have (for a section that has no table yet)."""
    from collections import Counter

    headers = Counter(
        b.raw.replace("\r\n", "\n") for b in doc.blocks if isinstance(b, Text) and len(split_lines(b.raw)) == 2
        and _SEPARATOR_RE.match(content(split_lines(b.raw)[1])) and "|" in b.raw
    )  # fmt: skip
    default = "Date|Method|Conference|Title|Code\n-----|----|-----|-----|-----\n"
    return headers.most_common(1)[0][0] if headers else default


def _empty_table_end(doc: AwesomeList, heading: Heading) -> int | None:
    """For a section whose table has no rows yet: the line index after its header, else None."""
    header = _table_header(doc, heading)
    return header.line + 1 if header is not None else None
