"""Reviewing in the pull request: a maintainer ticks boxes, the bot does the editing on its next run and learns.

On the fake GitHub (body edits by a given user, per-user permissions, GraphQL's editor), with the action's own
run step started as GitHub starts it on the PR's `edited` event.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import cmarkgfm
import pytest
from click.testing import CliRunner
from cmarkgfm.cmark import Options
from pytest_httpserver import URIPattern

from mimwatch.awesome import parse, render
from mimwatch.awesome.edit import remove_entry
from mimwatch.classify.model import Model
from mimwatch.cli import main
from mimwatch.publish.proposal import marker_ids
from mimwatch.review import read_ticks

from .action_runner import run_action
from .conftest import MAY_LIST
from .fakes.github_api import FakeGitHub

DAY_ONE = Path(__file__).parent / "data" / "review" / "day-one.jsonl"
MEDICAL, VIDEO, TRIAGE = "2503.14013", "2503.15096", "2504.09155"
FUSEDMIM, SAR = "2503.18540", "2504.13310"  # under the threshold: "also considered"


class Repos(URIPattern):
    def match(self, uri: str) -> bool:
        return uri.startswith("/repos/") or uri == "/graphql"


@pytest.fixture
def repo(httpserver, tmp_path, may_model, monkeypatch):
    """The list's repository (its checkout, its fake GitHub with alice who may write and bob who may read), and
    the Action's runner folder (its state under MIMWATCH_HOME)."""
    gh = FakeGitHub(base=httpserver.url_for("").rstrip("/"), permissions={"alice": "maintain", "bob": "read"})
    gh.seed(MAY_LIST.read_text(encoding="utf-8"))
    httpserver.expect_request(Repos()).respond_with_handler(gh)
    workspace, temp = tmp_path / "workspace", tmp_path / "runner-temp"
    workspace.mkdir()
    temp.mkdir()
    shutil.copy(MAY_LIST, workspace / "README.md")
    home = temp / "mimwatch"
    for name, value in {"MIMWATCH_HOME": str(home), "MIMWATCH_STATE": str(home / "state.sqlite"),
                        "GITHUB_TOKEN": "ghs_action_token", "MIMWATCH_GITHUB_URL": gh.base}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(workspace)
    return gh, workspace, temp


def scan(*args: str):
    return CliRunner().invoke(main, ["scan", "--list", "README.md", "--repo", "lupin/Awesome-MIM", "--open-pr", *args])


def review_on_edited_event(gh: FakeGitHub, workspace: Path, temp: Path, sender: str):
    """The action's run step as GitHub runs it for `pull_request` (edited) sent by `sender`."""
    event = temp / "event.json"
    event.write_text(json.dumps(gh.edited_event(1, sender)), encoding="utf-8")
    env = {"GITHUB_REPOSITORY": "lupin/Awesome-MIM", "GITHUB_TOKEN": "ghs_action_token", "PATH": os.environ["PATH"],
           "MIMWATCH_GITHUB_URL": gh.base, "MIMWATCH_MODEL_CACHE": os.environ["MIMWATCH_MODEL_CACHE"],
           "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event),
           "GITHUB_STEP_SUMMARY": str(temp / "summary.md")}  # fmt: skip
    (run,) = run_action({"list-path": "README.md"}, workspace=workspace, temp=temp, env=env)
    return run


def review_in_process(gh: FakeGitHub, temp: Path, sender: str):
    """`mimwatch review` as the action's step calls it, in this process (the event payload from GitHub)."""
    event = temp / "event.json"
    event.write_text(json.dumps(gh.edited_event(1, sender)), encoding="utf-8")
    return CliRunner().invoke(main, ["review", "--list", "README.md", "--repo", "lupin/Awesome-MIM", "--open-pr",
                                     "--event", str(event)])  # fmt: skip


def section_of(text: str, key: str) -> str | None:
    entry = parse(text).find(arxiv_id=key)
    return entry.section if entry else None


