"""`mimwatch scan` end to end: feed on loopback → real clients → fake GitHub; state, reruns, crashes."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import URIPattern

from mimwatch.awesome import parse
from mimwatch.cli import main
from mimwatch.publish.proposal import marker_ids

from .conftest import MAY_LIST, git_clone
from .fakes.github_api import FakeGitHub

FEEDS = Path(__file__).parent / "data" / "feeds"
DAILY = FEEDS / "rss-2024-03-05.xml"
NEW_IDS = {"2305.14344", "2309.03576", "2306.00989"}  # the on-topic new and cross-listed papers of the feed


class Repos(URIPattern):
    def match(self, uri: str) -> bool:
        return uri.startswith("/repos/")


@pytest.fixture
def world(httpserver, tmp_path, monkeypatch):
    gh = FakeGitHub(base=httpserver.url_for("").rstrip("/"))
    gh.seed(MAY_LIST.read_text(encoding="utf-8"))
    httpserver.expect_request(Repos()).respond_with_handler(gh)
    httpserver.expect_request("/rss/cs.CV+cs.LG").respond_with_data(DAILY.read_bytes())
    config = tmp_path / "mimwatch.toml"
    config.write_text('[mimwatch]\nrepo = "lupin/Awesome-MIM"\ncategories = ["cs.CV", "cs.LG"]\n', encoding="utf-8")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test_token")
    monkeypatch.setenv("MIMWATCH_GITHUB_URL", gh.base)
    monkeypatch.setenv("MIMWATCH_ARXIV_FEED_URL", httpserver.url_for("/"))
    return gh, config


def scan(*args: str):
    return CliRunner().invoke(main, ["scan", *args])


def test_offline_dry_run_writes_nothing(tmp_path, isolated_home):
    listing = tmp_path / "README.md"
    listing.write_bytes(MAY_LIST.read_bytes())
    result = scan("--source", str(DAILY), "--list", str(listing), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+* **DropPos**: Haochen Wang" in result.stdout
    assert "<!-- mimwatch:ids 2305.14344 2309.03576 2306.00989 -->" in result.stdout
    assert re.search(r"proposed\s+3\n", result.stderr) and re.search(r"updates\s+1\n", result.stderr)
    assert listing.read_bytes() == MAY_LIST.read_bytes()
    assert not (isolated_home / "state.sqlite").exists()  # a dry run creates no state


def _runs(path: Path) -> list:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT status FROM runs").fetchall()


def test_scan_opens_one_pr_with_entries_in_their_sections(world, isolated_home):
    gh, config = world
    result = scan("--config", str(config), "--open-pr")
    assert result.exit_code == 0, result.output
    assert len(gh.pulls) == 1
    pr = gh.pulls[0]
    assert set(marker_ids(pr["body"])["ids"]) == NEW_IDS
    assert marker_ids(pr["body"])["updates"] == ["2205.14540"]
    doc = parse(gh.text(pr["head"]["ref"]))
    for paper_id in NEW_IDS:  # inserted in the first of the three sections the PR shows for it
        row = next(line for line in pr["body"].splitlines() if f"arxiv.org/abs/{paper_id})" in line)
        inserted, top3 = row.split(" | ")[1:3]
        assert doc.find(arxiv_id=paper_id).section == inserted == top3.split(" · ")[0].rsplit(" ", 1)[0]
    assert doc.find(arxiv_id="2306.00989").section == "MIM for Transformers"  # Hiera, where the maintainers put it
    assert doc.find(arxiv_id="2205.14540").venue_tag == "AAAI Workshop'2024"
    assert doc.find(arxiv_id="2503.11742") is None  # the off-topic paper
    assert gh.text() == MAY_LIST.read_text(encoding="utf-8")  # main untouched until a maintainer merges
    assert _runs(isolated_home / "state.sqlite") == [("ok",)]

    again = scan("--config", str(config), "--open-pr")
    assert again.exit_code == 0, again.output
    assert len(gh.pulls) == 1
    text = gh.text(pr["head"]["ref"])
    assert all(text.count(f"arxiv.org/abs/{i}") == 1 for i in NEW_IDS)
    assert re.search(r"published\s+nothing new to publish", again.stderr)


def test_crash_between_publish_and_state_write_recovers(world, isolated_home, monkeypatch):
    gh, config = world

    def crash(*args, **kwargs):
        raise OSError("disk full")

    from mimwatch.state import State

    original = State.record_run
    monkeypatch.setattr(State, "record_run", crash)
    crashed = scan("--config", str(config), "--open-pr")
    assert crashed.exit_code == 1 and len(gh.pulls) == 1
    monkeypatch.setattr(State, "record_run", original)
    rerun = scan("--config", str(config), "--open-pr")
    assert rerun.exit_code == 0, rerun.output
    assert len(gh.pulls) == 1
    text = gh.text(gh.pulls[0]["head"]["ref"])
    assert all(text.count(f"arxiv.org/abs/{i}") == 1 for i in NEW_IDS)
    assert "already in the open bot PR" in rerun.stderr


def test_closed_pr_papers_are_not_proposed_again(world):
    gh, config = world
    assert scan("--config", str(config), "--open-pr").exit_code == 0
    gh.close(1)
    again = scan("--config", str(config), "--open-pr")
    assert again.exit_code == 0, again.output
    assert len(gh.pulls) == 1  # no new PR: every paper was rejected
    assert "rejected by the maintainers" in again.stderr


def test_nothing_announced_exits_0(httpserver, tmp_path):
    result = scan("--source", str(FEEDS / "rss-empty-weekend.xml"), "--list", str(MAY_LIST), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "nothing announced yet" in result.stderr and result.stdout == ""


def test_local_git_branch(tmp_path):
    clone = git_clone(tmp_path)
    env = {"GIT_AUTHOR_NAME": "mimwatch", "GIT_AUTHOR_EMAIL": "bot@example.org",
           "GIT_COMMITTER_NAME": "mimwatch", "GIT_COMMITTER_EMAIL": "bot@example.org"}  # fmt: skip
    result = CliRunner().invoke(main, ["scan", "--source", str(DAILY), "--git-repo", str(clone)], env=env)
    assert result.exit_code == 0, result.output
    assert "branch mimwatch/2024-03-05" in result.stderr
    shown = subprocess.run(["git", "-C", str(clone), "show", "mimwatch/2024-03-05:README.md"],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "DropPos" in shown
    assert (clone / "README.md").read_bytes() == MAY_LIST.read_bytes()  # the working tree is back on main


def test_bad_config_and_usage(tmp_path):
    bad = tmp_path / "mimwatch.toml"
    bad.write_text("[mimwatch]\nthreshhold = 0.5\n", encoding="utf-8")
    result = scan("--config", str(bad), "--list", str(MAY_LIST), "--source", str(DAILY))
    assert result.exit_code == 2 and "unknown setting 'threshhold'" in result.output
    assert scan("--source", str(DAILY)).exit_code == 2
    assert scan("--open-pr", "--list", str(MAY_LIST)).exit_code == 2


def test_step_summary_is_written(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert scan("--source", str(DAILY), "--list", str(MAY_LIST), "--dry-run").exit_code == 0
    assert "## mimwatch scan" in summary.read_text() and "proposed" in summary.read_text()
    assert json.loads(json.dumps(summary.read_text()))  # plain text


def test_refresh_proposes_venue_and_code_updates(httpserver, tmp_path):
    from .fakes.arxiv_api import FakeArxivApi, FakeEntry

    fake = FakeArxivApi([
        FakeEntry(id="2205.14540v3", title="SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners",
                  comment="Accepted to AAAI 2024"),
        FakeEntry(id="2203.05175v2", title="MVP: Multimodality-guided Visual Pre-training",
                  abstract="Code is available at https://github.com/lxtGH/MVP."),
        FakeEntry(id="2111.06377v3", title="Masked Autoencoders Are Scalable Vision Learners", comment="CVPR 2022"),
    ])  # fmt: skip
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    result = CliRunner().invoke(
        main, ["refresh", "--list", str(MAY_LIST), "--dry-run", "--api-url", httpserver.url_for("/api/query")]
    )
    assert result.exit_code == 0, result.output
    assert "+   - SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners. [[AAAI'2024]" in result.stdout
    assert "[[ArXiv'2022](https://arxiv.org/abs/2203.05175)] [[code](https://github.com/lxtGH/MVP)]" in result.stdout
    assert re.search(r"updates\s+2\n", result.stderr)  # MAE is CVPR'2022 already: nothing to change
    assert [len(r["id_list"].split(",")) for r in fake.requests] == [100, 33]  # 133 distinct arXiv ids


def test_settings_file_and_cli_override(tmp_path, monkeypatch):
    (tmp_path / "mimwatch.toml").write_text(
        f'[mimwatch]\nlist = "{MAY_LIST}"\nthreshold = 0.9999\nmax_candidates = 1\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    strict = scan("--source", str(DAILY), "--dry-run")
    assert strict.exit_code == 0, strict.output
    loose = scan("--source", str(DAILY), "--dry-run", "--threshold", "0.05")

    def count(name: str, result) -> int:
        return int(re.search(rf"{name}\s+(\d+)\n", result.stderr).group(1))

    assert count("relevant", strict) < count("relevant", loose) == 3  # the file's 0.9999, then the CLI's 0.05
    assert count("proposed", loose) == 1  # max_candidates = 1 from the file still holds
    assert re.search(r"deferred \(over --max-candidates\)\s+2\n", loose.stderr)


def test_exclude_phrases_from_settings_and_cli(tmp_path, monkeypatch):
    (tmp_path / "mimwatch.toml").write_text(
        f'[mimwatch]\nlist = "{MAY_LIST}"\nexclude = ["bells and whistles"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = scan("--source", str(DAILY), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "skipped: excluded phrase 'bells and whistles'  1" in result.stderr  # "Bells-and-Whistles" in Hiera
    assert re.search(r"proposed\s+2\n", result.stderr) and "Hiera" not in result.stdout
    cli = scan("--source", str(DAILY), "--dry-run", "--exclude", "SIAMESE", "--exclude", "dropped positions")
    assert re.search(r"proposed\s+1\n", cli.stderr)  # the CLI's phrases replace the file's: Hiera is back
    assert "excluded phrase 'SIAMESE'" in cli.stderr and "excluded phrase 'dropped positions'" in cli.stderr
    assert "Hiera" in cli.stdout and "DropPos" not in cli.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[mimwatch]\nexclude = ["ok", ""]\n', encoding="utf-8")
    refused = scan("--config", str(bad), "--list", str(MAY_LIST), "--source", str(DAILY))
    assert refused.exit_code == 2 and "bad.toml: exclude holds '': each must be a non-empty string" in refused.output


def test_excluded_papers_are_judged_again_once_the_phrase_is_gone(world, isolated_home):
    gh, config = world
    first = scan("--config", str(config), "--open-pr", "--exclude", "siamese")
    assert first.exit_code == 0, first.output
    assert set(marker_ids(gh.pulls[0]["body"])["ids"]) == NEW_IDS - {"2305.14344"}
    second = scan("--config", str(config), "--open-pr")
    assert second.exit_code == 0, second.output
    assert len(gh.pulls) == 1 and set(marker_ids(gh.pulls[0]["body"])["ids"]) == NEW_IDS


def _day_one(tmp_path: Path) -> Path:
    """The daily feed without its Siamese MAE item: what a day before it might have announced."""
    text = DAILY.read_text(encoding="utf-8")
    first = text.index("<item>")
    feed = tmp_path / "day-one.xml"
    feed.write_text(text[:first] + text[text.index("</item>", first) + len("</item>") :], encoding="utf-8")
    return feed


def test_a_new_day_keeps_the_open_prs_papers(world, isolated_home, tmp_path):
    gh, config = world
    first = scan("--config", str(config), "--open-pr", "--source", str(_day_one(tmp_path)))
    assert first.exit_code == 0, first.output
    assert set(marker_ids(gh.pulls[0]["body"])["ids"]) == NEW_IDS - {"2305.14344"}
    second = scan("--config", str(config), "--open-pr")  # today's feed: the Siamese MAE is new
    assert second.exit_code == 0, second.output
    assert re.search(r"proposed\s+1\n", second.stderr) and re.search(r"kept from the open PR\s+3\n", second.stderr)
    assert len(gh.pulls) == 1
    body = gh.pulls[0]["body"]
    assert set(marker_ids(body)["ids"]) == NEW_IDS and marker_ids(body)["updates"] == ["2205.14540"]
    assert "DropPos" in body and "Siamese Masked Autoencoders" in body
    doc = parse(gh.text(gh.pulls[0]["head"]["ref"]))
    assert all(doc.find(arxiv_id=i) is not None for i in NEW_IDS)
    assert doc.find(arxiv_id="2309.03576").section == "MIM for Transformers"  # where the first run put it
    assert doc.find(arxiv_id="2205.14540").venue_tag == "AAAI Workshop'2024"  # the update is kept too


def test_open_pr_papers_unknown_to_the_state_stop_the_run_offline(world, isolated_home, tmp_path):
    gh, config = world
    assert scan("--config", str(config), "--open-pr", "--source", str(_day_one(tmp_path))).exit_code == 0
    body = gh.pulls[0]["body"]
    fresh_state = tmp_path / "lost-state.sqlite"  # e.g. the Action's cache expired
    result = scan("--config", str(config), "--open-pr", "--source", str(DAILY), "--state", str(fresh_state))
    assert result.exit_code == 1
    assert "the open bot PR proposes 3 paper(s) the state has not cached" in result.output
    assert gh.pulls[0]["body"] == body and len(gh.pulls) == 1  # the PR is left as it was


def test_open_pr_papers_unknown_to_the_state_are_fetched_by_id(world, isolated_home, tmp_path, httpserver):
    from .fakes.arxiv_api import FakeArxivApi, FakeEntry

    gh, config = world
    assert scan("--config", str(config), "--open-pr", "--source", str(_day_one(tmp_path))).exit_code == 0
    fake = FakeArxivApi([
        FakeEntry(id="2309.03576v1", title="DropPos: Pre-Training Vision Transformers by Reconstructing Dropped Positions",
                  authors=("Haochen Wang", "Junsong Fan")),
        FakeEntry(id="2306.00989v1", title="Hiera: A Hierarchical Vision Transformer without the Bells-and-Whistles",
                  authors=("Chaitanya Ryali",)),
        FakeEntry(id="2205.14540v3", title="SupMAE: Supervised Masked Autoencoders Are Efficient Vision Learners",
                  comment="Accepted to AAAI 2024 Workshop"),
    ])  # fmt: skip
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    result = scan("--config", str(config), "--open-pr", "--state", str(tmp_path / "lost.sqlite"),
                  "--api-url", httpserver.url_for("/api/query"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(fake.requests[0]["id_list"].split(",")) == ["2205.14540", "2306.00989", "2309.03576"]
    assert set(marker_ids(gh.pulls[0]["body"])["ids"]) == NEW_IDS and len(gh.pulls) == 1


def test_a_maintainers_edit_of_the_pr_survives_the_next_scan(world, isolated_home, tmp_path):
    gh, config = world
    assert scan("--config", str(config), "--open-pr", "--source", str(_day_one(tmp_path))).exit_code == 0
    branch = gh.pulls[0]["head"]["ref"]
    text = gh.text(branch)
    start = text.index("* **DropPos**")
    gh.edit_branch(branch, text[:start] + text[text.index("\n* ", start) + 1 :])  # they reject DropPos
    result = scan("--config", str(config), "--open-pr")
    assert result.exit_code == 0, result.output
    doc = parse(gh.text(branch))
    assert doc.find(arxiv_id="2309.03576") is None  # not put back
    assert doc.find(arxiv_id="2306.00989") is not None and doc.find(arxiv_id="2305.14344") is not None
    assert set(marker_ids(gh.pulls[0]["body"])["ids"]) == NEW_IDS  # at merge, DropPos is learned as rejected


def test_papers_over_max_candidates_are_deferred_not_dropped(world, isolated_home):
    gh, config = world
    first = scan("--config", str(config), "--open-pr", "--max-candidates", "1")
    assert first.exit_code == 0, first.output
    assert re.search(r"deferred \(over --max-candidates\)\s+2\n", first.stderr)
    assert len(marker_ids(gh.pulls[0]["body"])["ids"]) == 1
    quiet_day = FEEDS / "rss-empty-weekend.xml"  # nothing new announced: the deferred papers still come
    second = scan("--config", str(config), "--open-pr", "--source", str(quiet_day))
    assert second.exit_code == 0, second.output
    assert re.search(r"proposed\s+2\n", second.stderr) and "deferred (" not in second.stderr
    assert len(gh.pulls) == 1 and set(marker_ids(gh.pulls[0]["body"])["ids"]) == NEW_IDS


def test_dry_run_fetching_open_pr_papers_caches_nothing(world, isolated_home, tmp_path, httpserver):
    from mimwatch.state import State

    from .fakes.arxiv_api import FakeArxivApi, FakeEntry

    gh, config = world
    assert scan("--config", str(config), "--open-pr", "--source", str(_day_one(tmp_path))).exit_code == 0
    other = tmp_path / "other.sqlite"
    State(other)  # a state that exists but has never seen this PR
    fake = FakeArxivApi([FakeEntry(id="2309.03576v1", title="DropPos"), FakeEntry(id="2306.00989v1", title="Hiera"),
                         FakeEntry(id="2205.14540v3", title="SupMAE")])  # fmt: skip
    httpserver.expect_request("/api/query").respond_with_handler(fake)
    result = scan("--config", str(config), "--dry-run", "--state", str(other),
                  "--api-url", httpserver.url_for("/api/query"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake.requests  # the open PR's papers were fetched to show the whole PR
    with sqlite3.connect(other) as db:
        assert db.execute("SELECT COUNT(*) FROM abstracts").fetchone() == (0,)  # a dry run writes nothing


def _openreview_record() -> dict:
    """An ICLR submission that is only on OpenReview: no arXiv id, its forum, the venue OpenReview gives it."""
    return {"id": "", "openreview_id": "Xq7mAsKd9Z", "title": "Masked Patch Position Prediction for Vision Transformers",
            "abstract": "We pre-train vision transformers by masked image modeling: the model reconstructs the "
                        "positions of masked patches, a self-supervised pretext task that masks most patches and "
                        "asks a masked autoencoder to predict where each visible patch belongs.",
            "authors": ["Haochen Wang", "Junsong Fan"], "published": "2024-09-28",
            "venue": "Submitted to ICLR 2025", "source": "openreview"}  # fmt: skip


def test_a_paper_that_is_not_on_arxiv_keeps_its_own_identity_over_two_days(world, isolated_home, tmp_path):
    gh, config = world
    day_one = tmp_path / "day-one.jsonl"
    day_one.write_text(json.dumps(_openreview_record()) + "\n", encoding="utf-8")
    first = scan("--config", str(config), "--open-pr", "--source", str(day_one), "--threshold", "0.05")
    assert first.exit_code == 0, first.output
    body = gh.pulls[0]["body"]
    assert marker_ids(body)["ids"] == ["openreview:Xq7mAsKd9Z"]
    assert "[Masked Patch Position Prediction for Vision Transformers](https://openreview.net/forum?id=Xq7mAsKd9Z)" in body
    assert "arxiv.org/abs/)" not in body and "ArXiv'2024" not in body and "(OpenReview Xq7mAsKd9Z)" in body
    branch = gh.pulls[0]["head"]["ref"]
    entry = parse(gh.text(branch)).find(title="Masked Patch Position Prediction for Vision Transformers")
    assert entry.paper_url == "https://openreview.net/forum?id=Xq7mAsKd9Z" and entry.venue_tag == "OpenReview'2024"

    # Day two: arXiv's feed. The rebuilt PR keeps the OpenReview paper (from the state's cache, by its key).
    second = scan("--config", str(config), "--open-pr")
    assert second.exit_code == 0, second.output
    assert re.search(r"kept from the open PR\s+1\n", second.stderr)
    body = gh.pulls[0]["body"]
    assert set(marker_ids(body)["ids"]) == NEW_IDS | {"openreview:Xq7mAsKd9Z"}
    text = gh.text(branch)
    assert text.count("https://openreview.net/forum?id=Xq7mAsKd9Z") == 1 and "DropPos" in text

    # Closed: the OpenReview paper is learned as rejected under its own key, and not proposed again.
    gh.close(1)
    third = scan("--config", str(config), "--open-pr", "--source", str(day_one), "--threshold", "0.05")
    assert third.exit_code == 0, third.output
    assert "rejected by the maintainers" in third.stderr and len(gh.pulls) == 1
    with sqlite3.connect(isolated_home / "state.sqlite") as db:
        assert db.execute("SELECT outcome FROM outcomes WHERE id='openreview:Xq7mAsKd9Z'").fetchone() == ("rejected",)
