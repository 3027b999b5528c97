"""The application: what `mimwatch scan`, `refresh`, `train`, `fetch`, `corpus build` and `init` do, as plain functions.

The CLI, the daemon and the tests call these; the CLI only parses options and prints. Settings (the
configuration file) come in resolved, options override them here, in one place.
"""

from __future__ import annotations

import atexit
import gzip
import logging
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal, TextIO

from . import config
from . import deadline as run_deadline
from .awesome import AwesomeList, load, parse, render
from .awesome.document import find_paper
from .awesome.lint import refuse_half_written
from .awesome.model import Entry
from .checkout import checkout_root, clone_root, in_repo_path, inside
from .classify.card import write_model_card
from .classify.data import load_corpus
from .classify.follow import ListChanges, list_changes, load_sample, model_for_list, stream_examples
from .classify.model import Model, TrainConfig, TrainReport
from .classify.tasks import (
    default_model_dir,
    environment,
    load_model,
    read_manifest,
    read_not_negatives,
    rejected_examples,
    train_from_files,
)
from .deadline import Deadline, parse_duration
from .errors import MimwatchError, SourceError, UsageProblem
from .fsutil import atomic_output, write_atomic
from .papers import Paper, is_arxiv_key
from .pipeline import ScanSummary
from .pipeline import scan as run_scan
from .publish import Publisher
from .publish.github import GitHubPublisher, PullRequestRecord
from .publish.local import DryRunPublisher, LocalGitPublisher
from .publish.proposal import OpenPull
from .records import write_jsonl
from .resources import shipped_dir
from .settings import Settings
from .sources import ApiSource, FeedResult, FeedSource, read_source_file
from .sources.api import DEFAULT_API_URL, PageCache
from .sources.biorxiv import BiorxivSource
from .sources.feed import DEFAULT_FEED_URL
from .sources.http import Timeouts
from .sources.openreview import OpenReviewSource
from .sources.retry import Backoff
from .sources.seam import ArxivApi, ArxivFeed, Fetcher, SavedFile, Source, biorxiv_categories, check_spec, merge
from .state import State, run_lock

log = logging.getLogger(__name__)

Mode = Literal["dry-run", "git", "open-pr"]
Progress = Callable[[int, "int | None"], None]  # papers fetched so far, of how many (when known)


@dataclass(frozen=True)
class Target:
    """Where the list is read from and where the proposal goes, resolved once (see `checkout`)."""

    mode: Mode
    list_path: Path | None = None  # the list file read from disk (None: from the clone's HEAD, or from GitHub)
    repo: str | None = None  # OWNER/NAME on GitHub
    git_repo: Path | None = None  # the top folder of a local clone to commit on
    in_repo: str = "README.md"  # the list's path inside the repository (GitHub) or the clone

    @classmethod
    def resolve(
        cls,
        settings: Settings,
        list_path: Path | None = None,
        repo: str | None = None,
        mode: Mode | None = None,
        git_repo: Path | None = None,
    ) -> Target:
        """The target from the options, the settings filling what they leave out.

        `--list` is a file (absolute, or from the current folder). With `--git-repo` it must be a file of that
        clone; with `--repo` a file of the checkout the run is in (the Action's workspace). Either way its path
        inside the repository comes from the clone's or checkout's root.
        """
        if git_repo and mode:
            raise UsageProblem("--git-repo goes without --dry-run/--open-pr")
        mode = "git" if git_repo else (mode or "dry-run")
        repo = repo or settings.repo
        if mode == "open-pr" and not repo:
            raise UsageProblem("--open-pr needs --repo OWNER/NAME (or `repo` in the settings file)")
        what = "--list" if list_path else "the settings' list"
        if git_repo:
            clone = clone_root(git_repo)
            file = list_path or settings.list_file
            in_repo = inside(clone, file, what, "the clone").in_repo if file else in_repo_path(settings.list_path)
            return cls(mode=mode, repo=repo, git_repo=clone, in_repo=in_repo)
        if repo:
            # A list of this checkout (as in the Action); without one, the list is read from the repository.
            configured = settings.list_file if settings.list_file and settings.list_file.is_file() else None
            file = list_path or configured
            if file is None:
                return cls(mode=mode, repo=repo, in_repo=in_repo_path(settings.list_path))
            located = inside(checkout_root(Path.cwd()), file, what, "the checkout")
            return cls(mode=mode, list_path=file, repo=repo, in_repo=located.in_repo)
        file = list_path or settings.list_file
        if file is None:
            raise UsageProblem("give --list PATH, --repo OWNER/NAME or --git-repo PATH")
        try:  # the diff names the file as the checkout it is in names it
            in_repo = inside(checkout_root(Path.cwd()), file, what, "the checkout").in_repo
        except UsageProblem:
            in_repo = Path(file).as_posix()
        return cls(mode=mode, list_path=Path(file), in_repo=in_repo)

    def check(self) -> None:
        """Refuse a list file that is not there (the daemon checks at start, not at its first run)."""
        if self.list_path is not None and not self.list_path.is_file():
            raise UsageProblem(f"--list {self.list_path}: no such file")

    @property
    def reads_github(self) -> bool:
        """The list comes from GitHub, or the proposal goes there."""
        return bool(self.repo) and (self.mode == "open-pr" or (self.mode == "dry-run" and not self.list_path))


