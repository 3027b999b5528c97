"""Train the shipped model (models/default) and write its model card, with the dev-protocol figures.

The shipped model learns from README-2023-12-07.md and 60 % of the arXiv pool (stable split by id);
the other 40 % is never trained on. Its card also carries the dev-protocol table of bench/quality.py
(a model trained the same way on the May-2023 list), since the shipped model has seen the dev papers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import quality

from mimwatch.classify.card import write_model_card
from mimwatch.classify.data import Example, NegativeSample, in_split, pool_examples
from mimwatch.classify.features import author_key, counts
from mimwatch.classify.follow import SAMPLE_FILE
from mimwatch.classify.workflow import environment, read_manifest, read_not_negatives, train_from_files
from mimwatch.sources.files import iter_records

ROOT = Path(__file__).resolve().parent.parent
DEC = quality.SHARED / "awesome-mim" / "README-2023-12-07.md"
OUT = ROOT / "models" / "default"
SAMPLE_SIZE = 4000  # recent pool papers shipped as hashed counts: a fresh install retrains offline
JUDGED = [quality.SHARED / "eval" / "pool_judged.jsonl", ROOT / "bench" / "judgements" / "extra_judged.jsonl"]


def negative_sample(banned: set[str], listed: list[Example]) -> NegativeSample:
    """The SAMPLE_SIZE most recent daily-listing papers (they carry authors), minus list and judged papers."""
    daily = next(p for p in quality.POOL if "daily" in p.name)
    dates = {str(r.get("id")): r.get("listing_date") or "" for _, r in iter_records(daily)}
    papers = [e for e in pool_examples([daily], exclude=listed) if e.key not in banned]
    papers.sort(key=lambda e: (dates.get(e.key, ""), e.key), reverse=True)
    chosen = papers[:SAMPLE_SIZE]
    title_rows = [e for e in chosen if in_split(e.key, 0.05, "title-only")]
    return NegativeSample(
        counts=counts([e.title for e in chosen], [e.abstract for e in chosen]),
        title_counts=counts([e.title for e in title_rows], [""] * len(title_rows)),
        authors=[[author_key(a) for a in e.authors] for e in chosen],
        title_authors=[[author_key(a) for a in e.authors] for e in title_rows],
        version=f"daily-listing-{dates.get(chosen[-1].key)}-to-{dates.get(chosen[0].key)}-{len(chosen)}",
    )

NOTES = """\
- The dev protocol is hard by construction: a quarter of the papers the maintainers added by December 2023
  belong to sections the May-2023 list did not have yet (Image Generation: VQ-VAEs, discrete VAEs,
  MaskGIT; MIM for Multi-Modality; Generalist Model; Audio and Speech). A model trained on the May list
  misses most of them; the shipped model, trained on the December list, has those sections.
- The pool counts as "not relevant", yet it holds 2025 masked-modeling papers the list has not added
  (SelfMedHPM, MIMRS, Dual-Domain MIM, …). They rank at the top and take most of the 1–2 per 1,000
  budget, so recall at 2 per 1,000 understates what a maintainer sees: those candidates are on topic.
- Era check: the pool is mostly 2025, the list 2019–2023. Features drop tokens that start with a digit
  (years, counts, model sizes such as "7B") except 2D/3D/4D, and the evaluation prints how often
  2020-era pool papers (ICLR 2021 submissions) are flagged against 2025 ones. The older ones are flagged
  somewhat more often (see the table), partly because ICLR 2021 had many self-supervised pre-training
  papers, partly a residual era signal.
- Sections: no head tried reaches the 0.80 / 0.95 targets (`bench/sections.py`, top-1 / top-3): the
  shipped one (logistic regression + the heading words as evidence) scores 0.650 / 0.876 in nested
  cross-validation on the May list, 0.600 / 0.822 on the dev papers and 0.629 / 0.814 on the December
  list; a linear SVM, complement naive Bayes, nearest centroid, nearest entry and MiniLM embeddings + LR
  score lower or the same. Most errors put papers of the four "MIM for Backbones" subsections into the
  largest one, "MIM for Transformers", and some labels follow the maintainers' reading rather than the
  heading words (DropPos, RandSAC and image-GPT filed under contrastive learning; Traj-MAE and
  Forecast-MAE under video; PiMAE, a point-cloud paper, under object detection). Uncertain papers are
  reported as "needs triage" with their top 3.
"""


def main() -> int:
    if not DEC.exists():
        print(f"needs ../shared/data (looked in {quality.SHARED})", file=sys.stderr)
        return 1
    began = time.perf_counter()
    banned = read_not_negatives([p for p in JUDGED if p.exists()])
    model, report = train_from_files(
        DEC, OUT, [quality.ABSTRACTS], quality.POOL, negative_share=0.6, split_salt="shipped", not_negatives=banned
    )
    print(f"trained models/default in {time.perf_counter() - began:.1f} s: {report.as_dict()}")
    from mimwatch.awesome import load
    from mimwatch.classify.data import paper_key

    listed = [Example(key=paper_key(e.arxiv_id, e.title), title=e.title) for e in load(DEC).entries]
    sample = negative_sample(banned, listed)
    sample.save(OUT / SAMPLE_FILE)
    print(f"wrote {OUT / SAMPLE_FILE}: {sample.version}, {(OUT / SAMPLE_FILE).stat().st_size / 1e6:.1f} MB")
    rolling_table = _rolling()
    dev_table = quality.run_protocol()
    evaluation = f"{rolling_table.strip()}\n\n{dev_table.strip()}"
    write_model_card(OUT, model, report, read_manifest(OUT), environment(), evaluation=evaluation, notes=NOTES)
    print(evaluation)
    return 0


def _rolling() -> str:
    """The rolling protocol's table (bench/rolling.py), as printed."""
    import subprocess

    done = subprocess.run([sys.executable, str(ROOT / "bench" / "rolling.py")], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout


if __name__ == "__main__":
    sys.exit(main())
