"""The report as one self-contained HTML page (images embedded as base64 PNG)."""

from __future__ import annotations

from adoptsim.report.content import Report, assumption_lines, build
from adoptsim.runs.compare import Comparison
from adoptsim.runs.result import Result

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
