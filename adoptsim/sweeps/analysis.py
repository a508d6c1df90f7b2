"""Analysis of sweep results: per-point summaries, Sobol and Morris indices, and charts.

Everything here reads the table :func:`adoptsim.sweep.sweep` returns (one row per point and
replicate) and never runs a simulation. Sensitivity indices come from SALib on the point
means (the replicates' mean outcome at each point), computed over the unit cube the design
was sampled in, with bootstrap confidence intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from adoptsim.errors import InputError
from adoptsim.runs import metrics as metrics_mod
from adoptsim.viz import plots

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


def _scale(metric: str) -> float:
    return 100.0 if is_share(metric) else 1.0


# ---- per-point summaries -------------------------------------------------------------------
def point_summary(
    table: pd.DataFrame,
    parameters: Sequence[str],
    metrics: Sequence[str],
    interval: tuple[float, float] = metrics_mod.INTERVAL,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per point and metric: the parameter values, ``runs`` (ok replicates),
    ``errors``, ``mean``, ``sd``, the runs' ``low``/``high`` quantiles (``interval``) and the
    mean's ``ci_low``/``ci_high`` (t interval at ``confidence``)."""
    from scipy import stats

    ok = table[table["status"] == "ok"]
    errors = (table["status"] != "ok").groupby(table["point"]).sum()
    firsts = table.groupby("point", sort=True)[list(parameters)].first()
    rows = []
    for metric in metrics:
        g = ok.groupby("point")[metric]
        d = pd.DataFrame(
            {
                "runs": g.count(),
                "mean": g.mean(),
                "sd": g.std(ddof=1),
                "low": g.quantile(interval[0]),
                "high": g.quantile(interval[1]),
            }
        ).reindex(firsts.index)
        n = d["runs"].fillna(0)
        half = (
            stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
            * d["sd"]
            / np.sqrt(np.maximum(n, 1))
        )
        half = half.where(n > 1)
        d["ci_low"], d["ci_high"] = d["mean"] - half, d["mean"] + half
        d["runs"] = n.astype(int)
        d["errors"] = errors.reindex(d.index).fillna(0).astype(int)
        d.insert(0, "metric", metric)
        rows.append(firsts.join(d))
    out = pd.concat(rows).reset_index()
    return out


def first_error(table: pd.DataFrame) -> str | None:
    """The first error message of the table's error rows (None without errors)."""
    bad = table[table["status"] != "ok"]
    return None if bad.empty else str(bad["error"].iloc[0])


def point_means(table: pd.DataFrame, metric: str, points: int) -> np.ndarray:
    """The replicates' mean of ``metric`` at each point 0..points-1 (NaN where missing)."""
    ok = table[table["status"] == "ok"]
    return ok.groupby("point")[metric].mean().reindex(range(points)).to_numpy(dtype=float)


# ---- sensitivity -----------------------------------------------------------------------------
class AnalysisError(InputError):
    """An analysis cannot be made from these results."""


def _check_outcomes(y: np.ndarray, metric: str, what: str) -> None:
    bad = np.flatnonzero(~np.isfinite(y))
    if len(bad):
        shown = ", ".join(str(int(b)) for b in bad[:8]) + (" ..." if len(bad) > 8 else "")
        raise AnalysisError(
            f"{what} needs an outcome at every point, but {metric} is missing at "
            f"{len(bad)} point(s) ({shown}): failed points, or a metric that is not reached "
            "in some runs (such as weeks_to_*)"
        )


