"""One seam for every source of papers: arXiv's feed and API, OpenReview, bioRxiv, saved files.

A source is named by a spec (`rss`, `api`, `openreview:ICLR.cc/2026/Conference`, `biorxiv`,
`biorxiv:bioinformatics,synthetic biology`, or a file) and does three things: fetch a date window, fetch
papers by key, and fetch the latest versions of papers it knows. A new source is one module and one line in
`build`. Papers keep one identity across sources: a paper seen on two (an ICLR submission that is also on
arXiv: the same normalised title, overlapping authors) is one paper, on arXiv when it is there (`merge`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Protocol

from ..errors import UsageProblem
from ..papers import Paper, is_arxiv_key, normalise_title
from .api import ApiSource
from .feed import FeedResult, FeedSource

Progress = Callable[[int, "int | None"], None]


class Source(Protocol):
    name: str

    def window(self, since: date | None, until: date | None, progress: Progress | None = None) -> FeedResult:
        """The papers of [since, until] (a feed: today's, whatever the dates)."""
        ...

    def by_keys(self, keys: Sequence[str]) -> list[Paper]:
        """Papers by their keys (those of this source; others are ignored)."""
        ...

    def latest(self, papers: Iterable[Paper]) -> list[Paper]:
        """The latest version of papers this source knows (for their venue and code)."""
        ...


class _ArxivById:
    """arXiv's papers by id, through the API (`api`): what both arXiv sources fetch by key."""

    api: ApiSource

    def by_keys(self, keys: Sequence[str]) -> list[Paper]:
        return self.api.fetch_ids([k for k in keys if is_arxiv_key(k)])

    def latest(self, papers: Iterable[Paper]) -> list[Paper]:
        return self.by_keys([p.id for p in papers if p.id])


@dataclass
class ArxivFeed(_ArxivById):
    """Today's announcements (rss.arxiv.org)."""

    feed: FeedSource
    api: ApiSource
    name: str = "rss"

    def window(self, since=None, until=None, progress=None) -> FeedResult:
        return self.feed.fetch()


@dataclass
class ArxivApi(_ArxivById):
    """A date window of arXiv submissions (the API), and papers by id."""

    api: ApiSource
    categories: Sequence[str]
    name: str = "api"

    def window(self, since: date | None, until: date | None, progress=None) -> FeedResult:
        assert since is not None and until is not None  # the app gives an API window both ends
        papers = tuple(self.api.search(since, until, list(self.categories), progress=progress))
        return FeedResult(papers=papers, updates=(), announced=True, date=until, origin=self.api.base_url)


@dataclass
class SavedFile:
    """A saved feed, API response (arXiv Atom, OpenReview or bioRxiv JSON) or JSONL records."""

    path: Path
    name: str = ""

    def __post_init__(self) -> None:
        self.name = str(self.path)

    def window(self, since=None, until=None, progress=None) -> FeedResult:
        from .files import read_source_file

        return read_source_file(self.path)

    def by_keys(self, keys: Sequence[str]) -> list[Paper]:
        return []

    def latest(self, papers: Iterable[Paper]) -> list[Paper]:
        return []


KINDS = ("rss", "api", "openreview:<venue id>", "biorxiv[:categories]", "a saved file")


def check_spec(spec: str) -> None:
    """Refuse a source spec no run could read (the daemon checks once, at start)."""
    if spec in ("rss", "api") or spec == "biorxiv" or spec.startswith("biorxiv:"):
        return
    if spec.startswith("openreview:"):
        if not spec.removeprefix("openreview:").strip("/"):
            raise UsageProblem("--source openreview: needs a venue id, e.g. openreview:ICLR.cc/2026/Conference")
        return
    if not Path(spec).is_file():
        raise UsageProblem(f"--source must be one of {', '.join(KINDS)}, not {spec!r}")


def biorxiv_categories(spec: str) -> list[str]:
    return [c.strip() for c in spec.removeprefix("biorxiv").removeprefix(":").split(",") if c.strip()]


@dataclass
class Fetcher:
    """Fetch papers by key from whichever source owns the key: arXiv ids, `openreview:`, `doi:`."""

    sources: Sequence[Source]
    fallback: Callable[[list[str]], list[Paper]] | None = None  # arXiv by id when no source of the run is arXiv's

    def __call__(self, keys: list[str]) -> list[Paper]:
        found: dict[str, Paper] = {}
        for source in self.sources:
            wanted = [k for k in keys if k not in found]
            if wanted:
                found.update({p.key: p for p in source.by_keys(wanted)})
        missing = [k for k in keys if k not in found and is_arxiv_key(k)]
        if missing and self.fallback is not None:
            found.update({p.key: p for p in self.fallback(missing)})
        return [found[k] for k in keys if k in found]


def same_paper(a: Paper, b: Paper) -> bool:
    """One paper on two sources: the same normalised title, and overlapping authors where both name them."""
    if normalise_title(a.title) != normalise_title(b.title):
        return False
    if not a.authors or not b.authors:
        return True
    surnames = {name.split()[-1].casefold() for name in a.authors if name.split()}
    return any(name.split()[-1].casefold() in surnames for name in b.authors if name.split())


def merge(results: Sequence[FeedResult]) -> FeedResult:
    """The results of a run's sources as one: a paper on two sources once, as its arXiv record when it has one,
    with the other's OpenReview forum and decision (an acceptance is its venue; a rejection or withdrawal of a
    paper that is on arXiv does not keep it from the list)."""
    if len(results) == 1:
        return results[0]

    def merged(papers: Iterable[Paper]) -> tuple[Paper, ...]:
        by_title: dict[str, list[Paper]] = {}
        out: list[Paper] = []
        for paper in papers:
            twins = by_title.setdefault(normalise_title(paper.title), [])
            twin = next((t for t in twins if same_paper(t, paper)), None)
            if twin is None:
                twins.append(paper)
                out.append(paper)
                continue
            one = _one(twin, paper)
            out[out.index(twin)] = one
            twins[twins.index(twin)] = one
        return tuple(out)

    announced = [r for r in results if r.announced]
    return FeedResult(
        papers=merged(p for r in results for p in r.papers),
        updates=merged(p for r in results for p in r.updates),
        announced=bool(announced) or not results,
        date=max((r.date for r in results if r.date), default=None),
        origin=" + ".join(r.origin for r in results),
    )


def _one(a: Paper, b: Paper) -> Paper:
    """Two records of one paper as one: the arXiv one (else the first), with the other's source ids."""
    first, other = (a, b) if a.id or not b.id else (b, a)
    extra = {k: v for k, v in other.extra.items() if k in ("openreview_id", "venue", "venueid", "decision")}
    if extra.get("decision") not in (None, "accepted") and first.id:
        extra.pop("decision")  # rejected or withdrawn at OpenReview, but on arXiv: still a preprint there
        extra.pop("venue", None)
    return replace(first, extra={**extra, **first.extra}, authors=first.authors or other.authors)


@dataclass
class Windows:
    """The window each source of a run read, by source name (recorded once the run succeeds)."""

    until: dict[str, date] = field(default_factory=dict)
