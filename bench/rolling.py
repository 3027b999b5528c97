"""The judgement measured the way the bot lives: quarter by quarter, the list as it stood, the papers it took in.

For each quarter from 2022Q4 to 2023Q4: train on the list as it stood when the quarter began, through the
code path the bot retrains with (`classify.follow.follow_list`: the list's entries as positives, recent
papers it judged as negatives — here a stable half of the authored 2025 pool), then score the papers the
maintainers added during the quarter (abstracts from abstracts.jsonl, authors from the list that took them in)
among the other half, which no model saw. Negatives look like deployment (see bench/protocols.py): papers
that carry authors, judged on-topic papers never among them. Quarters pooled: AP (weighted by papers),
recall at 1/2/5 per 1,000 (each quarter's own cut), with paired bootstrap intervals against arxiv-sanity and
between mimwatch and its ablations (each retrained without the part). Also: the author weight sweep (the
stacker's author weight set by hand, text and evidence as trained), recall on added papers none of whose
authors is in the list, the author-match rate of recent papers against the newest list, and section
accuracy beside a per-section SVM. Usage: python bench/rolling.py
"""

from __future__ import annotations

import sys
import time

import numpy as np
from protocols import (
    MIM,
    SWEEP,
    Ranking,
    author_sweep,
    authored_pool,
    corpus_abstracts,
    interval_table,
    keyword,
    list_examples,
    paired_bootstrap,
    pooled,
    records,
    sanity_scores,
    split,
    table,
    train_mimwatch,
)

from mimwatch.awesome import load
from mimwatch.classify.baselines import section_svm_top3
from mimwatch.classify.data import Example, paper_key
from mimwatch.classify.features import author_key
from mimwatch.classify.model import TrainConfig
from mimwatch.papers import normalise_title, title_key

QUARTERS = [
    ("2022Q4", "history/README-2022-09-30.md", "history/README-2022-12-27.md"),
    ("2023Q1", "history/README-2022-12-27.md", "history/README-2023-03-21.md"),
    ("2023Q2", "history/README-2023-03-21.md", "history/README-2023-06-14.md"),
    ("2023Q3", "history/README-2023-06-14.md", "history/README-2023-09-05.md"),
    ("2023Q4", "history/README-2023-09-05.md", "README-2023-12-07.md"),
]
VARIANTS = {
    "mimwatch": TrainConfig(),
    "  without author evidence (retrained)": TrainConfig(author_evidence="none"),
    "  author weight in-sample (v2, retrained)": TrainConfig(author_evidence="in-sample", char_weight=0.5, min_df=2),
    "  with title char n-grams (retrained)": TrainConfig(char_weight=0.5),
}


def added_papers(start, end, corpus: dict[str, dict]) -> list[Example]:
    """Entries of `end` that `start` lacks, each once, with abstract and authors."""
    known = {paper_key(e.arxiv_id, e.title) for e in start.entries}
    known_titles = {normalise_title(e.title) for e in start.entries}
    out, seen = [], set()
    for e in end.entries:
        key = paper_key(e.arxiv_id, e.title)
        if key in known or key in seen or normalise_title(e.title) in known_titles or e.section is None:
            continue
        seen.add(key)
        record = (corpus.get(e.arxiv_id) if e.arxiv_id else None) or corpus.get(title_key(e.title))
        out.append(Example(key=key, title=e.title, abstract=(record or {}).get("abstract") or "", section=e.section,
                           authors=tuple(e.authors)))  # fmt: skip
    return out


