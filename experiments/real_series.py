"""A real adoption series: calibrate on its first third, forecast the rest, compare with Bass.

The series is family planning in 25 Korean villages, 1963-1972 (Rogers & Kincaid 1981;
scenarios/data/korean_family_planning.csv, made and sourced by
scenarios/data/make_korean_family_planning.py). The scenario is
scenarios/korean_family_planning.yaml (1,047 people in 25 departments, one model week per
year; its calibration section says what is fitted).

1. Calibrate on the first third of the periods (weeks 1..N // 3), with each method asked for
   (ABC-SMC, the Optuna point fit).
2. Forecast all N periods from the calibration (``runs`` replicates, each drawing its
   parameters from the posterior) and take the median ever-tried share per period.
3. Fit Bass by least squares (scipy ``curve_fit``) on the same periods, market size fixed at
   the whole population (m = 1).
4. Report each forecast's mean absolute error (shares) over the held-out periods.

Writes results/real-series/: comparison.csv (per period: observed, each forecast and its
90 % band, for the first seed), summary.json (the errors, also over ``--seeds`` seeds, the
fitted values, wall times) and real_series.png (also
copied to results/readme/real_series.png, which docs/calibration.md shows).

    python experiments/real_series.py [--seed 1] [--seeds 5] [--runs 200] [--methods abc,optimize]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import adoptsim
from adoptsim.calibration import Observed, calibrate, read_observed
from adoptsim.calibration.bass import fit_bass
from adoptsim.scenario import load_scenario
from adoptsim.viz import style

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "korean_family_planning.yaml"
OBSERVED = ROOT / "scenarios" / "data" / "korean_family_planning.csv"
OUT = ROOT / "results" / "real-series"
README_CHART = ROOT / "results" / "readme" / "real_series.png"
#: model week k is the year FIRST_YEAR + k - 1 (netdiffuseR's kfamily: 1 = 1963)
FIRST_YEAR = 1963
LABELS = {"abc": "adoptsim, ABC-SMC", "optimize": "adoptsim, Optuna point fit"}


def first_part(observed: Observed, last_week: int) -> Observed:
    """The observations of weeks 1..``last_week``."""
    t = observed.table
    return Observed(t[t["week"] <= last_week].reset_index(drop=True), observed.source)


def model_forecast(method: str, seed: int, runs: int, observed: Observed, weeks: int) -> dict:
    """Calibrate with ``method`` on ``observed`` and forecast ``weeks`` weeks: per week the
    median and 5-95 % ever-tried share, with the fit and its wall time."""
    spec = load_scenario(SCENARIO)
    t0 = time.perf_counter()
    cal = calibrate(spec, observed, method=method, seed=seed)
    fit_seconds = time.perf_counter() - t0
    result = adoptsim.run(cal.calibrated_scenario(), runs=runs, seed=seed, posterior=cal.posterior)
    g = result.curves.groupby("week")["ever_tried_share"]
    weeks_index = np.arange(1, weeks + 1)
    return {
        "median": g.median().loc[weeks_index].to_numpy(),
        "low": g.quantile(0.05).loc[weeks_index].to_numpy(),
        "high": g.quantile(0.95).loc[weeks_index].to_numpy(),
        "summary": cal.summary(),
        "seconds": fit_seconds,
        "simulations": cal.summary()["simulations"],
    }


def chart(
    table: pd.DataFrame, fit_weeks: int, methods: list[str], mae: dict, info: dict
) -> plt.Figure:
    """Observed points, each model's median and band, Bass, the fitted periods shaded."""
    with plt.rc_context(style.rc_params()):
        fig, ax = plt.subplots(figsize=style.figsize(9, 5.2))
        years = table["year"]
        ax.axvspan(years.iloc[0] - 0.5, years.iloc[fit_weeks - 1] + 0.5, color="#eeeeee", lw=0)
        ax.text(years.iloc[fit_weeks - 1] + 0.4, 2, "fitted on", fontsize=style.font_pt(9),
                va="bottom", ha="right")  # fmt: skip
        for k, m in enumerate(methods):
            color = style.PLAN_COLORS[k + 1]
            ax.fill_between(years, 100 * table[f"{m}_low"], 100 * table[f"{m}_high"],
                            color=color, alpha=0.18, lw=0)  # fmt: skip
            ax.plot(years, 100 * table[f"{m}_median"], color=color, lw=2,
                    label=f"{LABELS[m]} (MAE {100 * mae[m]:.1f} points; over "
                    f"{len(info[m]['mae_by_seed'])} seeds "
                    f"{100 * min(info[m]['mae_by_seed']):.0f}-"
                    f"{100 * max(info[m]['mae_by_seed']):.0f})")  # fmt: skip
        ax.plot(years, 100 * table["bass"], color="#555555", lw=2, ls="--",
                label=f"Bass, least squares (MAE {100 * mae['bass']:.1f} points)")  # fmt: skip
        ax.plot(years, 100 * table["observed"], "o", color="#222222", ms=6, label="observed")
        ax.set_xlabel("year")
        style.percent_axis(ax)
        ax.set_ylabel("women who had adopted (%)")
        ax.legend(loc="upper left", bbox_to_anchor=(0.16, 1.0), fontsize=style.font_pt(9))
        style.finish(
            fig,
            "Korean Family Planning survey (Rogers & Kincaid 1981; netdiffuseR kfamily), "
            "1,047 women in 25 villages · adoptsim stand-in: 25 departments, one week per year "
            "· MAE over the held-out years · bands: 90 % of runs",
            title="Forecasting a real adoption series from its first third",
            note=f"fitted on {fit_weeks} of {len(table)} years; lines and bands: seed 1; Bass "
            "market size fixed at the whole population",
        )
    return fig


