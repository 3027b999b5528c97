"""One scan: fetch → drop what is known → classify → enrich → insert into the list → publish → remember.

`scan` runs the stages in order; each stage is a function of plain values that returns a small named result:

    sort_arrivals   which fetched papers are new, listed already, excluded, or known from earlier runs
    rank            the model's verdict on the new ones: relevant, writable, within --max-candidates
    place           a relevant paper's entry and section (or triage)
    find_updates    listed papers whose new version names a venue or a code link
    carry           what the bot's open PR proposes, rebuilt so that a new proposal keeps it
    (publish)       the proposal goes to the publisher
    record          the run's decisions go to the state

Collaborators (the papers, the model, the publisher, the state, the day) are passed in, so the same
code runs in the Action, the daemon, a manual backfill and the tests.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from .awesome.dialects import dialect as dialect_named
from .awesome.document import AwesomeList, find_paper
from .awesome.edit import read_back
from .awesome.lint import entry_problems, refuse_half_written
from .awesome.model import Entry, Link
from .classify.model import NEEDS_TRIAGE, Model, Score
from .enrich import Enrichment, enrich
from .errors import MimwatchError, PublishError
from .papers import Paper, is_arxiv_key, title_key
from .publish import Publisher
from .publish.proposal import Candidate, OpenPull, Proposal, Steer, Update
from .review import last_per_paper
from .sources.feed import FeedResult
from .state import History, Label, PaperDecision, PublishedPull, State
from .venues import is_preprint_venue

log = logging.getLogger(__name__)

FetchIds = Callable[[list[str]], list[Paper]]  # the arXiv API source's fetch by id


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
    steered: int = 0  # ticks of the maintainers carried out
    deferred: int = 0  # relevant papers over --max-candidates, left to the next run
    skipped: Counter = field(default_factory=Counter)
    published: str = ""  # PR URL, local branch, or "dry run"
    window: str = ""

    def counts(self) -> dict:
        return {
            "fetched": self.fetched, "new": self.new, "relevant": self.relevant, "proposed": self.proposed,
            "updates": self.updates, "triage": self.triage, "carried": self.carried, "deferred": self.deferred,
            "steered": self.steered,
            "skipped": dict(self.skipped),
        }  # fmt: skip

    def table(self) -> str:
        rows = [("window", self.window or "-"), ("fetched", self.fetched), ("new", self.new),
                ("relevant", self.relevant), ("proposed", self.proposed), ("updates", self.updates),
                ("needs triage", self.triage)]  # fmt: skip
        if self.carried:
            rows.append(("kept from the open PR", self.carried))
        if self.steered:
            rows.append(("ticks carried out", self.steered))
        if self.deferred:
            rows.append(("deferred (over --max-candidates)", self.deferred))
        rows += [(f"skipped: {reason}", n) for reason, n in sorted(self.skipped.items())]
        if not self.announced:
            rows.append(("note", "nothing announced yet (weekend, holiday or before 20:00 US Eastern)"))
        rows.append(("published", self.published or "nothing new to publish"))
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


class ListView:
    """The list as one scan sees it: its parse, its venue spelling, the dialect new entries take (the list's
    own, or `dialect` when the settings name one), and each paper's enrichment, made once."""

    def __init__(self, doc: AwesomeList, dialect: str | None = None) -> None:
        self.doc = doc
        self.style = doc.venue_style()
        self.dialect = dialect_named(dialect or doc.entry_format)
        self._enriched: dict[Paper, Enrichment] = {}

    def entry(self, paper: Paper) -> Entry:
        """The paper's entry as this list writes new ones."""
        return entry_for(paper, self.style, self.enriched(paper), self.dialect.name)

    def enriched(self, paper: Paper) -> Enrichment:
        if paper not in self._enriched:
            self._enriched[paper] = enrich(paper)
        return self._enriched[paper]

    def venue_tag(self, paper: Paper) -> str | None:
        """The paper's venue tag as this list spells it (`NIPS'2023`), or None."""
        venue = self.enriched(paper).venue
        return venue.tag(self.style) if venue else None

    def listed(self, paper: Paper) -> Entry | None:
        return find_paper(self.doc, paper)

    def mentions(self, paper: Paper) -> bool:
        """In the list: as an entry, or inside an entry the list's dialect cannot read."""
        return self.listed(paper) is not None or bool(paper.id and self.doc.mentions(paper.id))


