"""The GitHub publisher against a stateful fake of the REST API on loopback, driven by real PyGithub."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest

from mimwatch.app import sync_feedback
from mimwatch.awesome import parse
from mimwatch.awesome.model import Entry
from mimwatch.errors import PublishError
from mimwatch.papers import Paper
from mimwatch.publish.github import GitHubPublisher
from mimwatch.publish.proposal import Candidate, Proposal, apply_proposal, marker_ids
from mimwatch.state import PaperDecision, State

from .fakes.github_api import FakeGitHub

TOKEN = "ghp_secret_token_value_123"
LIST = (
    "# Awesome\n\n## Methods\n\n"
    "* **Old Paper**<br>\n*Ann Author*<br>\nCVPR'2023 [[Paper](https://arxiv.org/abs/2301.00001)]\n\n"
    "## Contribution\n"
)


def candidate(arxiv_id: str, title: str, authors=("Bo Li",)) -> Candidate:
    paper = Paper.build(id=arxiv_id, title=title, abstract="Masked things.", authors=list(authors))
    entry = Entry(title=title, authors=tuple(authors), venue="ArXiv", year=2024, paper_url=paper.abs_url)
    return Candidate(paper=paper, entry=entry, section="Methods", relevance=0.9, sections=(("Methods", 0.9),),
                     terms=("masked",), nearest=("Old Paper",))  # fmt: skip


def proposal(*candidates: Candidate, day=date(2024, 3, 5)) -> Proposal:
    return Proposal(day=day, list_path="README.md", candidates=candidates)


@pytest.fixture
def fake(httpserver) -> FakeGitHub:
    gh = FakeGitHub(base=httpserver.url_for("").rstrip("/"))
    gh.seed(LIST)
    from pytest_httpserver import URIPattern

    class Any(URIPattern):
        def match(self, uri: str) -> bool:
            return True

    httpserver.expect_request(Any()).respond_with_handler(gh)
    return gh


def publisher(fake: FakeGitHub, **kwargs) -> GitHubPublisher:
    return GitHubPublisher(f"{fake.owner}/{fake.name}", TOKEN, base_url=fake.base,
                           seconds_between_requests=0, seconds_between_writes=0, **kwargs)  # fmt: skip


def test_first_pr(fake, caplog):
    caplog.set_level(logging.DEBUG)
    result = publisher(fake).open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    assert result.created and result.number == 1 and result.branch == "mimwatch/2024-03-05"
    pr = fake.pulls[0]
    assert pr["head"]["ref"] == "mimwatch/2024-03-05" and pr["base"]["ref"] == "main"
    assert [label["name"] for label in pr["labels"]] == ["mimwatch"]
    assert marker_ids(pr["body"])["ids"] == ["2403.00001"]
    branch_text = fake.text("mimwatch/2024-03-05")
    assert (
        "* **New Masked Paper**<br>\n*Bo Li*<br>\nArXiv'2024 [[Paper](https://arxiv.org/abs/2403.00001)]" in branch_text
    )
    assert fake.text() == LIST  # main untouched
    assert TOKEN not in caplog.text
    assert f"token {TOKEN}" in fake.seen_auth or f"Bearer {TOKEN}" in fake.seen_auth


def test_rerun_updates_the_same_pr(fake):
    bot = publisher(fake)
    bot.open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    again = bot.open_or_update(proposal(candidate("2403.00001", "New Masked Paper"), candidate("2403.00002", "Second One"),
                                 day=date(2024, 3, 6)))  # fmt: skip
    assert not again.created and again.number == 1 and len(fake.pulls) == 1
    assert marker_ids(fake.pulls[0]["body"])["ids"] == ["2403.00001", "2403.00002"]
    text = fake.text("mimwatch/2024-03-05")
    assert text.count("New Masked Paper") == 1 and "Second One" in text
    assert not any(m == "POST" and p.endswith("/pulls") and i > 0 for i, (m, p) in enumerate(fake.log[20:]))


def opened_then_edited_by_hand(fake):
    """The bot opens its PR with two papers; a maintainer drops the second and fixes the first's title on the
    branch. Returns the publisher, the two candidates, the branch and the maintainer's text."""
    bot = publisher(fake)
    first, second = candidate("2403.00001", "New Masked Paper"), candidate("2403.00002", "Second One")
    bot.open_or_update(proposal(first, second))
    branch = "mimwatch/2024-03-05"
    edited = fake.text(branch)
    start = edited.index("* **Second One**")
    edited = edited[:start] + edited[edited.index("\n\n", start) + 2 :]  # they drop the second paper
    edited = edited.replace("New Masked Paper**", "New Masked Paper (MNP)**")  # and fix a title
    fake.edit_branch(branch, edited)
    return bot, first, second, branch, edited


