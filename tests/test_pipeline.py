"""The scan's stages one by one, on a small list, a real state and a stand-in model with fixed scores."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from mimwatch.awesome import parse
from mimwatch.classify.model import NEEDS_TRIAGE, Score
from mimwatch.errors import PublishError
from mimwatch.papers import Paper
from mimwatch.pipeline import (
    ListView,
    Scored,
    carry,
    exclusion_patterns,
    find_updates,
    place,
    rank,
    scan,
    sort_arrivals,
)
from mimwatch.publish import Published
from mimwatch.publish.proposal import OpenPull, Proposal
from mimwatch.sources.feed import FeedResult
from mimwatch.state import History, Mark, PaperDecision, State
from mimwatch.venues import Venue

LIST = (
    "# Awesome\n\n## Methods\n\n"
    "* **MAE**: Kaiming He, Xinlei Chen.\n"
    "   - Masked Autoencoders Are Scalable Vision Learners. [[NIPS'2021](https://arxiv.org/abs/2111.06377)]\n"
    "* **SimMIM**: Zhenda Xie.\n"
    "   - SimMIM: A Simple Framework for Masked Image Modeling. [[ArXiv'2021](https://arxiv.org/abs/2111.09886)]\n"
    "\n## Video\n\n"
    "* **VideoMAE**: Zhan Tong.\n"
    "   - VideoMAE: Masked Autoencoders are Data-Efficient Learners. [[NIPS'2022](https://arxiv.org/abs/2203.12602)]\n"
)


def paper(arxiv_id: str, title: str, **fields) -> Paper:
    fields.setdefault("authors", ["Ada Lovelace"])
    fields.setdefault("abstract", "We mask image patches.")
    return Paper.build(id=arxiv_id, title=title, published="2024-03-01", **fields)


@dataclass
class FixedModel:
    """Stands in for a trained model: each paper's relevance and section are set by the test."""

    scores: dict[str, tuple[float, str]]
    threshold: float = 0.5

    def score(self, records: list[dict]) -> list[Score]:
        out = []
        for r in records:
            relevance, section = self.scores.get(r["id"], (0.0, "Methods"))
            out.append(Score(r["id"], relevance, relevance >= self.threshold, section, [(section, 0.8)],
                             {"terms": ["masked"], "nearest": [{"title": "MAE"}]}))  # fmt: skip
        return out


@dataclass
class Recorder:
    """A publisher that keeps what it is given."""

    pending: OpenPull = OpenPull()
    published: list[Proposal] | None = None

    def open_pull(self) -> OpenPull:
        return self.pending

    def publish(self, proposal: Proposal) -> Published:
        self.published = [*(self.published or []), proposal]
        return Published("recorded", proposal.held_by(proposal.edit(LIST)))


@pytest.fixture
def view() -> ListView:
    return ListView(parse(LIST, "README.md"))


def test_sort_arrivals_says_why_each_known_paper_is_skipped(view):
    arrived = [
        paper("2111.06377", "Masked Autoencoders Are Scalable Vision Learners"),  # listed
        paper("2403.00001", "Fresh Masked Paper"),
        paper("2403.00001", "Fresh Masked Paper"),  # the same paper twice in one fetch
        paper("2403.00002", "In the Open PR"),
        paper("2403.00003", "Rejected Before"),
        paper("2403.00004", "Rejected, Now Accepted", comment="Accepted to CVPR 2024"),
        paper("2403.00005", "Accepted Before"),
        paper("2403.00006", "Judged Irrelevant Before"),
        paper("2403.00007", "Deferred Before"),
        paper("2403.00008", "A Paper on Medical Segmentation"),
    ]
    history = History(
        decisions={"2403.00006": Mark("irrelevant", None), "2403.00007": Mark("deferred", None)},
        outcomes={"2403.00003": Mark("rejected", "ArXiv'2024"), "2403.00004": Mark("rejected", "ArXiv'2024"),
                  "2403.00005": Mark("accepted", None)},
    )  # fmt: skip
    out = sort_arrivals(arrived, view, OpenPull(ids=frozenset({"2403.00002"})), history,
                        exclusion_patterns(["medical segmentation"]))  # fmt: skip
    assert [p.id for p in out.fresh] == ["2403.00001", "2403.00004", "2403.00007"]
    assert [p.id for p in out.listed] == ["2111.06377"]
    assert [p.id for p in out.judged] == ["2403.00001", "2403.00004", "2403.00007", "2403.00008"]
    assert out.skipped == Counter({
        "already in the list": 1, "duplicate in this fetch": 1, "already in the open bot PR": 1,
        "rejected by the maintainers": 1, "accepted earlier": 1, "seen before (irrelevant)": 1,
        "excluded phrase 'medical segmentation'": 1,
    })  # fmt: skip
    assert [(d.id, d.decision) for d in out.decisions] == [("2403.00008", "excluded")]


