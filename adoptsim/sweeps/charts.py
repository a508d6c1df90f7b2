"""Charts of sweep results: a metric against a parameter, heatmaps, Sobol and Morris bars.

Each chart reads the table :func:`adoptsim.sweeps.sweep` returns (one row per point and
replicate) or an index table of :mod:`adoptsim.sweeps.analysis`, and returns a figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from adoptsim.runs import metrics as metrics_mod
from adoptsim.viz import plots
from adoptsim.viz.style import subplots

#: metrics charted when the experiment keeps them all
HEADLINE_METRICS = ("final_active_share", "sustained_share")
#: above this many distinct values a sampled parameter is binned on chart axes
MAX_LEVELS = 12
#: bins of a binned parameter axis
BINS = 8
#: readable names of the summary metrics
METRIC_LABELS = {
    "final_active_share": "final active share",
    "final_habitual_share": "final habitual share",
    "final_voluntary_share": "final voluntary share",
    "final_aware_share": "final aware share",
    "sustained_share": "sustained (voluntary) share",
    "peak_active_share": "peak active share",
    "weeks_to_25": "weeks to 25 % active",
    "weeks_to_50": "weeks to 50 % active",
    "weeks_to_75": "weeks to 75 % active",
    "lapses": "lapses (events)",
    "adoptions": "adoptions (events)",
    "readoptions": "re-adoptions (events)",
    "cost": "cost",
    "cost_per_sustained_adopter": "cost per sustained adopter",
}


def is_share(metric: str) -> bool:
    """Whether a metric is a share of employees (shown in %)."""
    return metric.endswith("_share")


def metric_label(metric: str) -> str:
    """The metric's name on charts, with its unit."""
    label = METRIC_LABELS.get(metric, metric.replace("_", " "))
    return f"{label} (%)" if is_share(metric) else label


def unit_scale(metric: str) -> float:
    """The factor a metric is shown at: 100 for shares (in %), else 1."""
    return 100.0 if is_share(metric) else 1.0


def _source(info: dict[str, Any]) -> str:
    return (
        f"adoptsim {info.get('adoptsim_version', '')} · experiment {info.get('experiment', '')} · "
        f"{info.get('design', '')} design · {info.get('points', '?')} points x "
        f"{info.get('replicates', '?')} runs · seed {info.get('seed', '?')} · base scenario "
        f"{Path(str(info.get('scenario_file') or '')).name}"
    )


def _finish(fig: Figure, title: str, source: str) -> None:
    fig.text(0.01, 0.99, title, fontsize=plots.STYLE["axes.titlesize"], va="top")
    fig.text(0.01, 0.01, source, fontsize=8, color=plots.SOURCE_COLOR, va="bottom")
    fig.tight_layout(rect=(0, 0.04, 1, 0.93))


