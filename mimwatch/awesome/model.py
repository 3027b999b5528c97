"""Records of the awesome-list model: blocks that keep their exact source text, and parsed entry fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..papers import arxiv_id_from_url, normalise_title

EntryFormat = Literal["inline", "br"]

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
class Heading:
    level: int
    text: str
    line: int
    raw: str
    parent: str | None = None

    @property
    def anchor(self) -> str:
        return github_anchor(self.text)


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
        }


Block = Text | Heading | Entry


def github_anchor(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    slug = text.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")