@dataclass(frozen=True)
class Endpoints:
    """The services and files a run talks to; production values by default, loopback fakes in the tests."""

    api_url: str = DEFAULT_API_URL
    feed_url: str = DEFAULT_FEED_URL
    github_url: str | None = None  # None: the settings' github_url
    token: str = field(default="", repr=False)  # never printed
    state_path: Path | None = None  # None: config.state_path()
    model_dir: Path | None = None  # None: the settings' model, else the shipped one


@dataclass(frozen=True)
class ScanOptions:
    """What one scan reads and how much it proposes; None and empty values defer to the settings."""

    source: str | None = None  # one source spec (below); None: the settings' sources
    since: date | None = None
    until: date | None = None
    threshold: float | None = None
    max_candidates: int | None = None
    exclude: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    deadline: float | None = None  # seconds the whole run may take; None: the settings' (50 min)
    sources: tuple[str, ...] = ()  # several specs: rss, api, openreview:<venue id>, biorxiv[:categories], a file

    def specs(self, settings: Settings | None = None) -> list[str]:
        """The sources this scan reads: the options', else the settings' (rss); with --since, arXiv's API
        window stands for its feed."""
        specs = list(self.sources) or ([self.source] if self.source else list((settings or Settings()).sources))
        return list(dict.fromkeys("api" if s == "rss" and self.since else s for s in specs))

    @property
    def source_kind(self) -> str:
        return "+".join(self.specs())

    def check(self, settings: Settings | None = None) -> None:
        """Refuse what no run of these options could do (the daemon checks once, at start)."""
        for spec in self.specs(settings):
            check_spec(spec)
        if self.since and self.until and self.since > self.until:
            raise UsageProblem(f"--since {self.since} is after --until {self.until}")


@dataclass
class Workspace:
    """A run's list (parsed once, with the path it is shown by) and the publisher its proposal goes to."""

    doc: AwesomeList
    publisher: Publisher
    state: State
    record: bool  # not a dry run: the state keeps what the run did
    list_path: str  # the list's path in the repository, as the PR names it
    dialect: str | None  # the entry format new entries take

    def scan(self, result: FeedResult, model: Model, day: date, source: str, fetch_ids, **options) -> ScanSummary:
        """Judge `result` against this list and publish the proposal (`options`: see `pipeline.scan`)."""
        return run_scan(result=result, doc=self.doc, model=model, state=self.state, publisher=self.publisher,
                        day=day, source=source, record=self.record, fetch_ids=fetch_ids, dialect=self.dialect,
                        list_path=self.list_path, **options)  # fmt: skip


