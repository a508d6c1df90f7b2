"""One chart per validation case, and saving every case's chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from adoptsim.model import behavior as bh
from adoptsim.validation.common import LALLY_PEOPLE, CaseResult
from adoptsim.validation.registry import results_table
from adoptsim.viz.plots import PALETTE, STYLE
from adoptsim.viz.style import subplots


def _colors():
    return PALETTE


def _style() -> dict:
    return dict(STYLE)


def _source(fig: Figure, result: CaseResult, extra: str = "") -> None:
    s = result.settings
    text = f"adoptsim validate · {result.reference}"
    runs = s.get("runs")
    text += f" · {s.get('employees', '?')} employees" + (f" · {runs} runs" if runs else "")
    text += f" · seed {s.get('seed')}" + (f" · {extra}" if extra else "")
    fig.text(0.01, 0.01, text, fontsize=7.5, color="#555555", va="bottom", wrap=True)


def _verdict(result: CaseResult) -> str:
    return "pass" if result.passed else "FAIL"


def chart(result: CaseResult) -> Figure:
    """The chart of a case result, overlaying the published figure and the simulated one."""
    with matplotlib.rc_context(_style()):
        return _CHARTS[result.case](result)


def _bass_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    pairs = list(df.groupby(["p", "q"], sort=False))
    fig, axes = subplots(1, len(pairs), figsize=(11, 5), sharey=True, squeeze=False)
    for ax, ((p, q), d) in zip(axes[0], pairs, strict=True):
        ax.fill_between(d["period"], d["low"], d["high"], color=c["blue"], alpha=0.2, lw=0)
        ax.plot(d["period"], d["simulated"], color=c["blue"], lw=2.5, label="adoptsim (mean)")
        ax.plot(d["period"], d["closed_form"], color="black", lw=1.2, label="Bass closed form")
        ax.plot(
            d["period"],
            d["recursion"],
            color=c["orange"],
            lw=1.2,
            ls="--",
            label="discrete-time recursion",
        )
        gap = np.abs(d["simulated"] - d["closed_form"]).max()
        ax.set_title(f"p = {p}, q = {q}: largest gap {gap:.3f}")
        ax.set_xlabel(f"Bass periods ({result.settings['weeks_per_period']} weeks each)")
        ax.set_ylim(0, 1.02)
    axes[0][0].set_ylabel("cumulative adoption F(t)")
    axes[0][0].legend(loc="lower right")
    fig.suptitle(
        f"Bass curve: simulated against Bass (1969) — {_verdict(result)}", x=0.01, ha="left"
    )
    _source(fig, result, "band: 90 % of runs")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _granovetter_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    fig, ax = subplots(figsize=(9, 5))
    published = {0: 100, 1: 1}
    for i, (label, d) in enumerate(df.groupby("thresholds", sort=False)):
        color = (c["blue"], c["vermillion"])[i]
        ax.step(
            d["week"], d["adopters"], where="post", color=color, lw=2, label=f"thresholds {label}"
        )
        ax.scatter(
            [d["week"].max()],
            [published[i]],
            marker="D",
            s=60,
            facecolor="none",
            edgecolor="black",
            zorder=5,
        )
    ax.scatter(
        [],
        [],
        marker="D",
        facecolor="none",
        edgecolor="black",
        label="Granovetter (1978): 100 and 1",
    )
    ax.set_xlabel("week")
    ax.set_ylabel("rioters (people of 100)")
    ax.set_ylim(0, 105)
    ax.legend(loc="center right")
    ax.set_title(f"Granovetter's riot — {_verdict(result)}", loc="left")
    _source(fig, result)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _band(ax, weekly, color: str, label: str) -> None:
    """The mean adoption curve (in %) of grouped runs over its 90 % band."""
    mean = weekly.mean()
    ax.fill_between(
        mean.index,
        100 * weekly.quantile(0.05),
        100 * weekly.quantile(0.95),
        color=color,
        alpha=0.2,
        lw=0,
    )
    ax.plot(mean.index, 100 * mean, color=color, lw=2, label=label)


def _finish_panels(fig: Figure, axes, legend: str, title: str, result: CaseResult, note: str):
    """Shared axis labels, the verdict in the title and the source line of a panel chart."""
    axes[0].set_ylabel("adopted (% of employees)")
    axes[0].set_ylim(0, 102)
    axes[0].legend(loc=legend)
    fig.suptitle(f"{title} — {_verdict(result)}", x=0.01, ha="left", fontsize=11)
    _source(fig, result, note)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _centola_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    fig, axes = subplots(1, 2, figsize=(11, 5), sharey=True)
    colors = {"clustered": c["blue"], "random": c["orange"]}
    for ax, k in zip(axes, (2, 1), strict=True):
        for net, d in df[df["k"] == k].groupby("network"):
            g = d.groupby("week")["active_share"]
            _band(ax, g, colors[net], f"{net} (degree {result.settings['degree']})")
        kind = "complex contagion" if k > 1 else "simple contagion"
        ax.set_title(f"k = {k} ({kind})")
        ax.set_xlabel("week")
    title = (
        "Complex contagion spreads on the clustered lattice and stalls on its random twin; "
        "simple contagion is faster on the random twin"
    )
    return _finish_panels(fig, axes, "center right", title, result, "band: 90 % of runs")


def _eckles_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    noise = result.settings["noise"]
    fig, axes = subplots(1, 2, figsize=(11, 5), sharey=True)
    palette = [c["blue"], c["orange"], c["vermillion"]]
    nets = list(dict.fromkeys(df["network"]))
    for ax, q in zip(axes, (0.0, noise), strict=True):
        for color, net in zip(palette, nets, strict=False):
            g = df[(df["noise"] == q) & (df["network"] == net)].groupby("week")["active_share"]
            _band(ax, g, color, net)
        title = "no noise (threshold 2)" if q == 0 else f"noise {q:.3f} = n^(-1/2)"
        ax.set_title(title)
        ax.set_xlabel("week")
    title = (
        "Without noise only the clustered lattice carries a threshold-2 contagion; with rare "
        "below-threshold adoption, long ties spread it faster"
    )
    note = f"degree {result.settings['degree']} · band: 90 % of runs"
    return _finish_panels(fig, axes, "upper left", title, result, note)


def _habit_chart(result: CaseResult) -> Figure:
    c = _colors()
    cdf = result.data["habitual"]
    summ = result.data["summary"].iloc[0]
    lo, hi = bh.LALLY_RANGE_DAYS
    fig, ax = subplots(figsize=(9, 5))
    ax.step(
        cdf["days"],
        100 * cdf["habitual_share"],
        where="post",
        color=c["blue"],
        lw=2,
        label="adoptsim: employees at 95 % of the habit plateau",
    )
    ax.axvspan(
        lo,
        hi,
        color="#999999",
        alpha=0.15,
        lw=0,
        label=f"Lally et al. (2010): range {lo:.0f}–{hi:.0f} days",
    )
    ax.axvline(
        bh.LALLY_MEDIAN_DAYS,
        color="black",
        lw=1.2,
        label=f"Lally et al.: median {bh.LALLY_MEDIAN_DAYS:.0f} days",
    )
    ax.axvline(
        summ["median"],
        color=c["blue"],
        lw=1.2,
        ls="--",
        label=f"adoptsim median {summ['median']:.0f} days",
    )
    for x in (summ["shortest"], summ["longest"]):
        ax.axvline(x, color=c["blue"], lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlim(7, 7 * cdf["week"].max())
    ax.set_ylim(0, 100)
    ax.set_xlabel("days of use (weekly steps)")
    ax.set_ylabel("employees habitual (%)")
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(f"Habit curve with use every week — {_verdict(result)}", loc="left")
    _source(fig, result, f"dotted: shortest and longest of {LALLY_PEOPLE} people (median)")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _rogers_chart(result: CaseResult) -> Figure:
    c = _colors()
    sh = result.data["shares"]
    mw = result.data["mean_week"]
    fig, (ax1, ax2) = subplots(1, 2, figsize=(11, 5))
    x = np.arange(len(sh))
    ax1.bar(x - 0.2, 100 * sh["published"], 0.4, color="#999999", label="Rogers (2003)")
    ax1.bar(x + 0.2, 100 * sh["simulated"], 0.4, color=c["blue"], label="adoptsim")
    ax1.set_xticks(x, [n.replace(" ", "\n") for n in sh["category"]], fontsize=9)
    ax1.set_ylabel("adopters (%)")
    ax1.set_title("adopters by sd from the mean adoption week", fontsize=11)
    ax1.legend()
    ax2.plot(x, mw["mean_week"], marker="o", color=c["blue"])
    ax2.set_xticks(x, [n.replace(" ", "\n") for n in mw["category"]], fontsize=9)
    ax2.set_ylabel("mean adoption week")
    ax2.set_title("mean adoption week by innovativeness category", fontsize=11)
    fig.suptitle(
        f"Rogers' adopter categories (default utility mode) — {_verdict(result)}", x=0.01, ha="left"
    )
    _source(fig, result, f"{result.settings['weeks']} weeks")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


_CHARTS: dict[str, Callable[[CaseResult], Figure]] = {
    "bass": _bass_chart,
    "granovetter": _granovetter_chart,
    "centola": _centola_chart,
    "eckles": _eckles_chart,
    "habit": _habit_chart,
    "rogers": _rogers_chart,
}


def save(results: Sequence[CaseResult], folder: str | Path, dpi: int = 150) -> list[Path]:
    """Write each case's chart (``<case>.png``) and the checks (``validation.csv``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for r in results:
        fig = chart(r)
        path = folder / f"{r.case}.png"
        fig.savefig(path, dpi=dpi)
        written.append(path)
    path = folder / "validation.csv"
    results_table(results).to_csv(path, index=False)
    written.append(path)
    return written
