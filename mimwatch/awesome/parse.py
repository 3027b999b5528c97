"""Parse an awesome list into blocks that keep their exact text; `render` joins them back byte for byte."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import ListFormatError
from ..markdown import unescape_markdown
from .document import AwesomeList
from .model import Block, Entry, EntryFormat, Heading, Link, Text

_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
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


def split_lines(text: str) -> list[str]:
    """Lines with their endings (`\\n` or `\\r\\n`); only `\\n` splits, unlike str.splitlines."""
    return _LINE_RE.findall(text)


def content(line: str) -> str:
    """A line without its line ending (and without a byte-order mark at the start of the file)."""
    return line.rstrip("\r\n").lstrip("\ufeff")


def parse(text: str, path: str | Path | None = None) -> AwesomeList:
    """Parse a list's Markdown; `render(parse(text)) == text` for any text that parses."""
    source = str(path) if path is not None else None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ListFormatError("binary content (NUL byte) where Markdown was expected", path=source, line=line)
    lines = split_lines(text)
    blocks: list[Block] = []
    pending: list[str] = []
    pending_start = 1
    heading_stack: list[Heading] = []
    in_fence = False
    i = 0

    def flush(upto: int) -> None:
        nonlocal pending, pending_start
        if pending:
            blocks.append(Text(raw="".join(pending), line=pending_start))
        pending = []
        pending_start = upto + 1

    while i < len(lines):
        line = content(lines[i])
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and (m := HEADING_RE.match(line)):
            flush(i)
            level = len(m.group("hashes"))
            while heading_stack and heading_stack[-1].level >= level:
                heading_stack.pop()
            parent = heading_stack[-1].text if heading_stack else None
            heading = Heading(level=level, text=m.group("text"), line=i + 1, raw=lines[i], parent=parent)
            heading_stack.append(heading)
            blocks.append(heading)
            i += 1
            pending_start = i + 1
            continue
        elif not in_fence and (fmt := _entry_start(lines, i)):
            flush(i)
            end = _entry_end(lines, i)
            section = heading_stack[-1].text if heading_stack else None
            blocks.append(_parse_entry(lines[i:end], fmt, i + 1, section, source))
            i = end
            pending_start = i + 1
            continue
        pending.append(lines[i])
        i += 1
    flush(i)
    return AwesomeList(blocks=tuple(blocks), path=source)


def render(doc: AwesomeList) -> str:
    """The list's exact text."""
    return "".join(block.raw for block in doc.blocks)


def load(path: str | Path) -> AwesomeList:
    """Read and parse a list file; raise ListFormatError for unreadable, binary or entry-less files."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(f"cannot read the list: {exc.strerror or exc}", path=str(path)) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[max(0, exc.start - 20) : exc.start + 20].decode("utf-8", "replace")
        raise ListFormatError("not UTF-8 text (a binary file?)", path=str(path), line=line, text=bad) from exc
    doc = parse(text, path)
    if not doc.entries:
        raise ListFormatError(
            "found no paper entries; expected lines like '* **Title**<br>' or '* **Abbr**: Authors.'",
            path=str(path),
        )
    return doc


def _entry_start(lines: list[str], i: int) -> EntryFormat | None:
    line = content(lines[i])
    if not line.startswith("* "):
        return None
    if BR_HEADER_RE.match(line):
        return "br"
    following = content(lines[i + 1]) if i + 1 < len(lines) else ""
    if INLINE_TITLE_RE.match(following) and "[[" in following:
        return "inline"
    if INLINE_ABBR_RE.match(line) and line.startswith("* **"):
        return "inline"  # a bold `Abbr:` header is an entry even when its title line is missing
    return None


def _entry_end(lines: list[str], start: int) -> int:
    """Index of the first line after the entry that starts at `start`."""
    j = start + 1
    while j < len(lines):
        line = content(lines[j])
        if not line.strip() or _ENTRY_STOP_RE.match(line):
            break
        j += 1
    return j


def _parse_entry(lines: list[str], fmt: EntryFormat, line_no: int, section: str | None, source: str | None) -> Entry:
    texts = [content(line) for line in lines]
    raw = "".join(lines)
    fields = _br_fields(texts, line_no, source) if fmt == "br" else _inline_fields(texts, line_no, source)
    return Entry(
        **fields,
        format=fmt,
        section=section,
        line=line_no,
        end_line=line_no + len(lines) - 1,
        raw=raw,
    )


def _br_fields(texts: list[str], line_no: int, source: str | None) -> dict:
    header = BR_HEADER_RE.match(texts[0])
    assert header is not None  # _entry_start matched it
    authors_match = BR_AUTHORS_RE.match(texts[1]) if len(texts) > 1 else None
    if authors_match is None:
        raise ListFormatError(
            "half-written entry: the title line must be followed by an '*Authors*<br>' line",
            path=source,
            line=line_no + 1 if len(texts) > 1 else line_no,
            text=texts[1] if len(texts) > 1 else texts[0],
        )
    venue = year = None
    if len(texts) > 2 and (v := VENUE_LINE_RE.match(texts[2])):
        venue, year = v.group("venue"), int(v.group("year"))
    links = _links(texts[2:])
    paper_url = code_url = None
    others: list[Link] = []
    for link in links:
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
    title_match = INLINE_TITLE_RE.match(texts[1]) if len(texts) > 1 else None
    if title_match is None:
        raise ListFormatError(
            "half-written entry: the author line must be followed by a '   - Title. [[Venue'Year](link)]' line",
            path=source,
            line=line_no + 1 if len(texts) > 1 else line_no,
            text=texts[1] if len(texts) > 1 else header,
        )
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