def test_rank_keeps_the_best_within_the_limit_defers_the_rest_and_holds_back_what_cannot_be_written(view):
    fresh = [paper("2403.00001", "Low"), paper("2403.00002", "Best"), paper("2403.00003", "Second"),
             paper("2403.00004", "Third"), paper("2403.00005", "No Authors", authors=[])]  # fmt: skip
    model = FixedModel({"2403.00001": (0.2, "Methods"), "2403.00002": (0.95, "Methods"),
                        "2403.00003": (0.9, "Video"), "2403.00004": (0.7, "Methods"),
                        "2403.00005": (0.99, "Methods")})  # fmt: skip
    out = rank(fresh, model, view, max_candidates=2)
    assert [s.paper.id for s in out.chosen] == ["2403.00002", "2403.00003"]
    assert [s.paper.id for s in out.deferred] == ["2403.00004"]
    assert out.relevant == 4
    assert out.skipped == Counter({"held back: no authors": 1})
    assert {(d.id, d.decision) for d in out.decisions} == {
        ("2403.00001", "irrelevant"), ("2403.00005", "held"), ("2403.00004", "deferred")}
    # A threshold given for the run overrides the model's.
    assert rank(fresh, model, view, threshold=0.1, max_candidates=9).relevant == 5


def test_place_files_each_paper_in_its_section_or_leaves_it_to_triage(view):
    def scored(arxiv_id: str, section: str) -> Scored:
        return Scored(paper(arxiv_id, f"Paper {arxiv_id}"),
                      Score(arxiv_id, 0.9, True, section, [(section, 0.5)], {"terms": [], "nearest": []}))  # fmt: skip

    out = place([scored("2403.00001", "Video"), scored("2403.00002", NEEDS_TRIAGE),
                 scored("2403.00003", "A Section the List Lacks")], view)  # fmt: skip
    assert [(c.paper.id, c.section) for c in out.candidates] == [("2403.00001", "Video")]
    assert [c.paper.id for c in out.triage] == ["2403.00002", "2403.00003"]
    assert out.candidates[0].entry.authors == ("Ada Lovelace",) and out.candidates[0].entry.venue_tag == "ArXiv'2024"
    assert [d.decision for d in out.decisions] == ["proposed", "triage", "triage"]


def test_find_updates_spells_the_new_venue_the_lists_way_and_never_repeats_itself(view):
    simmim = paper("2111.09886", "SimMIM: A Simple Framework for Masked Image Modeling",
                   comment="Accepted to NeurIPS 2022. Code: https://github.com/microsoft/SimMIM")  # fmt: skip
    (update,) = find_updates([simmim], view)
    assert update.venue == Venue("NIPS", 2022)  # the list writes NIPS
    assert update.venue_tag == "NIPS'2022" and update.code == "https://github.com/microsoft/SimMIM"
    assert find_updates([simmim], view, open_ids={"2111.09886"}) == []  # the open PR carries it
    earlier = History(decisions={"2111.09886": Mark("update-proposed", "NIPS'2022")}, outcomes={})
    assert find_updates([simmim], view, history=earlier) == []
    assert len(find_updates([simmim], view, history=earlier, new_only=False)) == 1
    closed = History(decisions={}, outcomes={"2111.09886": Mark("rejected", "NIPS'2022")})
    assert find_updates([simmim.with_(abstract="")], view, history=closed, new_only=False) == []
    mae = paper("2111.06377", "Masked Autoencoders Are Scalable Vision Learners", comment="CVPR 2022")
    assert find_updates([mae], view) == []  # listed at a venue already: not a preprint to update


def test_carry_rebuilds_the_open_pr_from_the_state_and_refuses_to_drop_what_it_cannot(tmp_path, view):
    state = State(tmp_path / "state.sqlite")
    kept, taken = paper("2403.00001", "Still Proposed"), paper("2111.06377", "Masked Autoencoders Are Scalable Vision Learners")
    state.cache_abstracts([kept.to_record(), taken.to_record()])
    model = FixedModel({"2403.00001": (0.8, "Video")})
    pending = OpenPull(ids=frozenset({"2403.00001", "2111.06377"}))
    out = carry(pending, view, model, state, History({}, {}), fetch_ids=None, record=True)
    assert [(c.paper.id, c.section) for c in out.candidates] == [("2403.00001", "Video")]  # the listed one left out
    assert out.keys == {"2403.00001"} and out.count == 1
    lost = OpenPull(ids=frozenset({"2403.09999"}))
    with pytest.raises(PublishError, match="2403.09999"):
        carry(lost, view, model, state, History({}, {}), fetch_ids=None, record=True)
    assert carry(lost, view, model, state, History({}, {}), fetch_ids=None, record=False).count == 0  # dry run
    fetched = carry(lost, view, model, state, History({}, {}), record=True,
                    fetch_ids=lambda ids: [paper(i, "Fetched By Id") for i in ids])  # fmt: skip
    assert [c.paper.title for c in fetched.triage + fetched.candidates] == ["Fetched By Id"]
    assert "2403.09999" in state.cached_abstracts(["2403.09999"])


