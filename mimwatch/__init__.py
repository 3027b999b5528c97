"""mimwatch: a literature-watch bot for curated paper lists."""

__version__ = "0.1.0"
