"""Awesome-MIM's two entry formats, as two dialects of one kind: links as `[[Label](url)]`, venue as `CVPR'2023`.

`br` (the Contribution section's format since 2023-09):

    * **Title**<br>
    *Author, Author*<br>
    CVPR'2023 [[Paper](https://arxiv.org/abs/…)]
    [[Code](https://github.com/…)]

`inline` (the older one):

    * **Abbr**: Author, Author.
       - Title. [[CVPR'2023](https://arxiv.org/abs/…)] [[code](https://github.com/…)]

A half-written entry of these formats stops the parse with its line (mimwatch never edits such a list).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...errors import ListEditError, ListFormatError
from ...markdown import unescape_markdown
from ...templating import render_template
from ..lines import content, ending, split_lines
from ..model import Entry, Link
from . import Dialect, Read, url_problem

if TYPE_CHECKING:
    from ..document import AwesomeList

# `* **Title**<br>` — the format the list's Contribution section asks for since 2023-09.
BR_HEADER_RE = re.compile(r"^\* \*\*(?P<title>.+)\*\*<br>\s*$")
BR_AUTHORS_RE = re.compile(r"^\*(?P<authors>.*)\*<br>\s*$")
# `* **Abbr**: Authors.` or `* Authors.` followed by `   - Title. [[Venue'Year](link)]` — the older format.
INLINE_ABBR_RE = re.compile(r"^\* \*\*(?P<abbr>.+?)\*\*:\s*(?P<authors>.*)$")
INLINE_TITLE_RE = re.compile(r"^\s+- (?P<rest>.*)$")
LINK_RE = re.compile(r"\[\[(?P<label>[^\]]*)\]\((?P<url>[^)]*)\)\]")
VENUE_RE = re.compile(r"^(?P<venue>[A-Za-z][A-Za-z0-9&.+\- ]*?)'(?P<year>\d{4})$")
VENUE_LINE_RE = re.compile(r"^\s*(?P<venue>[A-Za-z][A-Za-z0-9&.+\- ]*?)'(?P<year>\d{4})\b")
IMG_RE = re.compile(r"<img\b[^>]*\bsrc=\"(?P<src>[^\"]+)\"")
SUMMARY_RE = re.compile(r"<summary>\s*(?P<text>.*?)\s*</summary>")
_ENTRY_STOP_RE = re.compile(r"^(?:[*-] |#|```|<p align=\"right\")")


class _AwesomeMim(Dialect):
    def venue_text(self, venue: str, year: int) -> str:
        return f"{venue}'{year}"

    def _read_entry(self, lines: list[str], i: int, section: str | None, source: str | None, fields_of) -> Read:
        """The entry starting at line index `i`: up to a blank line or the next bullet or heading."""
        end = _entry_end(lines, i)
        fields = fields_of([content(x) for x in lines[i:end]], i + 1, source)
        return Read(end, (_entry(lines[i:end], fields, self.name, i + 1, section),))

    def link_problems(self, entry: Entry) -> list[tuple[int, str]]:
        problems = []
        for offset, line in enumerate(split_lines(entry.raw)):
            for m in LINK_RE.finditer(line):
                if problem := url_problem(f"link [[{m.group('label')}]]", m.group("url").strip()):
                    problems.append((offset, problem))
            stripped = LINK_RE.sub("", line)
            if "[[" in stripped:
                problems.append((offset, "unclosed link: " + stripped.strip()[:80]))
            elif re.search(r"\[[^\]\[]*\]\(https?://", stripped):
                problems.append((offset, "link not in the list's [[Label](url)] form: " + stripped.strip()[:80]))
        return problems

    def render(self, entry: Entry, doc: AwesomeList, section: str) -> str:
        if entry.venue_tag is None or not entry.paper_url:
            raise ListEditError(f"cannot render {entry.title!r}: an entry needs a venue, a year and a paper link")
        return render_template(
            f"entry_{self.name}.md.j2",
            entry=entry,
            paper_label=link_label(doc, "paper"),
            code_label=link_label(doc, "code"),
            indent=_inline_indent(doc),
        )

    def set_code(self, doc: AwesomeList, entry: Entry, body: list[str], url: str) -> list[str]:
        body = list(body)
        label = link_label(doc, "code")
        for i, line in enumerate(body):
            for m in LINK_RE.finditer(line):
                if m.group("label").strip().lower() == "code":
                    body[i] = line[: m.start("url")] + url + line[m.end("url") :]
                    return body
        # No code link yet: put one right after the paper link, on its own line when links stand one a line.
        for i, line in enumerate(body):
            for m in LINK_RE.finditer(line):
                kind = m.group("label").strip().lower()
                is_paper = kind == "paper" or (self.name == "inline" and m.group("url") == entry.paper_url)
                if not is_paper:
                    continue
                link = f"[[{label}]({url})]"
                if self.name == "br" and (line.lstrip().startswith("[[") or _next_is_link_line(body, i)):
                    end = ending(line) or doc.newline
                    if not line.endswith("\n"):
                        body[i] = line + doc.newline
                        end = ""
                    body.insert(i + 1, link + end)
                else:
                    body[i] = line[: m.end()] + " " + link + line[m.end() :]
                return body
        raise ListEditError(f"entry at line {entry.line} has no paper link to put a code link after")


class BrDialect(_AwesomeMim):
    name = "br"
    summary = "* **Title**<br> / *Authors*<br> / CVPR'2023 [[Paper](link)] [[Code](link)]"
    blank_between = True

    def read(self, lines: list[str], i: int, section: str | None, source: str | None) -> Read | None:
        if not BR_HEADER_RE.match(content(lines[i])):
            return None
        return self._read_entry(lines, i, section, source, _br_fields)

    def set_venue(self, doc: AwesomeList, entry: Entry, body: list[str], venue: str, year: int) -> list[str]:
        body = list(body)
        for i in range(2, len(body)):
            if m := VENUE_LINE_RE.match(body[i]):
                body[i] = body[i][: m.start("venue")] + f"{venue}'{year}" + body[i][m.end("year") :]
                return body
        raise ListEditError(f"entry at line {entry.line} has no venue tag to update")


class InlineDialect(_AwesomeMim):
    name = "inline"
    summary = "* **Abbr**: Authors. / - Title. [[CVPR'2023](link)] [[code](link)]"

    def read(self, lines: list[str], i: int, section: str | None, source: str | None) -> Read | None:
        line = content(lines[i])
        if not line.startswith("* ") or BR_HEADER_RE.match(line):
            return None
        following = content(lines[i + 1]) if i + 1 < len(lines) else ""
        title_line = INLINE_TITLE_RE.match(following) and "[[" in following
        # A bold `Abbr:` header is an entry even when its title line is missing (then it is half-written).
        if not (title_line or (INLINE_ABBR_RE.match(line) and line.startswith("* **"))):
            return None
        return self._read_entry(lines, i, section, source, _inline_fields)

    def set_venue(self, doc: AwesomeList, entry: Entry, body: list[str], venue: str, year: int) -> list[str]:
        body = list(body)
        for i, line in enumerate(body):
            for m in LINK_RE.finditer(line):
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9&.+\- ]*'\d{4}", m.group("label").strip()):
                    body[i] = line[: m.start("label")] + f"{venue}'{year}" + line[m.end("label") :]
                    return body
        raise ListEditError(f"entry at line {entry.line} has no venue tag to update")


BR = BrDialect()
INLINE = InlineDialect()


def link_label(doc: AwesomeList, kind: str) -> str:
    """How the list spells the `paper`/`code` link label (`Code` or `code`), by majority."""
    pattern = re.compile(r"\[\[(" + kind + r")\]\(", re.I)
    counts = Counter(m.group(1) for e in doc.entries if e.format in ("br", "inline") for m in pattern.finditer(e.raw))
    if counts:
        return counts.most_common(1)[0][0]
    return kind.capitalize() if doc.entry_format == "br" else kind


def _entry(lines: list[str], fields: dict, name: str, line_no: int, section: str | None) -> Entry:
    return Entry(**fields, format=name, section=section, line=line_no, end_line=line_no + len(lines) - 1,
                 raw="".join(lines))  # fmt: skip


def _entry_end(lines: list[str], start: int) -> int:
    """Index of the first line after the entry that starts at `start`."""
    j = start + 1
    while j < len(lines):
        line = content(lines[j])
        if not line.strip() or _ENTRY_STOP_RE.match(line):
            break
        j += 1
    return j


def _second_line(pattern: re.Pattern, texts: list[str], line_no: int, source: str | None, rule: str) -> re.Match:
    """The entry's second line matched by `pattern`; else the entry is half-written: ListFormatError with its line."""
    if len(texts) > 1 and (m := pattern.match(texts[1])):
        return m
    raise ListFormatError(f"half-written entry: {rule}", path=source, line=line_no + (len(texts) > 1),
                          text=texts[1] if len(texts) > 1 else texts[0])  # fmt: skip


