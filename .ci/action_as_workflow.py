"""Writes action.yml as a reusable workflow with the same steps, so that actionlint (which reads workflows,
not action metadata) checks the action's steps, expressions and inputs too. Usage: action_as_workflow.py OUT"""

import sys
from pathlib import Path

import yaml

action = yaml.safe_load(Path(__file__).parent.parent.joinpath("action.yml").read_text(encoding="utf-8"))
inputs = {
    name: {"type": "string", "required": False, "description": spec.get("description", "")}
    | ({} if "${{" in str(spec.get("default", "")) else {"default": str(spec.get("default", ""))})
    for name, spec in action["inputs"].items()
}
workflow = {
    "name": f"{action['name']} (action.yml as a workflow, for actionlint)",
    "on": {"workflow_call": {"inputs": inputs}},
    "permissions": {"contents": "write", "pull-requests": "write"},
    "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
}
Path(sys.argv[1]).write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