def test_a_maintainers_edits_of_the_pr_branch_are_kept(fake):
    bot, first, second, branch, edited = opened_then_edited_by_hand(fake)
    fake.push_to_main(LIST.replace("## Contribution\n", "## Contribution\n\nThanks.\n"))  # main moves on
    third = candidate("2403.00003", "Third Paper")
    carried = (first, second, third)
    again = bot.open_or_update(Proposal(
        day=date(2024, 3, 6), list_path="README.md", candidates=carried, carried=frozenset({first.paper.key, second.paper.key}),
    ))  # fmt: skip
    assert not again.created and again.branch == branch and len(fake.pulls) == 1
    text = fake.text(branch)
    assert text == apply_proposal(edited, "README.md", (third,), ())  # their version plus the new entry
    assert "New Masked Paper (MNP)" in text and "Second One" not in text and "Third Paper" in text
    assert "Thanks." not in text  # their branch is not rebuilt on the moved main
    assert fake.messages[fake.branches[branch]].startswith("mimwatch: ")
    assert marker_ids(fake.pulls[0]["body"])["ids"] == ["2403.00001", "2403.00002", "2403.00003"]
    # At merge, the dropped paper is learned as rejected: its id is in the body, its entry is not in the list.


def test_base_branch_moved_mid_run(fake):
    moved = LIST.replace("## Contribution\n", "## Contribution\n\nThanks to everyone.\n")
    fake.after_put.append(lambda: fake.push_to_main(moved))
    publisher(fake).open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    text = fake.text("mimwatch/2024-03-05")
    assert "Thanks to everyone." in text and "New Masked Paper" in text  # rebuilt on the new head
    assert fake.commits[fake.branches["main"]]["README.md"] == moved


def test_actions_not_permitted_names_the_setting(fake):
    fake.faults.append(("POST", r".*/pulls", 403, {}, {
        "message": "GitHub Actions is not permitted to create or approve pull requests."}))  # fmt: skip
    with pytest.raises(PublishError, match="Allow GitHub Actions to create and approve pull requests"):
        publisher(fake).open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))


def test_rate_limited_then_success(fake):
    fake.faults.append(("GET", r"/repos/lupin/Awesome-MIM", 403, {"Retry-After": "0"},
                        {"message": "API rate limit exceeded for installation."}))  # fmt: skip
    result = publisher(fake).open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    assert result.number == 1
    assert fake.log.count(("GET", "/repos/lupin/Awesome-MIM")) == 2


def test_repo_not_found(fake):
    bot = GitHubPublisher("lupin/nope", TOKEN, base_url=fake.base, seconds_between_requests=0)
    with pytest.raises(PublishError, match=r"GitHub has no repository lupin/nope \(404\)"):
        bot.open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))


def test_missing_token_is_a_clear_error():
    with pytest.raises(PublishError, match="set GITHUB_TOKEN"):
        GitHubPublisher("a/b", "")


def test_untrusted_text_is_harmless(fake):
    evil = candidate("2403.00009", "Great](javascript:alert(1)) <img src=x onerror=alert(1)> by @someone fixes #12",
                     authors=("Eve <script>", "@mallory"))  # fmt: skip
    publisher(fake).open_or_update(proposal(evil))
    body = fake.pulls[0]["body"]
    assert "<img" not in body and not re.search(r"(?<!\\)\]\(javascript:", body)
    assert "@someone" not in body and "@\u200bsomeone" in body and "#12" not in body
    entry_text = fake.text("mimwatch/2024-03-05")
    assert "<img" not in entry_text and "<script>" not in entry_text
    assert not re.search(r"(?<!\\)\]\(javascript:", entry_text)
    back = parse(entry_text).find(arxiv_id="2403.00009")
    assert back.title == evil.entry.title and back.authors == ("Eve <script>", "@mallory")


def test_feedback_from_merged_and_closed_prs(fake, tmp_path):
    bot = publisher(fake)
    state = State(tmp_path / "state.sqlite")
    state.record_run(started=__import__("datetime").datetime(2024, 3, 5), since=None, until=None, source="rss",
                     status="ok", counts={}, decisions=[
                         PaperDecision("2403.00001", 1, "A", 0.9, "Methods", "proposed", "ArXiv'2024"),
                         PaperDecision("2403.00002", 1, "B", 0.9, "Methods", "proposed", "ArXiv'2024"),
                         PaperDecision("2403.00003", 1, "C", 0.9, "Methods", "proposed", "ArXiv'2024")])  # fmt: skip
    bot.open_or_update(proposal(candidate("2403.00001", "Kept Paper"), candidate("2403.00002", "Removed Paper")))
    merged_text = fake.text("mimwatch/2024-03-05").replace(
        "* **Removed Paper**<br>\n*Bo Li*<br>\nArXiv'2024 [[Paper](https://arxiv.org/abs/2403.00002)]\n\n", ""
    )
    fake.merge(1, merged_text)
    bot.open_or_update(proposal(candidate("2403.00003", "Closed Paper"), day=date(2024, 3, 7)))
    fake.close(2)
    learned = sync_feedback(bot.bot_pulls(), state)
    assert learned == {"accepted": 1, "rejected": 2}
    assert state.outcome("2403.00001")[0] == "accepted"
    assert state.outcome("2403.00002") == ("rejected", "ArXiv'2024")  # removed before merging
    assert state.outcome("2403.00003")[0] == "rejected"  # closed without merge


