"""The judgement measured the way the bot lives: quarter by quarter, the list as it stood, the papers it took in.

For each quarter from 2022Q4 to 2023Q4: train on the list as it stood when the quarter began, through the
code path the bot retrains with (`classify.follow.follow_list`: the list's entries as positives, recent
papers it judged as negatives — here a stable half of the arXiv pool), then score the papers the maintainers
added during the quarter (abstracts from abstracts.jsonl, authors from the list that took them in) mixed into
the other half of the pool. Pool papers judged on-topic by hand (../shared/data/eval/pool_judged.jsonl,
"yes"/"borderline"; see bench/judgements/README.md) are never negatives, neither in training nor here.
The quarters are pooled: recall at 1/2/5 pool papers per 1,000 (each quarter's own cut), AP (weighted by
papers), section top-1/top-3 over the added papers whose section the list already had, and recall and load
at the operating threshold. The keyword and arxiv-sanity recipes run on the same data; sections are also
compared with a per-section linear SVM. Prints one table. Usage: python bench/rolling.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mimwatch.awesome import load
from mimwatch.classify.baselines import arxiv_sanity_scores, keyword_scores, section_svm_top3
from mimwatch.classify.data import Example, in_split, load_corpus, paper_key, pool_examples
from mimwatch.classify.follow import follow_list
from mimwatch.classify.metrics import relevance_figures
from mimwatch.classify.tasks import read_not_negatives
from mimwatch.papers import normalise_title, title_key

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
MIM = SHARED / "awesome-mim"
QUARTERS = [
    ("2022Q4", "history/README-2022-09-30.md", "history/README-2022-12-27.md"),
    ("2023Q1", "history/README-2022-12-27.md", "history/README-2023-03-21.md"),
    ("2023Q2", "history/README-2023-03-21.md", "history/README-2023-06-14.md"),
    ("2023Q3", "history/README-2023-06-14.md", "history/README-2023-09-05.md"),
    ("2023Q4", "history/README-2023-09-05.md", "README-2023-12-07.md"),
]
JUDGED = [SHARED / "eval" / "pool_judged.jsonl", Path(__file__).parent / "judgements" / "extra_judged.jsonl"]


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
    pool_files = sorted((SHARED / "arxiv").glob("*.jsonl.gz"))
    if not pool_files:
        print(f"needs ../shared/data (looked in {SHARED})", file=sys.stderr)
        return 1
    corpus = load_corpus([MIM / "abstracts.jsonl"])
    banned = read_not_negatives([p for p in JUDGED if p.exists()])
    lists = {name: load(MIM / name) for _, a, b in QUARTERS for name in (a, b)}
    every_list_paper = [e for d in lists.values() for e in d.entries]
    listed = [Example(key=paper_key(e.arxiv_id, e.title), title=e.title) for e in every_list_paper]
    pool = [e for e in pool_examples(pool_files, exclude=listed)
            if e.key not in banned and title_key(e.title) not in banned]  # fmt: skip
    stream = [e for e in pool if in_split(e.key, 0.5, "rolling")]
    unseen = [e for e in pool if not in_split(e.key, 0.5, "rolling")]
    print(f"pool: {len(stream):,} stream papers (negatives), {len(unseen):,} unseen; {len(banned)} judged left out",
          file=sys.stderr)  # fmt: skip

    def abstracts(ids: list[str]) -> dict[str, str]:
        return {i: corpus[i]["abstract"] for i in ids if i in corpus and corpus[i].get("abstract")}

    methods = ("mimwatch", "mimwatch without authors", "arxiv-sanity", "keyword")
    rows: dict[str, dict] = {m: {"pos": [], "cut": {k: [] for k in (1, 2, 5)}, "ap": []} for m in methods}
    # Most pool papers (arxiver, ICLR) carry no authors, so no list author can lift them: the same figures
    # over the pool papers that have authors keep the author evidence honest.
    with_authors = np.array([bool(e.authors) for e in unseen])
    fair: dict[str, dict] = {m: {"cut": {k: [] for k in (1, 2, 5)}, "ap": []} for m in methods}
    sections = {"mimwatch": [], "per-section SVM": []}
    at_threshold = {"recall": [], "load": []}
    times = []
    for quarter, start_name, end_name in QUARTERS:
        start, end = lists[start_name], lists[end_name]
        added = added_papers(start, end, corpus)
        began = time.perf_counter()
        model = follow_list(None, start, abstracts, stream)
        times.append(time.perf_counter() - began)
        records = [{"id": e.key, "title": e.title, "abstract": e.abstract, "authors": list(e.authors)}
                   for e in [*added, *unseen]]  # fmt: skip
        scores = model.score(records, explain=False)
        rel = np.array([s.relevance for s in scores])
        no_authors = model.score([{**r, "authors": []} for r in records], explain=False)
        plain = np.array([s.relevance for s in no_authors])
        positives = [Example(key=paper_key(e.arxiv_id, e.title), title=e.title,
                             abstract=abstracts([e.arxiv_id]).get(e.arxiv_id, "") if e.arxiv_id else "",
                             section=e.section) for e in start.entries if e.section]  # fmt: skip
        sanity = arxiv_sanity_scores(positives, stream, [*added, *unseen])
        keyword = keyword_scores([*added, *unseen])
        n = len(added)
        for name, values in (("mimwatch", rel), ("mimwatch without authors", plain), ("arxiv-sanity", sanity),
                             ("keyword", keyword)):  # fmt: skip
            figures = relevance_figures(values[:n], values[n:])
            rows[name]["ap"].append((figures["AP"], n))
            for k in (1, 2, 5):
                rows[name]["cut"][k].append(figures[f"R@{k}/1000"] * n)
            rows[name]["pos"].append(n)
            subset = relevance_figures(values[:n], values[n:][with_authors])
            fair[name]["ap"].append((subset["AP"], n))
            for k in (1, 2, 5):
                fair[name]["cut"][k].append(subset[f"R@{k}/1000"] * n)
        at_threshold["recall"].append(sum(s.relevant for s in scores[:n]))
        at_threshold["load"].append(float(np.mean([s.relevant for s in scores[n:]]) * 1000))
        eligible = [(e, s) for e, s in zip(added, scores[:n], strict=True) if e.section in model.sections]
        sections["mimwatch"] += [(e.section, [name for name, _ in s.sections]) for e, s in eligible]
        svm_top3 = section_svm_top3(positives, [e for e, _ in eligible])
        sections["per-section SVM"] += [(e.section, top) for (e, _), top in zip(eligible, svm_top3, strict=True)]
        print(f"{quarter}: trained on {len(start.entries)} entries in {times[-1]:.1f} s; {n} papers added; "
              f"mimwatch R@2/1000 {rows['mimwatch']['cut'][2][-1] / n:.3f}, arxiv-sanity "
              f"{rows['arxiv-sanity']['cut'][2][-1] / n:.3f}", file=sys.stderr)  # fmt: skip

    total = sum(rows["mimwatch"]["pos"])
    print(f"Rolling protocol, 2022Q4-2023Q4 pooled: {total} papers added by the maintainers, each quarter scored "
          f"among {len(unseen):,} unseen pool papers\n")
    print(f"{'method':<28}{'AP':>8}{'R@1/1000':>10}{'R@2/1000':>10}{'R@5/1000':>10}{'recall@thr':>12}"
          f"{'load/1000@thr':>15}{'section top-1':>15}{'section top-3':>15}")
    for name, r in rows.items():
        ap = sum(a * w for a, w in r["ap"]) / total
        cells = [f"{ap:8.3f}"] + [f"{sum(r['cut'][k]) / total:10.3f}" for k in (1, 2, 5)]
        thr = ["", ""]
        sec = ["", ""]
        if name == "mimwatch":
            thr = [f"{sum(at_threshold['recall']) / total:.3f}", f"{np.mean(at_threshold['load']):.2f}"]
            sec = _section_cells(sections["mimwatch"])
        print(f"{name:<28}" + "".join(cells) + f"{thr[0]:>12}{thr[1]:>15}{sec[0]:>15}{sec[1]:>15}")
    print(f"\nThe same over the {int(with_authors.sum()):,} unseen pool papers that carry authors:")
    for name, r in fair.items():
        ap = sum(a * w for a, w in r["ap"]) / total
        print(f"{name:<28}{ap:8.3f}" + "".join(f"{sum(r['cut'][k]) / total:10.3f}" for k in (1, 2, 5)))
    print()
    svm = _section_cells(sections["per-section SVM"])
    print(f"{'per-section SVM (sections)':<28}{'':>8}{'':>10}{'':>10}{'':>10}{'':>12}{'':>15}{svm[0]:>15}{svm[1]:>15}")
    print(f"\nsection accuracy over {len(sections['mimwatch'])} added papers whose section the list already had; "
          f"retraining took {min(times):.1f}-{max(times):.1f} s per quarter")
    return 0


def _section_cells(pairs: list[tuple[str, list[str]]]) -> list[str]:
    if not pairs:
        return ["-", "-"]
    top1 = np.mean([truth == guesses[0] for truth, guesses in pairs])
    top3 = np.mean([truth in guesses[:3] for truth, guesses in pairs])
    return [f"{top1:.3f}", f"{top3:.3f}"]


if __name__ == "__main__":
    sys.exit(main())
