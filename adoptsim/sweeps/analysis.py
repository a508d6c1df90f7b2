"""Analysis of sweep results: per-point summaries, Sobol and Morris indices, and charts.

Everything here reads the table :func:`adoptsim.sweeps.sweep` returns (one row per point and
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

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from adoptsim.errors import ExperimentError, InputError
from adoptsim.runs import metrics as metrics_mod
from adoptsim.sweeps.charts import (
    HEADLINE_METRICS,
    format_number,
    heatmap,
    is_share,
    morris_chart,
    parameter_chart,
    sobol_chart,
    unit_scale,
)
from adoptsim.sweeps.design import salib_problem
from adoptsim.sweeps.experiment import Experiment
from adoptsim.sweeps.store import first_error, load_sweep
from adoptsim.viz import plots


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


def chart_metrics(exp: Experiment, requested: Sequence[str] | None = None) -> list[str]:
    """The metrics to chart: those asked for, else the experiment's list, else headline."""
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
    if fmt not in ("png", "svg", "pdf"):
        raise InputError(f"unknown format {fmt!r}; allowed: png, svg, pdf", source="--format")
    exp, design, table, manifest = load_sweep(folder)
    if table.empty:
        raise AnalysisError("no finished runs in this folder yet", source=str(folder))
    chosen = chart_metrics(exp, metrics)
    summary = point_summary(table, exp.names, exp.metric_names)
    result = Analysis(summary=summary, info={**manifest, "confidence": exp.confidence})
    result.notes += _notes(table, len(design) * exp.replicates, len(design))
    target = Path(out) if out is not None else Path(folder) / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    summary.to_csv(target / "points.csv", index=False)
    if exp.design in ("sobol", "morris"):
        _sensitivity(result, exp, design, table, chosen, target)
    if charts:
        result.charts = _write_charts(result, exp, table, chosen, target, fmt, dpi)
    return result


def _notes(table: pd.DataFrame, runs: int, points: int) -> list[str]:
    """What the reader should know about the table: missing runs, failed points."""
    notes = []
    if table["point"].nunique() < points or len(table) < runs:
        notes.append(
            f"incomplete sweep: {len(table)} of {runs} runs stored "
            "(rerun `adoptsim sweep` to finish it)"
        )
    errors = int((table["status"] != "ok").sum())
    if errors:
        notes.append(
            f"{errors} run(s) failed at {table.loc[table.status != 'ok', 'point'].nunique()} "
            f"point(s); first error: {first_error(table)}"
        )
    return notes


def _sensitivity(
    result: Analysis,
    exp: Experiment,
    design: pd.DataFrame,
    table: pd.DataFrame,
    chosen: Sequence[str],
    target: Path,
) -> None:
    """Sobol or Morris indices of every metric into ``result`` and CSV files."""
    names = exp.names
    frames, second = [], []
    for metric in exp.metric_names:
        y = point_means(table, metric, len(design))
        options = {
            "confidence": exp.confidence,
            "resamples": exp.resamples,
            "seed": int(exp.seed),
            "metric": metric,
        }
        try:
            if exp.design == "sobol":
                res = sobol_indices(y, names, second_order=exp.second_order, **options)
                frames.append(res["first_total"].assign(metric=metric))
                if "second" in res:
                    second.append(res["second"].assign(metric=metric))
            else:
                x = design[[f"u:{n}" for n in names]].to_numpy(dtype=float)
                res = morris_indices(x, y, names, levels=exp.levels, **options)
                frames.append(res.assign(metric=metric))
        except AnalysisError as exc:
            if metric in chosen:
                result.notes.append(f"{metric}: {exc.message}")
    if not frames:
        return
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


def _write_charts(
    result: Analysis,
    exp: Experiment,
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
    s = unit_scale(metric)
    if is_share(metric):
        return f"{mean * s:.1f} % ({low * s:.0f}–{high * s:.0f})"
    return f"{format_number(mean)} ({format_number(low)}–{format_number(high)})"