@dataclass(frozen=True)
class Scored:
    paper: Paper
    score: Score


@dataclass
class Arrivals:
    """The fetched papers sorted out by `sort_arrivals`."""

    fresh: list[Paper] = field(default_factory=list)  # new: for the model to judge
    listed: list[Paper] = field(default_factory=list)  # in the list already: their new version may carry news
    judged: list[Paper] = field(default_factory=list)  # every paper this run decides on: the state's stream
    decisions: list[PaperDecision] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason → papers


@dataclass
class Ranking:
    """The model's verdict on the fresh papers (`rank`)."""

    chosen: list[Scored] = field(default_factory=list)  # relevant and writable, best first, within the limit
    relevant: int = 0  # over the threshold (before holding back and deferring)
    deferred: list[Scored] = field(default_factory=list)  # relevant, over --max-candidates: the next run's
    considered: list[Scored] = field(default_factory=list)  # the closest under the threshold (the PR offers them)
    decisions: list[PaperDecision] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


CONSIDERED = 5  # papers under the threshold a run offers to add ("Also considered"); at most twice that in a PR
CONSIDERED_FLOOR = 0.25  # ... only those scoring at least this share of the threshold


@dataclass
class Steering:
    """What the ticked boxes of the bot's open PR ask (`steer`): moves, removals and additions, and for the
    state, the labels they give and the papers they reject."""

    moves: dict[str, str] = field(default_factory=dict)  # key -> section, of papers in the diff
    removals: set[str] = field(default_factory=set)  # papers taken out (rejected)
    adds: dict[str, str] = field(default_factory=dict)  # key -> section, of papers to triage or considered
    steered: list[Steer] = field(default_factory=list)  # one line each for the Done part
    labels: list[Label] = field(default_factory=list)
    removed: list[Paper] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.steered)


@dataclass
class Placement:
    """Chosen papers as entries of a section, or left to triage (`place`)."""

    candidates: list[Candidate] = field(default_factory=list)
    triage: list[Candidate] = field(default_factory=list)
    decisions: list[PaperDecision] = field(default_factory=list)


@dataclass
class Carried:
    """What the bot's open PR proposes, rebuilt against today's list (`carry`)."""

    candidates: list[Candidate] = field(default_factory=list)
    triage: list[Candidate] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    considered: list[Candidate] = field(default_factory=list)
    in_diff: frozenset[str] = frozenset()  # keys of what the PR's diff holds already (candidates, updates)

    @property
    def count(self) -> int:
        return len(self.candidates) + len(self.triage) + len(self.updates)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(x.paper.key for x in [*self.candidates, *self.triage, *self.updates])