def test_scan_publishes_one_proposal_that_keeps_the_open_pr_and_records_every_decision(tmp_path):
    state = State(tmp_path / "state.sqlite")
    carried = paper("2403.00009", "Proposed Yesterday")
    state.cache_abstracts([carried.to_record()])
    state.record_run(started=datetime(2024, 3, 4), since=None, until=None, source="rss",
                     status="ok", counts={}, papers=[carried.to_record()],
                     decisions=[PaperDecision("2403.00009", 1, carried.title, 0.8, "Video", "proposed")])  # fmt: skip
    fetched = [paper("2403.00001", "New And Relevant"), paper("2403.00002", "New But Off Topic")]
    updates = [paper("2111.09886", "SimMIM: A Simple Framework for Masked Image Modeling", comment="CVPR 2022")]
    result = FeedResult(papers=tuple(fetched), updates=tuple(updates), announced=True, date=date(2024, 3, 5))
    publisher = Recorder(pending=OpenPull(ids=frozenset({"2403.00009"})))
    model = FixedModel({"2403.00001": (0.9, "Methods"), "2403.00009": (0.8, "Methods")})
    summary = scan(result=result, doc=parse(LIST, "README.md"), model=model, state=state, publisher=publisher,
                   day=date(2024, 3, 5), source="rss")  # fmt: skip
    (proposal,) = publisher.published
    assert [c.paper.id for c in proposal.candidates] == ["2403.00001", "2403.00009"]
    assert proposal.carried == {"2403.00009"} and [c.section for c in proposal.candidates] == ["Methods", "Video"]
    assert [u.venue_tag for u in proposal.updates] == ["CVPR'2022"]
    after = parse(proposal.edit(LIST))
    assert after.find(arxiv_id="2403.00001").section == "Methods"
    assert after.find(arxiv_id="2111.09886").venue_tag == "CVPR'2022"
    own = parse(proposal.edit_new(LIST))  # a maintainer-edited branch gets this run's change only
    assert own.find(arxiv_id="2403.00009") is None and own.find(arxiv_id="2403.00001") is not None
    assert (summary.proposed, summary.updates, summary.carried, summary.published) == (1, 1, 1, "recorded")
    history = state.history(["2403.00001", "2403.00002", "2111.09886"])
    assert history.decisions == {"2403.00001": ("proposed", "ArXiv'2024"), "2403.00002": ("irrelevant", None),
                                 "2111.09886": ("update-proposed", "CVPR'2022")}  # fmt: skip


@dataclass
class HoldsOnly:
    """A publisher whose PR ends up holding only some papers (a maintainer renamed a section meanwhile, say)."""

    keys: frozenset[str]

    def open_pull(self) -> OpenPull:
        return OpenPull()

    def publish(self, proposal: Proposal) -> Published:
        return Published("a PR", self.keys & proposal.held_by(proposal.edit(LIST)))


def test_a_paper_is_recorded_as_proposed_only_once_the_pr_holds_it(tmp_path):
    state = State(tmp_path / "state.sqlite")
    fetched = [paper("2403.00001", "Held By The PR"), paper("2403.00002", "Not In The PR")]
    result = FeedResult(papers=tuple(fetched), updates=(), announced=True, date=date(2024, 3, 5))
    model = FixedModel({"2403.00001": (0.9, "Methods"), "2403.00002": (0.8, "Video")})
    summary = scan(result=result, doc=parse(LIST, "README.md"), model=model, state=state,
                   publisher=HoldsOnly(frozenset({"2403.00001"})), day=date(2024, 3, 5), source="rss")  # fmt: skip
    assert summary.proposed == 1
    assert state.history(["2403.00001", "2403.00002"]).decisions == {
        "2403.00001": ("proposed", "ArXiv'2024"), "2403.00002": ("deferred", None)}  # fmt: skip
    # The next run judges it again (from the state's cache) and proposes it to a PR that takes it.
    publisher = Recorder()
    again = scan(result=FeedResult(papers=(), updates=(), announced=True, date=date(2024, 3, 6)),
                 doc=parse(LIST, "README.md"), model=model, state=state, publisher=publisher, day=date(2024, 3, 6))  # fmt: skip
    assert again.proposed == 1 and [c.paper.id for c in publisher.published[0].candidates] == ["2403.00002"]