def main() -> int:
    if not MIM.exists():
        print("needs ../shared/data", file=sys.stderr)
        return 1
    abstracts = corpus_abstracts()
    lists = {name: load(MIM / name) for _, a, b in QUARTERS for name in (a, b)}
    listed = [Example(key=paper_key(e.arxiv_id, e.title), title=e.title) for d in lists.values() for e in d.entries]
    stream, unseen = split(authored_pool(listed), "rolling")
    print(f"authored pool: {len(stream):,} stream papers (negatives), {len(unseen):,} unseen", file=sys.stderr)

    rankings: dict[str, list[Ranking]] = {name: [] for name in [*VARIANTS, "arxiv-sanity", "keyword"]}
    sweep: dict[float, list[Ranking]] = {w: [] for w in SWEEP}
    no_author: list[np.ndarray] = []
    sections = {"mimwatch": [], "per-section SVM": []}
    times, stacks, kw_unseen = [], [], keyword(unseen)
    for quarter, start_name, end_name in QUARTERS:
        start, end = lists[start_name], lists[end_name]
        added = added_papers(start, end, abstracts.corpus)
        test = [*added, *unseen]
        n = len(added)
        for name, config in VARIANTS.items():
            began = time.perf_counter()
            model = train_mimwatch(start, abstracts, stream, config)
            if name == "mimwatch":
                times.append(time.perf_counter() - began)
                stacks.append(model.stack)
                scored = model.score(records(test), explain=False)
                rel = np.array([s.relevance for s in scored])
                for w, ranking in author_sweep(model, test, n).items():
                    sweep[w].append(ranking)
                listed_authors = {k for k in model.list_authors if k}
                no_author.append(np.array([not any(author_key(x) in listed_authors for x in e.authors)
                                           for e in added]))  # fmt: skip
                eligible = [(e, s) for e, s in zip(added, scored[:n], strict=True) if e.section in model.sections]
                sections["mimwatch"] += [(e.section, [name for name, _ in s.sections]) for e, s in eligible]
                positives = list_examples(start, abstracts)
                top3 = section_svm_top3(positives, [e for e, _ in eligible])
                sections["per-section SVM"] += [(e.section, t) for (e, _), t in zip(eligible, top3, strict=True)]
            else:
                rel = np.array([s.relevance for s in model.score(records(test), explain=False)])
            rankings[name].append(Ranking(rel[:n], rel[n:]))
        sanity = sanity_scores(start, abstracts, stream, test)
        rankings["arxiv-sanity"].append(Ranking(sanity[:n], sanity[n:]))
        kw = keyword(added)
        rankings["keyword"].append(Ranking(kw, kw_unseen))
        print(f"{quarter}: {len(start.entries)} entries, {n} added; mimwatch retrained in {times[-1]:.1f} s, R@2/1000 "
              f"{rankings['mimwatch'][-1].figures()['R@2/1000']:.3f}, arxiv-sanity "
              f"{rankings['arxiv-sanity'][-1].figures()['R@2/1000']:.3f}", file=sys.stderr)  # fmt: skip

    total = sum(len(r.pos) for r in rankings["mimwatch"])
    print(f"Rolling protocol, 2022Q4-2023Q4 pooled: {total} papers added by the maintainers, each quarter scored "
          f"among {len(unseen):,} unseen authored 2025 papers\n")
    print(table({name: pooled(r) for name, r in rankings.items()}))
    comparisons = {"mimwatch - arxiv-sanity": paired_bootstrap(rankings["mimwatch"], rankings["arxiv-sanity"])}
    for name in VARIANTS:
        if name != "mimwatch":
            comparisons[f"mimwatch - {name.strip()}"] = paired_bootstrap(rankings["mimwatch"], rankings[name])
    print()
    print(interval_table(comparisons))
    print("\nauthor weight sweep (text and evidence as trained; the stacker fitted "
          + ", ".join(f"{s[1]:.2f}" for s in stacks) + " per quarter):")
    for w, r in sweep.items():
        f = pooled(r)
        print(f"  weight {w:>4}: AP {f['AP']:.3f}, R@2/1000 {f['R@2/1000']:.3f}")
    print(f"\nrecall at 2/1000 on the {int(sum(m.sum() for m in no_author))} added papers with no list author:")
    for name in ("mimwatch", "  without author evidence (retrained)", "  author weight in-sample (v2, retrained)",
                 "arxiv-sanity"):  # fmt: skip
        subset = [Ranking(r.pos[m], r.neg) for r, m in zip(rankings[name], no_author, strict=True)]
        print(f"  {name.strip():<44}{pooled(subset)['R@2/1000']:.3f}")
    newest = lists[QUARTERS[-1][2]]
    authors_now = {author_key(a) for e in newest.entries for a in e.authors} - {""}
    share = np.mean([any(author_key(a) in authors_now for a in e.authors) for e in unseen])
    print(f"\nrecent papers (unseen, authored 2025) sharing an author with the newest list: {share:.1%} "
          f"({len(authors_now):,} names in it)")
    print(f"\n{'sections':<28}{'top-1':>8}{'top-3':>8}  over {len(sections['mimwatch'])} added papers whose "
          "section the list already had")  # fmt: skip
    for name, pairs in sections.items():
        top1 = np.mean([t == g[0] for t, g in pairs])
        top3 = np.mean([t in g[:3] for t, g in pairs])
        print(f"{name:<28}{top1:8.3f}{top3:8.3f}")
    print(f"\nretraining took {min(times):.1f}-{max(times):.1f} s per quarter")
    return 0


if __name__ == "__main__":
    sys.exit(main())
