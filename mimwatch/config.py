"""Where mimwatch keeps its files; resolved when asked, never at import, so tests and users can move it."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse


def home_dir() -> Path:
    """`MIMWATCH_HOME`, else the platform's user data folder (`~/.local/share/mimwatch` on Linux)."""
    if env := os.environ.get("MIMWATCH_HOME"):
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("mimwatch", appauthor=False))


def state_path() -> Path:
    """The SQLite state file: `MIMWATCH_STATE`, else `state.sqlite` in the home folder."""
    if env := os.environ.get("MIMWATCH_STATE"):
        return Path(env)
    return home_dir() / "state.sqlite"


def model_cache_dir() -> Path:
    """Models retrained on a list, by the list's content: `MIMWATCH_MODEL_CACHE`, else `models/` in the home
    folder. A cache, not state: deleting it costs one retraining."""
    if env := os.environ.get("MIMWATCH_MODEL_CACHE"):
        return Path(env)
    return home_dir() / "models"


def cache_path() -> Path:
    """The SQLite cache of fetched arXiv pages (resumable backfills)."""
    return home_dir() / "cache.sqlite"


ARXIV_MIN_DELAY = 3.0  # arXiv's terms of use: no more than one request every three seconds


def request_delay(url: str) -> float:
    """Seconds between API requests: `MIMWATCH_REQUEST_DELAY`, never under 3 s towards arxiv.org."""
    delay = float(os.environ.get("MIMWATCH_REQUEST_DELAY", ARXIV_MIN_DELAY))
    if "arxiv.org" in (urlparse(url).hostname or ""):
        delay = max(delay, ARXIV_MIN_DELAY)
    return max(delay, 0.0)


def github_delay(url: str) -> float | None:
    """Seconds between GitHub requests: PyGithub's own pacing (None) towards github.com, where secondary
    rate limits apply; elsewhere (GitHub Enterprise, a local fake) `MIMWATCH_REQUEST_DELAY` when set."""
    host = urlparse(url).hostname or ""
    if host.endswith("github.com") or "MIMWATCH_REQUEST_DELAY" not in os.environ:
        return None
    return max(float(os.environ["MIMWATCH_REQUEST_DELAY"]), 0.0)


def retry_base(default: float = 3.0) -> float:
    """Seconds before the first retry (doubling after each failure): `MIMWATCH_RETRY_BASE`."""
    return max(float(os.environ.get("MIMWATCH_RETRY_BASE", default)), 0.0)


def github_max_wait(default: float = 300.0) -> float:
    """Seconds a run may wait for GitHub's rate limit to reset before it stops: `MIMWATCH_GITHUB_MAX_WAIT`."""
    return max(float(os.environ.get("MIMWATCH_GITHUB_MAX_WAIT", default)), 0.0)


def lock_wait(default: float = 120.0) -> float:
    """Seconds a run waits for another run on the same state to finish: `MIMWATCH_LOCK_WAIT`."""
    return max(float(os.environ.get("MIMWATCH_LOCK_WAIT", default)), 0.0)


def request_timeout(default: float = 30.0) -> float:
    """Seconds one request to arXiv may take in all, answer included: `MIMWATCH_REQUEST_TIMEOUT`."""
    return max(float(os.environ.get("MIMWATCH_REQUEST_TIMEOUT", default)), 0.01)