def sobol_indices(
    y: np.ndarray,
    names: Sequence[str],
    *,
    second_order: bool = False,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
    metric: str = "outcome",
) -> dict[str, pd.DataFrame]:
    """Sobol indices (SALib) of outcomes ``y`` at the points of a Sobol design.

    Returns ``first_total``: one row per parameter with ``S1``, ``S1_conf``, ``ST``,
    ``ST_conf`` (half-widths of the ``confidence`` intervals); and, with
    ``second_order``, ``second``: one row per pair with ``S2`` and ``S2_conf``.
    """
    from SALib.analyze import sobol

    from adoptsim.sweeps import salib_problem

    y = np.asarray(y, dtype=float)
    _check_outcomes(y, metric, "a Sobol analysis")
    res = sobol.analyze(
        salib_problem(names),
        y,
        calc_second_order=second_order,
        num_resamples=resamples,
        conf_level=confidence,
        seed=seed,
    )
    first_total = pd.DataFrame(
        {
            "parameter": list(names),
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    out = {"first_total": first_total}
    if second_order:
        pairs = []
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                pairs.append(
                    {
                        "parameter": names[i],
                        "with": names[j],
                        "S2": res["S2"][i, j],
                        "S2_conf": res["S2_conf"][i, j],
                    }
                )
        out["second"] = pd.DataFrame(pairs)
    return out


def morris_indices(
    x_unit: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    levels: int = 4,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
    metric: str = "outcome",
) -> pd.DataFrame:
    """Morris elementary-effect statistics (SALib) of outcomes ``y`` at design points
    ``x_unit`` (unit cube): ``mu``, ``mu_star`` with ``mu_star_conf`` (half-width of the
    ``confidence`` interval) and ``sigma``, per parameter. Effects are per unit-cube step,
    i.e. per change of each parameter across its whole range, in the metric's units."""
    from SALib.analyze import morris

    from adoptsim.sweeps import salib_problem

    y = np.asarray(y, dtype=float)
    _check_outcomes(y, metric, "a Morris analysis")
    res = morris.analyze(
        salib_problem(names),
        np.asarray(x_unit, dtype=float),
        y,
        num_resamples=resamples,
        conf_level=confidence,
        num_levels=levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": list(names),
            "mu": np.asarray(res["mu"], dtype=float),
            "mu_star": np.asarray(res["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
            "sigma": np.asarray(res["sigma"], dtype=float),
        }
    )


# ---- charts ----------------------------------------------------------------------------------
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
    scale = _scale(metric)
    with plt.rc_context(plots.STYLE):
        fig, ax = plt.subplots(figsize=(9, 5.5))
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
    grid = grid.sort_index().sort_index(axis=1) * _scale(metric)
    xl = tx if tx is not None else [_fmt(v) for v in grid.columns]
    yl = ty if ty is not None else [_fmt(v) for v in grid.index]
    if tx is not None:
        xl = [tx[int(i)] for i in grid.columns]
    if ty is not None:
        yl = [ty[int(i)] for i in grid.index]
    with plt.rc_context({**plots.STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(9, 6))
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
                        _fmt(v),
                        ha="center",
                        va="center",
                        fontsize=9,
                        color="white" if v < mid else "black",
                    )
        ax.set_title("mean over runs", fontsize=9, color=plots.SOURCE_COLOR, loc="left")
        _finish(fig, f"{METRIC_LABELS.get(metric, metric)} over {x} and {y}", _source(info))
    return fig


def _fmt(v: float) -> str:
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
    with plt.rc_context(plots.STYLE):
        fig, ax = plt.subplots(figsize=(9, 1.2 + 0.6 * len(d) + 1.5))
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
    scale = _scale(metric)
    unit = " (percentage points)" if is_share(metric) else ""
    conf = round(100 * float(info.get("confidence", 0.95)))
    with plt.rc_context(plots.STYLE):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 1.2 + 0.6 * len(d) + 1.5), sharey=True)
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


# ---- the whole analysis ----------------------------------------------------------------------
@dataclass
class Analysis:
    """What :func:`analyze` found: tables and the chart files written."""

    summary: pd.DataFrame
    sobol: pd.DataFrame | None = None
    sobol_second: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    charts: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def chart_metrics(exp, requested: Sequence[str] | None = None) -> list[str]:
    """The metrics to chart: those asked for, else the experiment's list, else headline."""
    from adoptsim.sweeps import ExperimentError

    kept = exp.metric_names
    if requested:
        for m in requested:
            if m not in kept:
                raise ExperimentError(
                    f"metric {m!r} is not in this sweep; it kept: {', '.join(kept)}",
                    source="--metric",
                )
        return list(requested)
    if exp.metrics:
        return list(exp.metrics)
    return [m for m in HEADLINE_METRICS if m in kept]


def analyze(
    folder: str | Path,
    *,
    out: str | Path | None = None,
    metrics: Sequence[str] | None = None,
    charts: bool = True,
    fmt: str = "png",
    dpi: int = 150,
) -> Analysis:
    """Summarise a sweep folder, compute its sensitivity indices (Sobol and Morris designs)
    and write tables (CSV) and charts to ``out`` (default ``folder/analysis``)."""
    from adoptsim.sweeps import load_sweep

    if fmt not in ("png", "svg", "pdf"):
        raise InputError(f"unknown format {fmt!r}; allowed: png, svg, pdf", source="--format")
    exp, design, table, manifest = load_sweep(folder)
    if table.empty:
        raise AnalysisError("no finished runs in this folder yet", source=str(folder))
    names = exp.names
    chosen = chart_metrics(exp, metrics)
    info = {**manifest, "confidence": exp.confidence}
    summary = point_summary(table, names, exp.metric_names)
    result = Analysis(summary=summary, info=info)
    points = len(design)
    done = table["point"].nunique()
    if done < points or len(table) < points * exp.replicates:
        result.notes.append(
            f"incomplete sweep: {len(table)} of {points * exp.replicates} runs stored "
            "(rerun `adoptsim sweep` to finish it)"
        )
    errors = int((table["status"] != "ok").sum())
    if errors:
        result.notes.append(
            f"{errors} run(s) failed at {table.loc[table.status != 'ok', 'point'].nunique()} "
            f"point(s); first error: {first_error(table)}"
        )
    target = Path(out) if out is not None else Path(folder) / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    summary.to_csv(target / "points.csv", index=False)
    rng_seed = int(exp.seed)
    if exp.design in ("sobol", "morris"):
        frames, second = [], []
        for metric in exp.metric_names:
            y = point_means(table, metric, points)
            try:
                if exp.design == "sobol":
                    res = sobol_indices(
                        y,
                        names,
                        second_order=exp.second_order,
                        confidence=exp.confidence,
                        resamples=exp.resamples,
                        seed=rng_seed,
                        metric=metric,
                    )
                    frames.append(res["first_total"].assign(metric=metric))
                    if "second" in res:
                        second.append(res["second"].assign(metric=metric))
                else:
                    x = design[[f"u:{n}" for n in names]].to_numpy(dtype=float)
                    frames.append(
                        morris_indices(
                            x,
                            y,
                            names,
                            levels=exp.levels,
                            confidence=exp.confidence,
                            resamples=exp.resamples,
                            seed=rng_seed,
                            metric=metric,
                        ).assign(metric=metric)
                    )
            except AnalysisError as exc:
                if metric in chosen:
                    result.notes.append(f"{metric}: {exc.message}")
        if frames:
            idx = pd.concat(frames, ignore_index=True)
            idx = idx[["metric", *[c for c in idx.columns if c != "metric"]]]
            if exp.design == "sobol":
                result.sobol = idx
                idx.to_csv(target / "sobol.csv", index=False)
                if second:
                    result.sobol_second = pd.concat(second, ignore_index=True)
                    result.sobol_second.to_csv(target / "sobol_second_order.csv", index=False)
            else:
                result.morris = idx
                idx.to_csv(target / "morris.csv", index=False)
    if charts:
        result.charts = _write_charts(result, exp, table, chosen, target, fmt, dpi)
    return result


def _write_charts(
    result: Analysis,
    exp,
    table: pd.DataFrame,
    chosen: Sequence[str],
    target: Path,
    fmt: str,
    dpi: int,
) -> list[Path]:
    names = exp.names
    info = result.info
    sampled = exp.design != "grid"
    written: list[Path] = []

    def save(fig: Figure, stem: str) -> None:
        written.append(plots.save(fig, target / f"{_slug(stem)}.{fmt}", dpi=dpi))

    for metric in chosen:
        if not table.loc[table.status == "ok", metric].notna().any():
            continue
        if exp.design == "sobol" and result.sobol is not None:
            d = result.sobol[result.sobol.metric == metric]
            if len(d):
                save(sobol_chart(d, metric, info), f"sobol_{metric}")
            continue
        if exp.design == "morris" and result.morris is not None:
            d = result.morris[result.morris.metric == metric]
            if len(d):
                save(morris_chart(d, metric, info), f"morris_{metric}")
            continue
        for x in names:
            others = [n for n in names if n != x]
            by = None
            if exp.design == "grid" and len(others) == 1 and table[others[0]].nunique() <= 6:
                by = others[0]
            fig = parameter_chart(table, x, metric, by=by, info=info, binned=sampled)
            save(fig, f"{metric}_by_{x}")
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]][:3]
        for a, b in pairs:
            save(heatmap(table, a, b, metric, info, binned=sampled), f"{metric}_over_{a}_{b}")
    return written


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() or c in "-_" else "_" for c in text)
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def wide_summary(summary: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """Per point: parameter values and, per metric, mean with the runs' interval as text."""
    rows = []
    for point, sub in summary.groupby("point", sort=True):
        first = sub.iloc[0]
        row: dict[str, Any] = {"point": int(point)}
        row.update({p: first[p] for p in parameters})
        for _, r in sub.iterrows():
            row[r["metric"]] = _cell(r["mean"], r["low"], r["high"], r["metric"])
        row["runs"] = int(sub["runs"].max())
        row["errors"] = int(sub["errors"].max())
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(mean: float, low: float, high: float, metric: str) -> str:
    if mean is None or not math.isfinite(mean):
        return "–"
    s = _scale(metric)
    if is_share(metric):
        return f"{mean * s:.1f} % ({low * s:.0f}–{high * s:.0f})"
    return f"{_fmt(mean)} ({_fmt(low)}–{_fmt(high)})"