def _br_fields(texts: list[str], line_no: int, source: str | None) -> dict:
    header = BR_HEADER_RE.match(texts[0])
    assert header is not None  # read() matched it
    authors_match = _second_line(BR_AUTHORS_RE, texts, line_no, source, "the title line must be followed by an "
                                 "'*Authors*<br>' line")  # fmt: skip
    venue = year = None
    if len(texts) > 2 and (v := VENUE_LINE_RE.match(texts[2])):
        venue, year = v.group("venue"), int(v.group("year"))
    paper_url = code_url = None
    others: list[Link] = []
    for link in _links(texts[2:]):
        kind = link.label.strip().lower()
        if kind == "paper" and paper_url is None:
            paper_url = link.url
        elif kind == "code" and code_url is None:
            code_url = link.url
        else:
            others.append(link)
    abbreviation = None
    for text in texts:
        if s := SUMMARY_RE.search(text):
            name = re.sub(r"\s*Framework$", "", s.group("text")).strip()
            abbreviation = unescape_markdown(name) or None
    return {
        "title": unescape_markdown(header.group("title").strip()),
        "authors": _split_authors(authors_match.group("authors")),
        "venue": venue,
        "year": year,
        "paper_url": paper_url,
        "code_url": code_url,
        "abbreviation": abbreviation,
        "other_links": tuple(others),
        "image_url": _image_url(texts),
        "figure": _figure(texts),
    }


