"""The parsed list: blocks in source order, and the questions the rest of mimwatch asks of it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

from ..papers import Paper, normalise_title, split_arxiv_id
from ..venues import KNOWN_TYPOS, venue_family
from .model import Block, Entry, EntryFormat, Heading, Unreadable, surname

TITLE_MATCH_RATIO = 92.0  # rapidfuzz ratio (0-100) above which two normalised titles are the same paper


@dataclass(frozen=True)
class AwesomeList:
    blocks: tuple[Block, ...]
    path: str | None = None

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Entry))

    @cached_property
    def headings(self) -> tuple[Heading, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Heading))

    @cached_property
    def sections(self) -> tuple[str, ...]:
        """Headings that hold entries directly, in document order: the classes a paper can be filed under."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            if entry.section is not None:
                seen.setdefault(entry.section, None)
        return tuple(seen)

    def heading(self, text: str) -> Heading | None:
        """The heading with this text (exact first, then ignoring case and spacing)."""
        for h in self.headings:
            if h.text == text:
                return h
        wanted = " ".join(text.split()).casefold()
        for h in self.headings:
            if " ".join(h.text.split()).casefold() == wanted:
                return h
        return None

    def entries_in(self, section: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.section == section)

    @cached_property
    def unreadable(self) -> tuple[Unreadable, ...]:
        """Lines that look like entries but cannot be read (kept verbatim; `lint` reports them)."""
        return tuple(b for b in self.blocks if isinstance(b, Unreadable))

    @cached_property
    def entry_format(self) -> EntryFormat:
        """The dialect new entries take: the one most entries use (Awesome-MIM's newer `br` on a tie)."""
        counts = Counter(e.format for e in self.entries if e.format)
        if not counts:
            return "br"
        preference = ["br", "inline"]
        return min(counts, key=lambda name: (-counts[name], preference.index(name) if name in preference else 2, name))

    @cached_property
    def newline(self) -> str:
        text = "".join(b.raw for b in self.blocks)
        crlf = text.count("\r\n")
        return "\r\n" if crlf > text.count("\n") - crlf else "\n"

    @cached_property
    def venue_counts(self) -> Counter[str]:
        return Counter(e.venue for e in self.entries if e.venue)

    def venue_style(self) -> dict[str, str]:
        """How the list spells each venue family (`neurips` → `NIPS`): its most used spelling, never a known
        typo, so that new entries match it."""
        by_family: dict[str, Counter[str]] = defaultdict(Counter)
        for venue, count in self.venue_counts.items():
            by_family[venue_family(venue)][venue] += count
        preferred = {}
        for family, counts in by_family.items():
            ranked = sorted(counts.items(), key=lambda kv: (kv[0] in KNOWN_TYPOS, -kv[1], kv[0]))
            preferred[family] = ranked[0][0]
        return preferred

    @cached_property
    def _by_arxiv_id(self) -> dict[str, Entry]:
        index: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.arxiv_id:
                index.setdefault(entry.arxiv_id, entry)
        return index

    @cached_property
    def normalised_titles(self) -> tuple[str, ...]:
        """Each entry's title as titles are matched (`papers.normalise_title`), in entry order."""
        return tuple(normalise_title(e.title) for e in self.entries)

    def mentions(self, arxiv_id: str) -> bool:
        """The paper is in the list: as an entry, or in an entry that cannot be read."""
        try:
            key = split_arxiv_id(arxiv_id)[0]
        except ValueError:
            return False
        return key in self._by_arxiv_id or any(key in u.arxiv_ids for u in self.unreadable)

    def find(
        self, arxiv_id: str | None = None, title: str | None = None, authors: tuple[str, ...] | list[str] = ()
    ) -> Entry | None:
        """The entry for a paper: same arXiv id (any version), else near-identical title and first author."""
        if arxiv_id:
            try:
                key, _version = split_arxiv_id(arxiv_id)
            except ValueError:
                key = arxiv_id
            if found := self._by_arxiv_id.get(key):
                return found
        if not title:
            return None
        # The titles close enough, scored in one call; then, in list order, the best with the same first author.
        close = process.extract(normalise_title(title), self.normalised_titles, scorer=fuzz.ratio,
                                score_cutoff=TITLE_MATCH_RATIO, limit=None)  # fmt: skip
        best: tuple[float, Entry] | None = None
        for _, score, i in sorted(close, key=lambda hit: hit[2]):
            entry = self.entries[i]
            if same_first_author(authors, entry.authors) and (best is None or score > best[0]):
                best = (score, entry)
        return best[1] if best else None


def find_paper(doc: AwesomeList, paper: Paper) -> Entry | None:
    """The entry of a paper from any source: its arXiv id, else an entry linking its own page, else its title and
    first author."""
    if paper.id and (found := doc.find(arxiv_id=paper.id)):
        return found
    url = paper.url
    if url and not paper.id:
        for entry in doc.entries:
            if entry.paper_url == url or any(link.url == url for link in entry.other_links):
                return entry
    return doc.find(title=paper.title, authors=paper.authors)


def same_first_author(a: tuple[str, ...] | list[str], b: tuple[str, ...] | list[str]) -> bool:
    """True when the first authors share a surname, or when either side does not know its authors."""
    if not a or not b:
        return True
    return fuzz.ratio(surname(a[0]), surname(b[0])) >= 85
