"""The tables the commands print: a run's summary, attribution and a comparison."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from adoptsim.cli.common import pct, weeks_cells
from adoptsim.runs.compare import METRICS, format_difference, format_value


def summary_table(result) -> Table:
    """The run's headline figures with their 90 % intervals."""
    agg = result.aggregate
    table = Table(
        title=f"{escape(result.name)}: {result.manifest['runs']} runs, "
        f"seed {result.manifest['seed']}, "
        f"{result.manifest.get('employees', '?')} employees, "
        f"{result.manifest['scenario']['weeks']} weeks",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("mean / median", justify="right")
    table.add_column("90 % interval", justify="right")

    def share(label: str, key: str) -> None:
        r = agg.loc[key]
        table.add_row(label, pct(r["mean"]), f"{pct(r['low'])} – {pct(r['high'])}")

    share("final active share", "final_active_share")
    share("sustained (voluntary) share", "sustained_share")
    share("habitual share", "final_habitual_share")
    share("aware share", "final_aware_share")
    for m in (25, 50, 75):
        table.add_row(f"weeks to {m} % active", *weeks_cells(agg.loc[f"weeks_to_{m}"]))
    r = agg.loc["lapses"]
    table.add_row("lapses (events)", f"{r['mean']:.1f}", f"{r['low']:.0f} – {r['high']:.0f}")
    r = agg.loc["cost"]
    if r["high"] > 0:
        table.add_row("cost", f"{r['mean']:,.0f}", f"{r['low']:,.0f} – {r['high']:,.0f}")
        c = agg.loc["cost_per_sustained_adopter"]
        table.add_row(
            "cost per sustained adopter", f"{c['mean']:,.0f}", f"{c['low']:,.0f} – {c['high']:,.0f}"
        )
    return table


def attribution_table(result) -> Table | None:
    """Adoptions per strategy, direct and through colleagues (None when nobody adopted)."""
    table_data = result.attribution()
    if table_data["total"].sum() <= 0:
        return None
    table = Table(
        title="Adoptions by cause (mean per run): direct, and through the colleagues each "
        "cause influenced (chains of peer causes)",
        title_justify="left",
    )
    for col, justify in (
        ("cause", "left"),
        ("direct", "right"),
        ("through colleagues", "right"),
        ("total", "right"),
        ("share of adoptions", "right"),
        ("adopters it made aware", "right"),
    ):
        table.add_column(col, justify=justify, no_wrap=(col == "cause"))
    for cause, row in table_data.iterrows():
        label = "own motivation" if cause == "own" else escape(str(cause))
        table.add_row(
            label,
            f"{row['direct']:.1f}",
            f"{row['indirect']:.1f}",
            f"{row['total']:.1f}",
            pct(row["share"]),
            f"{row['made_aware']:.1f}",
        )
    return table


def comparison_tables(comparison) -> tuple[Table, Table | None]:
    """The compared plans, ranked, each metric with its 90 % interval; and the paired
    differences against the reference (None with a single plan)."""

    ref = comparison.names[0]
    runs = comparison.runs
    rows = comparison.table
    values = Table(
        title=f"{len(comparison.results)} plans, {runs} runs each on the same seeds "
        f"(seed {comparison.seed}), ranked by {METRICS[comparison.rank_by].label}; "
        "second line: 90 % interval over runs",
        title_justify="left",
    )
    diffs = Table(
        title=f"Paired differences against {escape(ref)} (replicate by replicate); "
        "second line: 90 % of paired runs; last column: share of runs in which the plan is better",
        title_justify="left",
    )
    for t in (values, diffs):
        t.add_column("#", justify="right")
        t.add_column("plan")
        for metric in METRICS:
            t.add_column(METRICS[metric].short, justify="right")
    diffs.add_column(f"better in ({METRICS[comparison.rank_by].short})", justify="right")
    for name in comparison.ranking:
        sub = rows[rows["scenario"] == name].set_index("metric")
        rank = str(int(sub["rank"].iloc[0]))
        cells = []
        for metric in METRICS:
            value, interval = format_value(sub.loc[metric])
            cells.append(f"{value}\n[dim]{interval}[/]" if interval else value)
        label = f"{escape(name)}\n[dim](reference)[/]" if name == ref else escape(name)
        values.add_row(rank, label, *cells)
        if name == ref:
            continue
        cells = []
        for metric in METRICS:
            diff, interval = format_difference(sub.loc[metric], runs)
            cells.append(f"{diff}\n[dim]{interval}[/]" if interval else diff)
        better = sub.loc[comparison.rank_by, "better_share"]
        diffs.add_row(rank, escape(name), *cells, f"{100 * better:.0f} %")
    return values, (diffs if len(comparison.results) > 1 else None)
