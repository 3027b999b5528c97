"""What the judgement benchmarks share: the data, deployment-like negatives, the methods, paired bootstrap intervals.

- Negatives look like deployment: 2025 arXiv papers that carry authors (the `dw-dengwei` pool: every paper
  in it has authors; the other pool files mostly have none, and a paper without authors can never be lifted
  by a list author), minus the list's own papers and minus every paper judged on-topic or borderline by hand
  (`../shared/data/eval/pool_judged.jsonl`, `bench/judgements/extra_judged.jsonl`). A stable half of them is
  the recent stream a model trains on, the other half is never trained on.
- Every comparison prints a paired bootstrap interval: positives and negatives resampled together (the same
  resample for both methods), 95 %; a change counts when the interval's lower bound is above 0.
- Ablations retrain (a TrainConfig switch), never strip a feature at scoring time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's mimwatch, whatever is installed

from mimwatch.classify.baselines import arxiv_sanity_scores, keyword_scores  # noqa: E402
from mimwatch.classify.data import Example, in_split, load_corpus, paper_key, pool_examples  # noqa: E402
from mimwatch.classify.follow import follow_list  # noqa: E402
from mimwatch.classify.model import Model, TrainConfig  # noqa: E402
from mimwatch.classify.tasks import read_not_negatives  # noqa: E402
from mimwatch.papers import title_key  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
MIM = SHARED / "awesome-mim"
AUTHORED_POOL = SHARED / "arxiv" / "dw-dengwei_daily-arXiv-ai-enhanced.jsonl.gz"
JUDGED = [SHARED / "eval" / "pool_judged.jsonl", Path(__file__).parent / "judgements" / "extra_judged.jsonl"]
PER_1000 = (1, 2, 5)


def banned() -> set[str]:
    """Keys (ids, title keys) of pool papers judged on-topic or borderline: never negatives."""
    return read_not_negatives([p for p in JUDGED if p.exists()])


def verdicts() -> dict[str, str]:
    """Every pool paper judged by hand (its id, else its title key) and its verdict: yes, borderline or no."""
    out = {}
    for path in JUDGED:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                out[record.get("id") or title_key(record["title"])] = record["verdict"]
    return out


def judged_yes() -> list[str]:
    """The keys of the pool papers judged on-topic ("yes")."""
    return [k for k, v in verdicts().items() if v == "yes"]


def authored_pool(listed: Sequence[Example]) -> list[Example]:
    """The authored 2025 pool, minus list papers and judged on-topic/borderline papers."""
    out = pool_examples([AUTHORED_POOL], exclude=listed)
    skip = banned()
    return [e for e in out if e.key not in skip and title_key(e.title) not in skip]


def split(pool: Sequence[Example], salt: str) -> tuple[list[Example], list[Example]]:
    """The stream a model trains on, and the papers never trained on: a stable half each."""
    return [e for e in pool if in_split(e.key, 0.5, salt)], [e for e in pool if not in_split(e.key, 0.5, salt)]


def corpus_abstracts() -> Callable[[list[str]], dict[str, str]]:
    corpus = load_corpus([MIM / "abstracts.jsonl"])

    def abstracts(ids: list[str]) -> dict[str, str]:
        return {i: corpus[i]["abstract"] for i in ids if i in corpus and corpus[i].get("abstract")}

    abstracts.corpus = corpus  # type: ignore[attr-defined]
    return abstracts


def list_examples(doc, abstracts) -> list[Example]:
    """The list's entries as training positives for the baselines (abstract where known)."""
    return [Example(key=paper_key(e.arxiv_id, e.title), title=e.title,
                    abstract=abstracts([e.arxiv_id]).get(e.arxiv_id, "") if e.arxiv_id else "", section=e.section,
                    authors=tuple(e.authors)) for e in doc.entries if e.section]  # fmt: skip


def records(examples: Sequence[Example]) -> list[dict]:
    return [{"id": e.key, "title": e.title, "abstract": e.abstract, "authors": list(e.authors)} for e in examples]


def train_mimwatch(doc, abstracts, stream: Sequence[Example], config: TrainConfig) -> Model:
    """The model as the bot retrains it (follow_list), from scratch on `doc` with `stream` as negatives."""
    return follow_list(None, doc, abstracts, stream, None, config)


def mimwatch_scores(model: Model, papers: Sequence[Example]) -> np.ndarray:
    return np.array([s.relevance for s in model.score(records(papers), explain=False)])


SWEEP = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


def author_sweep(model: Model, papers: Sequence[Example], n_pos: int) -> dict[float, Ranking]:
    """The author weight set by hand (text score and evidence as trained) over `papers` (positives first)."""
    from mimwatch.classify.features import author_evidence, author_key

    W, _, _, _ = model.vectors(records(papers))
    text = W @ model.coef + model.intercept
    keys = [[author_key(a) for a in e.authors] for e in papers]
    evidence = author_evidence(keys, model.author_weights, model.meta["config"]["author_cap"])
    out = {}
    for w in SWEEP:
        z = model.stack[0] * text + w * evidence
        out[w] = Ranking(z[:n_pos], z[n_pos:])
    return out


def sanity_scores(doc, abstracts, stream: Sequence[Example], papers: Sequence[Example]) -> np.ndarray:
    return arxiv_sanity_scores(list_examples(doc, abstracts), stream, papers)