def test_ticks_are_carried_out_on_the_branch_in_the_body_and_in_the_state(repo):
    gh, workspace, temp = repo
    first = scan("--source", str(DAY_ONE))
    assert first.exit_code == 0, first.output
    (pr,) = gh.pulls
    branch = pr["head"]["ref"]
    marks = marker_ids(pr["body"])
    assert set(marks["ids"]) == {MEDICAL, VIDEO} and marks["triage"] == [TRIAGE]
    assert set(marks["considered"]) == {FUSEDMIM, SAR}

    # The boxes render as GitHub's task list (clickable), in list items: one per action, none in the table.
    html = cmarkgfm.github_flavored_markdown_to_html(pr["body"], options=Options.CMARK_OPT_UNSAFE)
    assert html.count('type="checkbox"') == pr["body"].count("- [ ]")
    assert "mimwatch:do" not in re.sub(r"<!--.*?-->", "", html)  # the instructions stay hidden

    # alice (maintain) ticks four boxes, one edit each; then fixes a title on the branch herself.
    gh.tick(1, f"move {MEDICAL} MIM%20with%20Constrastive%20Learning", "alice")
    gh.tick(1, f"out {VIDEO}", "alice")
    gh.tick(1, f"add {TRIAGE} MIM%20with%20Advanced%20Masking", "alice")
    gh.tick(1, f"add {FUSEDMIM} Remote%20Sensing%20Image", "alice")
    fixed = gh.text(branch).replace("Boosting Semi-Supervised Medical", "Boosting Semi-supervised Medical")
    theirs = gh.edit_branch(branch, fixed, "Fix a title")

    run = review_on_edited_event(gh, workspace, temp, "alice")
    assert run.returncode == 0, run.stderr
    assert re.search(r"ticks carried out\s+4\n", run.stderr)

    text = gh.text(branch)
    assert section_of(text, MEDICAL) == "MIM with Constrastive Learning" and "Boosting Semi-supervised" in text
    assert section_of(text, VIDEO) is None
    assert section_of(text, TRIAGE) == "MIM with Advanced Masking" and section_of(text, FUSEDMIM) == "Remote Sensing Image"
    assert theirs in gh.history(gh.branches[branch]) and not any(forced for *_, forced in gh.ref_moves)

    body = gh.pulls[0]["body"]
    assert read_ticks(body) == [] and "- [x]" not in body  # carried out: the boxes are gone, the story is in Done
    done = body.split("## Done", 1)[1]
    for line in ("@alice moved **Boosting Semi", "to *MIM with Constrastive Learning*",
                 "@alice took out **When the Future Becomes the Past", "@alice added **Evolved Hierarchical Masking",
                 "to *MIM with Advanced Masking*", "@alice added **HiRes-FusedMIM"):  # fmt: skip
        assert line in done
    marks = marker_ids(body)
    assert set(marks["ids"]) == {MEDICAL, TRIAGE, FUSEDMIM} and not marks["triage"]
    assert marks["considered"] == [SAR]

    with sqlite3.connect(temp / "mimwatch" / "state.sqlite") as db:
        labels = dict(((k, (s, v)) for k, s, v in db.execute("SELECT key, section, verdict FROM labels")))
        outcome = db.execute("SELECT outcome FROM outcomes WHERE id = ?", (VIDEO,)).fetchone()
    assert labels == {MEDICAL: ("MIM with Constrastive Learning", "section"), VIDEO: (None, "rejected"),
                      TRIAGE: ("MIM with Advanced Masking", "positive"),
                      FUSEDMIM: ("Remote Sensing Image", "positive")}  # fmt: skip
    assert outcome == ("rejected",)

    # Idempotent: the same event again applies nothing twice.
    again = review_in_process(gh, temp, "alice")
    assert again.exit_code == 0 and gh.text(branch) == text and gh.pulls[0]["body"].count("@alice took out") == 1

    # The next scan proposes nothing twice, and retrains with the labels (three papers placed in sections).
    later = scan("--source", str(DAY_ONE))
    assert later.exit_code == 0, later.output
    assert re.search(r"proposed\s+0\n", later.stderr) and "rejected by the maintainers" in later.stderr
    # The model the runs retrained since the ticks (kept in the cache by what it learned) places the three papers.
    retrained = [Model.load(f) for f in Path(os.environ["MIMWATCH_MODEL_CACHE"]).iterdir() if (f / "model.json").exists()]
    placed = [{e["key"]: e["section"] for e in m.entries} for m in retrained]
    assert any(p.get(MEDICAL) == "MIM with Constrastive Learning" and p.get(TRIAGE) == "MIM with Advanced Masking"
               and p.get(FUSEDMIM) == "Remote Sensing Image" and VIDEO not in p for p in placed)  # fmt: skip
    assert gh.text(branch).count(f"arxiv.org/abs/{MEDICAL}") == 1 and len(gh.pulls) == 1


def test_ticks_by_someone_without_write_access_are_ignored_and_said_so(repo):
    gh, workspace, temp = repo
    assert scan("--source", str(DAY_ONE)).exit_code == 0
    branch = gh.pulls[0]["head"]["ref"]
    before = gh.text(branch)
    gh.tick(1, f"out {MEDICAL}", "bob")  # bob may read, not write
    run = review_in_process(gh, temp, "bob")
    assert run.exit_code == 0, run.output
    assert gh.text(branch) == before
    body = gh.pulls[0]["body"]
    assert "ticks by @bob were ignored: only people with write access steer mimwatch" in body
    assert read_ticks(body) == [] and MEDICAL in marker_ids(body)["ids"]
    with sqlite3.connect(temp / "mimwatch" / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM labels").fetchone() == (0,)


def test_ticks_that_cannot_be_done_are_told_not_retried(repo):
    gh, workspace, temp = repo
    assert scan("--source", str(DAY_ONE)).exit_code == 0
    branch = gh.pulls[0]["head"]["ref"]
    # alice removes the medical paper by hand, then ticks its move and a move of the video paper to a section
    # she deletes from the list meanwhile; two boxes for the triage paper: the last one counts.
    doc = parse(gh.text(branch))
    gh.edit_branch(branch, render(remove_entry(doc, doc.find(arxiv_id=MEDICAL))), "Remove a paper")
    gh.tick(1, f"move {MEDICAL} Video%20Rrepresentation", "alice")
    gh.tick(1, f"add {TRIAGE} MIM%20for%20Transformers -->", "alice")
    gh.tick(1, f"out {TRIAGE}", "alice")
    gh.tick(1, f"move {VIDEO} MIM%20with%20Constrastive%20Learning", "alice")
    gh.push_to_main(gh.text().replace("### MIM with Constrastive Learning", "### MIM with Contrastive Learning"))
    (workspace / "README.md").write_text(gh.text(), encoding="utf-8")  # the checkout follows the default branch
    run = CliRunner().invoke(main, ["review", "--list", "README.md", "--repo", "lupin/Awesome-MIM", "--open-pr"],
                             env={"GITHUB_EVENT_PATH": ""})  # fmt: skip
    assert run.exit_code == 0, run.output
    done = gh.pulls[0]["body"].split("## Done", 1)[1]
    assert "@alice: could not move **Boosting" in done and "not on the branch as expected" in done
    assert "@alice took out **Evolved Hierarchical Masking" in done and "2 boxes ticked for it: the last one counts" in done
    assert "could not move **When the Future Becomes the Past" in done
    assert "the list has no section *MIM with Constrastive Learning*" in done
    assert read_ticks(gh.pulls[0]["body"]) == []  # nothing is left to try again
