"""Charts of a calibration: observed points over the simulated band, the posterior, the
forecast. Same house style as :mod:`adoptsim.viz`."""

from __future__ import annotations

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from adoptsim.calibration.observed import Observed
from adoptsim.calibration.result import Calibration
from adoptsim.viz import style
from adoptsim.viz.style import subplots


def _series_axes(n: int, height: float = 4.2) -> tuple[Figure, list]:
    fig, axes = subplots(1, n, figsize=style.figsize(4.6 * n + 1, height), squeeze=False)
    return fig, list(axes[0])


def fit_chart(cal: Calibration, fit_table: pd.DataFrame) -> Figure:
    """Each observed series: the observed points over the simulated median and 90 % band
    of the posterior predictive."""
    whole = fit_table[fit_table["department"] == ""]
    series = list(dict.fromkeys(whole["series"])) or list(dict.fromkeys(fit_table["series"]))
    with matplotlib.rc_context(style.rc_params()):
        fig, axes = _series_axes(len(series))
        for ax, name in zip(axes, series, strict=True):
            d = fit_table[(fit_table["series"] == name) & (fit_table["department"] == "")]
            d = d.sort_values("week")
            color = style.PLAN_COLORS[0]
            ax.fill_between(d["week"], 100 * d["simulated_low"], 100 * d["simulated_high"],
                            color=color, alpha=0.2, lw=0, label="simulated, 90 %")  # fmt: skip
            ax.plot(d["week"], 100 * d["simulated_median"], color=color, lw=2,
                    label="simulated median")  # fmt: skip
            ax.plot(d["week"], 100 * d["observed"], "o", color="#222222", ms=5, label="observed")
            ax.set_title(name.replace("_", " "))
            ax.set_xlabel("week")
            peak = max(d["observed"].max(), d["simulated_high"].max())
            style.percent_axis(ax, top=min(100.0, max(5.0, 125 * peak)))
        axes[0].legend(loc="upper left")
        style.finish(
            fig,
            _source(cal),
            title=f"Calibrated on the pilot: {cal.scenario.name}",
            note="points: observed · line and band: simulated with parameters from the posterior",
        )
    return fig


def posterior_chart(cal: Calibration) -> Figure:
    """Marginal histograms of each fitted parameter (diagonal) and pairwise scatter."""
    post = cal.posterior
    names = [p.path for p in cal.fit]
    n = len(names)
    w = post["weight"].to_numpy()
    with matplotlib.rc_context(style.rc_params()):
        fig, axes = subplots(n, n, figsize=style.figsize(2.6 * n + 2, 2.4 * n + 1.6),
                                 squeeze=False)  # fmt: skip
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                ax = axes[i][j]
                if i == j:
                    ax.hist(post[a], bins=20, weights=w, color=style.PLAN_COLORS[0], alpha=0.8)
                    lo, med, hi = cal.interval(a)
                    for v, ls in ((lo, ":"), (med, "-"), (hi, ":")):
                        ax.axvline(v, color="#222222", lw=1, ls=ls)
                elif i > j:
                    ax.scatter(post[b], post[a], s=8 + 400 * w, color=style.PLAN_COLORS[1],
                               alpha=0.5, lw=0)  # fmt: skip
                else:
                    ax.set_axis_off()
                if i == n - 1:
                    ax.set_xlabel(b, fontsize=style.font_pt(8))
                if j == 0 and i > 0:
                    ax.set_ylabel(a, fontsize=style.font_pt(8))
        style.finish(
            fig,
            _source(cal),
            title="Posterior of the fitted parameters",
            note="diagonal: weighted histogram, median (line) and 90 % interval (dotted)",
        )
    return fig


