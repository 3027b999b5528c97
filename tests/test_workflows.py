"""The workflows ask for the least permissions, never race, and run the README's commands."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def test_scan_workflow():
    flow = load("mimwatch.yml")
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert "schedule" in triggers and "since" in triggers["workflow_dispatch"]["inputs"]
    assert flow["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert flow["concurrency"]["group"] == "mimwatch"
    steps = flow["jobs"]["scan"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert "mimwatch scan --repo" in runs and "--open-pr" in runs
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/cache/restore") for u in uses) and any(
        u.startswith("actions/cache/save") for u in uses
    )


def test_ci_workflow_runs_the_readme_test_command():
    flow = load("ci.yml")
    assert flow["permissions"] == {"contents": "read"}
    command = "python -m pip install -e '.[test]' && python -m pytest -q"
    assert command in README
    assert any(command in step.get("run", "") for step in flow["jobs"]["test"]["steps"])
    assert command in (ROOT / ".ci" / "run").read_text()
