"""Snapshot tests of the PR body and the list diff; `MIMWATCH_UPDATE_GOLDEN=1 pytest` rewrites them."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from mimwatch.awesome import parse
from mimwatch.cli import main
from mimwatch.papers import Paper
from mimwatch.pipeline import entry_for
from mimwatch.publish.proposal import Candidate, Proposal, Update
from mimwatch.venues import Venue

from .conftest import MAY_LIST

GOLDEN = Path(__file__).parent / "golden"
DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MIMWATCH_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run MIMWATCH_UPDATE_GOLDEN=1 python -m pytest {__file__}"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its snapshot"


def hand_made_proposal() -> Proposal:
    doc = parse(MAY_LIST.read_text(encoding="utf-8"))
    style = {"neurips": "NIPS", "arxiv": "ArXiv"}
    siam = Paper.build(id="2305.14344v1", title="Siamese Masked Autoencoders", authors=["Agrim Gupta", "Jiajun Wu"],
                       abstract="Masked video frames.", comment="NeurIPS 2023 (Oral)")  # fmt: skip
    drop = Paper.build(id="2309.03576v1", title="DropPos: Pre-Training ViTs by Reconstructing Dropped Positions",
                       authors=["Haochen Wang"], abstract="Code: https://github.com/Haochen-Wang409/DropPos.")  # fmt: skip
    odd = Paper.build(id="2401.99999", title="A Paper @someone liked | see #3", authors=["Eve"], abstract="?")
    supmae = Paper.build(id="2205.14540v3", title="SupMAE", comment="Accepted to AAAI 2024")
    listed = doc.find(arxiv_id="2205.14540")
    candidates = (
        Candidate(siam, entry_for(siam, style), "Video Rrepresentation", 0.97,
                  (("Video Rrepresentation", 0.81), ("MIM for Transformers", 0.1)), ("masked", "video"),
                  ("VideoMAE: Masked Autoencoders are Data-Efficient Learners",)),
        Candidate(drop, entry_for(drop, style), "MIM for Transformers", 0.74,
                  (("MIM for Transformers", 0.6),), ("positions",), ("MP3",)),
    )  # fmt: skip
    triage = (Candidate(odd, entry_for(odd, style), "needs triage", 0.31, (("Survey", 0.15), ("Audio", 0.12))),)
    updates = (Update(supmae, listed, venue=Venue("AAAI", 2024)),)
    return Proposal(day=date(2024, 3, 5), list_path="README.md", candidates=candidates, updates=updates,
                    triage=triage)


def test_pr_body_snapshot():
    proposal = hand_made_proposal()
    check("pr-body.md", f"{proposal.title()}\n\n{proposal.body()}")


def test_list_diff_snapshot():
    proposal = hand_made_proposal()
    from mimwatch.publish.local import unified_diff

    text = MAY_LIST.read_text(encoding="utf-8")
    check("list.diff", unified_diff(text, proposal.edit(text), "README.md"))


def test_offline_scan_snapshot(monkeypatch):
    """The README's demo, whole: the diff and PR text the shipped model produces for the saved feed."""
    root = Path(__file__).parent.parent
    monkeypatch.chdir(root)  # relative paths, as in the README, so the snapshot holds in any clone
    result = CliRunner().invoke(
        main, ["scan", "--source", str(DAILY.relative_to(root)), "--list", str(MAY_LIST.relative_to(root)), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    check("offline-scan.txt", result.stdout)
