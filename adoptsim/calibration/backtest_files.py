"""A backtest's folder and charts: ``backtest.csv``, ``forecasts.csv``, ``summary.json``,
``backtest.png`` (error by origin; forecasts at two origins over the truth)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from adoptsim.calibration.backtest import ENSEMBLES, METHODS, Backtest
from adoptsim.runs.folders import atomic_folder
from adoptsim.viz import style
from adoptsim.viz.style import subplots

TABLE = "backtest.csv"
FORECASTS = "forecasts.csv"
SUMMARY = "summary.json"
MANIFEST = "manifest.json"
CHART = "backtest.png"
LABELS = {
    "adoptsim": "adoptsim",
    "assimilated": "adoptsim, assimilated",
    "bass": "Bass (m = 1)",
    "bass_m": "Bass (m fitted)",
    "logistic": "logistic",
    "gompertz": "Gompertz",
    "naive": "naive (last value)",
}
COLORS = dict(zip(METHODS, style.PLAN_COLORS[1:], strict=False))


def summary(bt: Backtest) -> dict:
    """Overall and per-origin scores, with the settings."""
    overall = bt.overall()
    return {
        "series": bt.series,
        "settings": bt.settings,
        "overall": {m: {k: _num(v) for k, v in row.items()} for m, row in overall.iterrows()},
        "mae_by_origin": {
            str(o): {m: _num(v) for m, v in row.items()} for o, row in bt.by_origin().iterrows()
        },
        "best_curve": _best_curve(bt),
        "scores": "shares (0..1): mean over held-out periods; curves are point forecasts",
    }


def _num(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 6)


def _best_curve(bt: Backtest) -> str | None:
    overall = bt.overall()
    curves = [m for m in overall.index if m not in ENSEMBLES and np.isfinite(overall.loc[m, "mae"])]
    return min(curves, key=lambda m: overall.loc[m, "mae"]) if curves else None


def chart(bt: Backtest, title: str) -> Figure:
    """Left: each method's mean MAE by origin. Right two: the forecasts of the first and
    last origin (adoptsim's median and 90 % band over seeds' first, the curves) over the
    observed series."""
    origins = bt.settings["origins"]
    shown = [origins[0], origins[-1]] if len(origins) > 1 else [origins[0]]
    with matplotlib.rc_context(style.rc_params()):
        fig, axes = subplots(1, 1 + len(shown), figsize=style.figsize(5 + 4.6 * len(shown), 4.4))
        ax = axes[0]
        by = bt.by_origin()
        for m in by.columns:
            ax.plot(by.index, 100 * by[m], marker="o", lw=2.2 if m in ENSEMBLES else 1.2,
                    color=COLORS.get(m), label=LABELS.get(m, m))  # fmt: skip
        ax.set_xlabel("origin (last fitted period)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("mean absolute error (points)")
        ax.set_title("error by origin")
        ax.legend(fontsize=style.font_pt(8))
        for ax, origin in zip(axes[1:], shown, strict=True):
            _forecast_panel(ax, bt, origin)
        style.finish(
            fig,
            f"{Path(str(bt.settings.get('source', ''))).name} · seeds {bt.settings['seeds']} · "
            f"{bt.settings['runs']} runs per forecast",
            title=title,
            note="adoptsim band: 90 % of runs (first seed); curves: least squares on the same "
            "periods",
        )
    return fig


def _forecast_panel(ax, bt: Backtest, origin: int) -> None:
    obs = bt.observed
    f = bt.forecasts[bt.forecasts["origin"] == origin]
    first_seed = bt.settings["seeds"][0]
    ax.axvspan(obs["period"].min() - 0.5, origin + 0.5, color="#eeeeee", lw=0)
    for m in f["method"].unique():
        d = f[(f["method"] == m) & (f["seed"] == first_seed)].sort_values("period")
        if m in ENSEMBLES:
            ax.fill_between(d["period"], 100 * d["q05"], 100 * d["q95"], color=COLORS[m],
                            alpha=0.2, lw=0)  # fmt: skip
        ax.plot(d["period"], 100 * d["median"], color=COLORS.get(m), lw=2.2 if m in ENSEMBLES
                else 1.2, ls="-" if m in ENSEMBLES else "--", label=LABELS.get(m, m))  # fmt: skip
    ax.plot(obs["period"], 100 * obs["value"], "o", color="#222222", ms=5, label="observed")
    ax.set_title(f"forecasts from origin {origin}")
    ax.set_xlabel("period")
    style.percent_axis(ax)
    ax.set_ylabel("adopted (%)")


def save_backtest(
    bt: Backtest, folder: str | Path, overwrite: bool = False, title: str = ""
) -> Path:
    """Write the backtest's files into ``folder``, whole or not at all."""
    with atomic_folder(folder, overwrite) as tmp:
        bt.table.to_csv(tmp / TABLE, index=False)
        bt.forecasts.to_csv(tmp / FORECASTS, index=False)
        (tmp / SUMMARY).write_text(json.dumps(summary(bt), indent=2) + "\n")
        manifest = {"command": "backtest", **bt.settings}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        style.save(chart(bt, title or f"Backtest: {bt.series}"), tmp / CHART)
    return Path(folder)
