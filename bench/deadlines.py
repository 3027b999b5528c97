"""How long a scan takes to fail against an arXiv that hangs or trickles, with the shipped defaults.

Issue 19's bound: a dead or hanging host fails a run within about a minute (before: 355-364 s for a server
that never answers, forever for one that trickles a byte every 20 s). Runs `mimwatch scan --since … --git-repo`
in a fresh process against a loopback server that accepts and never answers, then one that sends a byte every
5 s, and prints the wall time of each failed run and its one-line error. Takes about two minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import git_clone  # noqa: E402 - the tests' clone of the fixture list
from tests.fakes.slow_server import misbehaving_server  # noqa: E402


def failed_scan(mode: str, interval: float) -> tuple[float, int, str]:
    with tempfile.TemporaryDirectory() as tmp, misbehaving_server(mode, interval) as base:
        clone = git_clone(Path(tmp))
        identity = {f"GIT_{role}_{part}": value for role in ("AUTHOR", "COMMITTER")
                    for part, value in (("NAME", "bench"), ("EMAIL", "bench@example.org"))}  # fmt: skip
        env = {**os.environ, "MIMWATCH_HOME": str(Path(tmp) / "home"), **identity}
        for name in ("MIMWATCH_REQUEST_TIMEOUT", "MIMWATCH_RETRY_BASE", "MIMWATCH_REQUEST_DELAY", "MIMWATCH_STATE"):
            env.pop(name, None)  # the shipped defaults
        command = [sys.executable, "-m", "mimwatch.cli", "scan", "--since", "2024-01-01", "--until", "2024-01-07",
                   "--git-repo", str(clone), "--api-url", f"{base}/api/query"]  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        return time.monotonic() - started, done.returncode, done.stderr.strip().splitlines()[-1]


def main() -> int:
    for mode, interval in (("hang", 1.0), ("trickle", 5.0)):
        seconds, code, error = failed_scan(mode, interval)
        print(f"{mode:8s} {seconds:6.1f} s  exit {code}  {error[:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
