"""The one record of an arXiv paper that travels through mimwatch; third-party objects stop at the sources."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

from .markdown import unescape_markdown

# New-style ids (2111.06377, 2111.06377v2) and old-style ones (cs/0601001, math.AG/0601001v1).
_ARXIV_URL_RE = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?(?:\.pdf)?",
    re.IGNORECASE,
)
_ARXIV_ID_RE = re.compile(r"^(?:arxiv:)?(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v(?P<v>\d+))?$", re.I)
_SPACE_RE = re.compile(r"\s+")
_NON_WORD_RE = re.compile(r"[^\w]+")
# Control characters (NUL and the rest of C0/C1 but whitespace); `clean_text` also drops every invisible format
# control (Unicode's category Cf: the bidi marks and embeddings U+061C, U+200E, U+200F, U+202A–U+202E,
# U+2066–U+2069, zero-width characters, U+FEFF, soft hyphens, tags): they can make text in a list or a PR read
# other than it is, or make two titles that look the same differ.
_UNSAFE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str | None) -> str:
    """Collapse arXiv's hard line wraps and runs of spaces, drop control characters and invisible format controls
    (bidi marks, zero-width characters: any of Unicode's category Cf, as this Python's Unicode knows it); LaTeX
    stays."""
    text = _UNSAFE_RE.sub("", text or "")
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _SPACE_RE.sub(" ", text).strip()


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


@lru_cache(maxsize=8192)
def normalise_title(title: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form of a title, for matching (the same titles are
    matched again and again: every lint, every lookup in a list; the last few thousand are kept)."""
    text = unescape_markdown(title)
    if not text.isascii():  # ASCII has no accents to take off
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NON_WORD_RE.sub(" ", text.casefold()).split())


def title_key(title: str) -> str:
    """The key of a paper with no id of any source: its normalised title."""
    return "title:" + normalise_title(title)


def record_key(record: dict) -> str:
    """The key of a paper's record (see `Paper.key`), without building the Paper."""
    if arxiv_id := record.get("id"):
        return str(arxiv_id)
    if forum := record.get("openreview_id"):
        return f"openreview:{forum}"
    if doi := record.get("doi"):
        return f"doi:{str(doi).strip().lower()}"
    return title_key(record.get("title") or "")


def key_token(key: str) -> str:
    """A paper's key as one space-free word (in a PR's hidden markers, in the state's lists of keys)."""
    return quote(key, safe=":/.-_")


def key_from_token(token: str) -> str:
    return unquote(token)


def is_arxiv_key(key: str) -> bool:
    """The key is an arXiv id (the API can be asked for the paper by it)."""
    return bool(key) and _ARXIV_ID_RE.match(key) is not None


