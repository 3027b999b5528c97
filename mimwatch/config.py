"""Where mimwatch keeps its files and how it paces and waits: read from the environment when asked, never at
import, so tests and users can move it. A value that is not a number where one is needed is a settings error
naming the variable (exit 2), at start (`check_environment`), never a traceback mid-run."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

from .settings import ConfigError

# The environment's numbers: variable → (default, smallest value, what it is).
NUMBERS = {
    "MIMWATCH_REQUEST_DELAY": (3.0, 0.0, "seconds between requests to arXiv"),
    "MIMWATCH_RETRY_BASE": (3.0, 0.0, "seconds before the first retry"),
    "MIMWATCH_GITHUB_MAX_WAIT": (300.0, 0.0, "seconds a run may wait for GitHub's rate limit"),
    "MIMWATCH_LOCK_WAIT": (120.0, 0.0, "seconds a run waits for another run on the same state"),
    "MIMWATCH_REQUEST_TIMEOUT": (30.0, 0.01, "seconds one request to arXiv may take"),
}
URLS = ("MIMWATCH_ARXIV_API_URL", "MIMWATCH_ARXIV_FEED_URL", "MIMWATCH_GITHUB_URL", "MIMWATCH_OPENREVIEW_URL",
        "MIMWATCH_BIORXIV_URL")
PATHS = ("MIMWATCH_HOME", "MIMWATCH_STATE", "MIMWATCH_MODEL_CACHE")


def number(name: str) -> float:
    """The environment's value of `name` (one of NUMBERS), else its default."""
    default, smallest, what = NUMBERS[name]
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= smallest or value == float("inf"):
        raise ConfigError(f"environment {name}={raw!r}: must be a number of at least {smallest:g} ({what})")
    return value


def check_environment() -> None:
    """Check every MIMWATCH_* variable that is set, before anything runs."""
    from .settings import URL

    for name in NUMBERS:
        number(name)
    for name in URLS:
        if (raw := os.environ.get(name)) is not None and not re.fullmatch(URL, raw):
            raise ConfigError(f"environment {name}={raw!r}: must be an http(s) URL")
    for name in PATHS:
        if (raw := os.environ.get(name)) is not None and not raw.strip():
            raise ConfigError(f"environment {name} is set but empty: unset it, or give a path")


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
    delay = number("MIMWATCH_REQUEST_DELAY")
    if "arxiv.org" in (urlparse(url).hostname or ""):
        delay = max(delay, ARXIV_MIN_DELAY)
    return delay


def github_delay(url: str) -> float | None:
    """Seconds between GitHub requests: PyGithub's own pacing (None) towards github.com, where secondary
    rate limits apply; elsewhere (GitHub Enterprise, a local fake) `MIMWATCH_REQUEST_DELAY` when set."""
    host = urlparse(url).hostname or ""
    if host.endswith("github.com") or "MIMWATCH_REQUEST_DELAY" not in os.environ:
        return None
    return number("MIMWATCH_REQUEST_DELAY")


def retry_base() -> float:
    """Seconds before the first retry (doubling after each failure): `MIMWATCH_RETRY_BASE`."""
    return number("MIMWATCH_RETRY_BASE")


def github_max_wait() -> float:
    """Seconds a run may wait for GitHub's rate limit to reset before it stops: `MIMWATCH_GITHUB_MAX_WAIT`."""
    return number("MIMWATCH_GITHUB_MAX_WAIT")


def lock_wait() -> float:
    """Seconds a run waits for another run on the same state to finish: `MIMWATCH_LOCK_WAIT`."""
    return number("MIMWATCH_LOCK_WAIT")


def request_timeout() -> float:
    """Seconds one request to arXiv may take in all, answer included: `MIMWATCH_REQUEST_TIMEOUT`."""
    return number("MIMWATCH_REQUEST_TIMEOUT")


def endpoint(variable: str, configured: str) -> str:
    """A service's URL: the environment's `variable` (tests, mirrors), else the settings' value."""
    return os.environ.get(variable) or configured
