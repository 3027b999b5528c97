"""One scan: fetch → drop what is known → classify → enrich → insert into the list → publish → remember.

Collaborators (the papers, the model, the publisher, the state, the day) are passed in, so the same
code runs in the Action, the daemon, a manual backfill and the tests.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .awesome import parse, render
from .awesome.document import AwesomeList
from .awesome.edit import add_entries, update_entry
from .awesome.lint import entry_problems, refuse_half_written
from .awesome.model import Entry, Link
from .classify.model import NEEDS_TRIAGE, Model, Score
from .enrich import enrich
from .errors import MimwatchError, PublishError
from .papers import Paper
from .publish.proposal import Candidate, Proposal, Update
from .records import list_style
from .sources.feed import FeedResult
from .state import PaperDecision, State
from .venues import venue_family

log = logging.getLogger(__name__)


@dataclass
class ScanSummary:
    announced: bool = True
    fetched: int = 0
    new: int = 0
    relevant: int = 0
    proposed: int = 0
    updates: int = 0
    triage: int = 0
    carried: int = 0  # papers of the open bot PR kept in its rebuilt proposal
    deferred: int = 0  # relevant papers over --max-candidates, left to the next run
    skipped: Counter = field(default_factory=Counter)
    published: str = ""  # PR URL, local branch, or "dry run"
    window: str = ""

    def counts(self) -> dict:
        return {
            "fetched": self.fetched, "new": self.new, "relevant": self.relevant, "proposed": self.proposed,
            "updates": self.updates, "triage": self.triage, "carried": self.carried, "deferred": self.deferred,
            "skipped": dict(self.skipped),
        }  # fmt: skip

    def table(self) -> str:
        rows = [("window", self.window or "-"), ("fetched", self.fetched), ("new", self.new),
                ("relevant", self.relevant), ("proposed", self.proposed), ("updates", self.updates),
                ("needs triage", self.triage)]  # fmt: skip
        if self.carried:
            rows.append(("kept from the open PR", self.carried))
        if self.deferred:
            rows.append(("deferred (over --max-candidates)", self.deferred))
        rows += [(f"skipped: {reason}", n) for reason, n in sorted(self.skipped.items())]
        if not self.announced:
            rows.append(("note", "nothing announced yet (weekend, holiday or before 20:00 US Eastern)"))
        rows.append(("published", self.published or "nothing new to publish"))
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


@dataclass(frozen=True)
class OpenPull:
    """What the bot's open PR proposes (its body's markers). A new proposal rebuilds that PR, so it keeps them."""

    ids: frozenset[str] = frozenset()
    updates: frozenset[str] = frozenset()
    triage: frozenset[str] = frozenset()

    @property
    def all(self) -> frozenset[str]:
        return self.ids | self.updates | self.triage


@dataclass
class Publisher:
    """What the pipeline needs of a publisher: publish a proposal, return where it went."""

    publish: Callable[[Proposal], str]
    open_pull: Callable[[], OpenPull] = OpenPull


def scan(
    *,
    result: FeedResult,
    list_text: str,
    list_path: str,
    model: Model,
    state: State,
    publisher: Publisher,
    day: date,
    threshold: float | None = None,
    max_candidates: int = 25,
    exclude: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    source: str = "",
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    record: bool = True,
    fetch_ids: Callable[[list[str]], list[Paper]] | None = None,
) -> ScanSummary:
    """One scan of fetched papers against the list; `record=False` (a dry run) leaves the state untouched.

    `exclude`: phrases that rule a paper out (title or abstract, whole words, any case), before the model.
    `fetch_ids`: the API source's fetch by id, for papers of the open bot PR that the state has not cached.
    """
    started = clock()
    doc = parse(list_text, list_path)
    refuse_half_written(doc, list_path)
    style = list_style(doc)
    summary = ScanSummary(announced=result.announced, window=_window(since, until, result))
    summary.fetched = len(result.papers) + len(result.updates)
    open_pull = publisher.open_pull()
    in_open_prs = open_pull.all
    excluded = exclusion_patterns(exclude)
    # Relevant papers an earlier run had no room for (over --max-candidates) join today's.
    deferred = {(p := Paper.from_record(r)).key: p for r in state.deferred_papers()}
    arrived = [*deferred.values(), *(p for p in result.papers if p.key not in deferred)]
    earlier, reviewed = state.known(p.key for p in [*arrived, *result.updates])

    fresh: list[Paper] = []
    judged: list[Paper] = []  # every paper this run decides on: the state's recent stream
    listed: list[Paper] = []  # listed papers met again: their new version may carry a venue or code
    decisions: list[PaperDecision] = []
    seen: set[str] = set()
    for paper in arrived:
        reason = _known(paper, doc, in_open_prs, earlier, reviewed, seen, style)
        seen.add(paper.key)
        if reason:
            summary.skipped[reason] += 1
            if reason == "already in the list":
                listed.append(paper)
            continue
        if phrase := _excluded_by(paper, excluded):
            summary.skipped[f"excluded phrase {phrase!r}"] += 1
            decisions.append(_decision(paper, None, None, "excluded"))  # checked again next run
            judged.append(paper)
            continue
        fresh.append(paper)
        judged.append(paper)
    summary.new = len(fresh)

    scores = model.score([_record(p) for p in fresh])
    cut = model.threshold if threshold is None else threshold
    ranked = sorted(
        ((p, s) for p, s in zip(fresh, scores, strict=True) if s.relevance >= cut), key=lambda ps: -ps[1].relevance
    )
    summary.relevant = len(ranked)
    for paper, score in zip(fresh, scores, strict=True):
        if score.relevance < cut:
            decisions.append(_decision(paper, score.relevance, None, "irrelevant"))
    # Whatever the bot writes must pass its own lint: complete what can be fetched, hold back the rest.
    ranked = _with_authors(ranked, fetch_ids)
    writable = []
    for paper, score in ranked:
        if problem := _unwritable(paper, score, doc, style):
            summary.skipped[f"held back: {problem}"] += 1
            decisions.append(_decision(paper, score.relevance, None, "held"))  # judged again next run
        else:
            writable.append((paper, score))
    ranked = writable
    if len(ranked) > max_candidates:
        # Not dropped: recorded (with their records cached) and judged again by the next run.
        summary.deferred = len(ranked) - max_candidates
        later = ranked[max_candidates:]
        decisions.extend(_decision(p, s.relevance, None, "deferred") for p, s in later)
        if record:
            state.cache_abstracts(p.to_record() for p, _ in later)
        ranked = ranked[:max_candidates]

    candidates, triage = [], []
    for paper, score in ranked:
        candidate = _candidate(paper, score, score.section, doc, style)
        section = candidate.section
        if section == NEEDS_TRIAGE:
            triage.append(candidate)
            decisions.append(_decision(paper, score.relevance, None, "triage"))
        else:
            candidates.append(candidate)
            decisions.append(_decision(paper, score.relevance, section, "proposed", candidate.entry.venue_tag))

    updates = _updates([*result.updates, *listed], doc, style, in_open_prs, reviewed, earlier)
    for update in updates:
        decisions.append(_decision(update.paper, None, update.entry.section, "update-proposed", update.venue))
    summary.proposed, summary.updates, summary.triage = len(candidates), len(updates), len(triage)

    if candidates or updates or triage:
        if record:  # before publishing: a run that dies after it can still rebuild the PR from the state
            state.cache_abstracts(p.paper.to_record() for p in [*candidates, *triage, *updates])
        kept = _carry(open_pull, doc, style, model, state, reviewed, fetch_ids, record)
        summary.carried = sum(len(k) for k in kept)
        new_candidates, new_updates = candidates, updates
        candidates = sorted([*kept[0], *candidates], key=lambda c: -c.relevance)
        triage = sorted([*kept[1], *triage], key=lambda c: -c.relevance)
        updates = [*kept[2], *updates]
        proposal = Proposal(
            day=day,
            list_path=list_path,
            candidates=tuple(candidates),
            updates=tuple(updates),
            triage=tuple(triage),
            edit=lambda text: apply_proposal(text, list_path, candidates, updates),
            edit_new=lambda text: apply_proposal(text, list_path, new_candidates, new_updates),
        )
        summary.published = publisher.publish(proposal)
    if not record:
        return summary
    status = "ok" if result.announced else "not-announced"
    state.record_run(
        started=started, since=since, until=until if result.announced else None, source=source,
        status=status, counts=summary.counts(), decisions=decisions, papers=[p.to_record() for p in judged],
    )  # fmt: skip
    return summary


def _carry(
    open_pull: OpenPull,
    doc: AwesomeList,
    style: dict[str, str],
    model: Model,
    state: State,
    reviewed: dict[str, tuple[str, str | None]],
    fetch_ids: Callable[[list[str]], list[Paper]] | None,
    record: bool,
) -> tuple[list[Candidate], list[Candidate], list[Update]]:
    """The open bot PR's candidates, triage papers and updates, rebuilt from the state's paper cache.

    Papers the list has meanwhile taken in are left out. Papers the cache lacks are fetched by id (and
    cached, unless `record` is off: a dry run); when that cannot be done, a real run fails (the PR stays
    as it is) rather than drop them from the PR, and a dry run warns.
    """
    wanted = sorted(open_pull.all)
    if not wanted:
        return [], [], []
    cached = state.cached_abstracts(wanted)
    papers = {i: Paper.from_record(r) for i, r in cached.items() if "authors" in r}  # full records only
    missing = [i for i in wanted if i not in papers]
    if missing and fetch_ids is not None:
        papers.update({p.id: p for p in fetch_ids(missing)})
        if record:
            state.cache_abstracts(papers[i].to_record() for i in missing if i in papers)
    if lost := [i for i in wanted if i not in papers]:
        message = (f"the open bot PR proposes {len(lost)} paper(s) the state has not cached ({', '.join(lost[:5])}) "
                   "and arXiv was not asked; a rebuilt PR would drop them")  # fmt: skip
        if record:
            raise PublishError(message + ": run online (`--source rss` or `api`) or with the earlier runs' state")
        log.warning("%s (dry run: shown without them)", message)

    new = [p for i in sorted(open_pull.ids | open_pull.triage) if (p := papers.get(i)) is not None
           and doc.find(arxiv_id=p.id, title=p.title, authors=p.authors) is None]  # fmt: skip
    scores = model.score([_record(p) for p in new])
    proposed = state.proposed_sections(p.id for p in new)
    candidates, triage = [], []
    for paper, score in zip(new, scores, strict=True):
        # Where the PR put it (the state remembers), else the model's first choice: it was in the diff already.
        section = proposed.get(paper.id, score.sections[0][0]) if paper.id in open_pull.ids else NEEDS_TRIAGE
        candidate = _candidate(paper, score, section, doc, style)
        (triage if candidate.section == NEEDS_TRIAGE else candidates).append(candidate)
    listed = [papers[i] for i in sorted(open_pull.updates) if i in papers]
    return candidates, triage, _updates(listed, doc, style, set(), reviewed)


def _candidate(paper: Paper, score: Score, section: str, doc: AwesomeList, style: dict[str, str]) -> Candidate:
    """The paper as a proposal for `section`; for triage when the list has no such section."""
    return Candidate(
        paper=paper,
        entry=entry_for(paper, style),
        section=section if section in doc.sections else NEEDS_TRIAGE,
        relevance=score.relevance,
        sections=tuple((n, p) for n, p in score.sections),
        terms=tuple(score.reasons["terms"]),
        nearest=tuple(bounded(n["title"], 120) for n in score.reasons["nearest"]),
        list_authors=tuple(bounded(a, 80) for a in score.reasons.get("list_authors", [])[:5]),
    )


def apply_proposal(text: str, path: str, candidates: Sequence[Candidate], updates: Sequence[Update]) -> str:
    """The list text with the new entries (grouped by section) and the updates; skips what is already there."""
    doc = parse(text, path)
    by_section: dict[str, list[Entry]] = {}
    for c in candidates:
        if doc.find(arxiv_id=c.paper.id, title=c.paper.title, authors=c.paper.authors) is None:
            by_section.setdefault(c.section, []).append(c.entry)
    for section, entries in by_section.items():
        if doc.heading(section) is not None:
            doc = add_entries(doc, section, entries)
    for u in updates:
        current = doc.find(arxiv_id=u.paper.id)
        if current is None:
            continue
        venue, year = _split_tag(u.venue) if u.venue else (None, None)
        doc = update_entry(doc, current, venue=venue, year=year, code_url=u.code)
    return render(doc)


MAX_TITLE = 300  # characters of a title written to the list or the PR
MAX_AUTHORS = 30  # names of an author list; the rest become "et al"
MAX_URL = 300


def bounded(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip() + "…"


def entry_for(paper: Paper, style: dict[str, str]) -> Entry:
    """The list entry for a paper; every field bounded, so no record can blow up the list or the PR."""
    found = enrich(paper, style)
    venue, year = _split_tag(found.venue) if found.venue else (None, None)
    authors = paper.authors if len(paper.authors) <= MAX_AUTHORS else (*paper.authors[:MAX_AUTHORS], "et al")
    return Entry(
        title=bounded(paper.title, MAX_TITLE),
        authors=tuple(bounded(a, 80) for a in authors),
        venue=venue,
        year=year,
        paper_url=paper.url,
        code_url=found.code if found.code and len(found.code) <= MAX_URL else None,
        abbreviation=found.abbreviation if found.abbreviation and len(found.abbreviation) <= 40 else None,
        other_links=(Link("Project", found.project),) if found.project and len(found.project) <= MAX_URL else (),
    )


def _with_authors(
    ranked: list[tuple[Paper, Score]], fetch_ids: Callable[[list[str]], list[Paper]] | None
) -> list[tuple[Paper, Score]]:
    """Papers without authors (some saved sources have none) completed from arXiv by id, when it can be asked."""
    wanted = [p.id for p, _ in ranked if not p.authors and p.id]
    if not wanted or fetch_ids is None:
        return ranked
    try:
        fetched = {p.id: p for p in fetch_ids(wanted)}
    except MimwatchError as exc:
        log.warning("cannot fetch the authors of %d paper(s) (%s); they are held back", len(wanted), exc)
        return ranked
    return [(p.with_(authors=fetched[p.id].authors) if p.id in fetched and not p.authors else p, s) for p, s in ranked]


def _unwritable(paper: Paper, score: Score, doc: AwesomeList, style: dict[str, str]) -> str | None:
    """Why the paper's entry would not pass the list's own lint (no authors, no link…), or None.

    The reason is short and the same for every paper it fits (the summary counts papers per reason);
    the details go to the log.
    """
    section = score.sections[0][0] if score.sections and score.sections[0][0] in doc.sections else None
    section = section or next(iter(doc.sections), None)
    if section is None:
        return "the list has no section to hold it"
    entry = entry_for(paper, style)
    for reason, missing in (("no paper link", not entry.paper_url), ("no authors", not entry.authors),
                            ("no venue or year", not entry.venue_tag)):  # fmt: skip
        if missing:
            return reason
    try:
        trial = add_entries(doc, section, [entry])
    except MimwatchError as exc:
        log.warning("%s cannot be written as a list entry: %s", paper.key, exc)
        return "cannot be written as a list entry"
    written = trial.find(arxiv_id=entry.arxiv_id, title=entry.title, authors=entry.authors)
    problems = entry_problems(written) if written is not None else ["the written entry does not read back"]
    if problems:
        log.warning("%s: its entry would not pass lint: %s", paper.key, "; ".join(problems))
        return "its entry would not pass lint"
    return None


def _split_tag(tag: str) -> tuple[str, int]:
    venue, _, year = tag.rpartition("'")
    return venue, int(year)


def _known(
    paper: Paper,
    doc: AwesomeList,
    open_ids: set[str],
    earlier: dict[str, tuple[str, str | None]],
    reviewed: dict[str, tuple[str, str | None]],
    seen: set[str],
    style: dict[str, str],
) -> str | None:
    """Why a fetched paper is not a new candidate, or None when it is one."""
    if paper.key in seen:
        return "duplicate in this fetch"
    if doc.find(arxiv_id=paper.id, title=paper.title, authors=paper.authors) is not None:
        return "already in the list"
    if paper.key in open_ids:
        return "already in the open bot PR"
    outcome = reviewed.get(paper.key)
    if outcome and outcome[0] == "rejected":
        # Rejected papers stay rejected, unless a later version names a new venue.
        if enrich(paper, style).venue == outcome[1] or outcome[1] is None:
            return "rejected by the maintainers"
    elif outcome and outcome[0] == "accepted":
        return "accepted earlier"
    previous = earlier.get(paper.key, (None, None))[0]
    if previous in ("proposed", "irrelevant", "triage") and not (outcome and outcome[0] == "rejected"):
        return f"seen before ({previous})"
    return None


def _updates(
    papers: Sequence[Paper],
    doc: AwesomeList,
    style: dict[str, str],
    open_ids: set[str],
    reviewed: dict[str, tuple[str, str | None]],
    earlier: dict[str, tuple[str, str | None]] | None = None,
) -> list[Update]:
    """In-place updates for listed papers whose new version names a venue or a code link.

    `earlier`: the state's decisions; an update an earlier run proposed already (same venue) is not
    proposed again (a local branch has it; an open PR carries it).
    """
    updates: dict[str, Update] = {}
    for paper in papers:
        entry = doc.find(arxiv_id=paper.id)
        if entry is None or paper.id in open_ids or paper.id in updates:
            continue
        found = enrich(paper, style)
        new_venue = None
        accepted_now = found.venue and venue_family(found.venue.rpartition("'")[0]) != "arxiv"
        listed_as_preprint = entry.venue is None or venue_family(entry.venue) == "arxiv"
        if accepted_now and listed_as_preprint and found.venue != entry.venue_tag:
            new_venue = found.venue
        new_code = found.code if found.code and not entry.code_url else None
        outcome = reviewed.get(paper.id)
        if outcome and outcome[0] == "rejected" and outcome[1] == new_venue:
            continue  # the maintainers closed this very update before
        if earlier and earlier.get(paper.id) == ("update-proposed", new_venue):
            continue  # proposed by an earlier run, and nothing newer since
        if new_venue or new_code:
            updates[paper.id] = Update(paper=paper, entry=entry, venue=new_venue, code=new_code)
    return list(updates.values())


def exclusion_patterns(phrases: Sequence[str]) -> list[tuple[str, re.Pattern]]:
    """Each phrase as a whole-word, any-case pattern; the words may be split by any space or a hyphen."""
    patterns = []
    for phrase in phrases:
        words = re.split(r"[\s-]+", phrase.strip(" -"))
        if words and words[0]:
            body = r"[\s-]+".join(re.escape(w) for w in words)
            patterns.append((" ".join(words), re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)))
    return patterns


def _excluded_by(paper: Paper, patterns: list[tuple[str, re.Pattern]]) -> str | None:
    """The first excluded phrase in the paper's title or abstract, or None."""
    text = f"{paper.title}\n{paper.abstract or ''}"
    return next((phrase for phrase, pattern in patterns if pattern.search(text)), None)


