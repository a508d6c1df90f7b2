"""The content of the one-page report, independent of its format.

The report states the question, the plans compared (their strategies on a timeline), the
headline numbers with their 90 % intervals (and, for a comparison, the paired differences
against the reference), the key charts, the assumptions (every parameter that differs from
adoptsim's defaults) and a short method note. It reads saved results and never runs a
simulation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from adoptsim.report.charts import Chart, key_charts, results_of
from adoptsim.runs import metrics
from adoptsim.runs.compare import METRICS, Comparison, format_difference, format_value, plan_name
from adoptsim.runs.result import Result
from adoptsim.scenario import Scenario
from adoptsim.strategies.base import REGISTRY

#: the metrics of the headline table of a single plan
SINGLE_METRICS = (
    "final_active_share",
    "sustained_share",
    "final_habitual_share",
    "weeks_to_25",
    "weeks_to_50",
    "weeks_to_75",
    "lapses",
    "cost",
    "cost_per_sustained_adopter",
)
_SINGLE_LABELS = {
    "final_habitual_share": ("habitual share", "share"),
    "weeks_to_25": ("weeks to 25 % active", "weeks"),
    "weeks_to_75": ("weeks to 75 % active", "weeks"),
}
#: scenario keys that are names or bookkeeping, not assumptions
_NOT_ASSUMPTIONS = {"name", "description", "runs", "seed", "strategies"}


@dataclass
class Report:
    """Everything a report shows, independent of the output format."""

    title: str
    question: str
    context: str
    headline: str
    plans: list[dict[str, Any]]
    columns: list[str]
    rows: list[dict[str, Any]]
    charts: list[Chart]
    assumptions: pd.DataFrame
    method: str
    notes: list[str] = field(default_factory=list)


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys of nested mappings; lists and the department shares stay whole."""
    if isinstance(data, dict) and not prefix.endswith("departments"):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: data}


def _show(value: Any) -> str:
    """A parameter value as short text."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def assumptions(results: list[Result]) -> pd.DataFrame:
    """Every scenario parameter that differs from adoptsim's default in at least one plan.

    One row per parameter (dotted key path): ``parameter``, ``default``, then one column per
    plan with its value; strategy settings are described with the plans instead.
    """
    defaults = _flatten(
        {k: v for k, v in Scenario().resolved().items() if k not in _NOT_ASSUMPTIONS}
    )
    per_plan = {
        plan_name(r): _flatten(
            {k: v for k, v in r.manifest["scenario"].items() if k not in _NOT_ASSUMPTIONS}
        )
        for r in results
    }
    keys = list(dict.fromkeys(k for values in per_plan.values() for k in values))
    rows = []
    for key in keys:
        if key.endswith(".name"):
            continue
        values = {p: v.get(key) for p, v in per_plan.items()}
        default = defaults.get(key)
        if all(v == default for v in values.values()):
            continue
        rows.append({"parameter": key, "default": default, **values})
    return pd.DataFrame(rows, columns=["parameter", "default", *per_plan])


def _strategy_text(s: dict[str, Any], weeks: int) -> str:
    """One strategy: its label, the weeks it acts and its settings that differ from the
    strategy's defaults."""
    end = s.get("end")
    when = f"weeks {s['start']}–{end}" if end is not None else f"from week {s['start']}"
    try:
        cls = REGISTRY[s["type"]]
        defaults = _flatten(cls.Params(type=s["type"]).model_dump(mode="json"))
    except (KeyError, ValueError, TypeError):
        defaults = {}
    settings = _flatten({k: v for k, v in s.items() if k not in ("type", "name", "start", "end")})
    changed = [
        f"{k.replace('target.', 'target ').replace('cost.', 'cost ')} {_show(v)}"
        for k, v in settings.items()
        if defaults.get(k, object()) != v and v is not None
    ]
    label = s.get("name") or s["type"]
    kind = f" ({s['type']})" if s.get("name") and s["name"] != s["type"] else ""
    text = f"{label}{kind}, {when}"
    return f"{text}: {'; '.join(changed)}" if changed else text


