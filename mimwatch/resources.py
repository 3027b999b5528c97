"""Where the files shipped beside the code live, in a wheel and in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """`templates`, `models` or `examples`: inside the package in a wheel, at the repository root in a checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mimwatch is installed without its {name}/ folder (looked in {_PACKAGE})")