def _record(paper: Paper) -> dict:
    return {"id": paper.id, "title": paper.title, "abstract": paper.abstract, "authors": list(paper.authors)}


def _decision(
    paper: Paper, relevance: float | None, section: str | None, decision: str, venue: str | None = None
) -> PaperDecision:
    return PaperDecision(paper.key, paper.version, paper.title, relevance, section, decision, venue)


def _window(since: date | None, until: date | None, result: FeedResult) -> str:
    if since:
        return f"{since.isoformat()} .. {(until or date.today()).isoformat()}"
    if result.date:
        return f"announced {result.date.isoformat()}"
    return result.origin


def sync_feedback(pulls: Sequence, state: State) -> dict[str, int]:
    """Learn from the bot's reviewed PRs: merged entries accepted, removed or closed ones rejected."""
    outcomes: dict[str, tuple[str, str | None, int]] = {}
    for pr in pulls:
        if pr.state == "open":
            continue
        merged_doc = parse(pr.merged_list) if pr.state == "merged" and pr.merged_list else None
        for paper_id in [*pr.ids, *pr.updates]:
            if merged_doc is not None and merged_doc.find(arxiv_id=paper_id) is not None:
                outcome = "accepted"
            else:
                outcome = "rejected"  # closed unmerged, or the maintainer removed the entry before merging
            outcomes.setdefault(paper_id, (outcome, state.proposed_venue(paper_id), pr.number))
    state.record_pulls(pulls, outcomes)
    return dict(Counter(o for o, _, _ in outcomes.values()))
