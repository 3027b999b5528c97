"""Figures for a ranking of list papers among pool papers: what a maintainer's workload looks like."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import average_precision_score

PER_1000 = (1, 2, 5)


def relevance_figures(positive_scores: Sequence[float], pool_scores: Sequence[float]) -> dict[str, float]:
    """AP, and recall when the threshold lets through k pool papers per 1,000 (k = 1, 2, 5)."""
    pos = np.asarray(positive_scores, dtype=float)
    pool = np.asarray(pool_scores, dtype=float)
    y = np.r_[np.ones(len(pos)), np.zeros(len(pool))]
    out = {"AP": float(average_precision_score(y, np.r_[pos, pool]))}
    ranked = np.sort(pool)[::-1]
    for k in PER_1000:
        allowed = int(len(pool) * k / 1000)
        cut = ranked[allowed] if allowed < len(ranked) else -np.inf
        out[f"R@{k}/1000"] = float(np.mean(pos > cut)) if len(pos) else 0.0
    return out


def threshold_figures(positive_flags: Sequence[bool], pool_flags: Sequence[bool]) -> dict[str, float]:
    return {
        "recall@thr": float(np.mean(positive_flags)) if len(positive_flags) else 0.0,
        "cand/1000@thr": float(np.mean(pool_flags) * 1000) if len(pool_flags) else 0.0,
    }


def section_figures(truth: Sequence[str], top3: Sequence[Sequence[str]]) -> dict[str, float]:
    if not truth:
        return {"section top-1": float("nan"), "section top-3": float("nan")}
    return {
        "section top-1": float(np.mean([t == guesses[0] for t, guesses in zip(truth, top3, strict=True)])),
        "section top-3": float(np.mean([t in guesses[:3] for t, guesses in zip(truth, top3, strict=True)])),
    }
