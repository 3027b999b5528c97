"""The workflows ask for the least permissions, never race, and run the README's commands."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def test_this_repository_tries_its_own_action_as_a_dry_run():
    flow = load("action.yml")
    assert flow["permissions"] == {"contents": "read"}
    (step,) = [s for s in flow["jobs"]["dry-run"]["steps"] if s.get("uses") == "./"]
    assert step["with"]["dry-run"] == "true"
    assert (ROOT / step["with"]["list-path"]).is_file()


def test_ci_workflow_runs_the_readme_test_command():
    flow = load("ci.yml")
    assert flow["permissions"] == {"contents": "read"}
    command = "python -m pip install -e '.[test]' && python -m pytest -q"
    assert command in README
    assert any(command in step.get("run", "") for step in flow["jobs"]["test"]["steps"])
    assert command in (ROOT / ".ci" / "run").read_text()
