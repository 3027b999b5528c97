"""The jinja2 environment every rendered text comes from: strict, and exact about newlines."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from .awesome.model import escape_markdown
from .resources import shipped_dir


def end_sentence(text: str) -> str:
    """Close a title or author list with a period, unless it already ends with `?` or `!`."""
    return text if text.endswith(("?", "!")) else text + "."


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(shipped_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML: untrusted text is escaped with the `md` filter
    )
    env.filters["md"] = escape_markdown
    env.filters["end_sentence"] = end_sentence
    return env


def render_template(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
