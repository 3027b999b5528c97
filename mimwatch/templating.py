"""The jinja2 environment every rendered text comes from: strict, and exact about newlines."""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from .markdown import escape_markdown
from .resources import shipped_dir
from .review import box


def end_sentence(text: str) -> str:
    """Close a title or author list with a period, unless it already ends with `?` or `!`."""
    return text if text.endswith(("?", "!")) else text + "."


def neutralise(text: str) -> str:
    """Text from arXiv in a PR body: no @mentions that ping, no #123 that link issues, no raw HTML."""
    text = str(text).replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"@(?=[A-Za-z0-9_-])", "@\u200b", text)
    return re.sub(r"#(?=\d)", "#\u200b", text)


def table_cell(text: str) -> str:
    """Untrusted text inside a Markdown table cell or link text."""
    return neutralise(escape_markdown(str(text))).replace("\n", " ")


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
    env.filters["neutral"] = neutralise
    env.filters["cell"] = table_cell
    env.globals["box"] = box
    return env


def render_template(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
