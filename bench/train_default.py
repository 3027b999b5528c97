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
from mimwatch.classify.workflow import environment, read_manifest, train_from_files

ROOT = Path(__file__).resolve().parent.parent
DEC = quality.SHARED / "awesome-mim" / "README-2023-12-07.md"
OUT = ROOT / "models" / "default"

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
    model, report = train_from_files(
        DEC, OUT, [quality.ABSTRACTS], quality.POOL, negative_share=0.6, split_salt="shipped"
    )
    print(f"trained models/default in {time.perf_counter() - began:.1f} s: {report.as_dict()}")
    dev_table = quality.run_protocol()
    write_model_card(OUT, model, report, read_manifest(OUT), environment(), evaluation=dev_table, notes=NOTES)
    print(dev_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
