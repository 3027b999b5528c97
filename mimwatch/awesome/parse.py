"""Parse an awesome list into blocks that keep their exact text; `render` joins them back byte for byte.

The parser knows headings, code fences and verbatim text; entries are read by the dialects (see
`dialects/`), tried in turn at each line outside a fence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..errors import ListFormatError
from .dialects import registry
from .document import AwesomeList
from .lines import content, split_lines
from .model import Block, Heading, Text

HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")

__all__ = ["content", "load", "parse", "render", "split_lines"]


def parse(text: str, path: str | Path | None = None) -> AwesomeList:
    """Parse a list's Markdown; `render(parse(text)) == text` for any text that parses."""
    source = str(path) if path is not None else None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ListFormatError("binary content (NUL byte) where Markdown was expected", path=source, line=line)
    return _parse(text, source)


@lru_cache(maxsize=8)
def _parse(text: str, source: str | None) -> AwesomeList:
    """The blocks of a text. A scan meets the same text several times (the workspace's copy, the base branch,
    an edit's result read again), so the last few parses are kept: the list and its blocks are immutable."""
    dialects = list(registry().values())
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
        elif not in_fence and line.strip():  # no entry starts at a blank line: half a list's lines
            # Entries under a `#### 2021` heading belong to the section above it: years are not sections.
            section = next((h.text for h in reversed(heading_stack) if not h.is_year), None)
            read = next((r for d in dialects if (r := d.read(lines, i, section, source)) is not None), None)
            if read is not None:
                flush(i)
                blocks.extend(read.blocks)
                i = read.end
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
        names = ", ".join(d.summary for d in registry().values())
        raise ListFormatError(f"found no paper entries; expected entries like one of: {names}", path=str(path))
    return doc
