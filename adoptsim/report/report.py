"""A one-page report for a proposal, as self-contained HTML or as PDF.

The report states the question, the plans compared (their strategies on a timeline), the
headline numbers with their 90 % intervals (and, for a comparison, the paired differences
against the reference), the key charts, the assumptions (every parameter that differs from
adoptsim's defaults) and a short method note. It reads saved results and never runs a
simulation. HTML embeds its images (base64 PNG); the PDF is laid out with fpdf2.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from adoptsim.errors import InputError
from adoptsim.runs import metrics
from adoptsim.runs.compare import METRICS, Comparison, format_difference, format_value, plan_name
from adoptsim.runs.result import Result
from adoptsim.viz import plots

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: charts drawn for the report: figure sizes and fonts scaled for a half-page column
CHART_SCALE = {"size": 0.5, "font": 0.75}
CHART_DPI = 200
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
class Chart:
    """A chart of the report: its caption and PNG bytes."""

    caption: str
    png: bytes

    @property
    def data_uri(self) -> str:
        """The PNG as a data: URI for HTML."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


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


# ---- content ---------------------------------------------------------------------------------
def _results(source: Result | Comparison) -> list[Result]:
    return list(source.results) if isinstance(source, Comparison) else [source]


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
    from adoptsim.scenario import Scenario

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
    from adoptsim.strategies.base import REGISTRY

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


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI)  # read at call time (tests lower it)
    plots.close(fig)
    return buf.getvalue()


def _charts(source: Result | Comparison) -> list[Chart]:
    results = _results(source)
    with plots.scaled(**CHART_SCALE):
        if isinstance(source, Comparison) and len(results) > 1:
            charts = [
                Chart(
                    "Active share by plan (mean and 90 % of runs) and the weeks each plan's "
                    "strategies act",
                    _png(plots.compare_curves(source)),
                ),
                Chart(
                    "Cost against sustained adoption (bars: 90 % of runs)",
                    _png(plots.cost_effectiveness(source)),
                ),
                Chart(
                    f"Paired differences against {source.names[0]}",
                    _png(
                        plots.differences(
                            source,
                            list(dict.fromkeys([source.rank_by, "cost_per_sustained_adopter"])),
                        )
                    ),
                ),
                Chart("Adoption funnel at the last week", _png(plots.funnel(source))),
            ]
        else:
            r = results[0]
            charts = [
                Chart("Adoption over time (bands: 90 % of runs)", _png(plots.adoption(r))),
                Chart("Stages of adoption (mean of runs)", _png(plots.stages(r))),
                Chart("Active share by department", _png(plots.departments(r))),
                Chart("Adoption funnel at the last week", _png(plots.funnel(r))),
            ]
    return charts