def test_a_commit_pushed_while_the_bot_commits_is_kept(fake):
    """The bot builds its commit, a maintainer pushes to the branch, the bot's move is no fast forward: GitHub
    refuses it, the bot builds again on their commit (their branch now: new entries on top)."""
    bot = publisher(fake)
    first = candidate("2403.00001", "New Masked Paper")
    bot.open_or_update(proposal(first))
    branch = "mimwatch/2024-03-05"
    fixed = fake.text(branch).replace("New Masked Paper**", "New Masked Paper (NMP)**")
    fake.after_commit.append(lambda: fake.edit_branch(branch, fixed, "fix a title"))
    second = candidate("2403.00002", "Second One")
    again = bot.open_or_update(Proposal(day=date(2024, 3, 6), list_path="README.md", candidates=(first, second),
                                        carried=frozenset({first.paper.key})))  # fmt: skip
    text = fake.text(branch)
    assert "New Masked Paper (NMP)" in text and "Second One" in text
    assert ("PATCH", f"/repos/lupin/Awesome-MIM/git/refs/heads/{branch}") in fake.log
    assert not any(forced for _, _, _, forced in fake.ref_moves)
    assert again.held == {"2403.00001", "2403.00002"}


def test_reviewed_pulls_are_learned_once(fake, tmp_path):
    bot = publisher(fake)
    state = State(tmp_path / "state.sqlite")
    bot.open_or_update(proposal(candidate("2403.00001", "Kept Paper")))
    fake.merge(1)
    assert sync_feedback(bot.bot_pulls(skip=state.reviewed_pulls()), state) == {"accepted": 1}
    assert state.reviewed_pulls() == {1}
    reads = len([1 for method, path in fake.log if method == "GET" and "/contents/" in path])
    assert bot.bot_pulls(skip=state.reviewed_pulls()) == []  # nothing new to learn
    assert len([1 for method, path in fake.log if method == "GET" and "/contents/" in path]) == reads
    assert state.outcome("2403.00001")[0] == "accepted"


def test_pacing_towards_github_com_is_pygithubs_own(monkeypatch):
    from mimwatch import config

    monkeypatch.setenv("MIMWATCH_REQUEST_DELAY", "0")
    assert config.github_delay("https://api.github.com") is None  # secondary rate limits: never faster
    assert config.github_delay("http://127.0.0.1:8080") == 0.0
    monkeypatch.delenv("MIMWATCH_REQUEST_DELAY")
    assert config.github_delay("https://github.example.org/api/v3") is None


def test_a_maintainers_commit_anywhere_on_the_branch_stops_rebuilds_for_good(fake):
    """Run 1 opens the PR; a maintainer removes one entry and fixes another; run 2 adds on top; run 3 finds the
    bot's own commit at the head, and still must not rebuild: "edited by hand" is a property of the branch."""
    bot, first, second, branch, _ = opened_then_edited_by_hand(fake)
    carried = frozenset({first.paper.key, second.paper.key})
    third, fourth = candidate("2403.00003", "Third Paper"), candidate("2403.00004", "Fourth Paper")
    bot.open_or_update(Proposal(day=date(2024, 3, 6), list_path="README.md", candidates=(first, second, third),
                                carried=carried))  # fmt: skip
    assert fake.messages[fake.branches[branch]].startswith("mimwatch: ")  # the head is the bot's again
    fake.push_to_main(LIST.replace("## Contribution\n", "## Contribution\n\nThanks.\n"))  # and main moves on
    bot.open_or_update(Proposal(day=date(2024, 3, 7), list_path="README.md",
                                candidates=(first, second, third, fourth),
                                carried=carried | {third.paper.key}))  # fmt: skip
    text = fake.text(branch)
    assert "New Masked Paper (MNP)" in text and "Second One" not in text  # their fix and their removal stand
    assert "Third Paper" in text and "Fourth Paper" in text
    assert not any(forced for _, _, _, forced in fake.ref_moves)
    assert fake.closed_by_github == [] and fake.pulls[0]["state"] == "open"
    # The removed paper stays in the markers: at merge it is learned as rejected.
    assert "2403.00002" in marker_ids(fake.pulls[0]["body"])["ids"]