def trials_chart(cal: Calibration) -> Figure:
    """A point fit's search: each trial's distance against each fitted parameter, the
    refined best trials ringed and the fit marked."""
    search = cal.search
    assert search is not None, "trials_chart needs a calibration with --method optimize"
    n = len(cal.fit)
    best = cal.best
    with matplotlib.rc_context(style.rc_params()):
        fig, axes = _series_axes(n, height=3.8)
        for j, (ax, p) in enumerate(zip(axes, cal.fit, strict=True)):
            ax.scatter(p.from_unit(search.trials[:, j]), search.distances, s=10,
                       color=style.PLAN_COLORS[0], alpha=0.5, lw=0, label="trial")  # fmt: skip
            ax.scatter(p.from_unit(search.refined[:, j]), search.refined_distances, s=40,
                       facecolors="none", edgecolors="#222222", label="refined")  # fmt: skip
            ax.axvline(best[p.path], color="#222222", lw=1, label="fit")
            if p.log:
                ax.set_xscale("log")
            ax.set_xlabel(p.path, fontsize=style.font_pt(8))
        axes[0].set_ylabel("distance")
        axes[0].legend(loc="upper right")
        style.finish(
            fig,
            _source(cal),
            title="Point fit: the trials of the search",
            note="each point a trial (its distance on its own replicates); rings: the best "
            "trials again on fresh replicates; line: the fit",
        )
    return fig


def forecast_chart(
    curves: pd.DataFrame, observed: Observed | None, title: str, source: str | None = None
) -> Figure:
    """Forecast ``active_share`` and ``ever_tried_share``: median and 90 % band over
    replicates, with the observed points."""
    with matplotlib.rc_context(style.rc_params()):
        fig, ax = subplots(figsize=style.figsize(9, 5))
        for k, col in enumerate(("ever_tried_share", "active_share")):
            g = curves.groupby("week")[col]
            color = style.PLAN_COLORS[k]
            ax.fill_between(g.median().index, 100 * g.quantile(0.05), 100 * g.quantile(0.95),
                            color=color, alpha=0.2, lw=0)  # fmt: skip
            ax.plot(g.median().index, 100 * g.median(), color=color, lw=2,
                    label=col.replace("_", " ").replace(" share", ""))  # fmt: skip
            if observed is not None:
                t = observed.table
                d = t[(t["series"] == col) & (t["department"] == "")]
                if len(d):
                    ax.plot(d["week"], 100 * d["value"], "o", color=color, mec="#222222", ms=5)
        ax.set_xlabel("week")
        style.percent_axis(ax)
        ax.legend(loc="upper left")
        source = source or ("adoptsim forecast · band: 90 % of runs, parameters drawn from "
                            "the posterior · points: observed")  # fmt: skip
        style.finish(fig, source, title=title)
    return fig


def _source(cal: Calibration) -> str:
    s = cal.summary()
    return (
        f"adoptsim calibrate · {s['method']} · {s['simulations']:,} simulations · seed "
        f"{cal.seed} · observed: {cal.observed.source}"
    )


def narrowing_chart(
    forecasts: dict[int, pd.DataFrame], observed: Observed | None, title: str
) -> Figure:
    """The forecast of the weekly share using the tool as it was after each observed week
    (one panel each): median and 90 % band over the particles, the weeks observed by then."""
    weeks = sorted(forecasts)
    cols = min(4, len(weeks))
    rows = -(-len(weeks) // cols)
    with matplotlib.rc_context(style.rc_params()):
        fig, axes = subplots(
            rows, cols, figsize=style.figsize(3.2 * cols + 1, 2.6 * rows + 1),
            squeeze=False, sharex=True, sharey=True,
        )  # fmt: skip
        color = style.PLAN_COLORS[0]
        for ax, week in zip(axes.flat, weeks, strict=False):
            g = forecasts[week].groupby("week")["using_share"]
            ax.fill_between(g.median().index, 100 * g.quantile(0.05), 100 * g.quantile(0.95),
                            color=color, alpha=0.25, lw=0)  # fmt: skip
            ax.plot(g.median().index, 100 * g.median(), color=color, lw=1.6)
            if observed is not None:
                t = observed.table
                d = t[(t["series"] == "using_share") & (t["department"] == "")]
                d = d[d["week"] <= week]
                ax.plot(d["week"], 100 * d["value"], "o", color="#222222", ms=2.5)
            ax.axvline(week, color="#888888", lw=0.8, ls=":")
            ax.set_title(f"after week {week}", fontsize=9)
            style.percent_axis(ax)
        for ax in list(axes.flat)[len(weeks) :]:
            ax.set_visible(False)
        style.finish(fig, "adoptsim forecast · assimilated week by week · band: 90 % of the "
                     "particles · points: observed share using the tool", title=title)  # fmt: skip
    return fig