def build(source: Result | Comparison, question: str | None = None) -> Report:
    """The report's content for a result or a comparison."""
    results = _results(source)
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
    charts = _charts(source)
    return Report(
        title=title,
        question=question or default_q,
        context=context,
        headline=headline,
        plans=_plans(results),
        columns=columns,
        rows=rows,
        charts=charts,
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


# ---- HTML ------------------------------------------------------------------------------------
_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.title }}</title>
<style>
  @page { size: A4; margin: 8mm; }
  :root { --ink: #1a1a1a; --muted: #5a5a5a; --rule: #d8d8d8; --accent: #0072B2; }
  body { font: 13px/1.4 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
         max-width: 1060px; margin: 16px auto; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 14px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .04em;
       color: var(--accent); border-bottom: 1px solid var(--rule); padding-bottom: 2px; }
  .question { font-size: 15px; font-style: italic; margin: 2px 0; }
  .context { color: var(--muted); font-size: 12px; }
  .headline { background: #eef5fb; border-left: 4px solid var(--accent); padding: 8px 12px;
              margin: 10px 0; font-size: 14px; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  th, td { padding: 4px 6px; border-bottom: 1px solid var(--rule); vertical-align: top; }
  th { text-align: right; font-weight: 600; color: var(--muted); }
  th:first-child, th:nth-child(2), td.name { text-align: left; }
  td.num { text-align: right; white-space: nowrap; }
  .interval, .diff-interval { color: var(--muted); font-size: 11px; display: block; }
  .diff { color: var(--accent); display: block; }
  .ref { color: var(--muted); font-size: 11px; }
  .plans td { text-align: left; }
  .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 10px 16px; }
  figure { margin: 0; }
  figure img { width: 100%; height: auto; display: block; }
  figcaption { color: var(--muted); font-size: 11px; margin-top: 2px; }
  .small { font-size: 11px; color: var(--muted); }
  ul.assumptions { columns: 2; margin: 0; padding-left: 18px; font-size: 11px; }
  @media print {
    body { margin: 0; max-width: none; font-size: 8.5px; line-height: 1.25; }
    h1 { font-size: 16px; } h2 { font-size: 10px; margin: 6px 0 3px; }
    .question { font-size: 11px; } .headline { font-size: 10px; padding: 4px 8px; }
    p { margin: 2px 0; } .context { font-size: 8px; }
    table { font-size: 8px; } th, td { padding: 1px 4px; }
    .interval, .diff-interval, .ref, .small, figcaption, ul.assumptions { font-size: 7.5px; }
    .charts { gap: 2px 8px; } figure img { max-height: 44mm; object-fit: contain; }
  }
</style>
</head>
<body>
<header>
  <h1>{{ r.title }}</h1>
  <p class="question">{{ r.question }}</p>
  <p class="context">{{ r.context }}</p>
</header>
<p class="headline">{{ r.headline }}</p>

<h2>The plans</h2>
<table class="plans">
  <tr><th>plan</th><th>what it does</th></tr>
  {% for p in r.plans %}
  <tr><td class="name"><strong>{{ p.name }}</strong>
      {% if p.file %}<span class="ref">{{ p.file }}</span>{% endif %}</td>
      <td>{% if p.description %}{{ p.description }}<br>{% endif %}
      <span class="small">{{ p.strategies | join(" · ") }}</span></td></tr>
  {% endfor %}
</table>

<h2>Headline numbers</h2>
{% if r.rows and r.rows[0].cells is defined %}
<table>
  <tr><th>#</th><th>plan</th>{% for c in r.columns %}<th>{{ c }}</th>{% endfor %}</tr>
  {% for row in r.rows %}
  <tr><td class="num">{{ row.rank }}</td>
      <td class="name"><strong>{{ row.name }}</strong>
      {% if row.reference %}<span class="ref">(reference)</span>{% endif %}</td>
      {% for c in row.cells %}
      <td class="num">{{ c.value }}<span class="interval">{{ c.interval }}</span>
      {% if c.diff %}<span class="diff">Δ {{ c.diff }}</span>
      <span class="diff-interval">{{ c.diff_interval }}</span>{% endif %}</td>
      {% endfor %}</tr>
  {% endfor %}
</table>
<p class="small">Grey: 90 % of runs. Δ: mean paired difference against the reference
(same seeds, run by run), with 90 % of paired runs below it; pp = percentage points.
Shares are of all employees; weeks to 50 % is the median.</p>
{% else %}
<table style="width:auto">
  <tr><th>metric</th>{% for c in r.columns %}<th>{{ c }}</th>{% endfor %}</tr>
  {% for row in r.rows %}
  <tr><td class="name">{{ row.label }}</td><td class="num">{{ row.value }}</td>
      <td class="num">{{ row.interval }}</td></tr>
  {% endfor %}
</table>
{% endif %}

<h2>Key charts</h2>
<div class="charts">
  {% for c in r.charts %}
  <figure><img alt="{{ c.caption }}" src="{{ c.data_uri }}">
  <figcaption>{{ c.caption }}</figcaption></figure>
  {% endfor %}
</div>

<h2>Assumptions</h2>
{% if assumption_lines %}
<p class="small">Parameters that differ from adoptsim's defaults (strategy settings are
listed with the plans):</p>
<ul class="assumptions">
  {% for line in assumption_lines %}<li>{{ line }}</li>{% endfor %}
</ul>
{% else %}
<p class="small">Every model parameter is at adoptsim's default.</p>
{% endif %}

<h2>Method</h2>
<p class="small">{{ r.method }}</p>
</body>
</html>
"""


def html(source: Result | Comparison | Report, question: str | None = None) -> str:
    """The report as one self-contained HTML page (images embedded)."""
    import jinja2

    report = source if isinstance(source, Report) else build(source, question)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE).render(
        r=report, assumption_lines=assumption_lines(report.assumptions)
    )


# ---- PDF -------------------------------------------------------------------------------------
_PAGE_W, _PAGE_H, _MARGIN = 210.0, 297.0, 11.0
_ACCENT = (0, 114, 178)
_MUTED = (90, 90, 90)


def _fonts(pdf) -> None:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(folder / "DejaVuSans-Oblique.ttf"))


def _escape_md(text: str) -> str:
    """Text that fpdf2's markdown leaves as it is."""
    for marker in ("**", "__", "--", "~~"):
        text = text.replace(marker, marker[0] + "\u200b" + marker[1])
    return text