def test_an_update_never_moves_the_head_to_the_base(fake):
    """GitHub closes a PR whose head has no commits over its base (and refuses to reopen it): every move of the
    bot's branch goes from the old head to a new commit, also when the base moved and the branch is rebuilt."""
    bot = publisher(fake)
    first = candidate("2403.00001", "New Masked Paper")
    bot.open_or_update(proposal(first))
    branch = "mimwatch/2024-03-05"
    fake.push_to_main(LIST.replace("## Contribution\n", "## Contribution\n\nThanks.\n"))
    second = candidate("2403.00002", "Second One")
    bot.open_or_update(Proposal(day=date(2024, 3, 6), list_path="README.md", candidates=(first, second),
                                carried=frozenset({first.paper.key})))  # fmt: skip
    text = fake.text(branch)
    assert "Thanks." in text and text.count("New Masked Paper") == 1 and "Second One" in text
    assert fake.pulls[0]["state"] == "open" and fake.closed_by_github == []
    moves = [(old, new, forced) for name, old, new, forced in fake.ref_moves if name == branch]
    assert len(moves) == 2 and not any(forced for _, _, forced in moves)
    assert all(new != fake.branches["main"] and old in fake.history(new) for old, new, _ in moves[1:])
    # The bot's second commit takes the moved main as a parent: the PR shows only its own change.
    assert fake.parents[fake.branches[branch]] == [moves[0][1], fake.branches["main"]]


def test_the_fake_closes_a_pr_whose_head_is_moved_to_its_base(fake):
    """The rule the test above relies on, as GitHub has it: force-pushing the base's commit onto the PR branch
    closes the PR, and it cannot be reopened while the branch has no commits of its own."""
    publisher(fake).open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    fake.force_branch("mimwatch/2024-03-05", fake.branches["main"])
    assert fake.pulls[0]["state"] == "closed" and fake.closed_by_github == [1]
    from github import Auth, Github, GithubException

    pr = Github(base_url=fake.base, auth=Auth.Token(TOKEN)).get_repo("lupin/Awesome-MIM").get_pull(1)
    with pytest.raises(GithubException) as refused:
        pr.edit(state="open")
    assert refused.value.status == 422


def test_a_branch_a_dead_run_left_without_a_pr_is_reused(fake):
    bot = publisher(fake)
    fake.faults += [("POST", r".*/pulls", 422, {}, {"message": "Validation Failed"})]
    with pytest.raises(PublishError):
        bot.open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    fake.faults.clear()
    assert fake.pulls == [] and "mimwatch/2024-03-05" in fake.branches  # the commit is there, the PR is not
    result = bot.open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    assert result.branch == "mimwatch/2024-03-05" and result.created
    assert fake.text(result.branch).count("New Masked Paper") == 1


def test_the_branch_of_a_closed_pr_is_never_moved(fake):
    bot = publisher(fake)
    bot.open_or_update(proposal(candidate("2403.00001", "New Masked Paper")))
    fake.close(1)
    closed_tip = fake.branches["mimwatch/2024-03-05"]
    result = bot.open_or_update(proposal(candidate("2403.00002", "Second One")))  # the same day again
    assert result.branch == "mimwatch/2024-03-05-2" and result.number == 2
    assert fake.branches["mimwatch/2024-03-05"] == closed_tip  # reopening PR #1 shows what it showed
    assert "New Masked Paper" not in fake.text(result.branch) and "Second One" in fake.text(result.branch)


def test_the_body_names_only_what_the_branch_holds(fake):
    """A maintainer renamed the section on the PR branch: the new paper for the old section cannot go in; the PR
    does not claim it (markers, table), and the run learns it is not held (so it is judged again later)."""
    bot = publisher(fake)
    first = candidate("2403.00001", "New Masked Paper")
    bot.open_or_update(proposal(first))
    branch = "mimwatch/2024-03-05"
    fake.edit_branch(branch, fake.text(branch).replace("## Methods", "## Approaches"))
    second = candidate("2403.00002", "Second One")
    result = bot.open_or_update(Proposal(day=date(2024, 3, 6), list_path="README.md", candidates=(first, second),
                                         carried=frozenset({first.paper.key})))  # fmt: skip
    assert result.held == {"2403.00001"}
    body = fake.pulls[0]["body"]
    assert marker_ids(body)["ids"] == ["2403.00001"] and "Second One" not in body
    assert "Second One" not in fake.text(branch)
