"""What mimwatch remembers between runs, in SQLite: papers seen and decided, runs, bot PRs and their outcome.

Every run's writes happen in one transaction: a crash leaves the previous state as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

from .errors import MimwatchError
from .papers import key_from_token, key_token, record_key, title_key

# Each migration takes the state from the version before it to its own (PRAGMA user_version). A state of
# the first release has version 0 and the tables of migration 1, which are created only where missing.
MIGRATIONS: dict[int, str] = {}
MIGRATIONS[1] = """
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY, version INTEGER, title TEXT, relevance REAL, section TEXT, venue TEXT,
    decision TEXT NOT NULL, run_id INTEGER, updated TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT, finished TEXT, since TEXT, until TEXT,
    source TEXT, status TEXT, counts TEXT);
CREATE TABLE IF NOT EXISTS pulls (
    number INTEGER PRIMARY KEY, url TEXT, branch TEXT, ids TEXT, updates TEXT, state TEXT, synced TEXT);
CREATE TABLE IF NOT EXISTS outcomes (
    id TEXT PRIMARY KEY, outcome TEXT NOT NULL, version INTEGER, venue TEXT, pull INTEGER, updated TEXT);
CREATE TABLE IF NOT EXISTS abstracts (id TEXT PRIMARY KEY, record TEXT NOT NULL);
"""
# The recent stream: every paper a scan judged, as a record, newest kept (the window); retraining's negatives.
MIGRATIONS[2] = """
CREATE TABLE IF NOT EXISTS stream (key TEXT PRIMARY KEY, record TEXT NOT NULL, run_id INTEGER);
CREATE INDEX IF NOT EXISTS stream_by_run ON stream (run_id);
"""
# The papers a bot PR leaves to triage, beside its new papers and updates (the whole lists: its markers are bounded).
MIGRATIONS[3] = """
ALTER TABLE pulls ADD COLUMN triage TEXT;
"""
# What the maintainers said by ticking boxes in the bot's PR: a paper's section, a positive, a rejection.
MIGRATIONS[4] = """
CREATE TABLE IF NOT EXISTS labels (
    key TEXT PRIMARY KEY, section TEXT, verdict TEXT NOT NULL, editor TEXT, pull INTEGER, updated TEXT);