def _axis_values(
    values: pd.Series, binned: bool = False
) -> tuple[pd.Series, bool, list[str] | None]:
    """Values to group on for an axis: as they are, or, when ``binned`` and there are more
    than MAX_LEVELS of them, the centres of BINS quantile bins.

    Returns (keys, numeric, tick labels for categorical keys)."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if binned and numeric and values.nunique() > MAX_LEVELS:
        bins = pd.qcut(values, BINS, duplicates="drop")
        centers = bins.map(lambda iv: (iv.left + iv.right) / 2).astype(float)
        return centers, True, None
    if numeric:
        return values.astype(float), True, None
    text = values.astype(str)
    order = list(dict.fromkeys(text))
    return text.map({v: i for i, v in enumerate(order)}).astype(float), False, order


def parameter_chart(
    table: pd.DataFrame,
    x: str,
    metric: str,
    by: str | None = None,
    info: dict[str, Any] | None = None,
    interval: tuple[float, float] = metrics_mod.INTERVAL,
    binned: bool = False,
) -> Figure:
    """``metric`` against parameter ``x``: the mean over runs with the runs' 90 % band and,
    darker, the 95 % confidence band of the mean; one line per value of ``by``. With
    ``binned`` (sampled designs), a continuous ``x`` is grouped into quantile bins."""
    from scipy import stats

    info = info or {}
    ok = table[table["status"] == "ok"].copy()
    keys, _, ticks = _axis_values(ok[x], binned)
    ok["_x"] = keys.to_numpy()
    groups = [(None, ok)] if by is None else list(ok.groupby(ok[by].astype(str), sort=False))
    colors = [*plots.PLAN_COLORS[1:], plots.PALETTE["black"]]
    scale = unit_scale(metric)
    with matplotlib.rc_context(plots.STYLE):
        fig, ax = subplots(figsize=(9, 5.5))
        for i, (label, sub) in enumerate(groups):
            g = sub.groupby("_x")[metric]
            mean = g.mean() * scale
            n = g.count()
            sem = g.std(ddof=1) / np.sqrt(n) * scale
            half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sem
            lo, hi = g.quantile(interval[0]) * scale, g.quantile(interval[1]) * scale
            c = colors[i % len(colors)]
            ax.fill_between(mean.index, lo, hi, color=c, alpha=0.12, linewidth=0)
            ax.fill_between(mean.index, mean - half, mean + half, color=c, alpha=0.3, linewidth=0)
            ax.plot(
                mean.index,
                mean,
                color=c,
                marker="o",
                ms=4,
                lw=2,
                label=None if label is None else f"{by} = {label}",
            )
        if ticks is not None:
            ax.set_xticks(range(len(ticks)), ticks, rotation=20 if len(ticks) > 4 else 0)
        ax.set_xlabel(x)
        ax.set_ylabel(metric_label(metric))
        if is_share(metric):
            ax.set_ylim(bottom=0)
        if by is not None:
            ax.legend(loc="best", fontsize=10)
        note = (
            "line: mean over runs; dark band: 95 % confidence interval of the mean; "
            f"light band: {round(100 * (interval[1] - interval[0]))} % of runs"
        )
        ax.set_title(note, fontsize=9, color=plots.SOURCE_COLOR, loc="left")
        _finish(fig, f"{METRIC_LABELS.get(metric, metric)} against {x}", _source(info))
    return fig


def heatmap(
    table: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    info: dict[str, Any] | None = None,
    binned: bool = False,
) -> Figure:
    """Mean of ``metric`` over runs on a grid of parameters ``x`` (columns) and ``y`` (rows);
    with ``binned`` (sampled designs), continuous parameters are grouped into bins."""
    info = info or {}
    ok = table[table["status"] == "ok"].copy()
    kx, _, tx = _axis_values(ok[x], binned)
    ky, _, ty = _axis_values(ok[y], binned)
    ok["_x"], ok["_y"] = kx.to_numpy(), ky.to_numpy()
    grid = ok.pivot_table(index="_y", columns="_x", values=metric, aggfunc="mean")
    grid = grid.sort_index().sort_index(axis=1) * unit_scale(metric)
    xl = tx if tx is not None else [format_number(v) for v in grid.columns]
    yl = ty if ty is not None else [format_number(v) for v in grid.index]
    if tx is not None:
        xl = [tx[int(i)] for i in grid.columns]
    if ty is not None:
        yl = [ty[int(i)] for i in grid.index]
    with matplotlib.rc_context({**plots.STYLE, "axes.grid": False}):
        fig, ax = subplots(figsize=(9, 6))
        im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(xl)), xl, rotation=30 if len(xl) > 5 else 0)
        ax.set_yticks(range(len(yl)), yl)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        cbar = fig.colorbar(im, ax=ax)
        cbar.set_label(metric_label(metric))
        values = grid.to_numpy()
        if values.size <= 150:
            mid = np.nanmean(values) if np.isfinite(values).any() else 0
            for (i, j), v in np.ndenumerate(values):
                if np.isfinite(v):
                    ax.text(
                        j,
                        i,
                        format_number(v),
                        ha="center",
                        va="center",
                        fontsize=9,
                        color="white" if v < mid else "black",
                    )
        ax.set_title("mean over runs", fontsize=9, color=plots.SOURCE_COLOR, loc="left")
        _finish(fig, f"{METRIC_LABELS.get(metric, metric)} over {x} and {y}", _source(info))
    return fig


def format_number(v: float) -> str:
    """A number as charts and tables show it (few digits, thousands separated)."""
    if not np.isfinite(v):
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10 or float(v).is_integer():
        return f"{v:.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:.1f}"
    return f"{v:.2g}" if abs(v) < 0.1 else f"{v:.2f}"


def sobol_chart(indices: pd.DataFrame, metric: str, info: dict[str, Any] | None = None) -> Figure:
    """First-order and total Sobol indices per parameter with their confidence intervals."""
    info = info or {}
    d = indices.sort_values("ST", ascending=True)
    pos = np.arange(len(d))
    conf = round(100 * float(info.get("confidence", 0.95)))
    with matplotlib.rc_context(plots.STYLE):
        fig, ax = subplots(figsize=(9, 1.2 + 0.6 * len(d) + 1.5))
        h = 0.38
        ax.barh(
            pos + h / 2,
            d["ST"],
            h,
            xerr=d["ST_conf"],
            color=plots.PALETTE["blue"],
            label="total (ST)",
            capsize=3,
        )
        ax.barh(
            pos - h / 2,
            d["S1"],
            h,
            xerr=d["S1_conf"],
            color=plots.PALETTE["orange"],
            label="first order (S1)",
            capsize=3,
        )
        ax.set_yticks(pos, d["parameter"])
        ax.axvline(0, color="#444444", lw=0.8)
        ax.set_xlabel("share of the variance of the point means")
        ax.legend(loc="lower right", fontsize=10)
        ax.set_title(
            f"bars: Sobol indices; whiskers: {conf} % bootstrap intervals",
            fontsize=9,
            color=plots.SOURCE_COLOR,
            loc="left",
        )
        _finish(fig, f"Sensitivity of {METRIC_LABELS.get(metric, metric)} (Sobol)", _source(info))
    return fig


def morris_chart(indices: pd.DataFrame, metric: str, info: dict[str, Any] | None = None) -> Figure:
    """Morris μ* with its confidence interval and σ per parameter, side by side."""
    info = info or {}
    d = indices.sort_values("mu_star", ascending=True)
    pos = np.arange(len(d))
    scale = unit_scale(metric)
    unit = " (percentage points)" if is_share(metric) else ""
    conf = round(100 * float(info.get("confidence", 0.95)))
    with matplotlib.rc_context(plots.STYLE):
        fig, (a1, a2) = subplots(1, 2, figsize=(11, 1.2 + 0.6 * len(d) + 1.5), sharey=True)
        a1.barh(
            pos,
            d["mu_star"] * scale,
            xerr=d["mu_star_conf"] * scale,
            color=plots.PALETTE["blue"],
            capsize=3,
        )
        a1.set_yticks(pos, d["parameter"])
        a1.set_xlabel(f"μ*: mean |elementary effect|{unit}")
        a1.set_title(f"μ* (importance), {conf} % bootstrap intervals", fontsize=10, loc="left")
        a2.barh(pos, d["sigma"] * scale, color=plots.PALETTE["vermillion"])
        a2.set_xlabel(f"σ: spread of the effects{unit}")
        a2.set_title("σ (interactions, non-linearity)", fontsize=10, loc="left")
        _finish(
            fig,
            f"Screening of {METRIC_LABELS.get(metric, metric)} (Morris): effect of moving "
            "each parameter across its range",
            _source(info),
        )
    return fig
