"""The three sibling lists, whole (../shared/data/other-lists): byte-for-byte round trips (as is, CRLF, no
final newline), entries per dialect, sections, unreadable entries, lint problems, and parse time."""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from mimwatch.awesome import parse, render
from mimwatch.awesome.lint import lint

LISTS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "other-lists"


def main() -> int:
    paths = sorted(LISTS.glob("*.md"))
    if not paths:
        print(f"no lists in {LISTS}", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        variants = {"as is": text, "crlf": text.replace("\n", "\r\n"), "no final newline": text.rstrip("\n")}
        broken = [name for name, variant in variants.items() if render(parse(variant)) != variant]
        failed += bool(broken)
        timings = []
        for _ in range(10):
            start = time.perf_counter()
            doc = parse(text, path.name)
            timings.append((time.perf_counter() - start) * 1000)
        dialects = ", ".join(f"{n} {name}" for name, n in Counter(e.format for e in doc.entries).most_common())
        problems = ", ".join(f"{n} {code}" for code, n in Counter(p.code for p in lint(doc)).most_common()) or "none"
        print(f"{path.name}: round trip {'FAILED: ' + ', '.join(broken) if broken else 'byte for byte (3 variants)'}; "
              f"{len(doc.entries)} entries ({dialects}) in {len(doc.sections)} sections; "
              f"{len(doc.unreadable)} unreadable; lint: {problems}; parse {statistics.median(timings):.1f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
