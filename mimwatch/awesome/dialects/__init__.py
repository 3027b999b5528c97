"""Entry dialects: how one list writes its entries. Each dialect recognises, reads, renders and edits them.

The document model (headings, sections, verbatim text, the lossless round trip) is shared; a dialect only
knows its entries. A list may mix dialects (Awesome-MIM mixes `br` and `inline`); new entries take the
dialect most entries of their section use (or the one the settings name).

A dialect that meets lines that look like one of its entries but cannot read them returns an `Unreadable`
block: kept verbatim, never edited, reported by `lint`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from ...errors import ListEditError
from ...papers import arxiv_id_from_url
from ..lines import content, splice, split_lines
from ..model import Block, Entry, Heading

if TYPE_CHECKING:
    from ..document import AwesomeList

_URL_RE = re.compile(r"^https?://[^\s<>\"]+$")


@dataclass(frozen=True)
class Read:
    """What a dialect read at a line: its blocks, and the index of the first line after them."""

    end: int
    blocks: tuple[Block, ...]


class Dialect:
    """The methods every dialect has; the defaults fit dialects whose entries follow each other in a section."""

    name = ""
    summary = ""  # how one entry looks, for `mimwatch init` and the docs
    has_venue = True  # entries carry a venue and year (so a venue can be updated)
    required: tuple[str, ...] = ("title", "authors", "venue'year", "paper link")  # what lint insists on
    blank_between = False  # entries of a new section are separated by a blank line

    def read(self, lines: list[str], i: int, section: str | None, source: str | None) -> Read | None:
        """The blocks at line index `i` when they are this dialect's, else None."""
        raise NotImplementedError

    def preamble(self, doc: AwesomeList, section: str) -> str:
        """What must stand before an entry of `section` for it to be read (a table's header), else nothing."""
        return ""

    def venue_text(self, venue: str, year: int) -> str:
        """A venue and year as entries of this dialect write them."""
        return f"{venue} {year}"

    def render(self, entry: Entry, doc: AwesomeList, section: str) -> str:
        """The entry's text in this dialect, as `section` of `doc` would write it (`\\n` line endings)."""
        raise NotImplementedError

    def set_venue(self, doc: AwesomeList, entry: Entry, body: list[str], venue: str, year: int) -> list[str]:
        raise ListEditError(f"entries in the {self.name} dialect carry no venue (line {entry.line})")

    def set_code(self, doc: AwesomeList, entry: Entry, body: list[str], url: str) -> list[str]:
        raise NotImplementedError

    def link_problems(self, entry: Entry) -> list[tuple[int, str]]:
        """Malformed links of an entry: (line offset within the entry, message)."""
        return [(0, message) for message in url_problems(entry)]

    def insert(self, doc: AwesomeList, heading: Heading, entries: Sequence[Entry]) -> str:
        """The list's text with the entries added where this list puts new ones: after the section's last
        entry, spaced the way that section is spaced."""
        lines = split_lines("".join(b.raw for b in doc.blocks))
        existing = doc.entries_in(heading.text)
        nl = doc.newline
        texts = [self.render(e, doc, heading.text).replace("\n", nl) for e in entries]
        if existing:
            gap = nl if blank_between(existing, self.blank_between) else ""
            return splice(lines, existing[-1].end_line, "".join(gap + t for t in texts), nl)
        gap = nl if self.blank_between else ""
        return splice(lines, heading.line, nl + texts[0] + "".join(gap + t for t in texts[1:]), nl)


def blank_between(existing: Sequence[Entry], default: bool) -> bool:
    """Whether a section's entries stand apart (a blank line between them), from its first two; `default` for
    a section without entries. A single entry stands in a tight list: a blank line before a second one would
    make the list loose, and GitHub would then render the first entry differently (each item a paragraph)."""
    if len(existing) >= 2:
        return existing[1].line - existing[0].end_line > 1
    return default if not existing else False


def url_problem(label: str, url: str) -> str | None:
    """What is wrong with one link: not a web address, or an arXiv link without an id; else None."""
    if not _URL_RE.match(url):
        return f"{label} has no valid URL: {url!r}"
    if re.search(r"arxiv\.org/(?:abs|pdf)/", url) and arxiv_id_from_url(url) is None:
        return f"arXiv link without a valid id: {url!r}"
    return None


def url_problems(entry: Entry) -> list[str]:
    """The entry's paper and code links that are not web addresses, or arXiv links without an id."""
    links = [("paper", entry.paper_url), ("code", entry.code_url), *((x.label, x.url) for x in entry.other_links)]
    found = (url_problem(f"{label} link", url) for label, url in links if url is not None)
    return [problem for problem in found if problem]


@cache
def registry() -> Mapping[str, Dialect]:
    """Every dialect by name, in the order the parser tries them."""
    from .awesome_mim import BR, INLINE
    from .nested import NESTED
    from .one_line import ONE_LINE
    from .table import TABLE

    return MappingProxyType({d.name: d for d in (BR, INLINE, ONE_LINE, TABLE, NESTED)})


def dialect(name: str) -> Dialect:
    known = registry()
    if name not in known:
        raise ValueError(f"unknown dialect {name!r}; known: {', '.join(known)}")
    return known[name]


__all__ = ["Dialect", "Read", "blank_between", "content", "dialect", "registry", "split_lines", "url_problem",
           "url_problems"]