def keyword(papers: Sequence[Example]) -> np.ndarray:
    return keyword_scores(papers)


# ---- metrics on weighted samples (a bootstrap resample is a vector of multiplicities) ------------------------


@dataclass(frozen=True)
class Ranking:
    """A method's scores for one test set: positives and negatives."""

    pos: np.ndarray
    neg: np.ndarray

    def __post_init__(self) -> None:
        order = np.argsort(-self.neg, kind="stable")
        object.__setattr__(self, "_neg_order", order)
        object.__setattr__(self, "_neg_desc", self.neg[order])

    def figures(self, w_pos: np.ndarray | None = None, w_neg: np.ndarray | None = None) -> dict[str, float]:
        """AP and recall at k per 1,000 negatives let through (k = 1, 2, 5), with multiplicities."""
        w_pos = np.ones(len(self.pos)) if w_pos is None else w_pos
        w_neg = np.ones(len(self.neg)) if w_neg is None else w_neg
        neg_desc, neg_cum = self._neg_desc, np.cumsum(w_neg[self._neg_order])
        # negatives scoring at least s: the cumulative weight up to the last negative >= s
        n_neg_ge = np.r_[0.0, neg_cum][np.searchsorted(-neg_desc, -self.pos, side="right")]
        pos_order = np.argsort(-self.pos, kind="stable")
        pos_desc, pos_cum = self.pos[pos_order], np.cumsum(w_pos[pos_order])
        n_pos_ge = pos_cum[np.searchsorted(-pos_desc, -self.pos, side="right") - 1]
        precision = n_pos_ge / np.maximum(n_pos_ge + n_neg_ge, 1e-12)
        total_pos = w_pos.sum()
        out = {"AP": float((w_pos * precision).sum() / total_pos) if total_pos else 0.0}
        n = len(self.neg)
        for k in PER_1000:
            allowed = int(n * k / 1000)  # the (allowed+1)-th best negative is the cut (as relevance_figures)
            index = int(np.searchsorted(neg_cum, allowed, side="right"))
            cut = neg_desc[index] if index < len(neg_desc) else -np.inf
            out[f"R@{k}/1000"] = float((w_pos * (self.pos > cut)).sum() / total_pos) if total_pos else 0.0
        return out


def pooled(rankings: Sequence[Ranking], weights: Sequence[tuple[np.ndarray, np.ndarray]] | None = None) -> dict:
    """Figures over several test sets (quarters): AP weighted by positives, recall pooled over positives."""
    weights = weights or [(np.ones(len(r.pos)), np.ones(len(r.neg))) for r in rankings]
    total = sum(wp.sum() for wp, _ in weights)
    out: dict[str, float] = {}
    for r, (wp, wn) in zip(rankings, weights, strict=True):
        for name, value in r.figures(wp, wn).items():
            out[name] = out.get(name, 0.0) + value * wp.sum() / total
    return out


def paired_bootstrap(a: Sequence[Ranking], b: Sequence[Ranking], resamples: int = 1000, seed: int = 7) -> dict:
    """`a` minus `b` on each figure, with its 95 % interval: positives and negatives of each test set resampled
    (the negatives shared by the test sets are resampled once; the same resample for both methods)."""
    rng = np.random.default_rng(seed)
    point = {k: pooled(a)[k] - pooled(b)[k] for k in pooled(a)}
    shared_neg = len({len(r.neg) for r in a}) == 1
    draws: dict[str, list[float]] = {k: [] for k in point}
    for _ in range(resamples):
        neg_w = np.bincount(rng.integers(0, len(a[0].neg), len(a[0].neg)), minlength=len(a[0].neg)).astype(float)
        weights = []
        for r in a:
            w_neg = neg_w if shared_neg else np.bincount(rng.integers(0, len(r.neg), len(r.neg)),
                                                         minlength=len(r.neg)).astype(float)  # fmt: skip
            weights.append((np.bincount(rng.integers(0, len(r.pos), len(r.pos)), minlength=len(r.pos)).astype(float),
                            w_neg))  # fmt: skip
        fa, fb = pooled(a, weights), pooled(b, weights)
        for k in point:
            draws[k].append(fa[k] - fb[k])
    return {k: (point[k], float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in draws.items()}


def table(rows: dict[str, dict[str, float]]) -> str:
    names = ["AP", *(f"R@{k}/1000" for k in PER_1000)]
    lines = [f"{'method':<40}" + "".join(f"{n:>11}" for n in names)]
    lines += [f"{m:<40}" + "".join(f"{f[n]:11.3f}" for n in names) for m, f in rows.items()]
    return "\n".join(lines)


def interval_table(comparisons: dict[str, dict[str, tuple[float, float, float]]]) -> str:
    """Differences with their intervals; a * marks a gain whose interval stays above 0."""
    names = ["AP", "R@2/1000"]
    lines = [f"{'comparison':<52}" + "".join(f"{n + ' (95% CI)':>28}" for n in names)]
    for label, diff in comparisons.items():
        cells = []
        for n in names:
            d, lo, hi = diff[n]
            cells.append(f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]{'*' if lo > 0 else ' '}".rjust(28))
        lines.append(f"{label:<52}" + "".join(cells))
    return "\n".join(lines)
