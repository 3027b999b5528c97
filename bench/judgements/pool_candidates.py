"""The top unjudged pool papers of mimwatch and of the arxiv-sanity recipe, pooled and shuffled blind.

Writes JSONL (id, title, abstract) to stdout, in an order that does not tell which method ranked a paper:
the candidates for judging by the rule in README.md. Usage: python bench/judgements/pool_candidates.py [N]
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from mimwatch.awesome import load  # noqa: E402
from mimwatch.classify.baselines import arxiv_sanity_scores  # noqa: E402
from mimwatch.classify.data import Example, in_split, load_corpus, paper_key, pool_examples, positives  # noqa: E402
from mimwatch.classify.tasks import read_not_negatives, train_from_files  # noqa: E402
from mimwatch.papers import title_key  # noqa: E402

SHARED = HERE.parent.parent.parent / "shared" / "data"


def main() -> int:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    dec = SHARED / "awesome-mim" / "README-2023-12-07.md"
    abstracts = SHARED / "awesome-mim" / "abstracts.jsonl"
    pool_files = sorted((SHARED / "arxiv").glob("*.jsonl.gz"))
    judged = read_not_negatives([SHARED / "eval" / "pool_judged.jsonl"])
    judged_lines = (SHARED / "eval" / "pool_judged.jsonl").read_text(encoding="utf-8").splitlines()
    judged |= {json.loads(line)["id"] for line in judged_lines if json.loads(line)["id"]}  # "no" verdicts too
    extra = HERE / "extra_judged.jsonl"
    if extra.exists():
        judged |= {json.loads(line).get("id") or "" for line in extra.read_text().splitlines() if line.strip()}
    with tempfile.TemporaryDirectory() as tmp:
        model, _ = train_from_files(dec, tmp, [abstracts], pool_files, 0.5, "judging", not_negatives=judged)
    pos = positives(load(dec), load_corpus([abstracts]))
    pool = [e for e in pool_examples(pool_files, exclude=pos) if not in_split(e.key, 0.5, "judging")]
    unjudged = [e for e in pool if e.key not in judged and title_key(e.title) not in judged]
    scores = model.score([{"id": e.key, "title": e.title, "abstract": e.abstract, "authors": list(e.authors)}
                          for e in unjudged], explain=False)  # fmt: skip
    negatives = [e for e in pool_examples(pool_files, exclude=pos) if in_split(e.key, 0.5, "judging")]
    sanity = arxiv_sanity_scores(pos, negatives, unjudged)
    chosen: dict[str, Example] = {}
    for ranking in (sorted(range(len(unjudged)), key=lambda i: -scores[i].relevance),
                    sorted(range(len(unjudged)), key=lambda i: -sanity[i])):  # fmt: skip
        for i in ranking[:top]:
            chosen[unjudged[i].key] = unjudged[i]
    for e in sorted(chosen.values(), key=lambda e: hashlib.sha256(e.key.encode()).hexdigest()):
        print(json.dumps({"id": paper_key(e.key if not e.key.startswith("title:") else None, e.title),
                          "title": e.title, "abstract": e.abstract[:600]}, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