def _plans(results: list[Result]) -> list[dict[str, Any]]:
    out = []
    for r in results:
        spec = r.manifest["scenario"]
        strategies = [_strategy_text(s, spec["weeks"]) for s in spec.get("strategies", [])]
        out.append(
            {
                "name": plan_name(r),
                "description": " ".join(str(spec.get("description") or "").split()),
                "strategies": strategies or ["no strategy"],
                "file": Path(r.manifest["scenario_file"]).name
                if r.manifest.get("scenario_file")
                else "",
            }
        )
    return out


def _tool(results: list[Result]) -> str:
    names = {r.manifest["scenario"]["tool"]["name"] for r in results}
    return names.pop() if len(names) == 1 else "new tool"


def _employees(results: list[Result]) -> str:
    counts = sorted({int(r.manifest.get("employees") or 0) for r in results})
    return "/".join(f"{c:,}" for c in counts)


def _single_row(agg: pd.DataFrame, metric: str) -> dict[str, Any]:
    label, unit = _SINGLE_LABELS.get(metric, (None, None))
    if label is None:
        label, unit = METRICS[metric].label, METRICS[metric].unit
    row = agg.loc[metric].to_dict()
    row["unit"] = unit
    value, interval = format_value(row)
    return {"label": label, "value": value, "interval": interval}


def _comparison_rows(cmp: Comparison) -> list[dict[str, Any]]:
    rows = []
    ref = cmp.names[0]
    for name in cmp.ranking:
        sub = cmp.table[cmp.table["scenario"] == name].set_index("metric")
        cells = []
        for metric in METRICS:
            value, interval = format_value(sub.loc[metric])
            diff, diff_interval = ("", "")
            if name != ref:
                diff, diff_interval = format_difference(sub.loc[metric], cmp.runs)
            cells.append(
                {"value": value, "interval": interval, "diff": diff, "diff_interval": diff_interval}
            )
        rows.append(
            {
                "rank": int(sub["rank"].iloc[0]),
                "name": name,
                "reference": name == ref,
                "cells": cells,
            }
        )
    return rows


def _headline_comparison(cmp: Comparison) -> str:
    ref = cmp.names[0]
    best = cmp.ranking[0]
    key = cmp.rank_by
    t = cmp.table.set_index(["scenario", "metric"])
    b = t.loc[(best, key)]
    value, interval = format_value(b)
    label = METRICS[key].label
    text = f"{best} ranks first on {label}: {value}"
    if interval:
        text += f" (90 % of runs: {interval})"
    if best != ref and len(cmp.results) > 1:
        diff, diff_interval = format_difference(b, cmp.runs)
        text += f", {diff} against {ref}"
        if diff_interval:
            text += f" (90 % of paired runs: {diff_interval})"
        text += f", better in {100 * b['better_share']:.0f} % of paired runs"
    elif len(cmp.results) > 1:
        text += "; no plan does better than the reference"
    cost = t.loc[(best, "cost")]
    if cost["mean"] > 0:
        cpa = t.loc[(best, "cost_per_sustained_adopter")]
        text += f". It costs {cost['mean']:,.0f}, {cpa['mean']:,.0f} per sustained adopter"
    if len(cmp.ranking) > 1:
        second = cmp.ranking[1]
        s_value, _ = format_value(t.loc[(second, key)])
        text += f". Next: {second} ({s_value})"
    return text + "."


def _headline_single(result: Result) -> str:
    agg = result.aggregate
    weeks = result.manifest["scenario"]["weeks"]
    final = _single_row(agg, "final_active_share")
    sustained = _single_row(agg, "sustained_share")
    w50 = _single_row(agg, "weeks_to_50")
    text = (
        f"After {weeks} weeks, {final['value']} of employees are active users (90 % of runs: "
        f"{final['interval']}); {sustained['value']} use it of their own accord at the end"
    )
    if w50["value"] == "not reached":
        text += f"; half the organization is not reached ({w50['interval']})"
    else:
        text += f"; half the organization is active by week {w50['value']}"
    return text + "."