def scan(
    *,
    result: FeedResult,
    doc: AwesomeList,
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
    fetch_ids: FetchIds | None = None,
    dialect: str | None = None,
    list_path: str | None = None,
    windows: dict[str, date] | None = None,
) -> ScanSummary:
    """One scan of fetched papers against the list (`doc`, parsed with its path); `record=False` (a dry run)
    leaves the state untouched. `list_path`: the list's path in the repository, as the PR names it (default:
    the path `doc` was read from).

    `exclude`: phrases that rule a paper out (title or abstract, whole words, any case), before the model.
    `fetch_ids`: the API source's fetch by id, for authors a saved source lacks and for papers of the open
    bot PR that the state has not cached. `dialect`: the entry format new entries take (default: the list's).
    """
    started = clock()
    refuse_half_written(doc, doc.path or list_path or "README.md")
    list_path = list_path or doc.path or "README.md"
    view = ListView(doc, dialect)
    summary = ScanSummary(announced=result.announced, window=_window(since, until, result))
    summary.fetched = len(result.papers) + len(result.updates)
    open_pull = publisher.open_pull()
    steering = steer(open_pull, view, state)
    # Relevant papers an earlier run had no room for (over --max-candidates) join today's.
    deferred = {(p := Paper.from_record(r)).key: p for r in state.deferred_papers()}
    arrived = [*deferred.values(), *(p for p in result.papers if p.key not in deferred)]
    history = state.history((p.key for p in [*arrived, *result.updates]),
                            titles={p.key: title_key(p.title) for p in arrived})  # fmt: skip

    arrivals = sort_arrivals(arrived, view, open_pull, history, exclusion_patterns(exclude))
    ranking = rank(arrivals.fresh, model, view, threshold, max_candidates, fetch_ids)
    if record:  # deferred papers are judged again from the state's cache; considered ones may be added
        state.cache_abstracts(s.paper.to_record() for s in [*ranking.deferred, *ranking.considered])
    placement = place(ranking.chosen, view)
    updates = find_updates([*result.updates, *arrivals.listed], view, open_pull.all, history)

    summary.new, summary.relevant, summary.deferred = len(arrivals.fresh), ranking.relevant, len(ranking.deferred)
    summary.proposed, summary.updates, summary.triage = len(placement.candidates), len(updates), len(placement.triage)
    summary.skipped = arrivals.skipped + ranking.skipped
    decisions = [*arrivals.decisions, *ranking.decisions, *placement.decisions]
    decisions += [_decision(u.paper, None, u.entry.section, "update-proposed", u.venue_tag) for u in updates]

    pull = None
    considered = [_candidate(s.paper, s.score, s.score.first_section, view) for s in ranking.considered]
    summary.steered = len([s for s in steering.steered if s.verb in ("move", "add", "out")])
    news = placement.candidates or placement.triage or updates or steering.any
    if news or (considered and open_pull.number is not None):
        if record:  # before publishing: a run that dies after it can still rebuild the PR from the state
            state.cache_abstracts(x.paper.to_record() for x in [*placement.candidates, *placement.triage, *updates])
        carried = carry(open_pull, view, model, state, history, fetch_ids, record, steering)
        summary.carried = carried.count
        by_relevance = lambda c: -c.relevance  # noqa: E731 - one ordering, three lists
        proposal = Proposal(
            day=day,
            list_path=list_path,
            candidates=tuple(sorted([*carried.candidates, *placement.candidates], key=by_relevance)),
            updates=(*carried.updates, *updates),
            triage=tuple(sorted([*carried.triage, *placement.triage], key=by_relevance)),
            carried=carried.in_diff,
            considered=tuple(sorted([*carried.considered, *considered], key=by_relevance)[: 2 * CONSIDERED]),
            moves=tuple(sorted(steering.moves.items())),
            removals=frozenset(steering.removals),
            removed=tuple(steering.removed),
            steered=tuple(steering.steered),
            done=open_pull.done,
        )
        published = publisher.publish(proposal)
        summary.published = published.where
        if published.number is not None and published.keys is not None:
            pull = PublishedPull(published.number, published.where, published.branch or "", published.keys)
        # Only what the PR (or branch) really holds is proposed; the rest is judged again by the next run.
        summary.proposed = sum(c.paper.key in published.held for c in placement.candidates)
        summary.triage = sum(c.paper.key in published.held for c in placement.triage)
        decisions = [d for d in (_unless_held(d, published.held) for d in decisions) if d is not None]
        decisions += steered_decisions(steering, carried, published.held)
    if record:
        record_run(state, result, summary, decisions, arrivals.judged, started, since, until, source, pull,
                   steering.labels, {k: "rejected" for k in steering.removals}, windows)  # fmt: skip
    return summary


def sort_arrivals(
    arrived: Sequence[Paper],
    view: ListView,
    open_pull: OpenPull,
    history: History,
    excluded: list[tuple[str, re.Pattern]] = (),  # type: ignore[assignment]
) -> Arrivals:
    """Which fetched papers are new candidates, which are listed already, and why the others are skipped."""
    out = Arrivals()
    seen: set[str] = set()
    for paper in arrived:
        reason = _known(paper, view, open_pull.all, history, seen)
        seen.add(paper.key)
        if reason:
            out.skipped[reason] += 1
            if reason == "already in the list":
                out.listed.append(paper)
            continue
        if withheld := _withheld(paper):  # not recorded: its arXiv version, if it comes, is judged as any paper
            out.skipped[withheld] += 1
            continue
        out.judged.append(paper)
        if phrase := _excluded_by(paper, excluded):
            out.skipped[f"excluded phrase {phrase!r}"] += 1
            out.decisions.append(_decision(paper, None, None, "excluded"))  # checked again next run
            continue
        out.fresh.append(paper)
    return out


