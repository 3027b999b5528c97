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
    cfg = model.meta.get("config", {})
    lines = [
        "# mimwatch relevance and section model",
        "",
        f"Trained {datetime.now(UTC):%Y-%m-%d} on `{lst.get('file')}` ({lst.get('entries')} entries, "
        f"{len(model.sections)} sections). Files: `model.npz` (arrays only, loaded without pickles: the model "
        "scores the same on every supported scikit-learn), `model.json` (settings, threshold, sections, the "
        "list's entries and authors), `manifest.json` (the ids and titles trained on), `negatives.npz` (the "
        "shipped sample of recent papers as hashed counts, for retraining on a changed list).",
        "",
        "## Data",
        f"- Positives: {report.positives} list entries ({report.title_only_positives} title-only, without an "
        "abstract), abstracts matched by arXiv id, else by title.",
        f"- Negatives: {report.negatives:,} pool papers from {', '.join(neg.get('files', []))} "
        f"(share {neg.get('share')} by a stable hash of the id, salt `{neg.get('split_salt')}`; the rest is "
        "never trained on), list papers removed by id and normalised title, and pool papers judged on-topic "
        "by hand (bench/judgements) never used as negatives; a stable 5 % of them also title-only, so that a "
        "missing abstract is no signal.",
        "- Features: TF-IDF (sublinear tf, l2 per block) of hashed words and word pairs over title (twice) + "
        f"abstract (a term in fewer than {cfg.get('min_df')} papers is dropped); no token that starts with a digit "
        "but 2D/3D/4D, so years, counts and model sizes cannot tell the pool's era from the list's. Character "
        f"3-5-grams within the title's words: weight {cfg.get('char_weight')} for relevance, "
        f"{cfg.get('section_char_weight', cfg.get('char_weight'))} for sections (they catch coined names such as "
        "VideoMAE or Point-M2AE among the list's own entries).",
        *_author_lines(model, report, cfg),
        "",
        "## Model",
        *_relevance_lines(model, cfg),
        f"- Sections: an ensemble over the list's own entries, with its own TF-IDF fitted on them: a logistic "
        f"regression over the headings (C={report.section_C:g}; each heading's distinctive words one more "
        f"example), the heading words as evidence (weight {model.heading_weight:g}) and the sections of the "
        f"{cfg.get('knn')} nearest entries (weight {model.knn_weight:g}), the mix chosen by cross-validation on "
        f"the list. Below a top probability of {model.triage_floor:.3f}, or when the first section is not "
        f"{cfg.get('triage_lead')}x the second, the paper is reported as `needs triage`, with its top 3. When "
        "the list has no new paper but its sections moved, were renamed or lost entries, only this head is fitted "
        "again (the list's authors become that list's).",
        "",
        "## Figures on held-out folds of the training data",
        f"- Average precision {report.oof_average_precision:.3f}; at the threshold, recall "
        f"{report.oof_recall_at_threshold:.3f} with {report.oof_candidates_per_1000:.2f} stream papers flagged "
        "per 1,000 (held-out recall overstates next year's: see the rolling evaluation).",
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


_BIAS = (
    "**Bias**: this favours the groups already in the list — the maintainers add the work of the groups that "
    "shape the field, but a newcomer's paper needs stronger words to be proposed. The PR names the list authors "
    "when they weighed in."
)


def _author_lines(model: Model, report: TrainReport, cfg: dict) -> list[str]:
    shared = (
        f"{report.positives_with_list_authors:.0%} of the list's entries share an author with another entry; "
        f"{report.negatives_with_list_authors:.1%} of the negatives have a list author."
    )
    if model.stack is None:
        return [
            "- Authors: how many of a paper's authors (first and last name, accents and case folded) already have "
            "entries in the list, capped at 3, a column of the relevance regression (a list entry does not count "
            f"for itself); learned coefficient {report.author_coefficient:.2f} on a 0..1 scale. {shared} {_BIAS}"
        ]
    strongest = sorted(model.author_weights.items(), key=lambda kv: -kv[1])
    capped = sum(1 for _, w in strongest if w >= float(cfg.get("author_cap", 2.0)))
    return [
        "- Authors (first and last name, accents and case folded): each list author counts by how much more often "
        "the name stands on the list's entries than on recent papers that carry authors — the log of the ratio "
        "of the two rates, a paper's own entry left out — so a common name found everywhere counts for little "
        f"and a name of the list's own groups for much. A paper's evidence is its strongest list author's, capped "
        f"at {cfg.get('author_cap')} ({capped} of {len(strongest)} names reach the cap). Its weight "
        f"({report.author_coefficient:.2f} per unit) is fitted beside the text score on papers the text head did "
        f"not train on (out-of-fold), never in-sample, so it adds only what the words do not already say. {shared} "
        + _BIAS
    ]


def _relevance_lines(model: Model, cfg: dict) -> list[str]:
    budget = (
        f"Operating threshold {model.threshold:.4f}: set by the maintainer's reading budget, the score above which "
        f"{cfg.get('candidates_per_1000')} of 1,000 recent stream papers (the negatives, held out) fall."
    )
    if model.stack is None:
        return [
            f"- Relevance: logistic regression (C={cfg.get('C')}, balanced classes) over words and authors, scores "
            f"calibrated to probabilities on 5-fold out-of-fold predictions. {budget}"
        ]
    a, b, c = model.stack
    return [
        f"- Relevance: a logistic regression on the words alone (C={cfg.get('C')}, balanced classes); its 5-fold "
        f"out-of-fold scores and the author evidence go into a small stacker, probability = sigmoid({a:.2f} x text "
        f"+ {b:.2f} x authors {c:+.2f}), which is also the calibration. {budget}"
    ]


def _pr_plot(path: Path, report: TrainReport) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("no matplotlib: MODEL_CARD.md has no precision-recall plot (pip install 'mimwatch[plot]')")
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
