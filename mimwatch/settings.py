"""The configuration file (`mimwatch.toml`, or `[tool.mimwatch]` in pyproject.toml); CLI options override it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import MimwatchError
from .sources.feed import DEFAULT_CATEGORIES
from .state import STREAM_WINDOW


class ConfigError(MimwatchError):
    pass


@dataclass
class Settings:
    list: str | None = None  # the list in this checkout (without the file here, with `repo`: read from GitHub)
    repo: str | None = None  # OWNER/NAME on GitHub
    list_path: str = "README.md"  # the list's path inside the repository
    dialect: str | None = None  # the entry format new entries take; None: the one most of the list's entries use
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
    known = {f.name: f for f in fields(Settings) if f.name != "folder"}
    settings = Settings()
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{source}: unknown setting {key!r}; known: {', '.join(sorted(known))}")
        default = getattr(settings, name)
        if isinstance(default, list) and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if name in ("threshold",) and value is not None and not isinstance(value, int | float):
            raise ConfigError(f"{source}: {key} must be a number, not {value!r}")
        if name in ("max_candidates", "stream_window") and not isinstance(value, int):
            raise ConfigError(f"{source}: {key} must be a whole number, not {value!r}")
        if name == "dialect" and value not in _dialects():
            raise ConfigError(f"{source}: unknown {key} {value!r}; known: {', '.join(_dialects())}")
        if name == "exclude" and not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{source}: {key} must be a list of phrases (non-empty strings), not {value!r}")
        setattr(settings, name, value)
    return settings


def _dialects() -> list[str]:
    from .awesome.dialects import registry

    return list(registry())