def rank(
    fresh: Sequence[Paper],
    model: Model,
    view: ListView,
    threshold: float | None = None,
    max_candidates: int = 25,
    fetch_ids: FetchIds | None = None,
) -> Ranking:
    """Score the fresh papers; keep the relevant ones whose entry passes the list's lint, best first; those
    over `max_candidates` are deferred to the next run, never dropped."""
    out = Ranking()
    scores = model.score([_record(p) for p in fresh])
    cut = model.threshold if threshold is None else threshold
    relevant, close = [], []
    for paper, score in zip(fresh, scores, strict=True):
        if score.relevance >= cut:
            relevant.append(Scored(paper, score))
        else:
            out.decisions.append(_decision(paper, score.relevance, None, "irrelevant"))
            if score.relevance >= CONSIDERED_FLOOR * cut and paper.authors:
                close.append(Scored(paper, score))
    close.sort(key=lambda s: -s.score.relevance)
    out.considered = [s for s in close if _unwritable(s, view) is None][:CONSIDERED]
    relevant.sort(key=lambda s: -s.score.relevance)
    out.relevant = len(relevant)
    # Whatever the bot writes must pass its own lint: complete what can be fetched, hold back the rest.
    writable = []
    for scored in _with_authors(relevant, fetch_ids):
        if problem := _unwritable(scored, view):
            out.skipped[f"held back: {problem}"] += 1
            out.decisions.append(_decision(scored.paper, scored.score.relevance, None, "held"))  # again next run
        else:
            writable.append(scored)
    out.chosen, out.deferred = writable[:max_candidates], writable[max_candidates:]
    out.decisions += [_decision(s.paper, s.score.relevance, None, "deferred") for s in out.deferred]
    return out


def place(chosen: Sequence[Scored], view: ListView) -> Placement:
    """Each chosen paper as an entry of the model's section, or for triage when the model is unsure."""
    out = Placement()
    for scored in chosen:
        paper, score = scored.paper, scored.score
        candidate = _candidate(paper, score, score.section, view)
        if candidate.section == NEEDS_TRIAGE:
            out.triage.append(candidate)
            out.decisions.append(_decision(paper, score.relevance, None, "triage"))
        else:
            out.candidates.append(candidate)
            out.decisions.append(
                _decision(paper, score.relevance, candidate.section, "proposed", candidate.entry.venue_tag)
            )
    return out


def find_updates(
    papers: Sequence[Paper],
    view: ListView,
    open_ids: frozenset[str] | set[str] = frozenset(),
    history: History | None = None,
    new_only: bool = True,
) -> list[Update]:
    """In-place updates for listed papers whose new version names a venue or a code link.

    With `new_only`, an update an earlier run proposed already (same venue) is not proposed again (a local
    branch has it; an open PR carries it).
    """
    history = history or History({}, {})
    updates: dict[str, Update] = {}
    for paper in papers:
        entry = view.listed(paper)
        if entry is None or paper.key in open_ids or paper.key in updates:
            continue
        found = view.enriched(paper)
        new_venue = None
        listed_as_preprint = entry.venue is None or is_preprint_venue(entry.venue)
        carries_venue = dialect_named(entry.format or view.doc.entry_format).has_venue
        if found.venue and not found.venue.is_preprint and listed_as_preprint and carries_venue:
            spelled = found.venue.spelled(view.style)
            new_venue = spelled if spelled.tag() != entry.venue_tag else None
        new_code = found.code if found.code and not entry.code_url else None
        new_tag = new_venue.tag() if new_venue else None
        outcome = history.outcomes.get(paper.key)
        if outcome and outcome.what == "rejected" and outcome.venue == new_tag:
            continue  # the maintainers closed this very update before
        if new_only and history.decisions.get(paper.key) == ("update-proposed", new_tag):
            continue  # proposed by an earlier run, and nothing newer since
        if new_venue or new_code:
            updates[paper.key] = Update(paper=paper, entry=entry, venue=new_venue, code=new_code)
    return list(updates.values())


