"""The pilot study's folder: pilots.csv, per_truth.csv, recommended.json, pilots.png."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from adoptsim.decide.pilot import PilotAnalysis
from adoptsim.runs.folders import atomic_folder
from adoptsim.version import __version__
from adoptsim.viz import style

#: the design table's columns, in order (the interface scripts rely on comes first)
COLUMNS = (
    "design",
    "cost",
    "band_width",
    "band_narrowing",
    "decision_accuracy",
    "rank",
    "group",
    "people",
    "weeks",
    "prior_band_width",
    "prior_decision_accuracy",
    "band_narrowing_low",
    "band_narrowing_high",
    "decision_accuracy_low",
    "decision_accuracy_high",
    "outcome",
    "accepted",
)
METHOD = (
    "preposterior simulation: each truth is a draw of the uncertainty simulated through its "
    "pilot; calibration on its pilot weeks is rejection ABC on a bank of simulations (the "
    "neighbours closest in the observed shares); the forecast is their simulated outcomes"
)


def recommendation(analysis: PilotAnalysis) -> dict[str, Any]:
    """The recommended design with its uncertainty, the no-pilot reference and the method."""
    best = analysis.recommended
    study = analysis.study
    return {
        "recommended": str(best["design"]),
        "design": study.designs[[d.name for d in study.designs].index(best["design"])].model_dump(
            mode="json"
        ),
        "cost": float(best["cost"]),
        "outcome_metric": study.outcome.metric,
        "band_narrowing": [float(best[f"band_narrowing{s}"]) for s in ("", "_low", "_high")],
        "decision_accuracy": [float(best[f"decision_accuracy{s}"]) for s in ("", "_low", "_high")],
        "intervals": "mean over truths and its 90 % bootstrap interval",
        "no_pilot": analysis.no_pilot,
        "ranked_by": study.rank_by,
        "budget": study.budget,
        "truths": study.truths,
        "bank": study.bank,
        "neighbours": study.neighbours,
        "plans": [p.name for p in study.plans],
        "method": METHOD,
        "seed": study.seed,
        "content_hash": study.content_hash(),
        "seconds": round(analysis.seconds, 2),
        "version": __version__,
    }


def write_pilots(analysis: PilotAnalysis, out: str | Path, overwrite: bool = True) -> Path:
    """Write the study's folder (atomically) and return it."""
    with atomic_folder(out, overwrite=overwrite) as tmp:
        learned = [c for c in analysis.table.columns if c.startswith("learned:")]
        table = analysis.table[[*COLUMNS, *learned]]
        table.to_csv(tmp / "pilots.csv", index=False)
        analysis.per_truth.to_csv(tmp / "per_truth.csv", index=False)
        (tmp / "recommended.json").write_text(
            json.dumps(recommendation(analysis), indent=2) + "\n", encoding="utf-8"
        )
        manifest = {
            "kind": "pilot",
            "name": analysis.study.name,
            "source": str(analysis.study.source),
            "content_hash": analysis.study.content_hash(),
            "seed": analysis.study.seed,
            "version": __version__,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        fig = pilots_chart(table, analysis.no_pilot, analysis.study.outcome.metric)
        fig.savefig(tmp / "pilots.png", dpi=150, bbox_inches="tight")
        style.close(fig)
    return Path(out)


def pilots_chart(table: pd.DataFrame, no_pilot: dict[str, Any], metric: str) -> Any:
    """Band width and decision accuracy against pilot cost, one point per design (the
    no-pilot values as dashed lines)."""
    fig, axes = style.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    cost = table["cost"].to_numpy()
    panels = (
        ("band_width", f"90 % band of {metric} (width)", no_pilot["band_width"]),
        ("decision_accuracy", "decision accuracy (share of truths)", no_pilot["decision_accuracy"]),
    )
    for ax, (col, label, ref) in zip(axes, panels, strict=True):
        ax.scatter(cost, table[col], color="#1f77b4", zorder=3)
        for _, r in table.iterrows():
            ax.annotate(str(r["rank"]), (r["cost"], r[col]), textcoords="offset points",
                        xytext=(4, 4), fontsize=9)  # fmt: skip
        ax.axhline(ref, color="grey", linestyle="--", linewidth=1, label="no pilot")
        ax.set_xlabel("pilot cost")
        ax.set_ylabel(label)
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    axes[1].set_ylim(-0.02, 1.02)
    fig.suptitle("Pilot designs: what each teaches for its cost (1 = recommended)")
    names = ", ".join(f"{r['rank']}. {r['design']}" for _, r in table.iterrows())
    fig.text(0.5, -0.02, "\n".join(textwrap.wrap(names, 140)), ha="center", va="top", fontsize=8)
    return fig
