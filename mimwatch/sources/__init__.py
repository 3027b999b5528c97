"""Where papers come from: the arXiv daily feed, the arXiv API, and saved files."""

from .api import ApiSource, date_window_query
from .feed import DEFAULT_CATEGORIES, FeedResult, FeedSource, parse_feed
from .files import read_source_file

__all__ = [
    "DEFAULT_CATEGORIES",
    "ApiSource",
    "FeedResult",
    "FeedSource",
    "date_window_query",
    "parse_feed",
    "read_source_file",
]