def carry(
    open_pull: OpenPull,
    view: ListView,
    model: Model,
    state: State,
    history: History,
    fetch_ids: FetchIds | None,
    record: bool,
    steering: Steering | None = None,
) -> Carried:
    """The open bot PR's candidates, triage papers, considered papers and updates, rebuilt from the state's
    paper cache, as its ticked boxes left them (moved, taken out, added: `steering`).

    Papers the list has meanwhile taken in are left out. Papers the cache lacks are fetched by id (and
    cached, unless `record` is off: a dry run); when that cannot be done, a real run fails (the PR stays
    as it is) rather than drop them from the PR, and a dry run warns.
    """
    steering = steering or Steering()
    wanted = sorted(open_pull.all - steering.removals)
    if not wanted and not open_pull.considered:
        return Carried()
    cached = state.cached_abstracts([*wanted, *open_pull.considered])
    papers = {i: Paper.from_record(r) for i, r in cached.items() if "authors" in r}  # full records only
    missing = [i for i in wanted if i not in papers and is_arxiv_key(i)]  # arXiv can be asked for these only
    if missing and fetch_ids is not None:
        papers.update({p.key: p for p in fetch_ids(missing)})
        if record:
            state.cache_abstracts(papers[i].to_record() for i in missing if i in papers)
    if lost := [i for i in wanted if i not in papers]:
        message = (f"the open bot PR proposes {len(lost)} paper(s) the state has not cached ({', '.join(lost[:5])}) "
                   "and arXiv was not asked; a rebuilt PR would drop them")  # fmt: skip
        if record:
            raise PublishError(message + ": run online (`--source rss` or `api`) or with the earlier runs' state")
        log.warning("%s (dry run: shown without them)", message)

    out = Carried()
    keep = (open_pull.ids | open_pull.triage | set(steering.adds)) - steering.removals
    new = [p for i in sorted(keep) if (p := papers.get(i)) is not None and view.listed(p) is None]
    scores = model.score([_record(p) for p in new])
    proposed = state.proposed_sections(p.key for p in new) | steering.moves | steering.adds
    for paper, score in zip(new, scores, strict=True):
        # Where the PR put it (the state remembers; a tick moved or added it), else the model's first choice.
        in_diff = paper.key in open_pull.ids or paper.key in steering.adds
        section = proposed.get(paper.key, score.first_section) if in_diff else NEEDS_TRIAGE
        candidate = _candidate(paper, score, section, view)
        (out.triage if candidate.section == NEEDS_TRIAGE else out.candidates).append(candidate)
    still = [p for i in sorted(open_pull.considered - steering.removals - set(steering.adds))
             if (p := papers.get(i)) is not None and view.listed(p) is None]  # fmt: skip
    still_scores = model.score([_record(p) for p in still])
    out.considered = [_candidate(p, s, s.first_section, view) for p, s in zip(still, still_scores, strict=True)]
    listed = [papers[i] for i in sorted(open_pull.updates) if i in papers]
    out.updates = find_updates(listed, view, history=History({}, history.outcomes), new_only=False)
    out.in_diff = frozenset(c.paper.key for c in out.candidates if c.paper.key in open_pull.ids) | {
        u.paper.key for u in out.updates}
    return out


def steer(open_pull: OpenPull, view: ListView, state: State) -> Steering:
    """What the boxes ticked in the bot's open PR ask, checked against the list and the PR: a move of a proposed
    paper to one of the list's sections, a paper taken out, a paper to triage or considered added to a section.
    A tick that cannot be done (the paper is gone from the PR, the section from the list) is told in Done,
    never tried again (the body is rendered anew, its box gone)."""
    out = Steering()
    who = open_pull.editor or "someone"
    if open_pull.ignored:
        out.steered.append(Steer("ignored", "", "", who, note=f"{open_pull.ignored} box(es)"))
    ticks, repeated = last_per_paper(list(open_pull.ticks))
    records = state.cached_abstracts([t.key for t in ticks])
    offered = open_pull.ids | open_pull.triage | open_pull.considered
    for tick in ticks:
        record = records.get(tick.key)
        title = bounded(record["title"], 120) if record and record.get("title") else tick.key
        note = f"{len(repeated[tick.key])} boxes ticked for it: the last one counts" if tick.key in repeated else ""
        failed = None
        if tick.key not in offered:
            failed = f"{{title}} is no longer in this PR: nothing to {tick.verb}"
        elif tick.verb in ("move", "add") and tick.section not in view.doc.sections:
            failed = f"could not {tick.verb} {{title}}: the list has no section {{section}}"
        elif tick.verb in ("move", "add") and record is None:
            failed = f"could not {tick.verb} {{title}}: mimwatch no longer has its record"
        elif tick.verb == "move" and tick.key not in open_pull.ids:
            failed = "could not move {title}: it is not in the diff"
        if failed:
            out.steered.append(Steer("failed", tick.key, title, who, tick.section, failed))
        else:
            section, verb = (tick.section if tick.verb != "out" else None), tick.verb
            out.steered.append(Steer(verb, tick.key, title, who, section, note))
            out.labels.append(Label(tick.key, section, {"move": "section", "add": "positive", "out": "rejected"}[verb],
                                    who, open_pull.number))  # fmt: skip
            if verb == "move":
                out.moves[tick.key] = tick.section or ""
            elif verb == "add":
                out.adds[tick.key] = tick.section or ""
            else:
                out.removals.add(tick.key)
                if record is not None:
                    out.removed.append(Paper.from_record(record))
    return out


