"""Milliseconds per parse + render round trip of the December-2023 Awesome-MIM list (target: < 20 ms)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from mimwatch.awesome import parse, render

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = [
    ROOT.parent / "shared" / "data" / "awesome-mim" / "README-2023-12-07.md",
    ROOT / "tests" / "data" / "awesome-2023-12-07.md",
]


def main() -> int:
    path = next((p for p in CANDIDATES if p.exists()), None)
    if path is None:
        print("no copy of README-2023-12-07.md found", file=sys.stderr)
        return 1
    text = path.read_text(encoding="utf-8")
    # Each round parses a text of its own (a trailing comment with the round's number): `parse` keeps its last
    # few results, and a repeated text would time that memory, not the parser.
    texts = [f"{text}<!-- round {n} -->\n" for n in range(55)]
    for warm in texts[:5]:  # warm up caches and imports
        assert render(parse(warm)) == warm
    timings = []
    for round_text in texts[5:]:
        start = time.perf_counter()
        doc = parse(round_text)
        out = render(doc)
        timings.append((time.perf_counter() - start) * 1000)
        assert out == round_text
    print(f"list: {path.name} ({len(text):,} bytes, {len(doc.entries)} entries)")
    print(
        f"parse+render round trip: median {statistics.median(timings):.2f} ms, "
        f"p90 {sorted(timings)[int(len(timings) * 0.9)]:.2f} ms, min {min(timings):.2f} ms (target < 20 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