def _image_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return im.size


def _heading(pdf, text: str) -> None:
    pdf.ln(1.2)
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 4.2, text.upper(), new_x="LMARGIN", new_y="NEXT", align="L")
    y = pdf.get_y()
    pdf.set_draw_color(216, 216, 216)
    pdf.line(_MARGIN, y, _PAGE_W - _MARGIN, y)
    pdf.ln(0.8)
    pdf.set_text_color(0, 0, 0)


def _assumption_text(report: Report, lines: list[str]) -> str:
    """Assumptions and strategy settings as one paragraph (for the PDF)."""
    parts = [" · ".join(lines) if lines else "Every model parameter is at adoptsim's default."]
    settings = [
        f"{p['name']}: {' · '.join(p['strategies'])}"
        for p in report.plans
        if p["strategies"] != ["no strategy"]
    ]
    if settings:
        parts.append("Strategy settings (those not at their defaults): " + " | ".join(settings))
    return "\n".join(parts)


def _footer_height(pdf, report: Report, lines: list[str]) -> float:
    width = _PAGE_W - 2 * _MARGIN
    pdf.set_font("DejaVu", "", 6.3)
    text = _assumption_text(report, lines)
    h = pdf.multi_cell(width, 2.8, text, dry_run=True, output="HEIGHT")
    h += pdf.multi_cell(width, 2.8, report.method, dry_run=True, output="HEIGHT")
    return h + 2 * 7.0


def pdf(
    source: Result | Comparison | Report, path: str | Path, question: str | None = None
) -> Path:
    """Write the report as a one-page A4 PDF."""
    from fpdf import FPDF

    report = source if isinstance(source, Report) else build(source, question)
    lines = assumption_lines(report.assumptions)
    doc = FPDF(orientation="portrait", unit="mm", format="A4")
    doc.set_auto_page_break(False)
    doc.set_margins(_MARGIN, _MARGIN, _MARGIN)
    _fonts(doc)
    doc.set_title(report.title)
    doc.set_creator("adoptsim")
    doc.add_page()
    width = _PAGE_W - 2 * _MARGIN

    doc.set_font("DejaVu", "B", 14)
    doc.multi_cell(width, 6.2, report.title, new_x="LMARGIN", new_y="NEXT", align="L")
    doc.set_font("DejaVu", "I", 9.5)
    doc.multi_cell(width, 4.4, report.question, new_x="LMARGIN", new_y="NEXT", align="L")
    doc.set_font("DejaVu", "", 7.5)
    doc.set_text_color(*_MUTED)
    doc.multi_cell(width, 3.6, report.context, new_x="LMARGIN", new_y="NEXT", align="L")
    doc.set_text_color(0, 0, 0)
    doc.ln(1.5)
    doc.set_fill_color(238, 245, 251)
    doc.set_font("DejaVu", "B", 8.5)
    doc.multi_cell(
        width,
        4.2,
        report.headline,
        fill=True,
        padding=(1.5, 2.5),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )

    _heading(doc, "The plans")
    doc.set_font("DejaVu", "", 6.8)
    for p in report.plans:
        name = p["name"].replace("*", "")
        text = f"**{name}**: {_escape_md(p['description'] or '–')}"
        doc.multi_cell(width, 3.1, text, markdown=True, new_x="LMARGIN", new_y="NEXT", align="L")

    _heading(doc, "Headline numbers")
    _pdf_table(doc, report, width)

    _heading(doc, "Key charts")
    footer = _footer_height(doc, report, lines)
    top = doc.get_y() + 0.5
    available = _PAGE_H - _MARGIN - footer - top
    _pdf_charts(doc, report.charts, top, available, width)

    doc.set_y(min(doc.get_y(), _PAGE_H - _MARGIN - footer))
    _heading(doc, "Assumptions")
    doc.set_font("DejaVu", "", 6.3)
    doc.multi_cell(
        width, 2.8, _assumption_text(report, lines), new_x="LMARGIN", new_y="NEXT", align="L"
    )
    _heading(doc, "Method")
    doc.set_font("DejaVu", "", 6.3)
    doc.multi_cell(width, 2.8, report.method, new_x="LMARGIN", new_y="NEXT", align="L")
    path = Path(path)
    doc.output(str(path))
    return path


