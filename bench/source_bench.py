"""Parse speed of a 2,000-entry rss.arxiv.org feed file (target: at least 2,000 entries/s).

The feed is built in the documented 2024+ format from real pool records when ../shared is present,
else from generated text of the same shape.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from mimwatch.sources import read_source_file

ROOT = Path(__file__).resolve().parent.parent
POOL = ROOT.parent / "shared" / "data" / "arxiv" / "dw-dengwei_daily-arXiv-ai-enhanced.jsonl.gz"
N = 2000
TYPES = ["new", "new", "new", "cross", "replace", "replace-cross"]


def records() -> list[dict]:
    if POOL.exists():
        with gzip.open(POOL, "rt", encoding="utf-8") as handle:
            return [json.loads(next(handle)) for _ in range(N)]
    words = "masked image modeling vision transformer pre-training representation learning".split()  # noqa: SIM905
    return [
        {"id": f"2503.{i:05d}", "title": f"Paper {i} on " + " ".join(words[i % 5 :]),
         "abstract": " ".join(words * 12), "authors": ["Ann Author", "Ben Author"], "categories": ["cs.CV"]}
        for i in range(N)
    ]  # fmt: skip


def feed_xml(items: list[dict]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">'
        "<channel><title>cs.CV updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CV</link>"
        "<description>cs.CV updates</description><pubDate>Tue, 05 Mar 2024 00:00:00 -0500</pubDate>"
    ]
    for i, r in enumerate(items):
        kind = TYPES[i % len(TYPES)]
        out.append(
            f"<item><title>{escape(r['title'])}</title><link>https://arxiv.org/abs/{r['id']}</link>"
            f"<description>arXiv:{r['id']}v1 Announce Type: {kind} \n"
            f"Abstract: {escape(r['abstract'])}</description>"
            f'<guid isPermaLink="false">oai:arXiv.org:{r["id"]}v1</guid>'
            + "".join(f"<category>{c}</category>" for c in r.get("categories") or ["cs.CV"])
            + "<pubDate>Tue, 05 Mar 2024 00:00:00 -0500</pubDate>"
            + f"<arxiv:announce_type>{kind}</arxiv:announce_type>"
            f"<dc:creator>{escape(', '.join(r.get('authors') or ['Anonymous']))}</dc:creator></item>"
        )
    out.append("</channel></rss>\n")
    return "\n".join(out)


def main() -> int:
    items = records()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed-2000.rss"
        path.write_text(feed_xml(items), encoding="utf-8")
        size = path.stat().st_size
        read_source_file(path)  # warm up
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            result = read_source_file(path)
            runs.append(time.perf_counter() - began)
        count = len(result.papers) + len(result.updates)
    assert count == N, count
    best, median = min(runs), statistics.median(runs)
    print(
        f"feed: {N} entries ({size / 1e6:.1f} MB) built from {'the real pool' if POOL.exists() else 'generated text'}"
    )
    print(
        f"parse: median {median * 1000:.0f} ms = {N / median:,.0f} entries/s "
        f"(best {N / best:,.0f} entries/s; target >= 2,000)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
