"""Records of the awesome-list model: blocks that keep their exact source text, and parsed entry fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..papers import arxiv_id_from_url, normalise_title

EntryFormat = str  # the name of the entry's dialect (see awesome/dialects): br, inline, one-line, table, nested
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")

def surname(author: str) -> str:
    """The last word of an author's name, normalised; used as the first-author check."""
    words = normalise_title(author).split()
    return words[-1] if words else ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Text:
    """Lines that are not an entry or a heading, kept verbatim."""

    raw: str
    line: int


@dataclass(frozen=True)
class Unreadable:
    """Lines that look like an entry of the list's dialect but cannot be read as one: kept verbatim, never
    edited, and reported by `lint` (a later version of a list may write entries slightly differently)."""

    raw: str
    line: int
    dialect: str
    reason: str
    arxiv_ids: tuple[str, ...] = ()  # arXiv links in it: the paper is in the list, readable or not


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int
    raw: str
    parent: str | None = None

    @property
    def anchor(self) -> str:
        return github_anchor(self.text)

    @property
    def is_year(self) -> bool:
        """A `#### 2021` heading: a year subsection of the section above it, not a section of its own."""
        return bool(_YEAR_RE.match(self.text.strip()))


@dataclass(frozen=True)
class Entry:
    """One paper of the list. Source fields (`raw`, `line`, …) are empty for an entry not yet in a list."""

    title: str
    authors: tuple[str, ...] = ()
    venue: str | None = None
    year: int | None = None
    paper_url: str | None = None
    code_url: str | None = None
    abbreviation: str | None = None
    other_links: tuple[Link, ...] = ()
    image_url: str | None = None
    figure: str | None = field(default=None, compare=False)
    date: str | None = None  # the date a list shows beside the entry (a table's Date column), as written
    format: EntryFormat | None = None
    section: str | None = None
    line: int = 0
    end_line: int = 0
    raw: str = field(default="", compare=False)

    @property
    def arxiv_id(self) -> str | None:
        found = arxiv_id_from_url(self.paper_url)
        if found:
            return found
        for link in self.other_links:
            found = arxiv_id_from_url(link.url)
            if found:
                return found
        return None

    @property
    def venue_tag(self) -> str | None:
        if self.venue is None or self.year is None:
            return None
        return f"{self.venue}'{self.year}"

    @property
    def fields(self) -> dict[str, object]:
        """The entry's content without its source position: what a round trip must preserve."""
        return {
            "title": self.title,
            "authors": self.authors,
            "venue": self.venue,
            "year": self.year,
            "paper_url": self.paper_url,
            "code_url": self.code_url,
            "abbreviation": self.abbreviation,
            "other_links": self.other_links,
            "image_url": self.image_url,
            "date": self.date,
        }


Block = Text | Heading | Entry | Unreadable


def github_anchor(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    slug = text.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")