def steered_decisions(steering: Steering, carried: Carried, held: frozenset[str]) -> list[PaperDecision]:
    """The state's decisions for what ticks did: a moved or added paper is proposed in its new section (when the
    branch holds it there), a paper taken out is rejected (its outcome is recorded beside)."""
    placed = {c.paper.key: c for c in carried.candidates}
    out = []
    for key, section in [*steering.moves.items(), *steering.adds.items()]:
        if key in placed and key in held:
            c = placed[key]
            out.append(_decision(c.paper, c.relevance, section, "proposed", c.entry.venue_tag))
    return out


def record_run(
    state: State,
    result: FeedResult,
    summary: ScanSummary,
    decisions: Sequence[PaperDecision],
    judged: Sequence[Paper],
    started: datetime,
    since: date | None,
    until: date | None,
    source: str,
    pull: PublishedPull | None = None,
    labels: Sequence[Label] = (),
    outcomes: dict[str, str] | None = None,
    windows: dict[str, date] | None = None,
) -> None:
    """The run's decisions, the papers it judged, the bot PR it published and what the maintainers' ticks said
    go to the state, in one transaction."""
    state.record_run(
        started=started, since=since, until=until if result.announced else None, source=source,
        status="ok" if result.announced else "not-announced", counts=summary.counts(), decisions=decisions,
        papers=[p.to_record() for p in judged], pull=pull, labels=labels, outcomes=outcomes or {},
        windows=windows if result.announced else None,
    )  # fmt: skip


def _candidate(paper: Paper, score: Score, section: str, view: ListView) -> Candidate:
    """The paper as a proposal for `section`; for triage when the list has no such section."""
    return Candidate(
        paper=paper,
        entry=view.entry(paper),
        section=section if section in view.doc.sections else NEEDS_TRIAGE,
        relevance=score.relevance,
        sections=tuple((n, p) for n, p in score.sections),
        terms=tuple(score.reasons["terms"]),
        nearest=tuple(bounded(n["title"], 120) for n in score.reasons["nearest"]),
        list_authors=tuple(bounded(a, 80) for a in score.reasons.get("list_authors", [])[:5]),
    )


MAX_TITLE = 300  # characters of a title written to the list or the PR
MAX_AUTHORS = 30  # names of an author list; the rest become "et al"
MAX_URL = 300