def main() -> None:
    """Run the comparison and write results/real-series/."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="the seed of the chart and table")
    ap.add_argument("--seeds", type=int, default=5, help="seeds seed..seed+N-1 for the MAE")
    ap.add_argument("--runs", type=int, default=200, help="forecast replicates")
    ap.add_argument("--methods", default="abc,optimize")
    args = ap.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    spec = load_scenario(SCENARIO)
    org_size = spec.organization.generate.employees
    observed = read_observed(OBSERVED, org_size, spec.weeks)
    weeks = observed.last_week
    fit_weeks = weeks // 3
    first = first_part(observed, fit_weeks)
    obs = observed.table.set_index("week")["value"].loc[1:weeks].to_numpy()
    t = np.arange(1, weeks + 1)
    table = pd.DataFrame({"week": t, "year": FIRST_YEAR + t - 1, "observed": obs})
    held = t > fit_weeks
    mae, info = {}, {}
    for m in methods:
        per_seed = []
        for seed in range(args.seed, args.seed + args.seeds):
            f = model_forecast(m, seed, args.runs, first, weeks)
            per_seed.append(float(np.mean(np.abs(f["median"][held] - obs[held]))))
            if seed != args.seed:
                continue
            for k in ("median", "low", "high"):
                table[f"{m}_{k}"] = f[k]
            mae[m] = per_seed[0]
            info[m] = {
                "fit_seconds": round(f["seconds"], 2),
                "simulations": f["simulations"],
                "parameters": f["summary"]["parameters"],
                "warnings": f["summary"]["warnings"],
            }
        info[m]["mae_by_seed"] = per_seed
    t0 = time.perf_counter()
    bass = fit_bass(t[~held], obs[~held])
    bass_seconds = time.perf_counter() - t0
    table["bass"] = bass(t)
    mae["bass"] = float(np.mean(np.abs(table["bass"].to_numpy()[held] - obs[held])))
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "comparison.csv", index=False)
    summary = {
        "series": str(OBSERVED.relative_to(ROOT)),
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "seed": args.seed,
        "forecast_runs": args.runs,
        "fitted_weeks": [1, fit_weeks],
        "held_out_weeks": [fit_weeks + 1, weeks],
        "mae_held_out": mae,
        "bass": {"p": bass.p, "q": bass.q, "m": bass.m, "seconds": round(bass_seconds, 4)},
        "methods": info,
    }
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
    style.save(chart(table, fit_weeks, methods, mae, info), OUT / "real_series.png")
    shutil.copy(OUT / "real_series.png", README_CHART)
    print(table.round(3).to_string(index=False))
    print(json.dumps({"mae_held_out": mae, **{m: info[m]["fit_seconds"] for m in methods}}))
    print(json.dumps({m: [round(v, 4) for v in info[m]["mae_by_seed"]] for m in methods}))


if __name__ == "__main__":
    main()
