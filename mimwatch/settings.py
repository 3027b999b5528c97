"""The configuration file (`mimwatch.toml`, or `[tool.mimwatch]` in pyproject.toml); CLI options override it.

Every setting is checked in one place (`check`), whatever it came from: its type, its range, its format. A
setting that cannot be used is a usage error (exit 2) of one line naming the setting and where it came from.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import UsageProblem
from .sources.feed import DEFAULT_CATEGORIES
from .state import STREAM_WINDOW


class ConfigError(UsageProblem):
    """A setting (in a file, the environment or an option) that cannot be used; names it and where it came from."""


@dataclass
class Settings:
    list: str | None = None  # the list in this checkout (without the file here, with `repo`: read from GitHub)
    repo: str | None = None  # OWNER/NAME on GitHub
    list_path: str = "README.md"  # the list's path inside the repository
    dialect: str | None = None  # the entry format new entries take; None: the one most of the list's entries use
    sources: list[str] = field(default_factory=lambda: ["rss"])  # rss, api, openreview:<venue id>, biorxiv[:cats]
    categories: list[str] = field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    threshold: float | None = None  # None: the model's own operating threshold
    max_candidates: int = 25
    stream_window: int = STREAM_WINDOW  # recent papers the state keeps for retraining (negatives)
    exclude: list[str] = field(default_factory=lambda: [])  # phrases that rule a paper out (title or abstract)
    labels: list[str] = field(default_factory=lambda: ["mimwatch"])
    deadline: str = "50m"  # how long a scan may take in all (the example workflow's job has 60 minutes)
    schedule: str = "30 0 * * mon,tue,wed,thu,fri"  # cron, in `timezone`: after the feed's midnight rebuild
    timezone: str = "America/New_York"
    model: str | None = None
    github_url: str = "https://api.github.com"
    openreview_url: str = "https://api2.openreview.net"  # OpenReview's API v2
    biorxiv_url: str = "https://api.biorxiv.org"
    branch_prefix: str = "mimwatch/"
    git_identity: str = "mimwatch <mimwatch@users.noreply.github.com>"  # commits, when git has no user of its own
    # The folder of the file the settings came from: `list` and `model` are relative to it (not a setting).
    folder: Path | None = field(default=None, compare=False)

    def path_of(self, value: str | None) -> Path | None:
        """A path the settings give, relative to their file's folder (the current folder without a file)."""
        if not value:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() or self.folder is None else self.folder / path

    @property
    def list_file(self) -> Path | None:
        """The list in this checkout (`list`), as a path from here."""
        return self.path_of(self.list)

    @property
    def model_dir(self) -> Path | None:
        return self.path_of(self.model)


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from FILE, else ./mimwatch.toml, else [tool.mimwatch] of ./pyproject.toml, else defaults."""
    candidates = [Path(path)] if path else [Path("mimwatch.toml"), Path("pyproject.toml")]
    for candidate in candidates:
        if not candidate.is_file():
            if path:
                raise ConfigError(f"{candidate}: no such configuration file")
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{candidate}: not valid TOML ({exc})") from exc
        if candidate.name == "pyproject.toml":
            table = data.get("tool", {}).get("mimwatch")
        else:
            table = data.get("mimwatch", data)
        if table is None:
            continue
        settings = _from_table(table, candidate)
        settings.folder = candidate.parent
        return settings
    return Settings()


def _from_table(table: dict, source: Path) -> Settings:
    known = {f.name for f in fields(Settings) if f.name != "folder"}
    settings = Settings()
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{source}: unknown setting {key!r}; known: {', '.join(sorted(known))}")
        if isinstance(getattr(settings, name), list) and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if problem := check(name, value):
            raise ConfigError(f"{source}: {key} {problem}")
        setattr(settings, name, value)
    return settings


def check(name: str, value: Any) -> str | None:
    """What is wrong with `value` for the setting `name` (a phrase to follow the setting's name), or None."""
    rule = _RULES.get(name)
    if value is None:
        return None if name in ("list", "repo", "dialect", "threshold", "model") else "must be set, not empty"
    return rule(value) if rule else None


def _text(pattern: str | None = None, shape: str = "") -> Callable[[Any], str | None]:
    def rule(value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return f"must be a non-empty string, not {value!r}"
        if pattern and not re.fullmatch(pattern, value):
            return f"must look like {shape}, not {value!r}"
        return None

    return rule


def _texts(pattern: str | None = None, shape: str = "", allow_empty: bool = True) -> Callable[[Any], str | None]:
    one = _text(pattern, shape)

    def rule(value: Any) -> str | None:
        if not isinstance(value, list) or (not value and not allow_empty):
            return f"must be a list of strings, not {value!r}"
        return next((f"holds {v!r}: each {problem}" for v in value
                     if (problem := one(v))), None)  # fmt: skip

    return rule


def _whole(minimum: int) -> Callable[[Any], str | None]:
    def rule(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            return f"must be a whole number of at least {minimum}, not {value!r}"
        return None

    return rule


def _threshold(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return f"must be a number from 0 to 1 (a relevance), not {value!r}"
    return None


def _dialect(value: Any) -> str | None:
    from .awesome.dialects import registry

    known = list(registry())
    return None if value in known else f"must be one of {', '.join(known)}, not {value!r}"


def _duration(value: Any) -> str | None:
    from .deadline import parse_duration

    try:
        parse_duration(str(value)) if isinstance(value, str | int | float) else parse_duration("")
    except ValueError:
        return f"must be a duration like 45m, 90s or 1h, not {value!r}"
    return None


def _cron(value: Any) -> str | None:
    from .schedule import cron_problem

    return _text()(value) or cron_problem(value)


def _timezone(value: Any) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return f"must be a time zone (e.g. America/New_York, UTC), not {value!r}"
    return None


def _list_path(value: Any) -> str | None:
    from .checkout import in_repo_path

    try:
        in_repo_path(value if isinstance(value, str) else "")
    except UsageProblem:
        return f"must be a path inside the repository (like README.md or docs/list.md), not {value!r}"
    return None


CATEGORY = r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)?)?"  # cs.CV, eess.IV, q-bio.BM, physics.bio-ph
URL = r"https?://[^\s/]+(?:/\S*)?"
SOURCE = r"rss|api|openreview:[^\s:]+/\S*[^/]|biorxiv(?::[^,]+(?:,[^,]+)*)?|.*\.(?:xml|atom|rss|json|jsonl|gz)"
_RULES: dict[str, Callable[[Any], str | None]] = {
    "list": _text(),
    "repo": _text(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "OWNER/NAME"),
    "list_path": _list_path,
    "dialect": _dialect,
    "categories": _texts(CATEGORY, "an arXiv category (cs.CV, eess.IV)", allow_empty=False),
    "threshold": _threshold,
    "max_candidates": _whole(1),
    "stream_window": _whole(100),
    "exclude": _texts(),
    "labels": _texts(r"[^,]{1,50}", "a GitHub label (at most 50 characters, no comma)"),
    "deadline": _duration,
    "schedule": _cron,
    "timezone": _timezone,
    "model": _text(),
    "github_url": _text(URL, "an http(s) URL (https://api.github.com)"),
    "openreview_url": _text(URL, "an http(s) URL (https://api2.openreview.net)"),
    "biorxiv_url": _text(URL, "an http(s) URL (https://api.biorxiv.org)"),
    "sources": _texts(SOURCE, "rss, api, openreview:<venue id>, biorxiv[:categories] or a saved file", False),
    "branch_prefix": _text(r"(?!.*\.\.)(?!.*//)[A-Za-z0-9._-][A-Za-z0-9._/-]*", "a branch name prefix (mimwatch/)"),
    "git_identity": _text(r"[^<>]*\S[^<>]* <[^<>@\s]+@[^<>\s]+>", "Name <email@example.org>"),
}