def parse_date(value: object) -> date | None:
    """A date from `2023-05-01`, `2023-05-01T12:00:00Z`, a datetime or a date; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return date.fromisoformat(text[:10])


@dataclass(frozen=True)
class Paper:
    """An arXiv paper as mimwatch knows it: id without version, whitespace-normalised text."""

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    version: int | None = None
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    published: date | None = None
    updated: date | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    links: tuple[str, ...] = ()
    source: str = ""
    announce_type: str | None = None  # feed items: new, cross, replace, replace-cross
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def key(self) -> str:
        """The paper's one identity, used by every stage (state, markers, review): its arXiv id, else its id on
        the source it came from (`openreview:<forum>`, `doi:<doi>`), else its normalised title."""
        return record_key({"id": self.id, "openreview_id": self.extra.get("openreview_id"), "doi": self.doi,
                           "title": self.title})  # fmt: skip

    @property
    def server(self) -> str | None:
        """Where the paper is a preprint, as lists write it (`ArXiv`, `OpenReview`, `bioRxiv`); None when unknown."""
        if self.id:
            return "ArXiv"
        if self.extra.get("openreview_id"):
            return "OpenReview"
        if "biorxiv" in self.source.lower() or (self.doi or "").startswith("10.1101/"):
            return "bioRxiv"
        return None

    @property
    def label(self) -> str:
        """The paper's identity for a reader: `arXiv 2305.14344`, `OpenReview A3sgyt4HWp`, `doi 10.1101/…`."""
        if self.id:
            return f"arXiv {self.id}"
        if forum := self.extra.get("openreview_id"):
            return f"OpenReview {forum}"
        return f"doi {self.doi}" if self.doi else "no id"

    @property
    def url(self) -> str | None:
        """The paper's page: on arXiv, else a link its record carries (`url`, an OpenReview forum, a DOI), else
        None."""
        if self.id:
            return self.abs_url
        if url := self.extra.get("url"):
            return str(url)
        if forum := self.extra.get("openreview_id"):
            return f"https://openreview.net/forum?id={forum}"
        if self.doi and self.server == "bioRxiv":
            return f"https://www.biorxiv.org/content/{self.doi}"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return None

    @property
    def v1_year(self) -> int | None:
        """The year of version 1: arXiv ids start with it (YYMM.nnnnn, or archive/YYMMnnn)."""
        if m := re.match(r"^(?P<yy>\d{2})\d{2}\.|^[a-z][a-z.-]*/(?P<old>\d{2})", self.id):
            yy = int(m.group("yy") or m.group("old"))
            return 2000 + yy if yy < 91 else 1900 + yy  # arXiv began in 1991
        return self.published.year if self.published else None

    @property
    def v1_date(self) -> str | None:
        """The day version 1 was submitted, as `2023-05-24`; `2023-05-xx` when only the id's month is known (a
        feed lists a cross-list or a new version on the day it announces it, not on v1's day)."""
        m = re.match(r"^(?P<yy>\d{2})(?P<mm>\d{2})\.", self.id)
        if m is None:
            return self.published.isoformat() if self.published else None
        month = f"20{m.group('yy')}-{m.group('mm')}"
        first_listing = self.announce_type in (None, "new")  # a cross-list or new version is dated by its own day
        if self.published and self.published.isoformat()[:7] == month and first_listing:
            return self.published.isoformat()
        return f"{month}-xx"

    @property
    def is_new_version(self) -> bool:
        """A `replace` feed item: a later version of a paper announced before, never a new candidate."""
        return self.announce_type in ("replace", "replace-cross")

    def with_(self, **changes: Any) -> Paper:
        return replace(self, **changes)

    @classmethod
    def build(cls, *, id: str, title: str, **fields: Any) -> Paper:
        """Normalise raw values (versioned id, wrapped text, date strings) into a Paper."""
        version = fields.pop("version", None)
        if id and re.search(r"v\d+$", id):
            try:
                id, parsed_version = split_arxiv_id(id)
                version = version or parsed_version
            except ValueError:
                pass
        authors = fields.pop("authors", None) or ()
        categories = fields.pop("categories", None) or ()
        return cls(
            id=id,
            title=clean_text(title),
            abstract=clean_text(fields.pop("abstract", "")),
            authors=tuple(clean_text(a) for a in authors if clean_text(a)),
            version=int(version) if version else None,
            categories=tuple(categories),
            primary_category=fields.pop("primary_category", None) or (categories[0] if categories else None),
            published=parse_date(fields.pop("published", None)),
            updated=parse_date(fields.pop("updated", None)),
            comment=clean_text(fields.pop("comment", None)) or None,
            journal_ref=clean_text(fields.pop("journal_ref", None)) or None,
            doi=clean_text(fields.pop("doi", None)) or None,
            **fields,
        )

    def to_record(self) -> dict[str, Any]:
        """The JSONL record: the fields of ../shared/data/arxiv plus version, comment, journal_ref, …"""
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors) or None,
            "categories": list(self.categories) or None,
            "published": self.published.isoformat() if self.published else None,
            "updated": self.updated.isoformat() if self.updated else None,
            "source": self.source,
            "version": self.version,
            "comment": self.comment,
            "journal_ref": self.journal_ref,
            "doi": self.doi,
            "announce_type": self.announce_type,
            **self.extra,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any], source: str = "file") -> Paper:
        """A Paper from a JSONL record (the ../shared/data/arxiv schema; optional fields when present)."""
        known = {
            "id", "title", "abstract", "authors", "categories", "published", "updated", "source", "version",
            "comment", "journal_ref", "doi", "announce_type", "primary_category",
        }  # fmt: skip
        published = record.get("published") or record.get("listing_date")
        return cls.build(
            id=str(record.get("id") or ""),
            title=record.get("title") or "",
            abstract=record.get("abstract") or "",
            authors=record.get("authors") or (),
            categories=record.get("categories") or (),
            primary_category=record.get("primary_category"),
            published=published,
            updated=record.get("updated"),
            version=record.get("version"),
            comment=record.get("comment"),
            journal_ref=record.get("journal_ref"),
            doi=record.get("doi"),
            source=record.get("source") or source,
            announce_type=record.get("announce_type"),
            extra={k: v for k, v in record.items() if k not in known},
        )
