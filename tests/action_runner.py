"""Runs the `run:` steps of the composite action (action.yml) as the Actions runner would: each step's
`env:` with its `${{ … }}` expressions evaluated, then its script under `bash --noprofile --norc -eo
pipefail`. The `uses:` steps (setup-python, the state cache) are GitHub's own and are not run here."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent
_EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


@dataclass
class StepRun:
    name: str
    returncode: int
    stdout: str
    stderr: str


def load_action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def run_action(
    inputs: dict[str, str],
    *,
    workspace: Path,
    temp: Path,
    env: dict[str, str],
    install: bool = False,
    only: tuple[str, ...] = (),
) -> list[StepRun]:
    """The action's run steps in order, stopping at the first failure (as a job does).

    Args:
        install: run the "Install mimwatch" step too (pip install of this checkout); off, the
            mimwatch already on PATH is used.
        only: run just the steps of these names.
    """
    action = load_action()
    context = {
        "github.action_path": str(ROOT),
        "github.workspace": str(workspace),
        "github.token": env.get("GITHUB_TOKEN", ""),
        "runner.temp": str(temp),
    }
    for name, spec in action["inputs"].items():
        value = inputs.get(name, str(spec.get("default", "")))
        context[f"inputs.{name}"] = _evaluate(value, context)
    unknown = set(inputs) - set(action["inputs"])
    if unknown:
        raise ValueError(f"the action has no inputs {sorted(unknown)}")
    runs = []
    for step in action["runs"]["steps"]:
        if "run" not in step or (step["name"] == "Install mimwatch" and not install):
            continue
        if only and step["name"] not in only:
            continue
        step_env = {**os.environ, **env, **{k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()}}
        cwd = _evaluate(step.get("working-directory", str(workspace)), context)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd, env=step_env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        runs.append(StepRun(step["name"], done.returncode, done.stdout, done.stderr))
        if done.returncode != 0:
            break
    return runs


def _evaluate(text: str, context: dict[str, str]) -> str:
    def value(m: re.Match) -> str:
        if m.group(1) not in context:
            raise KeyError(f"action.yml uses ${{{{ {m.group(1)} }}}}, which this runner does not know")
        return context[m.group(1)]

    return _EXPR.sub(value, text)
