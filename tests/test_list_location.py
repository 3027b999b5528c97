"""`--list` means one thing: a file (absolute, or from the current folder) of the clone or the checkout.

Each way a user names the list, from wherever they run: the clone's root, another folder, a subfolder, a
settings file; a detached HEAD; a linked worktree; a bare repository; `--repo` with `--list` as in the Action.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import URIPattern

from mimwatch.cli import main

from .conftest import MAY_LIST, git_clone
from .fakes.github_api import FakeGitHub

DAILY = Path(__file__).parent / "data" / "feeds" / "rss-2024-03-05.xml"
BRANCH = "mimwatch/2024-03-05"
IDENTITY = {"GIT_AUTHOR_NAME": "m", "GIT_AUTHOR_EMAIL": "m@example.org", "GIT_COMMITTER_NAME": "m",
            "GIT_COMMITTER_EMAIL": "m@example.org"}  # fmt: skip


def git(clone: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, check=True).stdout.strip()


def scan(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["scan", "--source", str(DAILY), *args], env={**IDENTITY, **(env or {})})


def nested_clone(tmp_path: Path) -> Path:
    """A clone whose list is `docs/papers.md`, not README.md."""
    clone = tmp_path / "nested"
    (clone / "docs").mkdir(parents=True)
    (clone / "docs" / "papers.md").write_bytes(MAY_LIST.read_bytes())
    (clone / "README.md").write_text("# A project whose list is in docs/\n", encoding="utf-8")
    git(clone, "init", "-q", "-b", "main")
    git(clone, "add", ".")
    git(clone, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "list")
    return clone


def committed(clone: Path, path: str = "README.md") -> str:
    return git(clone, "show", f"{BRANCH}:{path}")


@pytest.mark.parametrize("how", ["absolute", "relative from elsewhere", "from a subfolder", "settings file"])
def test_the_list_of_a_clone_named_every_way_a_user_names_it(tmp_path, monkeypatch, how):
    clone = nested_clone(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if how == "absolute":
        monkeypatch.chdir(elsewhere)
        args = ["--list", str(clone / "docs" / "papers.md"), "--git-repo", str(clone)]
    elif how == "relative from elsewhere":
        monkeypatch.chdir(tmp_path)
        args = ["--list", "nested/docs/papers.md", "--git-repo", "nested"]
    elif how == "from a subfolder":
        monkeypatch.chdir(clone / "docs")
        args = ["--list", "papers.md", "--git-repo", "."]  # `.` is docs/: the clone is its git top folder
    else:
        (clone / "mimwatch.toml").write_text('[mimwatch]\nlist = "docs/papers.md"\n', encoding="utf-8")
        monkeypatch.chdir(elsewhere)
        args = ["--config", str(clone / "mimwatch.toml"), "--git-repo", str(clone)]
    result = scan(*args)
    assert result.exit_code == 0, result.output
    assert "DropPos" in committed(clone, "docs/papers.md")
    assert git(clone, "show", f"{BRANCH}:README.md") == "# A project whose list is in docs/"
    assert git(clone, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_list_outside_the_clone_is_a_usage_error(tmp_path, monkeypatch):
    clone = git_clone(tmp_path)
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "copy.md"
    outside.write_bytes(MAY_LIST.read_bytes())
    result = scan("--list", "copy.md", "--git-repo", "clone")
    assert result.exit_code == 2, result.output
    assert "outside the clone" in result.output and str(clone.resolve()) in result.output
    assert git(clone, "branch", "--list", BRANCH) == ""


def test_a_detached_head_is_the_base(tmp_path):
    clone = git_clone(tmp_path)
    head = git(clone, "rev-parse", "HEAD")
    git(clone, "checkout", "-q", "--detach")
    result = scan("--git-repo", str(clone))
    assert result.exit_code == 0, result.output
    assert git(clone, "rev-parse", f"{BRANCH}^") == head and "DropPos" in committed(clone)
    assert git(clone, "rev-parse", "HEAD") == head and git(clone, "status", "--porcelain") == ""
    with pytest.raises(subprocess.CalledProcessError):
        git(clone, "symbolic-ref", "HEAD")  # still detached


def test_the_bots_branch_in_a_linked_worktree_is_refused_before_anything_is_fetched(tmp_path, httpserver):
    clone = git_clone(tmp_path)
    scan_once = scan("--git-repo", str(clone))
    assert scan_once.exit_code == 0, scan_once.output
    tip = git(clone, "rev-parse", BRANCH)
    worktree = tmp_path / "review"
    git(clone, "worktree", "add", "-q", str(worktree), BRANCH)
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data(DAILY.read_bytes())
    result = CliRunner().invoke(main, ["scan", "--source", "rss", "--categories", "cs.CV,cs.LG", "--git-repo",
                                       str(clone)], env={**IDENTITY, "MIMWATCH_ARXIV_FEED_URL": httpserver.url_for("/")})  # fmt: skip
    assert result.exit_code == 1
    assert f"{BRANCH} is checked out in {worktree}" in result.output
    assert httpserver.log == []  # refused before the feed was read (and before the model was retrained)
    assert git(clone, "rev-parse", BRANCH) == tip and git(worktree, "status", "--porcelain") == ""


def test_the_bots_branch_checked_out_in_the_clone_itself_is_refused(tmp_path):
    clone = git_clone(tmp_path)
    git(clone, "checkout", "-q", "-b", BRANCH)
    result = scan("--git-repo", str(clone))
    assert result.exit_code == 1 and f"{BRANCH} is checked out in {clone}" in result.output
    assert git(clone, "rev-parse", BRANCH) == git(clone, "rev-parse", "main")


def test_a_bare_repository_is_named_as_one(tmp_path):
    clone = git_clone(tmp_path)
    bare = tmp_path / "list.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(clone), str(bare)], check=True)
    result = scan("--git-repo", str(bare))
    assert result.exit_code == 2
    assert "is a bare repository" in result.output and "git clone" in result.output


def test_a_list_path_the_head_does_not_hold_is_named(tmp_path):
    clone = git_clone(tmp_path)
    (clone / "new.md").write_bytes(MAY_LIST.read_bytes())  # on disk, never committed
    result = scan("--list", str(clone / "new.md"), "--git-repo", str(clone))
    assert result.exit_code == 1 and "new.md is not in the commit checked out" in result.output


class Repos(URIPattern):
    def match(self, uri: str) -> bool:
        return uri.startswith("/repos/")


@pytest.fixture
def github(httpserver, monkeypatch) -> FakeGitHub:
    gh = FakeGitHub(base=httpserver.url_for("").rstrip("/"), list_path="docs/papers.md")
    gh.seed(MAY_LIST.read_text(encoding="utf-8"))
    httpserver.expect_request(Repos()).respond_with_handler(gh)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test_token")
    monkeypatch.setenv("MIMWATCH_GITHUB_URL", gh.base)
    return gh


@pytest.mark.parametrize("named", ["absolute", "relative"])
def test_repo_with_a_list_of_the_checkout_edits_that_file_on_github(tmp_path, monkeypatch, github, named):
    checkout = nested_clone(tmp_path)  # the Action's workspace: a checkout of the list's repository
    monkeypatch.chdir(checkout)
    listed = str(checkout / "docs" / "papers.md") if named == "absolute" else "docs/papers.md"
    result = scan("--list", listed, "--repo", "lupin/Awesome-MIM", "--open-pr")
    assert result.exit_code == 0, result.output
    pr = github.pulls[0]
    assert "DropPos" in github.commits[github.branches[pr["head"]["ref"]]]["docs/papers.md"]
    assert "`docs/papers.md`" in pr["body"]


def test_repo_with_a_list_outside_the_checkout_never_asks_github(tmp_path, monkeypatch, github):
    checkout = nested_clone(tmp_path)
    secret = tmp_path / "x.md"
    secret.write_bytes(MAY_LIST.read_bytes())
    monkeypatch.chdir(checkout / "docs")
    result = scan("--list", "../../x.md", "--repo", "lupin/Awesome-MIM", "--open-pr")
    assert result.exit_code == 2 and "outside the checkout" in result.output
    assert github.log == [] and github.seen_auth == set()  # the token went nowhere
