"""One line per paper (EdisonLeeeee/Awesome-Masked-Autoencoders):

    + [Title](https://arxiv.org/abs/…) [:octocat:](code) [🌐](project page) Author, Author, …

No venue; sections by topic, newest entries last.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...errors import ListEditError
from ...markdown import escape_markdown, unescape_markdown
from ...papers import arxiv_id_from_url
from ..lines import content, ending
from ..model import Entry, Link, Unreadable
from . import Dialect, Read

if TYPE_CHECKING:
    from ..document import AwesomeList

_START = "+ ["
_ENTRY_RE = re.compile(r"^\+ \[(?P<title>(?:\\.|[^\]\\])+)\]\((?P<url>[^)\s]+)\)(?P<rest>.*)$")
# After the title, links and author text, read as Markdown does: an escaped character (`\[` in an author's name
# that holds a bracket) is text, so the scan steps over escaped pairs and a link starts only at a bare `[`.
_REST_RE = re.compile(r"\\.|(?P<link>\[(?P<label>(?:\\.|[^\]\\])*)\]\((?P<url>[^)\s]*)\))")
_MARKS = "🔥⭐🌟 "  # badges some entries carry before the title: not part of it
CODE, PROJECT = ":octocat:", "🌐"


class OneLineDialect(Dialect):
    name = "one-line"
    summary = "+ [Title](link) [:octocat:](code) Authors"
    has_venue = False
    required = ("title", "authors", "paper link")

    def read(self, lines: list[str], i: int, section: str | None, source: str | None) -> Read | None:
        line = content(lines[i])
        if not line.startswith(_START):
            return None
        m = _ENTRY_RE.match(line)
        if m is None:
            ids = tuple(filter(None, (arxiv_id_from_url(u) for u in re.findall(r"\(([^)\s]+)\)", line))))
            return Read(i + 1, (Unreadable(lines[i], i + 1, self.name, "no [Title](link) at its start", ids),))
        code_url, others = None, []
        for link in (t for t in _REST_RE.finditer(m.group("rest")) if t.group("link")):
            label, url = link.group("label"), link.group("url")
            if label == CODE and code_url is None:
                code_url = url
            elif label == PROJECT:
                others.append(Link("Project", url))
            else:
                others.append(Link("code" if label == CODE else label, url))
        authors = _REST_RE.sub(lambda t: "" if t.group("link") else t.group(0), m.group("rest"))
        entry = Entry(
            title=unescape_markdown(m.group("title")).lstrip(_MARKS).strip(),
            authors=tuple(unescape_markdown(a.strip()) for a in authors.split(",") if a.strip()),
            paper_url=m.group("url"), code_url=code_url, other_links=tuple(others),
            format=self.name, section=section, line=i + 1, end_line=i + 1, raw=lines[i],
        )  # fmt: skip
        return Read(i + 1, (entry,))

    def render(self, entry: Entry, doc: AwesomeList, section: str) -> str:
        if not entry.paper_url:
            raise ListEditError(f"cannot render {entry.title!r}: an entry needs a paper link")
        parts = [f"+ [{escape_markdown(entry.title)}]({entry.paper_url})"]
        if entry.code_url:
            parts.append(f"[{CODE}]({entry.code_url})")
        for link in entry.other_links:
            parts.append(f"[{PROJECT if link.label == 'Project' else link.label}]({link.url})")
        parts.append(", ".join(escape_markdown(a) for a in entry.authors))
        return " ".join(parts) + "\n"

    def set_code(self, doc: AwesomeList, entry: Entry, body: list[str], url: str) -> list[str]:
        line = body[0]
        m = _ENTRY_RE.match(content(line))
        if m is None:
            raise ListEditError(f"entry at line {entry.line} has no paper link to put a code link after")
        text = content(line)
        return [text[: m.end("url") + 1] + f" [{CODE}]({url})" + text[m.end("url") + 1 :] + ending(line), *body[1:]]


ONE_LINE = OneLineDialect()