def scan(
    settings: Settings,
    target: Target,
    options: ScanOptions,
    endpoints: Endpoints = Endpoints(),
    out: TextIO | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ScanSummary:
    """Fetch new papers, judge them and propose the relevant ones (`out`: where a dry run prints)."""
    options.check(settings)
    today = today or datetime.now(UTC).date()
    with run_within(settings, options.deadline), open_workspace(settings, target, endpoints, out or sys.stdout) as work:
        categories = list(options.categories) or settings.categories
        sources = [build_source(spec, settings, endpoints, categories) for spec in options.specs(settings)]
        online = not all(isinstance(s, SavedFile) for s in sources)
        by_key = Fetcher(sources, arxiv_api(endpoints.api_url, attempts=2).fetch_ids) if online else None
        model = list_model(settings, endpoints, work.doc, work.state, by_key)
        until = options.until or today
        results, windows, api_since = [], {}, None
        for source in sources:
            since = window_start(source, options.since, work.state, today)
            if since and since > until:
                raise UsageProblem(f"--since {since} is after --until {until}")
            results.append(source.window(since, until, progress=progress))
            api_since = since if isinstance(source, ArxivApi) else api_since
            if not isinstance(source, ArxivFeed | SavedFile) and results[-1].announced:
                windows[source.name] = until
        result = merge(results)
        return work.scan(
            result, model, result.date or today, "+".join(s.name for s in sources), by_key,
            threshold=options.threshold if options.threshold is not None else settings.threshold,
            max_candidates=options.max_candidates or settings.max_candidates,
            exclude=options.exclude or tuple(settings.exclude),
            since=api_since, until=until if api_since else None, windows=windows,
        )  # fmt: skip


def build_source(spec: str, settings: Settings, endpoints: Endpoints, categories: Sequence[str]) -> Source:
    """The source a spec names (see `sources.seam`), pointed at the endpoints."""
    if spec == "rss":
        return ArxivFeed(arxiv_feed(endpoints.feed_url, categories), arxiv_api(endpoints.api_url, attempts=2))
    if spec == "api":
        return ArxivApi(arxiv_api(endpoints.api_url, PageCache(config.cache_path())), categories)
    backoff, timeouts = Backoff(base=config.retry_base()), Timeouts.within(config.request_timeout())
    if spec.startswith("openreview:"):
        url = config.endpoint("MIMWATCH_OPENREVIEW_URL", settings.openreview_url)
        return OpenReviewSource(spec.removeprefix("openreview:"), url, backoff=backoff, timeouts=timeouts,
                                delay_seconds=config.request_delay(url))  # fmt: skip
    if spec == "biorxiv" or spec.startswith("biorxiv:"):
        url = config.endpoint("MIMWATCH_BIORXIV_URL", settings.biorxiv_url)
        return BiorxivSource(biorxiv_categories(spec), url, backoff=backoff, timeouts=timeouts,
                             delay_seconds=config.request_delay(url))  # fmt: skip
    return SavedFile(Path(spec))


def window_start(source: Source, since: date | None, state: State, today: date) -> date | None:
    """Where a source's window starts: --since, else the end of its last window read, else (the API, bioRxiv)
    yesterday, (OpenReview) the venue's beginning; a feed and a file have no window."""
    if isinstance(source, ArxivFeed | SavedFile):
        return None
    if since:
        return since
    last = state.last_successful_until(source.name)
    if isinstance(source, OpenReviewSource):
        return last
    return last or today - timedelta(days=1)


def refresh(
    settings: Settings,
    target: Target,
    endpoints: Endpoints = Endpoints(),
    out: TextIO | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    deadline: float | None = None,
) -> ScanSummary:
    """Fetch the latest version of every listed paper (arXiv by id; the venues of the settings' OpenReview
    sources; bioRxiv preprints by DOI); propose the venues and code links that arrived."""
    today = today or datetime.now(UTC).date()
    with run_within(settings, deadline), open_workspace(settings, target, endpoints, out or sys.stdout) as work:
        ids = sorted({e.arxiv_id for e in work.doc.entries if e.arxiv_id})
        api = arxiv_api(endpoints.api_url)
        results = [FeedResult(papers=(), updates=tuple(api.fetch_ids(ids, progress=progress)), announced=True,
                              date=today, origin=endpoints.api_url)]  # fmt: skip
        others = [build_source(spec, settings, endpoints, settings.categories) for spec in settings.sources
                  if spec.startswith(("openreview:", "biorxiv"))]  # fmt: skip
        for source in others:
            if isinstance(source, OpenReviewSource):  # its decisions: the venue's submissions, matched by title
                latest = list(source.window(None, today).papers)
            else:
                latest = source.by_keys([f"doi:{doi}" for doi in listed_dois(work.doc)])
            results.append(FeedResult(papers=(), updates=tuple(latest), announced=True, date=today, origin=source.name))
        model = load_model(endpoints.model_dir or settings.model_dir)
        return work.scan(merge(results), model, today, "refresh", Fetcher(others, api.fetch_ids))


def listed_dois(doc: AwesomeList) -> list[str]:
    """The bioRxiv DOIs the list's entries link (`biorxiv.org/content/10.1101/…`)."""
    import re

    found = (re.search(r"biorxiv\.org/content/(10\.1101/[^\s?#v]+(?:v\d+)?)", e.paper_url or "") for e in doc.entries)
    return sorted({re.sub(r"v\d+$", "", m.group(1)) for m in found if m})


def review(
    settings: Settings,
    target: Target,
    endpoints: Endpoints = Endpoints(),
    out: TextIO | None = None,
    today: date | None = None,
    event: dict | None = None,
    deadline: float | None = None,
) -> ScanSummary:
    """Carry out the boxes ticked in the bot's open PR (moves, papers taken out or added), on its branch and in
    its body, and learn what they say; fetches no papers. `event`: the `pull_request` event that started the run
    (GitHub Actions): its sender is who edited the PR's description."""
    editors = {}
    if event and event.get("action") == "edited" and (pr := event.get("pull_request")):
        editors[int(pr["number"])] = str((event.get("sender") or {}).get("login") or "")
    with run_within(settings, deadline), open_workspace(settings, target, endpoints, out or sys.stdout,
                                                        editors) as work:  # fmt: skip
        api = arxiv_api(endpoints.api_url, attempts=2)
        model = list_model(settings, endpoints, work.doc, work.state, api.fetch_ids)
        result = FeedResult(papers=(), updates=(), announced=True, date=None, origin="the bot's pull request")
        return work.scan(result, model, today or datetime.now(UTC).date(), "review", api.fetch_ids)


@dataclass(frozen=True)
class Followed:
    """What `train` without a pool did: the list's changes the model learned, and where it went."""

    changes: ListChanges
    model: Model | None  # None: the model knew the list already


def follow(
    settings: Settings,
    list_path: Path,
    corpus: Sequence[Path] = (),
    endpoints: Endpoints = Endpoints(),
    out_dir: Path | None = None,
) -> Followed:
    """Retrain the model whole on the list as it is now (kept in the model cache; also in `out_dir`)."""
    doc = load(list_path)
    base = load_model(endpoints.model_dir or settings.model_dir)
    changes = list_changes(base, doc)
    if not changes.any:
        return Followed(changes, None)
    state = open_state(endpoints.state_path, dry_run=not (endpoints.state_path or config.state_path()).exists())
    model = list_model(settings, endpoints, doc, state, arxiv_api(endpoints.api_url, attempts=2).fetch_ids, corpus)
    if out_dir:
        model.save(out_dir)
    return Followed(changes, model)


def train_on_pool(
    list_path: Path,
    out_dir: Path,
    corpus: Sequence[Path],
    negatives: Sequence[Path],
    negative_share: float = 1.0,
    candidates_per_1000: float = 2.5,
    feedback: bool = True,
    not_negatives: Sequence[Path] = (),
    state_path: Path | None = None,
) -> tuple[Model, TrainReport]:
    """Train a model of one's own on the list and a pool of other papers; write it with its model card.

    `feedback`: the papers maintainers rejected in review (from the state, when there is one) are negatives too.
    """
    path = state_path or config.state_path()
    rejected = rejected_examples(State(path)) if feedback and path.exists() else []
    model, report = train_from_files(
        list_path, out_dir, corpus, negatives, negative_share,
        config=TrainConfig(candidates_per_1000=candidates_per_1000),
        rejected=rejected, not_negatives=read_not_negatives(not_negatives),
    )  # fmt: skip
    write_model_card(out_dir, model, report, read_manifest(out_dir), environment())
    return model, report


def list_model(
    settings: Settings,
    endpoints: Endpoints,
    doc: AwesomeList,
    state: State,
    fetch_ids: Callable[[list[str]], list[Paper]] | None,
    corpus: Sequence[Path] = (),
) -> Model:
    """The model trained on the list as it is now: the configured model if it knows the list, else retrained (or
    from the cache); abstracts of new entries from `corpus`, then the state's cache, then arXiv by id."""
    base = load_model(endpoints.model_dir or settings.model_dir)
    known = load_corpus(corpus) if corpus else {}

    def abstracts(ids: list[str]) -> dict[str, str]:
        found = {i: known[i]["abstract"] for i in ids if known.get(i, {}).get("abstract")}
        cached = state.cached_abstracts([i for i in ids if i not in found])
        found |= {i: r["abstract"] for i, r in cached.items() if r.get("abstract")}
        missing = [i for i in ids if i not in found]
        if missing and fetch_ids is not None:
            try:
                papers = fetch_ids(missing)
            except SourceError as exc:
                log.warning("cannot fetch the abstracts of new list entries (%s): their titles are used", exc)
                papers = []
            state.cache_abstracts(p.to_record() for p in papers)
            found |= {p.id: p.abstract for p in papers if p.abstract}
        return found

    def negatives():  # read only when the model is retrained
        return stream_examples(state.stream_negatives())

    sample = load_sample(Path(endpoints.model_dir or settings.model_dir or default_model_dir()))
    return model_for_list(base, doc, config.model_cache_dir(), sample, negatives, abstracts, labelled_entries(state))


def labelled_entries(state: State) -> list[Entry]:
    """The papers maintainers placed in a section by ticking a box in the bot's PR, as entries of that section:
    the model trains on them beside the list's own (rejections are among the state's negatives already)."""
    out = []
    for record, section in state.labelled_papers():
        paper = Paper.from_record(record)
        out.append(Entry(title=paper.title, authors=paper.authors, paper_url=paper.url, section=section))
    return out


def run_within(settings: Settings, seconds: float | None) -> AbstractContextManager[Deadline]:
    """The run's deadline (`seconds`, else the settings'): every request and wait of the run checks it."""
    return run_deadline.running(Deadline(seconds or parse_duration(settings.deadline)))


@contextmanager
def open_workspace(
    settings: Settings, target: Target, endpoints: Endpoints, out: TextIO, body_editors: dict[int, str] | None = None
) -> Iterator[Workspace]:
    """Hold the state for this run (a run that writes: one at a time per state), read and parse the list
    (refusing a half-written one before anything is fetched), open the state, learn from the bot's reviewed
    PRs, and build the publisher (`body_editors`: who edited a PR's description, when the run knows)."""
    dry_run = target.mode == "dry-run"
    with nullcontext() if dry_run else run_lock(endpoints.state_path or config.state_path(), config.lock_wait()):
        yield _workspace(settings, target, endpoints, out, body_editors)


def _workspace(
    settings: Settings, target: Target, endpoints: Endpoints, out: TextIO, body_editors: dict[int, str] | None = None
) -> Workspace:
    state = open_state(endpoints.state_path, dry_run=target.mode == "dry-run", window=settings.stream_window)
    github = None
    if target.reads_github:
        url = endpoints.github_url or settings.github_url
        delay = config.github_delay(url)
        github = GitHubPublisher(target.repo or "", endpoints.token, target.in_repo, url, tuple(settings.labels),
                                 settings.branch_prefix, delay, delay, config.github_max_wait(),
                                 body_editors)  # fmt: skip
    if target.git_repo:
        clone = LocalGitPublisher(target.git_repo, target.in_repo, settings.branch_prefix, settings.git_identity)
        clone.refuse_checked_out_bot_branches()  # before anything is fetched or trained
        doc = parse(clone.read_list(), clone.list_path)
    elif target.list_path:
        doc = load(target.list_path)  # a clear error for an unreadable list, before anything is fetched
    else:
        assert github is not None  # Target.resolve: no list path and no clone means a repository
        (listed, _head) = github.read_list()
        doc = parse(listed, target.in_repo)
    text = render(doc)
    refuse_half_written(doc, doc.path or target.in_repo)

    pending = OpenPull()
    if github is not None:
        learned = sync_feedback(github.bot_pulls(skip=state.reviewed_pulls()), state)
        if learned:
            log.info("learned from reviewed bot PRs: %s", learned)
        pending = github.open_pull()
        if pending.more and pending.number is not None:  # its markers had no room for every key: the state has them
            pending = pending.with_keys(state.pull_keys(pending.number))
    publisher: Publisher
    if target.mode == "dry-run":
        publisher = DryRunPublisher(out, text, pending)
    elif target.mode == "git":
        publisher = clone
    else:
        assert github is not None
        publisher = github
    return Workspace(doc, publisher, state, target.mode != "dry-run", target.in_repo, settings.dialect)


def sync_feedback(pulls: Sequence[PullRequestRecord], state: State) -> dict[str, int]:
    """Learn from the bot's reviewed PRs: merged entries accepted, removed or closed ones rejected."""
    outcomes: dict[str, tuple[str, str | None, int]] = {}
    for pr in pulls:
        if pr.state == "open":
            continue
        merged_doc = parse(pr.merged_list) if pr.state == "merged" and pr.merged_list else None
        kept = state.pull_keys(pr.number) if pr.more else {}
        keys = dict.fromkeys([*pr.ids, *pr.updates, *kept.get("ids", ()), *kept.get("updates", ())])
        cached = state.cached_abstracts([k for k in keys if not is_arxiv_key(k)])
        for key in keys:
            # Rejected: closed unmerged, or the maintainer removed the entry before merging.
            merged = merged_doc is not None and _holds(merged_doc, key, cached.get(key))
            outcome = "accepted" if merged else "rejected"
            outcomes.setdefault(key, (outcome, state.proposed_venue(key), pr.number))
    state.record_pulls(pulls, outcomes)
    return dict(Counter(o for o, _, _ in outcomes.values()))


def _holds(doc: AwesomeList, key: str, record: dict | None) -> bool:
    """The merged list has the paper of `key` (an arXiv id; else found by the paper's cached record, or by the
    title a title key holds)."""
    if is_arxiv_key(key):
        return doc.find(arxiv_id=key) is not None
    if record is not None:
        return find_paper(doc, Paper.from_record(record)) is not None
    return key.startswith("title:") and doc.find(title=key.removeprefix("title:")) is not None


def open_state(state_path: Path | None, dry_run: bool, window: int | None = None) -> State:
    """The state; a dry run reads a private copy of it (or an empty one) and never writes the real file."""
    path = state_path or config.state_path()
    if dry_run:
        scratch = tempfile.mkdtemp(prefix="mimwatch-dry-run-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        return State.snapshot(path, scratch)
    return State(path) if window is None else State(path, stream_window=window)


def arxiv_api(api_url: str, cache: PageCache | None = None, attempts: int = Backoff.attempts) -> ApiSource:
    """The arXiv API source, paced for arxiv.org (see config.request_delay), with the configured backoff."""
    backoff = Backoff(base=config.retry_base(), attempts=attempts)
    return ApiSource(base_url=api_url, cache=cache, delay_seconds=config.request_delay(api_url), backoff=backoff,
                     timeouts=Timeouts.within(config.request_timeout()))  # fmt: skip


def arxiv_feed(feed_url: str, categories: Sequence[str]) -> FeedSource:
    """Today's arXiv feed of `categories`, with the configured backoff and timeouts."""
    return FeedSource(base_url=feed_url, categories=list(categories), backoff=Backoff(base=config.retry_base()),
                      timeouts=Timeouts.within(config.request_timeout()))  # fmt: skip


@dataclass(frozen=True)
class Built:
    """What `corpus build` wrote."""

    written: int  # abstracts fetched and written
    arxiv_entries: int  # entries with an arXiv link
    title_only: int  # entries without one (trained on their title)


def build_corpus(list_path: Path, out: Path, api_url: str, progress: Progress | None = None) -> Built:
    """Fetch the abstract of every arXiv entry of the list into a JSONL(.gz) file, written atomically."""
    doc = load(list_path)
    ids = sorted({e.arxiv_id for e in doc.entries if e.arxiv_id})
    title_only = len({e.title for e in doc.entries if not e.arxiv_id})
    papers = arxiv_api(api_url).fetch_ids(ids, progress=progress)
    if str(out).endswith(".gz"):
        with atomic_output(out, binary=True) as raw, gzip.open(raw, "wt", encoding="utf-8") as handle:
            write_jsonl((p.to_record() for p in papers), handle)
    else:
        with atomic_output(out) as handle:
            write_jsonl((p.to_record() for p in papers), handle)
    return Built(len(papers), len(ids), title_only)


def fetch(
    *,
    since: date | None = None,
    until: date | None = None,
    ids: Iterable[str] = (),
    use_feed: bool = False,
    source_file: Path | None = None,
    categories: Sequence[str] = (),
    api_url: str = DEFAULT_API_URL,
    feed_url: str = DEFAULT_FEED_URL,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> FeedResult:
    """Papers from exactly one of: an API date window, arXiv ids, today's feed, or a saved file."""
    ids = list(ids)
    if sum([bool(since), bool(ids), use_feed, source_file is not None]) != 1:
        raise UsageProblem("give exactly one of --since, --ids, --feed or --source")
    if until and not since:
        raise UsageProblem("--until goes with --since")
    if since and until and since > until:
        raise UsageProblem(f"--since {since} is after --until {until}")
    if bad := [i for i in ids if not is_arxiv_key(i.strip())]:
        raise UsageProblem(f"--ids: not arXiv ids: {', '.join(bad[:5])} (expected e.g. 2111.06377 or 2111.06377v2)")
    if since:
        cache = PageCache(config.cache_path()) if use_cache else None
        papers = tuple(arxiv_api(api_url, cache).search(since, until, list(categories), progress=progress))
        return FeedResult(papers=papers, updates=(), announced=True, date=until, origin=api_url)
    if ids:
        papers = tuple(arxiv_api(api_url).fetch_ids(ids, progress=progress))
        return FeedResult(papers=papers, updates=(), announced=True, date=None, origin=api_url)
    if use_feed:
        return arxiv_feed(feed_url, categories).fetch()
    assert source_file is not None
    return read_source_file(source_file)


@dataclass(frozen=True)
class Initialised:
    """What `init` found and wrote."""

    list_path: Path
    dialect: str
    counts: dict[str, int]  # entries per dialect
    sections: dict[str, int]  # entries per section
    unreadable: int
    repo: str | None
    written: tuple[Path, ...]


def init(folder: Path, list_path: Path | None = None, repo: str | None = None, force: bool = False) -> Initialised:
    """Set mimwatch up in a list's repository: find the list, detect its dialect and sections, write a commented
    `mimwatch.toml` and the example workflow (`.github/workflows/mimwatch.yml`). Refuses to overwrite either
    without `force`."""
    folder = Path(folder)
    path = list_path or _find_list(folder)
    doc = load(path if path.is_absolute() else folder / path)
    relative = (path if not path.is_absolute() else path.relative_to(folder.resolve())).as_posix()
    counts = dict(Counter(e.format or "" for e in doc.entries).most_common())
    sections = {s: len(doc.entries_in(s)) for s in doc.sections}
    repo = repo or _origin_repo(folder)
    settings_file = folder / "mimwatch.toml"
    workflow = folder / ".github" / "workflows" / "mimwatch.yml"
    if not force and (existing := [p for p in (settings_file, workflow) if p.exists()]):
        raise UsageProblem(f"{', '.join(map(str, existing))} exist already; --force writes over them")
    found = Initialised(Path(relative), doc.entry_format, counts, sections, len(doc.unreadable), repo, ())
    workflow.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(settings_file, settings_text(found))
    example = (shipped_dir("examples") / "awesome-list-workflow.yml").read_text(encoding="utf-8")
    write_atomic(workflow, example.replace("list-path: README.md", f"list-path: {relative}"))
    return replace(found, written=(settings_file, workflow))


def settings_text(found: Initialised) -> str:
    """A commented `mimwatch.toml` for the list `init` found."""
    from .awesome.dialects import dialect
    from .settings import Settings

    defaults = Settings()
    style = dialect(found.dialect)
    other = [f"{n} ({c})" for n, c in found.counts.items() if n != found.dialect]
    lines = [
        f"# mimwatch settings for {found.list_path}, written by `mimwatch init`. Options on the command line win.",
        "[mimwatch]",
        "# The list (in this checkout) and its path in the repository.",
        f'list = "{found.list_path}"',
        f'list_path = "{found.list_path}"',
        "# The list's GitHub repository: needed to open pull requests (`mimwatch scan --open-pr`).",
        f'repo = "{found.repo}"' if found.repo else '# repo = "OWNER/NAME"',
        "",
        f"# New entries are written in the list's own dialect: {found.dialect}, like",
        f"#   {style.summary}",
        f"# ({found.counts.get(found.dialect, 0)} of {sum(found.counts.values())} entries"
        + (f"; also {', '.join(other)}" if other else "") + "). Name another to override it:",
        f'# dialect = "{found.dialect}"',
    ]
    if found.unreadable:
        lines.append(f"# {found.unreadable} entries could not be read; `mimwatch lint {found.list_path}` lists them.")
    lines += ["", "# The sections papers are filed under (the model learns them from their entries):"]
    lines += [f"#   {name} ({n} entr{'y' if n == 1 else 'ies'})" for name, n in found.sections.items()]
    lines += [
        "",
        "# arXiv categories to watch.",
        "categories = [" + ", ".join(f'"{c}"' for c in defaults.categories) + "]",
        "# The model's own threshold lets about 2.5 of 1,000 new papers through; set one (0..1) for more or fewer.",
        "# threshold = 0.5",
        "# At most this many new papers per run; the rest wait for the next.",
        f"max_candidates = {defaults.max_candidates}",
        "# Phrases that rule a paper out (title or abstract, whole words, any case).",
        "exclude = []",
        "# When `mimwatch schedule` scans (the Action has its own cron in .github/workflows/mimwatch.yml).",
        f'schedule = "{defaults.schedule}"',
        f'timezone = "{defaults.timezone}"',
        "",
    ]
    return "\n".join(lines)


def _find_list(folder: Path) -> Path:
    """README.md when it holds entries, else the Markdown file at the top of `folder` that holds the most."""
    candidates = [folder / "README.md", *sorted(p for p in folder.glob("*.md") if p.name != "README.md")]
    best: tuple[int, Path] | None = None
    for path in candidates:
        try:
            count = len(parse(path.read_text(encoding="utf-8"), path).entries) if path.is_file() else 0
        except (MimwatchError, OSError, UnicodeDecodeError):
            continue
        if count and (best is None or count > best[0]):
            best = (count, path)
        if count and path.name == "README.md":
            break
    if best is None:
        raise UsageProblem(f"found no awesome list (a Markdown file with paper entries) in {folder}; give --list PATH")
    return best[1].relative_to(folder)


def _origin_repo(folder: Path) -> str | None:
    """OWNER/NAME of the clone's `origin` on GitHub, when it has one."""
    import re
    import subprocess

    done = subprocess.run(["git", "-C", str(folder), "remote", "get-url", "origin"], capture_output=True, text=True)
    m = re.search(r"github\.com[:/](?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?$", done.stdout.strip())
    return m.group("repo") if done.returncode == 0 and m else None
