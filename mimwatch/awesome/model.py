"""Records of the awesome-list model: blocks that keep their exact source text, and parsed entry fields."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

EntryFormat = Literal["inline", "br"]

# New-style ids (2111.06377, 2111.06377v2) and old-style ones (cs/0601001, math.AG/0601001v1).
_ARXIV_URL_RE = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?(?:\.pdf)?",
    re.IGNORECASE,
)
_ARXIV_ID_RE = re.compile(r"^(?:arxiv:)?(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v(?P<v>\d+))?$", re.I)

# Characters that change the meaning of Markdown or HTML inside a list entry.
_MD_SPECIAL = "\\`*_[]|<>"
_UNESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")


def arxiv_id_from_url(url: str | None) -> str | None:
    """The version-less arXiv id a link points to (`abs/`, `pdf/`, `.pdf`, `v2` forms), or None."""
    if not url:
        return None
    m = _ARXIV_URL_RE.search(url)
    return m.group("id") if m else None


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Split `2305.01234v2` into (`2305.01234`, 2); raise ValueError for anything that is not an arXiv id."""
    m = _ARXIV_ID_RE.match(raw.strip())
    if not m:
        raise ValueError(f"not an arXiv id: {raw!r}")
    return m.group("id"), int(m.group("v")) if m.group("v") else None


def normalise_title(title: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form of a title, for matching."""
    text = unicodedata.normalize("NFKD", unescape_markdown(title))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def surname(author: str) -> str:
    """The last word of an author's name, normalised; used as the first-author check."""
    words = normalise_title(author).split()
    return words[-1] if words else ""


def escape_markdown(text: str) -> str:
    """Escape text from outside (arXiv titles, authors) so that it renders literally inside a list entry."""
    out = []
    for ch in text:
        if ch in "<>":
            out.append(html.escape(ch))
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def unescape_markdown(text: str) -> str:
    """Inverse of `escape_markdown`; a no-op on the plain text most hand-written entries hold."""
    text = _UNESCAPE_RE.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">")


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
