"""MODEL_CARD.md and its precision-recall plot, written next to a trained model."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from .model import Model, TrainReport

log = logging.getLogger(__name__)


def write_model_card(
    folder: str | Path,
    model: Model,
    report: TrainReport,
    manifest: dict,
    environment: dict[str, str],
    evaluation: str | None = None,
    notes: str = "",
) -> Path:
    folder = Path(folder)
    plot = _pr_plot(folder / "pr_curve.png", report)
    lst = manifest.get("list", {})
    neg = manifest.get("negatives", {})
    lines = [
        "# mimwatch relevance and section model",
        "",
        f"Trained {datetime.now(UTC):%Y-%m-%d} on `{lst.get('file')}` ({lst.get('entries')} entries, "
        f"{len(model.sections)} sections). Files: `model.skops` (estimators; skops, loads without running code), "
        "`model.json` (settings, threshold, sections), `vocabulary.json`, `manifest.json` (the ids and titles "
        "trained on).",
        "",
        "## Data",
        f"- Positives: {report.positives} list entries ({report.title_only_positives} title-only, without an "
        "abstract), abstracts matched by arXiv id, else by title.",
        f"- Negatives: {report.negatives:,} pool papers from {', '.join(neg.get('files', []))} "
        f"(share {neg.get('share')} by a stable hash of the id, salt `{neg.get('split_salt')}`; the rest is "
        "never trained on), list papers removed by id and normalised title; a stable 5 % of them also "
        "title-only, so that a missing abstract is no signal.",
        "- Features: TF-IDF of words and word pairs over title (twice) + abstract; no token that starts with "
        "a digit but 2D/3D/4D, so years, counts and model sizes cannot tell the pool's era from the list's.",
        "",
        "## Model",
        f"- Relevance: logistic regression (C={model.meta['config']['C']}, balanced classes), scores "
        "calibrated to probabilities on 5-fold out-of-fold predictions. Operating threshold "
        f"{model.threshold:.4f}: the highest that keeps recall ≥ {model.meta['recall_target']} on the "
        "held-out folds.",
        f"- Sections: logistic regression over the list's headings (C={model.meta['config']['section_C']}), "
        f"each heading's own distinctive words as one more example and as evidence weighted "
        f"{model.section_weight:g} (chosen by cross-validation on the list). Below a top probability of "
        f"{model.triage_floor:.3f} ({model.meta['triage_floor']}, or 2.5x the uniform probability when that is "
        "lower) the section is reported as `needs triage`, with the top 3.",
        "",
        "## Figures on held-out folds of the training data",
        f"- Average precision {report.oof_average_precision:.3f}; at the threshold recall "
        f"{report.oof_recall_at_threshold:.3f} with {report.oof_candidates_per_1000:.2f} pool papers flagged "
        "per 1,000.",
        f"- Section (cross-validated on the list): top-1 {report.section_cv_top1:.3f}, top-3 "
        f"{report.section_cv_top3:.3f}.",
        "",
    ]
    if plot:
        lines += [f"![precision-recall on held-out folds]({plot.name})", ""]
    if evaluation:
        lines += ["## Evaluation", "", "```", evaluation.strip(), "```", ""]
    if notes:
        lines += ["## Notes and known limits", "", notes.strip(), ""]
    lines += ["## Environment", ""] + [f"- {k} {v}" for k, v in environment.items()] + [""]
    path = folder / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _pr_plot(path: Path, report: TrainReport) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("matplotlib is not installed: MODEL_CARD.md has no precision-recall plot (pip install 'mimwatch[plot]')")
        return None
    precision, recall = report.oof_pr_curve
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    ax.plot(recall, precision, lw=1.5)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(f"held-out folds, AP {report.oof_average_precision:.3f}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path
