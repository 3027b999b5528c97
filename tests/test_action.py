"""The composite action (action.yml) in a list's repository: its run steps against the fixture list, a feed
on loopback and the fake GitHub; the example workflow and the action's pins."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import URIPattern

from mimwatch.publish.proposal import marker_ids

from .action_runner import ROOT, load_action, run_action
from .conftest import MAY_LIST
from .fakes.github_api import FakeGitHub

DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


class Repos(URIPattern):
    def match(self, uri: str) -> bool:
        return uri.startswith("/repos/")


@pytest.fixture
def list_repo(httpserver, tmp_path, may_model):
    """A list's repository: its checkout (the workspace), its GitHub (the fake) and today's feed; the model
    cache the runs share holds the May list's model already (conftest)."""
    gh = FakeGitHub(base=httpserver.url_for("").rstrip("/"), list_path="docs/README.md")
    gh.seed(MAY_LIST.read_text(encoding="utf-8"))
    httpserver.expect_request(Repos()).respond_with_handler(gh)
    httpserver.expect_request(re.compile(r"^/rss/.*")).respond_with_data(DAILY.read_bytes())
    workspace = tmp_path / "workspace"
    (workspace / "docs").mkdir(parents=True)
    shutil.copy(MAY_LIST, workspace / "docs" / "README.md")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {
        "GITHUB_REPOSITORY": f"{gh.owner}/{gh.name}",
        "GITHUB_TOKEN": "ghs_action_token",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "MIMWATCH_GITHUB_URL": gh.base,
        "MIMWATCH_ARXIV_FEED_URL": httpserver.url_for("/"),
        "MIMWATCH_STATE": "",  # the action keeps its state under MIMWATCH_HOME (cached between runs)
    }
    return gh, workspace, temp, env


def _run(list_repo, install=False, **inputs):
    gh, workspace, temp, env = list_repo
    env = {k: v for k, v in env.items() if v}
    # The session's model cache (a cache, not state): the list's retrained model is made once for all tests.
    clean = {**env, "PATH": os.environ["PATH"], "MIMWATCH_MODEL_CACHE": os.environ["MIMWATCH_MODEL_CACHE"]}
    os.environ.pop("MIMWATCH_STATE", None)
    return run_action({"list-path": "docs/README.md", **inputs}, workspace=workspace, temp=temp, env=clean,
                      install=install)  # fmt: skip


def test_dry_run_prints_the_proposal_and_writes_nothing(list_repo, monkeypatch):
    monkeypatch.delenv("MIMWATCH_STATE")
    gh, workspace, temp, env = list_repo
    runs = _run(list_repo, **{"dry-run": "true", "categories": "cs.CV,cs.LG"})
    assert [r.returncode for r in runs] == [0], runs[-1].stderr
    assert "+* **DropPos**" in runs[-1].stdout and "--- pull request (dry run) ---" in runs[-1].stdout
    assert not gh.pulls and (workspace / "docs" / "README.md").read_bytes() == MAY_LIST.read_bytes()
    assert not (temp / "mimwatch" / "state.sqlite").exists()
    assert "## mimwatch scan" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_open_pr_opens_one_pr_on_the_list_and_keeps_state_for_the_cache(list_repo, monkeypatch):
    monkeypatch.delenv("MIMWATCH_STATE")
    gh, workspace, temp, env = list_repo
    runs = _run(list_repo, exclude="bells-and-whistles\n\nsiamese\n", threshold="0.05", **{"max-candidates": "5"})
    assert [r.returncode for r in runs] == [0], runs[-1].stderr
    assert len(gh.pulls) == 1
    ids = set(marker_ids(gh.pulls[0]["body"])["ids"])
    assert "2306.00989" not in ids and "2305.14344" not in ids and "2309.03576" in ids  # Hiera, Siamese excluded
    assert "docs/README.md" in gh.commits[gh.branches[gh.pulls[0]["head"]["ref"]]]  # the list's path in the repo
    assert (temp / "mimwatch" / "state.sqlite").is_file()  # what actions/cache saves
    assert "ghs_action_token" not in runs[-1].stdout + runs[-1].stderr
    again = _run(list_repo)
    assert [r.returncode for r in again] == [0] and len(gh.pulls) == 1  # the next day updates the same PR


def test_the_action_pins_third_party_actions_and_keeps_state():
    action = load_action()
    assert action["runs"]["using"] == "composite"
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert uses and all(SHA_PIN.match(u) for u in uses)
    assert {"list-path", "model", "threshold", "categories", "exclude", "token", "since"} <= set(action["inputs"])
    save = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/cache/save"))
    assert save["if"] == "always()"


def test_the_example_workflow_is_in_the_readme_and_runs_after_the_feed_is_rebuilt():
    text = (ROOT / "examples" / "awesome-list-workflow.yml").read_text(encoding="utf-8")
    assert text.strip() in (ROOT / "README.md").read_text(encoding="utf-8")
    flow = yaml.safe_load(text)
    assert flow["permissions"] == {"contents": "write", "pull-requests": "write"}
    (cron,) = [t["cron"] for t in flow[True]["schedule"]]
    minute, hour, _, _, days = cron.split()
    assert days == "1-5" and 5 < int(hour) < 12  # after rss.arxiv.org's midnight-Eastern rebuild (04-05 UTC)
    assert "since" in flow[True]["workflow_dispatch"]["inputs"]
    steps = flow["jobs"]["scan"]["steps"]
    third_party = [s["uses"] for s in steps if s["uses"].startswith("actions/")]
    assert third_party and all(SHA_PIN.match(u) for u in third_party)


@pytest.mark.parametrize("value", ["True", "yes", "1", ""])
def test_dry_run_accepts_exactly_true_or_false(list_repo, monkeypatch, value):
    monkeypatch.delenv("MIMWATCH_STATE")
    gh, workspace, temp, env = list_repo
    runs = _run(list_repo, **{"dry-run": value})
    assert runs[-1].returncode == 2
    assert f"the dry-run input must be true or false, not '{value}'" in runs[-1].stdout
    assert gh.pulls == [] and gh.log == []  # never a real PR for a value that only looks like "true"
