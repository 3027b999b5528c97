"""A paper's one key (arXiv id, else its source's id, else its title) through markers, state and review."""

from __future__ import annotations

from datetime import datetime

from mimwatch.app import sync_feedback
from mimwatch.papers import Paper, key_from_token, key_token, title_key
from mimwatch.publish.github import PullRequestRecord
from mimwatch.publish.proposal import OpenPull, marker_ids, marker_text
from mimwatch.state import PublishedPull, State


def test_keys_of_every_kind_survive_the_markers():
    keys = {"ids": ["2305.14344", "cs/0601001", "openreview:Xq7m-As_Kd9Z", title_key("Méthode: <b>masked</b> — 2 → 3")],
            "updates": ["doi:10.1101/2024.01.01.575123"], "triage": [title_key("a  b")],
            "considered": ["openreview:zz"]}  # fmt: skip
    text = marker_text(keys, 60_000)
    assert "-->" not in text.replace(" -->\n", "") and "\n" not in text.replace(" -->\n", "")
    assert {k: v for k, v in marker_ids(text).items() if k != "more"} == keys
    assert all(key_from_token(key_token(k)) == k for k in keys["ids"])


def test_paper_keys_by_source():
    assert Paper.build(id="2305.14344v2", title="T").key == "2305.14344"
    assert Paper.from_record({"title": "T", "openreview_id": "abc"}).key == "openreview:abc"
    biorxiv = Paper.from_record({"title": "T", "doi": "10.1101/2024.01.01.575123", "source": "biorxiv"})
    assert biorxiv.key == "doi:10.1101/2024.01.01.575123" and biorxiv.server == "bioRxiv"
    assert biorxiv.url == "https://www.biorxiv.org/content/10.1101/2024.01.01.575123"
    assert Paper.from_record({"title": "Masked  Things!"}).key == "title:masked things"


def test_the_state_keeps_what_a_prs_markers_have_no_room_for(tmp_path):
    state = State(tmp_path / "state.sqlite")
    keys = {"ids": [f"2403.{i:05d}" for i in range(50)] + [title_key("an id-less paper")], "updates": [],
            "triage": ["openreview:abc"]}  # fmt: skip
    state.record_run(started=datetime(2024, 3, 5), since=None, until=None, source="rss", status="ok", counts={},
                     pull=PublishedPull(7, "https://github.example/pull/7", "mimwatch/2024-03-05", keys))  # fmt: skip
    assert state.pull_keys(7) == keys
    body = marker_text(keys, 300)  # room for a few keys only
    marks = marker_ids(body)
    assert len(marks["ids"]) < 51 and marks["more"]
    pending = OpenPull(frozenset(marks["ids"]), frozenset(), frozenset(marks["triage"]), number=7,
                       more=int(marks["more"][0])).with_keys(state.pull_keys(7))  # fmt: skip
    assert pending.ids == set(keys["ids"]) and pending.triage == {"openreview:abc"}

    # Closed without merging: every paper is learned as rejected, those the markers left out too.
    closed = PullRequestRecord(7, "u", "mimwatch/2024-03-05", "closed", tuple(marks["ids"]), (),
                               more=int(marks["more"][0]))  # fmt: skip
    assert sync_feedback([closed], state) == {"rejected": 51}
    assert state.outcome(title_key("an id-less paper"))[0] == "rejected"
    assert state.pull_keys(7)["ids"] == keys["ids"]  # the sync keeps the whole list, not the markers' part
