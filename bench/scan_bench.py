"""Offline dry-run scan of 2,000 papers from a JSONL file: wall time including model load, and peak memory.

Target (issue 6): at most 15 s on this machine. Runs `mimwatch scan` as a user would, in a fresh process,
against the May-2023 list fixture, with a state folder of its own.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POOL = ROOT.parent / "shared" / "data" / "arxiv" / "dw-dengwei_daily-arXiv-ai-enhanced.jsonl.gz"
LIST = ROOT / "tests" / "data" / "awesome-2023-05-25.md"
N = 2000


def main() -> int:
    if not POOL.exists():
        print(f"needs ../shared/data (looked for {POOL})", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        papers = Path(tmp) / "papers.jsonl"
        with gzip.open(POOL, "rt", encoding="utf-8") as source, papers.open("w", encoding="utf-8") as out:
            for _ in range(N):
                out.write(json.dumps(json.loads(next(source))) + "\n")
        env = dict(os.environ, MIMWATCH_HOME=str(Path(tmp) / "home"))
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mimwatch.cli", "scan", "--source", str(papers), "--list", str(LIST), "--dry-run"],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stderr.strip())
    print(
        f"\ndry-run scan of {N:,} papers: {wall:.1f} s wall including model load (target <= 15 s), "
        f"peak memory {peak:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