"""
# Sources beyond arXiv: how far each source's window has been read; papers told apart across sources by title.
MIGRATIONS[5] = """
CREATE TABLE IF NOT EXISTS windows (source TEXT PRIMARY KEY, until TEXT NOT NULL, updated TEXT);
ALTER TABLE papers ADD COLUMN title_key TEXT;
CREATE INDEX IF NOT EXISTS papers_by_title ON papers (title_key);
"""
SCHEMA_VERSION = max(MIGRATIONS)
PULL_KINDS = ("ids", "updates", "triage")  # the keys a bot PR names, as the `pulls` table keeps them
STREAM_WINDOW = 30_000


@dataclass(frozen=True)
class PaperDecision:
    id: str
    version: int | None
    title: str
    relevance: float | None
    section: str | None
    decision: str  # proposed, irrelevant, triage, update-proposed, deferred, excluded
    venue: str | None = None  # the venue tag proposed, to tell a later version's new venue apart


@dataclass(frozen=True)
class Label:
    """A maintainer's word on a paper, from a box ticked in the bot's PR."""

    key: str
    section: str | None  # the section it belongs in (moves and additions)
    verdict: str  # section (moved), positive (added), rejected (taken out)
    editor: str
    pull: int | None = None


@dataclass(frozen=True)
class PublishedPull:
    """The bot PR a run published: its number, and every paper it names by kind (ids, updates, triage)."""

    number: int
    url: str
    branch: str
    keys: dict[str, list[str]]


class Mark(NamedTuple):
    """What the state says of a paper: a scan's decision (proposed, irrelevant, …) or the maintainers' review
    outcome (accepted, rejected), with the venue tag of that time."""

    what: str
    venue: str | None


@dataclass(frozen=True)
class History:
    """The earlier decisions and review outcomes of the papers a run meets, read once for the whole run."""

    decisions: dict[str, Mark]
    outcomes: dict[str, Mark]


class StateError(MimwatchError):
    """The state file cannot be opened or read; says which file and what to do."""


class State:
    def __init__(self, path: str | Path, stream_window: int = STREAM_WINDOW):
        self.path = Path(path)
        self.stream_window = stream_window
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._db() as db:
                self._migrate(db)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise _state_error(self.path, exc) from exc

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{self.path}: written by a newer mimwatch (state version {version}, this one reads up to "
                f"{SCHEMA_VERSION}); upgrade mimwatch"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript commits first; the version moves only with the tables of its migration.
            db.executescript(f"BEGIN;\n{MIGRATIONS[target]}\nPRAGMA user_version = {target};\nCOMMIT;")

    @classmethod
    def snapshot(cls, path: str | Path, scratch: str | Path) -> State:
        """A private copy of the state at `path` (or an empty one) in the folder `scratch`, for a dry run:
        it reads what the real state knows and never writes to it, even in a read-only folder."""
        copy = Path(scratch) / "state.sqlite"
        path = Path(path)
        if path.exists():
            try:
                # immutable: no lock, -wal or -shm file is created beside a state we may not write to.
                source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
                with closing(source), closing(sqlite3.connect(copy)) as target:
                    source.backup(target)
            except sqlite3.DatabaseError as exc:
                raise _state_error(path, exc) from exc
        return cls(copy)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection to the state; a damaged file (found at any query, not only on opening) is reported with
        its path and the remedy."""
        try:
            with closing(self._connect()) as db:
                yield db
        except sqlite3.DatabaseError as exc:
            raise _state_error(self.path, exc) from exc

    # ---- questions -------------------------------------------------------------------------

    def history(self, ids: Iterable[str], titles: dict[str, str] | None = None) -> History:
        """Earlier decisions and review outcomes of these papers; a paper known under another key (seen on
        another source: `titles` maps a key to its title key) counts as the same paper."""
        ids = list(dict.fromkeys(ids))
        with self._db() as db:
            decisions = {i: Mark(d, v) for i, d, v in
                         _by_ids(db, "SELECT id, decision, venue FROM papers WHERE id IN ({ids})", ids)}  # fmt: skip
            outcomes = {i: Mark(o, v) for i, o, v in
                        _by_ids(db, "SELECT id, outcome, venue FROM outcomes WHERE id IN ({ids})", ids)}  # fmt: skip
            by_title = {k: t for k, t in (titles or {}).items() if k not in decisions}
            if by_title:
                query = ("SELECT p.title_key, p.decision, p.venue, o.outcome, o.venue FROM papers p"
                         " LEFT JOIN outcomes o ON o.id = p.id WHERE p.title_key IN ({ids})")  # fmt: skip
                rows = _by_ids(db, query, set(by_title.values()))
                known = {t: (Mark(d, v), Mark(o, ov) if o else None) for t, d, v, o, ov in rows}
                for key, title in by_title.items():
                    if title in known:
                        decisions[key] = known[title][0]
                        if known[title][1] is not None and key not in outcomes:
                            outcomes[key] = known[title][1]
            return History(decisions=decisions, outcomes=outcomes)

    def outcome(self, paper_id: str) -> Mark | None:
        """(accepted|rejected, venue at the time) from the maintainers' review of a bot PR."""
        with self._db() as db:
            row = db.execute("SELECT outcome, venue FROM outcomes WHERE id=?", (paper_id,)).fetchone()
        return Mark(*row) if row else None

    def deferred_papers(self) -> list[dict]:
        """Cached records of relevant papers an earlier run left over (over its --max-candidates), best first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT a.record FROM papers p JOIN abstracts a ON a.id = p.id WHERE p.decision='deferred'"
                " ORDER BY p.relevance DESC, p.id"
            ).fetchall()
        return [json.loads(r) for (r,) in rows]

    def proposed_sections(self, ids: Iterable[str]) -> dict[str, str]:
        """The section each of these papers was proposed for, when it was."""
        with self._db() as db:
            rows = list(_by_ids(db, "SELECT id, section FROM papers WHERE decision='proposed' AND id IN ({ids})", ids))
        return {i: s for i, s in rows if s}

    def proposed_venue(self, paper_id: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT venue FROM papers WHERE id=?", (paper_id,)).fetchone()
        return row[0] if row else None

    def labelled_papers(self) -> list[tuple[dict, str]]:
        """Papers the maintainers placed in a section by a tick (moved, added), with their records: positives and
        section labels for retraining. Rejections are not here: they are among the stream's negatives."""
        with self._db() as db:
            rows = db.execute(
                "SELECT a.record, l.section FROM labels l JOIN abstracts a ON a.id = l.key"
                " WHERE l.verdict IN ('section', 'positive') AND l.section IS NOT NULL ORDER BY l.key"
            ).fetchall()
        return [(json.loads(r), section) for r, section in rows]

    def reviewed_pulls(self) -> frozenset[int]:
        """Bot PRs already merged or closed when last synced: their outcome is learned."""
        with self._db() as db:
            rows = db.execute("SELECT number FROM pulls WHERE state IN ('merged', 'closed')").fetchall()
        return frozenset(r[0] for r in rows)

    def outcomes(self) -> dict[str, str]:
        with self._db() as db:
            return dict(db.execute("SELECT id, outcome FROM outcomes").fetchall())

    def last_successful_until(self, source: str | None = None) -> date | None:
        """The last day a successful run read: of `source`'s window (`openreview:…`, `biorxiv`), else of the arXiv
        API's (the runs' own window)."""
        with self._db() as db:
            row = db.execute("SELECT until FROM windows WHERE source = ?", (source,)).fetchone() if source else None
            if row is None and source in (None, "api"):
                row = db.execute(
                    "SELECT until FROM runs WHERE status='ok' AND until IS NOT NULL ORDER BY id DESC LIMIT 1"
                ).fetchone()
        return date.fromisoformat(row[0]) if row else None

    def cached_abstracts(self, ids: Iterable[str]) -> dict[str, dict]:
        with self._db() as db:
            rows = list(_by_ids(db, "SELECT id, record FROM abstracts WHERE id IN ({ids})", ids))
        return {i: json.loads(r) for i, r in rows}

    # ---- writes (each one transaction) ----------------------------------------------------

    def record_run(
        self,
        *,
        started: datetime,
        since: date | None,
        until: date | None,
        source: str,
        status: str,
        counts: dict,
        decisions: Iterable[PaperDecision] = (),
        papers: Iterable[dict] = (),
        pull: PublishedPull | None = None,
        labels: Iterable[Label] = (),
        outcomes: dict[str, str] | None = None,
        windows: dict[str, date] | None = None,
    ) -> int:
        """One run, its decisions, the records of the papers it judged (the stream) and the bot PR it published
        (every key it names: its markers are bounded), in one transaction."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db() as db, db:
            cursor = db.execute(
                "INSERT INTO runs (started, finished, since, until, source, status, counts) VALUES (?,?,?,?,?,?,?)",
                (started.isoformat(timespec="seconds"), now, since and since.isoformat(),
                 until and until.isoformat(), source, status, json.dumps(counts)),
            )  # fmt: skip
            run_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO papers (id, version, title, relevance, section, venue, decision, run_id, updated,"
                " title_key) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET version=excluded.version,"
                " relevance=excluded.relevance, section=excluded.section, venue=excluded.venue,"
                " decision=excluded.decision, run_id=excluded.run_id, updated=excluded.updated,"
                " title_key=excluded.title_key",
                [
                    (d.id, d.version, d.title, d.relevance, d.section, d.venue, d.decision, run_id, now,
                     title_key(d.title))
                    for d in decisions
                ],
            )  # fmt: skip
            db.executemany(
                "INSERT OR REPLACE INTO stream (key, record, run_id) VALUES (?, ?, ?)",
                [(record_key(r), json.dumps(r, ensure_ascii=False), run_id) for r in papers],
            )
            db.execute(
                "DELETE FROM stream WHERE rowid NOT IN (SELECT rowid FROM stream ORDER BY run_id DESC, rowid DESC"
                " LIMIT ?)",
                (self.stream_window,),
            )
            if pull is not None:
                self._write_pull(db, pull.number, pull.url, pull.branch, pull.keys, "open", now)
            db.executemany(
                "INSERT OR REPLACE INTO windows (source, until, updated) VALUES (?, ?, ?)",
                [(source_name, day.isoformat(), now) for source_name, day in (windows or {}).items()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO labels (key, section, verdict, editor, pull, updated) VALUES (?,?,?,?,?,?)",
                [(x.key, x.section, x.verdict, x.editor, x.pull, now) for x in labels],
            )
            db.executemany(
                "INSERT OR REPLACE INTO outcomes (id, outcome, venue, pull, updated) VALUES (?, ?,"
                " (SELECT venue FROM papers WHERE id = ?), ?, ?)",
                [(key, outcome, key, pull.number if pull else None, now) for key, outcome in (outcomes or {}).items()],
            )
        return run_id

    def stream_negatives(self) -> list[dict]:
        """Records of recent papers the bot judged not list material: scored irrelevant or excluded by a
        phrase, or rejected by the maintainers; never what it proposed, deferred or the maintainers accepted."""
        with self._db() as db:
            rows = db.execute(
                "SELECT s.record FROM stream s LEFT JOIN papers p ON p.id = s.key LEFT JOIN outcomes o ON o.id = s.key"
                " WHERE o.outcome = 'rejected' OR (o.outcome IS NULL AND (p.decision IS NULL"
                " OR p.decision IN ('irrelevant', 'excluded'))) ORDER BY s.run_id, s.rowid"
            ).fetchall()
        return [json.loads(r) for (r,) in rows]

    def record_pulls(self, pulls: Iterable, outcomes: dict[str, tuple[str, str | None, int]]) -> None:
        """Bot PRs as GitHub has them now (a PR whose markers had no room for all its keys keeps the keys the
        state knows), and what their review says of each paper."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db() as db, db:
            for p in pulls:
                kept = self._pull_keys(db, p.number) if getattr(p, "more", 0) else {}
                keys = {kind: [*getattr(p, kind), *(k for k in kept.get(kind, ()) if k not in getattr(p, kind))]
                        for kind in PULL_KINDS}  # fmt: skip
                self._write_pull(db, p.number, p.url, p.branch, keys, p.state, now)
            db.executemany(
                "INSERT OR REPLACE INTO outcomes (id, outcome, venue, pull, updated) VALUES (?,?,?,?,?)",
                [(pid, outcome, venue, number, now) for pid, (outcome, venue, number) in outcomes.items()],
            )

    def pull_keys(self, number: int) -> dict[str, list[str]]:
        """The keys of every paper a bot PR proposes, updates and leaves to triage, as the bot last published it."""
        with self._db() as db:
            return self._pull_keys(db, number)

    @staticmethod
    def _pull_keys(db: sqlite3.Connection, number: int) -> dict[str, list[str]]:
        row = db.execute("SELECT ids, updates, triage FROM pulls WHERE number=?", (number,)).fetchone()
        return {kind: [key_from_token(t) for t in (value or "").split()]
                for kind, value in zip(PULL_KINDS, row or ("", "", ""), strict=True)}  # fmt: skip

    @staticmethod
    def _write_pull(db: sqlite3.Connection, number: int, url: str, branch: str, keys: dict[str, list[str]],
                    state: str, now: str) -> None:  # fmt: skip
        words = {kind: " ".join(key_token(k) for k in keys.get(kind, ())) for kind in PULL_KINDS}
        db.execute(
            "INSERT OR REPLACE INTO pulls (number, url, branch, ids, updates, triage, state, synced)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (number, url, branch, words["ids"], words["updates"], words["triage"], state, now),
        )

    def cache_abstracts(self, records: Iterable[dict]) -> None:
        with self._db() as db, db:
            db.executemany(
                "INSERT OR REPLACE INTO abstracts (id, record) VALUES (?, ?)",
                [(record_key(r), json.dumps(r, ensure_ascii=False)) for r in records],
            )


