"""How long the test suite takes on this machine, and how busy the machine was while it ran.

The suite's time swings by a third on this shared 2-core machine as its load varies, so each run is preceded
by a fixed pure-Python loop (the calibration: its time rises with the load) and the quietest run is the one
to quote. Runs the README's test command: `python bench/suite_time.py [runs]` (default 3).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "pytest", "-q"]


def calibration() -> float:
    """Seconds for a fixed loop, best of three (about 0.7 s when the machine is quiet)."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        sum(i * i for i in range(10**7))
        best = min(best, time.perf_counter() - began)
    return best


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = []
    for n in range(1, runs + 1):
        quiet = calibration()
        began = time.perf_counter()
        done = subprocess.run(COMMAND, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - began
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
        if done.returncode != 0:
            print(f"run {n}: the suite failed ({summary})", file=sys.stderr)
            return 1
        reported = float(m.group(1)) if (m := re.search(r" in ([0-9.]+)s", summary)) else float("nan")
        rows.append((quiet, reported, wall))
        print(f"run {n}: pytest {reported:5.1f} s (process {wall:5.1f} s), calibration {quiet:.2f} s   {summary}")
    quiet, reported, wall = min(rows)
    print(f"quietest run (lowest calibration, {quiet:.2f} s): pytest {reported:.1f} s; "
          f"fastest: {min(r[1] for r in rows):.1f} s; slowest: {max(r[1] for r in rows):.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