def bounded(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip() + "…"


def entry_for(
    paper: Paper, style: dict[str, str], found: Enrichment | None = None, dialect: str | None = None
) -> Entry:
    """The list entry for a paper (venue spelled the list's way, `style`; in `dialect`, else the list's);
    every field bounded, so no record can blow up the list or the PR. `found`: the paper's enrichment, when
    made already."""
    found = found or enrich(paper)
    venue = found.venue.spelled(style) if found.venue else None
    authors = paper.authors if len(paper.authors) <= MAX_AUTHORS else (*paper.authors[:MAX_AUTHORS], "et al")
    return Entry(
        title=bounded(paper.title, MAX_TITLE),
        authors=tuple(bounded(a, 80) for a in authors),
        venue=venue.label if venue else None,
        year=venue.year if venue else None,
        paper_url=paper.url,
        code_url=found.code if found.code and len(found.code) <= MAX_URL else None,
        abbreviation=found.abbreviation if found.abbreviation and len(found.abbreviation) <= 40 else None,
        other_links=(Link("Project", found.project),) if found.project and len(found.project) <= MAX_URL else (),
        date=paper.v1_date,  # a table's Date column
        format=dialect,
    )


def _with_authors(ranked: list[Scored], fetch_ids: FetchIds | None) -> list[Scored]:
    """Papers without authors (some saved sources have none) completed from arXiv by id, when it can be asked."""
    wanted = [s.paper.id for s in ranked if not s.paper.authors and s.paper.id]
    if not wanted or fetch_ids is None:
        return ranked
    try:
        fetched = {p.id: p for p in fetch_ids(wanted)}
    except MimwatchError as exc:
        log.warning("cannot fetch the authors of %d paper(s) (%s); they are held back", len(wanted), exc)
        return ranked
    return [Scored(s.paper.with_(authors=fetched[s.paper.id].authors), s.score)
            if s.paper.id in fetched and not s.paper.authors else s for s in ranked]  # fmt: skip


def _unwritable(scored: Scored, view: ListView) -> str | None:
    """Why the paper's entry would not pass the list's own lint (no authors, no link…), or None.

    The reason is short and the same for every paper it fits (the summary counts papers per reason);
    the details go to the log.
    """
    paper, score, doc = scored.paper, scored.score, view.doc
    section = score.first_section if score.first_section in doc.sections else next(iter(doc.sections), None)
    if section is None:
        return "the list has no section to hold it"
    entry = view.entry(paper)
    present = {"paper link": entry.paper_url, "authors": entry.authors, "venue'year": entry.venue_tag,
               "date": entry.date, "title": entry.title}  # fmt: skip
    for field_name, reason in (("paper link", "no paper link"), ("authors", "no authors"),
                               ("venue'year", "no venue or year"), ("date", "no date"), ("title", "no title")):
        if field_name in view.dialect.required and not present[field_name]:
            return reason
    try:
        written = read_back(doc, section, entry)
    except MimwatchError as exc:
        log.warning("%s cannot be written as a list entry: %s", paper.key, exc)
        return "cannot be written as a list entry"
    problems = entry_problems(written) if written is not None else ["the written entry does not read back"]
    if problems:
        log.warning("%s: its entry would not pass lint: %s", paper.key, "; ".join(problems))
        return "its entry would not pass lint"
    return None


def _known(paper: Paper, view: ListView, open_ids: frozenset[str], history: History, seen: set[str]) -> str | None:
    """Why a fetched paper is not a new candidate, or None when it is one."""
    if paper.key in seen:
        return "duplicate in this fetch"
    if view.mentions(paper):
        return "already in the list"
    if paper.key in open_ids:
        return "already in the open bot PR"
    outcome = history.outcomes.get(paper.key)
    if outcome and outcome.what == "rejected":
        # Rejected papers stay rejected, unless a later version names a new venue.
        if outcome.venue is None or view.venue_tag(paper) == outcome.venue:
            return "rejected by the maintainers"
    elif outcome and outcome.what == "accepted":
        return "accepted earlier"
    previous = history.decisions.get(paper.key)
    if previous and previous.what in ("proposed", "irrelevant", "triage") and not outcome:
        return f"seen before ({previous.what})"
    return None


def _withheld(paper: Paper) -> str | None:
    """Why a paper OpenReview has decided on is never proposed: withdrawn, desk-rejected, or rejected and not on
    arXiv (a rejected paper that is on arXiv stays an arXiv preprint); else None."""
    outcome = paper.extra.get("decision")
    if outcome in ("withdrawn", "desk-rejected"):
        return f"{outcome} at OpenReview"
    if outcome == "rejected" and not paper.id:
        return "rejected at OpenReview (not on arXiv)"
    return None


def exclusion_patterns(phrases: Sequence[str]) -> list[tuple[str, re.Pattern]]:
    """Each phrase as a whole-word, any-case pattern; the words may be split by any space or a hyphen."""
    patterns = []
    for phrase in phrases:
        words = re.split(r"[\s-]+", phrase.strip(" -"))
        if words and words[0]:
            body = r"[\s-]+".join(re.escape(w) for w in words)
            patterns.append((" ".join(words), re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)))
    return patterns


def _excluded_by(paper: Paper, patterns: Sequence[tuple[str, re.Pattern]]) -> str | None:
    """The first excluded phrase in the paper's title or abstract, or None."""
    text = f"{paper.title}\n{paper.abstract or ''}"
    return next((phrase for phrase, pattern in patterns if pattern.search(text)), None)


def _unless_held(decision: PaperDecision, held: frozenset[str]) -> PaperDecision | None:
    """A paper the published PR does not hold is not recorded as proposed: a new one is deferred (judged
    again by the next run), an update is not recorded at all (found again when it next arrives)."""
    if decision.id in held:
        return decision
    if decision.decision in ("proposed", "triage"):
        return replace(decision, decision="deferred", section=None, venue=None)
    return None if decision.decision == "update-proposed" else decision


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