@contextmanager
def run_lock(
    state_path: Path, wait: float, sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the state for one run: a second run on the same state waits up to `wait` seconds for the first
    to finish, then stops naming the process that holds it. Two runs at once would each publish their own
    papers and record both as proposed, though the PR keeps only one run's.

    The lock is an advisory lock (flock) on `<state>.lock`: the system drops it when its holder dies, so a
    killed run never leaves the state locked.
    """
    import fcntl

    path = state_path.with_name(state_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until the run ends
    try:
        deadline = clock() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if clock() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise StateError(
                        f"{state_path} is in use by another mimwatch run ({holder}); waited {wait:.0f} s "
                        "(MIMWATCH_LOCK_WAIT): run again once it has finished"
                    ) from None
                sleep(min(0.2, max(deadline - clock(), 0.01)))
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock


def _by_ids(db: sqlite3.Connection, query: str, ids: Iterable[str]) -> Iterator[tuple]:
    """The rows of `query` (its `{ids}` stands for the placeholders) for these ids, 500 at a time: SQLite
    caps the number of parameters of a statement."""
    ids = list(ids)
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        yield from db.execute(query.format(ids=",".join("?" * len(chunk))), chunk)


def _state_error(path: Path, exc: Exception) -> StateError:
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return StateError(
            f"{path}: the state file is damaged ({exc}); move it away (e.g. `mv {path} {path}.broken`) and run "
            "again: mimwatch starts a new state and learns the bot's open and reviewed PRs back from GitHub"
        )
    return StateError(f"{path}: cannot open the state file ({exc}); check the folder exists and is writable")