def _inline_fields(texts: list[str], line_no: int, source: str | None) -> dict:
    header = texts[0]
    title_match = _second_line(INLINE_TITLE_RE, texts, line_no, source, "the author line must be followed by a "
                               "'   - Title. [[Venue'Year](link)]' line")  # fmt: skip
    abbreviation = None
    if m := INLINE_ABBR_RE.match(header):
        abbreviation = unescape_markdown(m.group("abbr").strip())
        authors_text = m.group("authors")
    else:
        authors_text = header[2:]
    rest = title_match.group("rest")
    first_link = re.search(r"(?<!\\) \[\[|^\[\[", rest)
    title_text = rest[: first_link.start()] if first_link else rest
    title = _strip_one_period(title_text.strip())
    venue = year = paper_url = code_url = None
    others: list[Link] = []
    for link in _links(texts[1:2]):
        kind = link.label.strip().lower()
        venue_match = VENUE_RE.match(link.label.strip())
        if venue_match and paper_url is None:
            venue, year, paper_url = venue_match.group("venue"), int(venue_match.group("year")), link.url
        elif kind == "code" and code_url is None:
            code_url = link.url
        elif kind == "paper" and paper_url is None:
            paper_url = link.url
        else:
            others.append(link)
    return {
        "title": unescape_markdown(title),
        "authors": _split_authors(_strip_one_period(authors_text.strip())),
        "venue": venue,
        "year": year,
        "paper_url": paper_url,
        "code_url": code_url,
        "abbreviation": abbreviation,
        "other_links": tuple(others),
        "image_url": _image_url(texts[2:]),
        "figure": _figure(texts[2:]),
    }


def _links(texts: Iterable[str]) -> list[Link]:
    return [Link(m.group("label"), m.group("url").strip()) for t in texts for m in LINK_RE.finditer(t)]


def _figure(texts: list[str]) -> str | None:
    figure = [
        t for t in texts if t.lstrip().startswith(("<details", "<summary", '<p align="center"', "</details", "<!--"))
    ]
    return "\n".join(figure) if figure else None


def _image_url(texts: list[str]) -> str | None:
    for text in texts:
        if not text.lstrip().startswith("<!--") and (m := IMG_RE.search(text)):
            return m.group("src")
    return None


def _split_authors(text: str) -> tuple[str, ...]:
    # Entries join authors with ", "; a name holding a comma cannot round-trip (arXiv names do not).
    return tuple(unescape_markdown(a.strip()) for a in text.split(",") if a.strip())


def _strip_one_period(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def _inline_indent(doc: AwesomeList) -> str:
    indents = Counter(
        m.group(1)
        for e in doc.entries
        if e.format == "inline"
        for m in [re.match(r"^(\s+)- ", split_lines(e.raw)[1])]
        if m
    )
    return indents.most_common(1)[0][0] if indents else "   "


def _next_is_link_line(body: list[str], i: int) -> bool:
    return i + 1 < len(body) and body[i + 1].lstrip().startswith("[[")
