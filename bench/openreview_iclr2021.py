"""What watching OpenReview adds: the list's ICLR 2021 papers in the ICLR 2021 sample, seen from the OpenReview
source, and what arXiv alone would have missed (issue 22).

The model is trained afresh on the December list without the list's papers that are in the sample (leave-out:
it never saw them), as a scan retrains (`follow_list`: the list's entries from their abstracts, the shipped
negative sample, the shipped model's settings).
Each of the 2,966 submissions in `../shared/data/arxiv/iclr2021_openreview.jsonl.gz` (the venue's public
submissions, published on OpenReview on 2020-10-02) is scored as the OpenReview source would see it; prints,
for the list's papers among them: whether it passes the model's threshold (would have been proposed) and whether
it has an arXiv version at all (else arXiv alone never sees it); and the load (other submissions over the
threshold per 1,000).
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from mimwatch.awesome import load  # noqa: E402
from mimwatch.awesome.edit import remove_entry  # noqa: E402
from mimwatch.classify.follow import follow_list, load_sample  # noqa: E402
from mimwatch.classify.model import TrainConfig  # noqa: E402
from mimwatch.classify.tasks import default_model_dir, load_model  # noqa: E402
from mimwatch.papers import normalise_title  # noqa: E402
from mimwatch.sources.openreview import paper_from_note  # noqa: E402

SAMPLE = SHARED / "arxiv" / "iclr2021_openreview.jsonl.gz"
LIST = SHARED / "awesome-mim" / "README-2023-12-07.md"


def note_of(record: dict) -> dict:
    """A sample record as OpenReview's API v2 serves the submission (its fields wrapped in `value`)."""
    when = int(time.mktime(date.fromisoformat(record["published"]).timetuple()) * 1000)
    content = {k: {"value": record[k]} for k in ("title", "abstract") if record.get(k)}
    content["venue"] = {"value": "ICLR 2021 Conference Submission"}
    content["venueid"] = {"value": "ICLR.cc/2021/Conference"}
    return {"id": record["openreview_id"], "forum": record["openreview_id"], "cdate": when, "tmdate": when,
            "content": content}  # fmt: skip


def main() -> int:
    if not SAMPLE.exists():
        print(f"needs ../shared/data (looked for {SAMPLE})", file=sys.stderr)
        return 1
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    papers = [paper_from_note(note_of(r), "ICLR.cc/2021/Conference") for r in records]
    doc = load(LIST)
    by_title = {normalise_title(p.title): p for p in papers}
    listed = [e for e in doc.entries if normalise_title(e.title) in by_title]
    left_out = doc
    for entry in listed:
        left_out = remove_entry(left_out, left_out.find(title=entry.title, authors=entry.authors))
    abstracts = {r["arxiv_id"]: r["abstract"] for r in map(json.loads, (SHARED / "awesome-mim" / "abstracts.jsonl")
                 .read_text(encoding="utf-8").splitlines()) if r.get("arxiv_id") and r.get("abstract")}  # fmt: skip
    shipped = load_model()
    config = TrainConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in shipped.meta["config"].items()})
    started = time.monotonic()
    model = follow_list(None, left_out, lambda ids: {i: abstracts[i] for i in ids if i in abstracts}, (),
                        load_sample(default_model_dir()), config)  # fmt: skip
    trained = time.monotonic() - started
    scores = model.score([{"id": p.key, "title": p.title, "abstract": p.abstract, "authors": []} for p in papers])
    score_of = {normalise_title(p.title): s for p, s in zip(papers, scores, strict=True)}
    others = [s for p, s in zip(papers, scores, strict=True) if normalise_title(p.title) not in
              {normalise_title(e.title) for e in listed}]  # fmt: skip
    print(f"ICLR 2021 submissions in the sample: {len(papers):,}; the December list's papers among them: {len(listed)}")
    print(f"model: trained on the list without them ({trained:.1f} s); threshold {model.threshold:.3f}\n")
    print(f"{'list paper':58s} {'listed as':12s} {'score':>6s} {'proposed':>8s} {'on arXiv':>8s}")
    proposed = missed = 0
    for entry in listed:
        score = score_of[normalise_title(entry.title)].relevance
        passes = score >= model.threshold
        proposed += passes
        missed += passes and not entry.arxiv_id
        print(f"{entry.title[:58]:58s} {entry.venue_tag or '-':12s} {score:6.3f} {'yes' if passes else 'no':>8s} "
              f"{'yes' if entry.arxiv_id else 'no':>8s}")  # fmt: skip
    flagged = sum(s.relevance >= model.threshold for s in others)
    print(f"\nproposed by the OpenReview source: {proposed} of {len(listed)}; of those, missed by arXiv alone "
          f"(no arXiv version): {missed}")  # fmt: skip
    print(f"other submissions over the threshold: {flagged} ({1000 * flagged / len(others):.1f} per 1,000)")
    not_arxiv = [e for e in doc.entries if e.paper_url and "arxiv.org" not in e.paper_url]
    on_openreview = [e for e in not_arxiv if "openreview.net" in e.paper_url]
    print(f"December list: {len(not_arxiv)} of {len(doc.entries)} entries link no arXiv page, {len(on_openreview)} "
          "of them an OpenReview forum: arXiv alone cannot see those")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
