"""The awesome list: parse, query, edit, render and lint it without touching a byte it should not."""

from ..papers import arxiv_id_from_url, normalise_title
from .document import AwesomeList
from .model import Entry, Heading, Link, Text
from .parse import load, parse, render

__all__ = [
    "AwesomeList",
    "Entry",
    "Heading",
    "Link",
    "Text",
    "arxiv_id_from_url",
    "load",
    "normalise_title",
    "parse",
    "render",
]
