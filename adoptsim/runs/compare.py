"""Compare rollout plans on common random numbers.

Every scenario is run with the same root seed and number of runs, so replicate ``k`` of
every plan draws the same organization (when generated once), the same traits and the
same weekly random numbers: the plans differ only by what they do. The comparison reports,
per plan, the summary metrics with their 90 % interval over runs, and the *paired*
difference against the first plan (the reference), replicate by replicate.

``compare([...], runs=, seed=)`` returns a :class:`Comparison` whose ``table``,
``differences``, ``curves`` and ``summary`` are pandas DataFrames;
:meth:`Comparison.save` writes them (and each plan's results folder) and
:meth:`Comparison.load` reads them back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from adoptsim.errors import InputError
from adoptsim.files import confined
from adoptsim.runs import metrics
from adoptsim.runs.folders import read_comparison, save_whole, verify
from adoptsim.runs.result import Result
from adoptsim.runs.runner import run
from adoptsim.scenario import Scenario, load_scenario
from adoptsim.version import __version__

COMPARISON = "comparison.json"
TABLE = "comparison.csv"
DIFFERENCES = "differences.csv"
#: marks a folder written by :meth:`Comparison.save`
FORMAT = "adoptsim-comparison/1"


class Metric(NamedTuple):
    """A compared metric: its label, a short label, its unit and which way is better (+1:
    higher)."""

    label: str
    short: str
    unit: str
    better: int


#: the metrics of the comparison table, in display order
METRICS: dict[str, Metric] = {
    "final_active_share": Metric("final active share", "final active", "share", +1),
    "sustained_share": Metric("sustained (voluntary) share", "sustained", "share", +1),
    "weeks_to_50": Metric("weeks to 50 % active", "weeks to 50 %", "weeks", -1),
    "lapses": Metric("lapses", "lapses", "events", -1),
    "cost": Metric("cost", "cost", "cost", -1),
    "cost_per_sustained_adopter": Metric(
        "cost per sustained adopter", "cost per sustained adopter", "cost", -1
    ),
}
#: the metric plans are ranked by unless told otherwise
DEFAULT_RANK_BY = "sustained_share"
#: confidence level of the interval of the mean paired difference (matches the 90 % bands)
CONFIDENCE = metrics.INTERVAL[1] - metrics.INTERVAL[0]


@dataclass
class Comparison:
    """Plans run on the same replicate seeds, and their paired comparison.

    * ``results``: one :class:`Result` per plan, the reference (first) first;
    * ``table``: one row per plan and metric (ranked; see :func:`comparison_table`);
    * ``differences``: one row per plan, metric and replicate: the plan's value, the
      reference's value on the same replicate, and their difference;
    * ``rank_by``: the metric that orders the plans.
    """

    results: list[Result]
    table: pd.DataFrame
    differences: pd.DataFrame
    rank_by: str = DEFAULT_RANK_BY

    @classmethod
    def from_results(cls, results: Sequence[Result], rank_by: str = DEFAULT_RANK_BY) -> Comparison:
        """Compare results that were run on the same seed and number of runs."""
        results = list(results)
        if not results:
            raise InputError("nothing to compare: give at least one scenario")
        check_rank_by(rank_by)
        check_paired(results)
        names = unique_names([plan_name(r) for r in results])
        for r, name in zip(results, names, strict=True):
            r.manifest["plan"] = name
        differences = paired_differences(results)
        table = comparison_table(results, differences, rank_by)
        return cls(results=results, table=table, differences=differences, rank_by=rank_by)

    # ---- views ------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """The plans' names in the order given (reference first)."""
        return [plan_name(r) for r in self.results]

    @property
    def reference(self) -> Result:
        """The plan every other is compared against (the first)."""
        return self.results[0]

    @property
    def ranking(self) -> list[str]:
        """Plan names, best first by ``rank_by``."""
        ranks = self.table.drop_duplicates("scenario").sort_values("rank")
        return ranks["scenario"].tolist()

    @property
    def runs(self) -> int:
        """Runs per plan."""
        return int(self.reference.manifest["runs"])

    @property
    def seed(self) -> int:
        """The root seed shared by every plan."""
        return int(self.reference.manifest["seed"])

    @property
    def curves(self) -> pd.DataFrame:
        """Every plan's curves with a ``scenario`` column first."""
        return self._stack("curves")

    @property
    def summary(self) -> pd.DataFrame:
        """Every plan's per-replicate summary with a ``scenario`` column first."""
        return self._stack("summary", reset=True)

    def result(self, name: str) -> Result:
        """The result of the plan called ``name``."""
        for r in self.results:
            if plan_name(r) == name:
                return r
        raise InputError(
            f"no plan called {name!r} in this comparison; the plans are: {', '.join(self.names)}"
        )

    def wide(self) -> pd.DataFrame:
        """The table as one row per plan (ranked), columns ``<metric>_<statistic>``."""
        t = self.table.set_index(["rank", "scenario", "metric"])
        values = t.drop(columns=["label", "unit"]).unstack("metric")
        values.columns = [f"{m}_{stat}" for stat, m in values.columns]
        ordered = [f"{m}_{stat}" for m in METRICS for stat in t.columns if f"{m}_{stat}" in values]
        return values[ordered].reset_index()

    def _stack(self, attr: str, reset: bool = False) -> pd.DataFrame:
        frames = []
        for r in self.results:
            df = getattr(r, attr)
            df = df.reset_index() if reset else df.copy()
            df.insert(0, "scenario", plan_name(r))
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    # ---- files --------------------------------------------------------------------------
    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the table, the paired differences and each plan's results (in a
        sub-folder per plan), whole or not at all; returns the folder.

        ``overwrite`` replaces a folder of earlier results. Charts are drawn by
        :func:`adoptsim.viz.save_charts`."""
        return save_whole(self.write, folder, overwrite)

    def write(self, folder: str | Path) -> Path:
        """Write the comparison's files into ``folder`` (created if needed), as they are."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for r, sub in zip(self.results, folder_names(self.names), strict=True):
            r.write(folder / sub)
            entries.append(
                {
                    "name": plan_name(r),
                    "folder": sub,
                    "scenario_file": r.manifest.get("scenario_file"),
                    "scenario_hash": r.manifest.get("scenario_hash"),
                }
            )
        self.table.to_csv(folder / TABLE, index=False)
        self.differences.to_csv(folder / DIFFERENCES, index=False)
        info = {
            "format": FORMAT,
            "reference": self.names[0],
            "rank_by": self.rank_by,
            "ranking": self.ranking,
            "runs": self.runs,
            "seed": self.seed,
            "plans": entries,
            "adoptsim_version": __version__,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        (folder / COMPARISON).write_text(json.dumps(info, indent=2) + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Comparison:
        """Read a comparison written by :meth:`save` (the table is recomputed from the runs)."""
        folder = Path(folder)
        path = folder / COMPARISON
        if not path.exists():
            raise InputError(
                f"no {COMPARISON} here: not a folder written by `adoptsim compare`",
                source=str(folder),
            )
        verify(folder)
        plans, rank_by = read_comparison(path, METRICS, DEFAULT_RANK_BY)
        results = []
        for name, sub in plans:
            r = Result.load(confined(folder, sub, source=str(path), what="a plan's folder"))
            r.manifest["plan"] = name
            results.append(r)
        return cls.from_results(results, rank_by=rank_by)


def is_comparison_folder(folder: str | Path) -> bool:
    """Whether ``folder`` was written by :meth:`Comparison.save`."""
    return (Path(folder) / COMPARISON).exists()


def plan_name(result: Result) -> str:
    """The name a result goes by in a comparison (its scenario name unless renamed)."""
    return str(result.manifest.get("plan") or result.name)


def unique_names(names: Sequence[str]) -> list[str]:
    """The names, with a suffix ``-2``, ``-3``... on repeats."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name}-{k}", k + 1
        out.append(candidate)
    return out


def folder_names(names: Sequence[str]) -> list[str]:
    """A file-system-safe, unique sub-folder name per plan."""
    slugs = [re.sub(r"[^A-Za-z0-9._-]+", "_", n).strip("._") or "plan" for n in names]
    return unique_names(slugs)


def check_rank_by(rank_by: str) -> None:
    """Raise an InputError unless ``rank_by`` is one of the compared metrics."""
    if rank_by not in METRICS:
        raise InputError(
            f"cannot rank by {rank_by!r}; allowed: {', '.join(METRICS)}", where="rank_by"
        )


def check_paired(results: Sequence[Result]) -> None:
    """Raise an InputError unless every result has the same seed and number of runs."""
    ref = results[0].manifest
    for r in results[1:]:
        m = r.manifest
        if int(m["seed"]) != int(ref["seed"]) or int(m["runs"]) != int(ref["runs"]):
            raise InputError(
                f"plan {plan_name(r)!r} was run with {m['runs']} runs and seed {m['seed']}, "
                f"the reference {plan_name(results[0])!r} with {ref['runs']} runs and seed "
                f"{ref['seed']}: paired differences need the same runs and seed"
            )


def paired_differences(results: Sequence[Result]) -> pd.DataFrame:
    """Per plan, metric and replicate: the value, the reference's value, the difference.

    A ``weeks_to_*`` value is NaN when the share was not reached; its difference is then NaN.
    """
    ref = results[0].summary
    names = [plan_name(r) for r in results]
    frames = []
    for name, r in zip(names, results, strict=True):
        s = r.summary
        for metric in METRICS:
            value = s[metric].astype(float)
            reference = ref[metric].astype(float).reindex(value.index)
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "metric": metric,
                        "replicate": value.index.to_numpy(),
                        "value": value.to_numpy(),
                        "reference": reference.to_numpy(),
                        "difference": (value - reference).to_numpy(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _difference_stats(group: pd.DataFrame, metric: str) -> dict[str, float]:
    """Mean, median, interval over runs and confidence interval of the mean of paired
    differences; the share of runs in which the plan beats the reference."""
    lo, hi = metrics.INTERVAL
    d = group["difference"].dropna().to_numpy()
    out = {
        "diff_mean": np.nan,
        "diff_median": np.nan,
        "diff_low": np.nan,
        "diff_high": np.nan,
        "diff_ci_low": np.nan,
        "diff_ci_high": np.nan,
        "pairs": float(len(d)),
        "reference_reached": float(group["reference"].notna().mean()) if len(group) else np.nan,
    }
    if len(d):
        mean = float(d.mean())
        out.update(
            diff_mean=mean,
            diff_median=float(np.median(d)),
            diff_low=float(np.quantile(d, lo)),
            diff_high=float(np.quantile(d, hi)),
        )
        sd = float(d.std(ddof=1)) if len(d) > 1 else np.nan
        if len(d) > 1 and sd == 0:
            out.update(diff_ci_low=mean, diff_ci_high=mean)
        elif len(d) > 1:
            # Student's t quantile: scipy.special.stdtrit(df, p) is scipy.stats.t.ppf(p, df)
            # (the same numbers) without importing scipy.stats (~1 s)
            from scipy.special import stdtrit

            half = stdtrit(len(d) - 1, 0.5 + CONFIDENCE / 2) * sd / math.sqrt(len(d))
            out.update(diff_ci_low=mean - half, diff_ci_high=mean + half)
    # never reaching a milestone is worse than reaching it late
    fill = np.inf if metric.startswith("weeks_to_") else np.nan
    value = group["value"].fillna(fill).to_numpy()
    reference = group["reference"].fillna(fill).to_numpy()
    better = value > reference if METRICS[metric].better > 0 else value < reference
    out["better_share"] = float(np.mean(better)) if len(value) else np.nan
    return out


def comparison_table(
    results: Sequence[Result], differences: pd.DataFrame, rank_by: str = DEFAULT_RANK_BY
) -> pd.DataFrame:
    """One row per plan and metric, plans ranked by ``rank_by`` (1 = best).

    Columns: ``scenario, rank, metric, label, unit``; the plan's ``mean, median, low,
    high`` (90 % of runs) and ``reached`` (share of runs with a value; for ``weeks_to_*``
    the share that reached the milestone); the paired difference against the reference:
    ``diff_mean, diff_median, diff_low, diff_high`` (90 % of paired runs),
    ``diff_ci_low, diff_ci_high`` (90 % confidence interval of the mean difference, paired
    t), ``pairs`` (runs with a difference), ``reference_reached`` (share of runs in which
    the reference has a value) and ``better_share`` (share of paired runs in which the plan
    beats the reference).
    """
    rows = []
    by_plan = dict(iter(differences.groupby(["scenario", "metric"], sort=False)))
    for r in results:
        name = plan_name(r)
        agg = metrics.aggregate(r.summary)
        for metric, info in METRICS.items():
            a = agg.loc[metric]
            row = {
                "scenario": name,
                "metric": metric,
                "label": info.label,
                "unit": info.unit,
                "mean": a["mean"],
                "median": a["median"],
                "low": a["low"],
                "high": a["high"],
                "reached": a["reached"],
            }
            row.update(_difference_stats(by_plan[(name, metric)], metric))
            rows.append(row)
    table = pd.DataFrame(rows)
    key = table[table["metric"] == rank_by].set_index("scenario")
    # weeks: the median (a mean is infinite as soon as one run does not reach the share)
    score = key["median" if rank_by.startswith("weeks_to_") else "mean"].astype(float)
    score = score.fillna(-np.inf if METRICS[rank_by].better > 0 else np.inf)
    order = (-METRICS[rank_by].better * score).rank(method="first").astype(int)
    table.insert(1, "rank", table["scenario"].map(order))
    metric_order = {m: i for i, m in enumerate(METRICS)}
    table = table.sort_values(
        ["rank", "metric"], key=lambda c: c.map(metric_order) if c.name == "metric" else c
    )
    return table.reset_index(drop=True)


def compare(
    scenarios: Sequence[Scenario | str | Path],
    runs: int | None = None,
    seed: int | None = None,
    *,
    rank_by: str = DEFAULT_RANK_BY,
    progress: Callable[[str, int], None] | None = None,
    **run_options: Any,
) -> Comparison:
    """Run every scenario on the same replicate seeds and compare them with the first.

    ``runs`` and ``seed`` default to the first scenario's. ``progress(name, n)`` is called
    with the plan's name and the replicate-weeks just completed. Other keyword arguments
    go to :func:`adoptsim.run`.
    """
    if not scenarios:
        raise InputError("nothing to compare: give at least one scenario")
    check_rank_by(rank_by)
    specs = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    runs = specs[0].runs if runs is None else int(runs)
    seed = specs[0].seed if seed is None else int(seed)
    names = unique_names([s.name for s in specs])
    results = []
    for spec, name in zip(specs, names, strict=True):
        tick = None
        if progress is not None:

            def tick(n: int, _name: str = name) -> None:
                progress(_name, n)

        result = run(spec, runs=runs, seed=seed, progress=tick, **run_options)
        result.manifest["plan"] = name
        results.append(result)
    return Comparison.from_results(results, rank_by=rank_by)


# ---- formatting (shared by the command line and the report) --------------------------------
def _num(x: float, unit: str, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if unit == "share":
        return f"{100 * x:{sign}.1f}"
    if unit == "weeks":
        return f"{x:{sign}.0f}" if not signed else f"{x:+.1f}"
    if unit == "cost":
        return f"{x:{sign},.0f}"
    return f"{x:{sign}.0f}"


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_value(row: pd.Series | dict[str, Any]) -> tuple[str, str]:
    """A table row's central value and its 90 % interval as display strings (the interval
    is empty when every run gave the same value)."""
    unit = row["unit"]
    if unit == "weeks":
        if math.isinf(row["median"]):
            return "not reached", f"reached in {100 * row['reached']:.0f} % of runs"
        high = "not reached" if math.isinf(row["high"]) else f"{row['high']:.0f}"
        return f"{row['median']:.0f}", "" if row["low"] == row["high"] else (
            f"{row['low']:.0f}–{high}"
        )
    if _missing(row["mean"]):
        return "–", ""
    suffix = " %" if unit == "share" else ""
    value = f"{_num(row['mean'], unit)}{suffix}"
    low, high = _num(row["low"], unit), _num(row["high"], unit)
    return value, "" if low == high else f"{low}–{high}"


def format_difference(row: pd.Series | dict[str, Any], runs: int) -> tuple[str, str]:
    """A table row's mean paired difference and its 90 % interval over paired runs (empty
    when every pair gave the same difference)."""
    unit = row["unit"]
    if row["pairs"] == 0 or _missing(row["diff_mean"]):
        if unit != "weeks":
            return "–", ""
        if row.get("reference_reached", 1.0) == 0:
            return "–", "reference never reached it"
        return "–", "no run where both reached it"
    suffix = {"share": " pp", "weeks": " wk"}.get(unit, "")
    low, high = _num(row["diff_low"], unit, True), _num(row["diff_high"], unit, True)
    interval = "" if low == high else f"{low} to {high}"
    if unit == "weeks" and row["pairs"] < runs:
        interval = f"{interval} ({row['pairs']:.0f} of {runs} runs)".strip()
    return f"{_num(row['diff_mean'], unit, True)}{suffix}", interval
