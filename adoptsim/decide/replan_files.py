"""A re-plan's folder: next.yaml, recommendation.json, pareto.csv, trials.csv, filter.csv,
forecast.png."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from adoptsim.decide.replan import Replan
from adoptsim.runs.folders import atomic_folder
from adoptsim.runs.metrics import band
from adoptsim.version import __version__
from adoptsim.viz import style


def next_yaml(rp: Replan, folder: Path) -> str:
    """``next.yaml``: extends the calibrated scenario (a path relative to ``folder``) with
    the recommended plan's strategies (weeks from the launch, as in the scenario)."""
    data: dict[str, Any] = {}
    source = rp.scenario.source
    if source is not None:
        data["extends"] = os.path.relpath(Path(source).resolve(), Path(folder).resolve())
    else:  # pragma: no cover - a scenario built in memory
        data = rp.scenario.model_dump(mode="json")
    data["name"] = f"{rp.scenario.name} replanned week {rp.today}"[:100]
    data["description"] = "; ".join(rp.changes) or "continue as planned"
    data["strategies"] = rp.plan.model_dump(mode="json", exclude_none=True)["strategies"]
    head = (
        f"# Re-planned after week {rp.today} by adoptsim replan {__version__}: "
        f"{data['description']}.\n# `adoptsim run` forecasts it from week 1 under the "
        "calibration; recommendation.json holds the forecast from today's filtered state.\n"
    )
    return head + yaml.safe_dump(data, sort_keys=False)


def recommendation(rp: Replan) -> dict[str, Any]:
    """Today's week, the changes, the gain over continuing as planned and what it costs."""
    best, planned = rp.finalists.iloc[0], rp.finalists[rp.finalists["as_planned"]].iloc[0]
    table = rp.assimilation.table
    return {
        "today": rp.today,
        "recommended_changes": rp.changes,
        "metric": rp.metric,
        "recommended": {
            "strategies": best["strategies"],
            rp.metric: best[rp.metric],
            "cost_from_next_week": best["cost"],
        },
        "as_planned": {rp.metric: planned[rp.metric], "cost_from_next_week": planned["cost"]},
        "expected_gain": {
            "mean": rp.gain["mean"],
            "interval_90": [rp.gain["low"], rp.gain["high"]],
            "share_of_particles_better": rp.gain["share_better"],
            "paired_over_particles": rp.gain["particles"],
        },
        "budget_left": rp.budget_left,
        "spent_so_far": rp.spent,
        "particles": rp.assimilation.particles,
        "effective_sample_size": float(table["ess"].iloc[-1]) if len(table) else None,
        "trials": len(rp.trials),
        "seconds": round(rp.seconds, 2),
        "version": __version__,
    }


def write_replan(rp: Replan, out: str | Path, overwrite: bool = True) -> Path:
    """Write the folder (atomically) and return it."""
    out = Path(out)
    with atomic_folder(out, overwrite=overwrite) as tmp:
        (tmp / "next.yaml").write_text(next_yaml(rp, out), encoding="utf-8")
        rec = recommendation(rp)
        (tmp / "recommendation.json").write_text(json.dumps(rec, indent=2) + "\n", "utf-8")
        manifest = {"kind": "replan", "source": str(rp.scenario.source), "today": rp.today,
                    "seed": rp.scenario.seed, "version": __version__}  # fmt: skip
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        trials = rp.trials
        if len(trials):
            trials.to_csv(tmp / "trials.csv", index=False)
            trials[trials["pareto"]].sort_values("cost").to_csv(tmp / "pareto.csv", index=False)
        else:
            pd.DataFrame().to_csv(tmp / "pareto.csv", index=False)
        rp.finalists.to_csv(tmp / "finalists.csv", index=False)
        rp.assimilation.table.to_csv(tmp / "filter.csv", index=False)
        fig = forecast_chart(rp)
        fig.savefig(tmp / "forecast.png", dpi=150, bbox_inches="tight")
        style.close(fig)
    return out


def forecast_chart(rp: Replan) -> Any:
    """The forecast from today, as planned and re-planned: voluntary active share, mean and
    90 % band over the particles; the observed weeks shaded."""
    fig, ax = style.subplots(figsize=(8, 4.5), constrained_layout=True)
    for (name, curves), color in zip(rp.forecasts.items(), ("#999999", "#0072B2"), strict=False):
        b = band(curves, "voluntary_share")
        ax.plot(b.index, 100 * b["mean"], color=color, label=name)
        ax.fill_between(b.index, 100 * b["low"], 100 * b["high"], color=color, alpha=0.2)
    ax.axvspan(0, rp.today, color="#EEEEEE", zorder=0, label=f"observed (weeks 1-{rp.today})")
    ax.set_xlabel("week")
    ax.set_ylabel("voluntary active share (%)")
    ax.set_title(f"{rp.scenario.name}: forecast from week {rp.today}, as planned and re-planned")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return fig
