"""The recent-stream protocol: the newest list against 2025 papers, the way a deployed bot meets them.

Train on the newest list (`README-2023-12-07.md`) with a stable half of the authored 2025 pool as the recent
stream; positives are the 2025 pool papers judged on-topic by hand (`yes`: masked-modeling papers the list
would take but never added), negatives the other half of the authored pool (judged on-topic or borderline
papers never negatives). Prints each method's figures, paired bootstrap intervals against arxiv-sanity,
recall on the positives none of whose authors is in the list, and how many 2025 papers share an author with
the list. `--top N` lists the unjudged papers among each method's top N (for judging by the rule in
bench/judgements/README.md, then adding to extra_judged.jsonl). Usage: python bench/recent.py [--top 100]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from protocols import (
    AUTHORED_POOL,
    MIM,
    ROOT,
    SHARED,
    Ranking,
    author_sweep,
    authored_pool,
    corpus_abstracts,
    interval_table,
    judged_yes,
    keyword,
    mimwatch_scores,
    paired_bootstrap,
    records,
    sanity_scores,
    split,
    table,
    train_mimwatch,
    verdicts,
)

from mimwatch.awesome import load
from mimwatch.classify.data import Example, paper_key, pool_examples
from mimwatch.classify.features import author_key
from mimwatch.classify.model import TrainConfig
from mimwatch.classify.tasks import load_model, read_manifest
from mimwatch.papers import title_key

VARIANTS = {
    "mimwatch": TrainConfig(),
    "  without author evidence (retrained)": TrainConfig(author_evidence="none"),
    "  author weight in-sample (v2, retrained)": TrainConfig(author_evidence="in-sample", char_weight=0.5, min_df=2),
    "  with title char n-grams (retrained)": TrainConfig(char_weight=0.5),
}


def positives_from_pool(keys: list[str]) -> list[Example]:
    files = [AUTHORED_POOL, *sorted(p for p in (SHARED / "arxiv").glob("*.jsonl.gz") if p != AUTHORED_POOL)]
    wanted = set(keys)
    found = {}
    for e in pool_examples(files):
        if e.key in wanted or title_key(e.title) in wanted:
            found.setdefault(e.key, e)
    return list(found.values())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=0, help="list the unjudged papers among each method's top N")
    args = parser.parse_args()
    if not MIM.exists():
        print("needs ../shared/data", file=sys.stderr)
        return 1
    doc = load(MIM / "README-2023-12-07.md")
    abstracts = corpus_abstracts()
    listed = [Example(key=paper_key(e.arxiv_id, e.title), title=e.title) for e in doc.entries]
    stream, unseen = split(authored_pool(listed), "recent")
    positives = positives_from_pool(judged_yes())
    with_authors = [p for p in positives if p.authors]
    print(f"recent stream {len(stream):,}; unseen {len(unseen):,}; judged on-topic {len(positives)} "
          f"({len(with_authors)} with authors)", file=sys.stderr)  # fmt: skip
    test = [*positives, *unseen]
    n = len(positives)

    rankings, times = {}, {}
    for name, config in VARIANTS.items():
        began = time.perf_counter()
        model = train_mimwatch(doc, abstracts, stream, config)
        times[name] = time.perf_counter() - began
        scores = mimwatch_scores(model, test)
        rankings[name] = (Ranking(scores[:n], scores[n:]), model)
    sanity = sanity_scores(doc, abstracts, stream, test)
    rankings["arxiv-sanity"] = (Ranking(sanity[:n], sanity[n:]), None)
    kw = keyword(test)
    rankings["keyword"] = (Ranking(kw[:n], kw[n:]), None)

    print(f"Recent-stream protocol: trained on the December-2023 list ({len(doc.entries)} entries) and "
          f"{len(stream):,} authored 2025 papers; {n} papers judged on-topic among {len(unseen):,} unseen "
          "authored 2025 papers\n")
    print(table({name: r.figures() for name, (r, _) in rankings.items()}))
    base = rankings["arxiv-sanity"][0]
    comparisons = {"mimwatch - arxiv-sanity": paired_bootstrap([rankings["mimwatch"][0]], [base])}
    for name in VARIANTS:
        if name != "mimwatch":
            comparisons[f"mimwatch - {name.strip()}"] = paired_bootstrap([rankings["mimwatch"][0]], [rankings[name][0]])
    print()
    print(interval_table(comparisons))

    model = rankings["mimwatch"][1]
    list_authors = {k for k in model.list_authors if k}
    no_author = np.array([not any(author_key(a) in list_authors for a in p.authors) for p in positives])
    print(f"\nrecall at 2/1000 on the {int(no_author.sum())} on-topic papers with no list author:")
    for name, (r, _) in rankings.items():
        sub = Ranking(r.pos[no_author], r.neg)
        print(f"  {name.strip():<44}{sub.figures()['R@2/1000']:.3f}")
    print("\nauthor weight sweep (text and evidence as trained, the stacker's author weight set by hand):")
    for w, ranking in author_sweep(model, test, n).items():
        f = ranking.figures()
        print(f"  weight {w:>4}: AP {f['AP']:.3f}, R@2/1000 {f['R@2/1000']:.3f}")
    share = np.mean([any(author_key(a) in list_authors for a in e.authors) for e in unseen])
    print(f"\n2025 papers (unseen, authored) sharing an author with the December list: {share:.1%}")
    print("training: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    print(f"author evidence: {model.meta.get('training', {}).get('author_coefficient', 0):.2f} "
          "(the stacker's weight on it, fitted on out-of-fold text scores)")

    shipped_check(positives, listed)

    if args.top:
        judged = set(verdicts())
        print(f"\nunjudged papers among each method's top {args.top} (id | title):")
        for name, (r, _) in rankings.items():
            scores = np.r_[r.pos, r.neg]
            order = np.argsort(-scores)[: args.top]
            fresh = [test[i] for i in order if i >= n and test[i].key not in judged
                     and title_key(test[i].title) not in judged]  # fmt: skip
            print(f"-- {name}: {len(fresh)}")
            for e in fresh:
                print(f"{e.key} | {e.title}")
    return 0


def shipped_check(positives: list[Example], listed: list[Example]) -> None:
    """The shipped model (models/default) on the same on-topic papers, among the authored pool papers it did not
    train on (its manifest names those it did)."""
    folder = ROOT / "models" / "default"
    trained = set(read_manifest(folder)["negatives"]["keys"])
    unseen = [e for e in authored_pool(listed) if e.key not in trained]
    model = load_model(folder)
    scores = np.array([s.relevance for s in model.score(records([*positives, *unseen]), explain=False)])
    n = len(positives)
    f = Ranking(scores[:n], scores[n:]).figures()
    print(f"\nthe shipped model on the {n} on-topic papers among the {len(unseen):,} authored pool papers it did not "
          f"train on: AP {f['AP']:.3f}, R@2/1000 {f['R@2/1000']:.3f}; at its threshold recall "
          f"{np.mean(scores[:n] >= model.threshold):.3f}, {np.mean(scores[n:] >= model.threshold) * 1000:.2f} "
          "flagged per 1,000")


if __name__ == "__main__":
    sys.exit(main())