def _method(results: list[Result]) -> str:
    m = results[0].manifest
    hashes = ", ".join(f"{plan_name(r)} {r.manifest['scenario_hash'][:10]}" for r in results)
    several = len(results) > 1
    crn = (
        " Every plan is run on the same replicate seeds (common random numbers): run k of "
        "each plan has the same organization, people and weekly random draws, so plans are "
        "compared run by run (paired differences)."
        if several
        else ""
    )
    return (
        f"Agent-based model (adoptsim {m.get('adoptsim_version', '?')}, Mesa agents on the "
        "organization's network). Each week every aware employee chooses between the new "
        "tool and the legacy one (a logit on a UTAUT2-style utility: usefulness learned from "
        "use plus the network benefit of colleagues on the tool, effort, social influence, "
        "support, habit after Lally et al. 2010, tool overload) while the strategies act on "
        f"it. {m['runs']} runs{' per plan' if several else ''}, root seed {m['seed']}.{crn} "
        "Intervals: 5th to 95th percentile over runs. Sustained share: voluntary active "
        f"share averaged over the last {metrics.SUSTAIN_WINDOW} weeks. Scenario hashes: "
        f"{hashes}. Report written {dt.date.today().isoformat()}."
    )


def build(source: Result | Comparison, question: str | None = None) -> Report:
    """The report's content for a result or a comparison."""
    results = results_of(source)
    tool = _tool(results)
    employees = _employees(results)
    m = results[0].manifest
    weeks = sorted({int(r.manifest["scenario"]["weeks"]) for r in results})
    weeks_text = "/".join(str(w) for w in weeks)
    is_cmp = isinstance(source, Comparison) and len(results) > 1
    if is_cmp:
        title = f"Rolling out the {tool}: {len(results)} plans compared"
        default_q = (
            f"Which of these {len(results)} rollout plans gets the {tool} used for good by "
            f"the {employees} employees within {weeks_text} weeks, and at what cost?"
        )
        headline = _headline_comparison(source)
        columns = [METRICS[k].label for k in METRICS]
        rows = _comparison_rows(source)
    else:
        title = f"Rolling out the {tool}: forecast for the plan {plan_name(results[0])}"
        default_q = (
            f"How far will the {tool} spread among the {employees} employees in "
            f"{weeks_text} weeks under this plan, and how much of the use will last?"
        )
        headline = _headline_single(results[0])
        columns = ["value", "90 % of runs"]
        agg = results[0].aggregate
        rows = [_single_row(agg, k) for k in SINGLE_METRICS]
        if agg.loc["cost", "high"] <= 0:
            rows = [r for r in rows if not r["label"].startswith("cost")]
    context = (
        f"{employees} employees · {weeks_text} weeks · {m['runs']} runs"
        f"{' per plan' if is_cmp else ''} · seed {m['seed']} · adoptsim "
        f"{m.get('adoptsim_version', '?')}"
    )
    chart_list = key_charts(source)
    return Report(
        title=title,
        question=question or default_q,
        context=context,
        headline=headline,
        plans=_plans(results),
        columns=columns,
        rows=rows,
        charts=chart_list,
        assumptions=assumptions(results),
        method=_method(results),
    )


def assumption_lines(table: pd.DataFrame) -> list[str]:
    """The assumptions table as short lines: ``key: value (default d)``, with per-plan
    values when the plans differ."""
    plans = [c for c in table.columns if c not in ("parameter", "default")]
    lines = []
    for _, row in table.iterrows():
        values = {p: row[p] for p in plans}
        shown = {_show(v) for v in values.values()}
        if len(shown) == 1:
            value = shown.pop()
        else:
            value = "; ".join(f"{p} {_show(v)}" for p, v in values.items())
        lines.append(f"{row['parameter']}: {value} (default {_show(row['default'])})")
    return lines