def _pdf_table(doc, report: Report, width: float) -> None:
    from fpdf.fonts import FontFace

    head = FontFace(emphasis="BOLD", color=_MUTED, fill_color=(245, 245, 245))
    doc.set_font("DejaVu", "", 6.6)
    if report.rows and "cells" in report.rows[0]:
        widths = (4, 31, *([(width - 35) / len(report.columns)] * len(report.columns)))
        with doc.table(
            col_widths=widths,
            text_align=("RIGHT", "LEFT", *(["RIGHT"] * len(report.columns))),
            headings_style=head,
            line_height=2.9,
            padding=0.6,
            borders_layout="HORIZONTAL_LINES",
            width=width,
        ) as table:
            header = table.row()
            for text in ("#", "plan", *report.columns):
                header.cell(text)
            for row in report.rows:
                cells = table.row()
                cells.cell(str(row["rank"]))
                cells.cell(row["name"] + ("\n(reference)" if row["reference"] else ""))
                for c in row["cells"]:
                    text = c["value"] + (f" ({c['interval']})" if c["interval"] else "")
                    if c["diff"]:
                        text += f"\nΔ {c['diff']}"
                    cells.cell(text)
        doc.set_font("DejaVu", "", 5.8)
        doc.set_text_color(*_MUTED)
        doc.multi_cell(
            width,
            2.6,
            "In brackets: 90 % of runs. Δ: mean paired difference against the reference (same "
            "seeds, run by run; its spread is in the chart of paired differences); pp = "
            "percentage points; weeks to 50 %: median.",
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        doc.set_text_color(0, 0, 0)
        return
    with doc.table(
        col_widths=(45, 25, 35),
        text_align=("LEFT", "RIGHT", "RIGHT"),
        headings_style=head,
        line_height=3.1,
        padding=0.6,
        borders_layout="HORIZONTAL_LINES",
        width=105,
        align="LEFT",
    ) as table:
        header = table.row()
        for text in ("metric", *report.columns):
            header.cell(text)
        for row in report.rows:
            cells = table.row()
            cells.cell(row["label"])
            cells.cell(row["value"])
            cells.cell(row["interval"])


def _pdf_charts(doc, charts: list[Chart], top: float, available: float, width: float) -> None:
    """Charts in a two-column grid, scaled to fit the height left on the page."""
    gap = 3.0
    col_w = (width - gap) / 2
    rows = [charts[i : i + 2] for i in range(0, len(charts), 2)]
    sizes = [[_image_size(c.png) for c in row] for row in rows]
    natural = [max(col_w * h / w for w, h in row) for row in sizes]
    caption_h = 3.0
    need = sum(natural) + len(rows) * (caption_h + gap)
    scale = min(1.0, (available - len(rows) * (caption_h + gap)) / max(sum(natural), 1e-9))
    if scale <= 0.3:
        raise InputError(
            "the report does not fit on one page: too many plans or assumptions to list "
            f"(needs {need:.0f} mm for charts, {available:.0f} mm left)"
        )
    y = top
    for row, size in zip(rows, sizes, strict=True):
        row_h = 0.0
        for k, (chart, (w_px, h_px)) in enumerate(zip(row, size, strict=True)):
            w = col_w * scale
            h = w * h_px / w_px
            x = _MARGIN + k * (col_w + gap) + (col_w - w) / 2
            doc.image(io.BytesIO(chart.png), x=x, y=y, w=w)
            doc.set_xy(x, y + h + 0.3)
            doc.set_font("DejaVu", "", 6.2)
            doc.set_text_color(*_MUTED)
            doc.cell(w, caption_h - 0.5, chart.caption)
            doc.set_text_color(0, 0, 0)
            row_h = max(row_h, h)
        y += row_h + caption_h + gap
    doc.set_y(y)


# ---- entry point -----------------------------------------------------------------------------
def write(
    source: Result | Comparison | Report,
    path: str | Path,
    fmt: str | None = None,
    question: str | None = None,
) -> Path:
    """Write the report to ``path`` as ``fmt`` ('html' or 'pdf'; default from the suffix).

    ``source`` is a result, a comparison, or a :class:`Report` already built from one.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "html").lower()
    if fmt not in ("html", "pdf"):
        raise InputError(f"unknown report format {fmt!r}; allowed: html, pdf", source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        path.write_text(html(source, question), encoding="utf-8")
        return path
    return pdf(source, path, question)


__all__ = ["Report", "assumptions", "build", "html", "pdf", "write"]
