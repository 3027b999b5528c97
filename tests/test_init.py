"""`mimwatch init` in a copy of each sibling list, then the README's next two steps: corpus + train, a dry scan."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mimwatch.cli import main
from mimwatch.settings import load_settings

from .fakes.arxiv_api import FakeArxivApi, FakeEntry

OTHER = Path(__file__).parent / "data" / "other-lists"
DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"


@pytest.mark.parametrize(("name", "dialect", "sections"), [("edisonleeeee", "one-line", 4), ("ucasligang", "table", 9),
                                                           ("jason718", "nested", 5)])  # fmt: skip
def test_init_detects_the_dialect_writes_settings_and_workflow_and_the_dry_run_follows(
    tmp_path, monkeypatch, name, dialect, sections
):
    repo = tmp_path / "list"
    repo.mkdir()
    (repo / "README.md").write_bytes((OTHER / f"{name}-excerpt.md").read_bytes())
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", f"https://github.com/{name}/list.git"], check=True)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert f"{sections} sections; new entries will be written as {dialect}" in result.output
    assert "mimwatch corpus build --out corpus.jsonl.gz && mimwatch train --corpus corpus.jsonl.gz" in result.output
    assert "mimwatch scan --dry-run" in result.output
    settings = load_settings()
    assert (settings.list, settings.repo, settings.dialect) == ("README.md", f"{name}/list", None)
    assert f'# dialect = "{dialect}"' in (repo / "mimwatch.toml").read_text(encoding="utf-8")
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "mimwatch.yml").read_text(encoding="utf-8"))
    assert workflow["jobs"]["scan"]["steps"][1]["with"]["list-path"] == "README.md"

    # The dry scan reads the list from the settings; offline, the model learns the list's titles first.
    scan = CliRunner().invoke(main, ["scan", "--dry-run", "--source", str(DAILY), "--threshold", "0"])
    assert scan.exit_code == 0, scan.output
    added = [line for line in scan.stdout.split("--- pull request")[0].splitlines() if line.startswith("+") and
             not line.startswith("+++")]  # fmt: skip
    shape = {"one-line": r"^\+\+ \[.+\]\(https://arxiv\.org/abs/", "table": r"^\+\d{4}-\d\d-(\d\d|xx)\|",
             "nested": r"^\+\s*- .+"}[dialect]  # fmt: skip
    assert any(re.match(shape, line) for line in added), added

    again = CliRunner().invoke(main, ["init"])
    assert again.exit_code == 2 and "exist already; --force writes over them" in again.output
    assert CliRunner().invoke(main, ["init", "--force"]).exit_code == 0


def test_init_says_when_there_is_no_list(tmp_path, monkeypatch):
    (tmp_path / "README.md").write_text("# Just a project\n\nNo papers here.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 2 and "found no awesome list" in result.output and "--list PATH" in result.output


def test_corpus_build_and_train_read_the_list_from_the_settings(tmp_path, monkeypatch, httpserver):
    (tmp_path / "README.md").write_bytes((OTHER / "ucasligang-excerpt.md").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    fake = FakeArxivApi([FakeEntry(id="2111.06377v3", title="Masked Autoencoders Are Scalable Vision Learners",
                                   abstract="We mask random patches of the input image and reconstruct them.")])  # fmt: skip
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    monkeypatch.setenv("MIMWATCH_ARXIV_API_URL", httpserver.url_for("/api/query"))
    built = CliRunner().invoke(main, ["corpus", "build", "--out", "corpus.jsonl.gz"])
    assert built.exit_code == 0, built.output
    with gzip.open(tmp_path / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert [r["id"] for r in records] == ["2111.06377"]
    trained = CliRunner().invoke(main, ["train", "--corpus", "corpus.jsonl.gz"])
    assert trained.exit_code == 0, trained.output
    assert "trained the model on README.md" in trained.output
