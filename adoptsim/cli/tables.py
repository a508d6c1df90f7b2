"""The tables the commands print: a run's summary, attribution and a comparison."""

from __future__ import annotations

import math

from rich import box
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


#: columns of the compact comparison tables: metric, header
_ADOPTION = (
    ("final_active_share", "active\n%"),
    ("sustained_share", "sustained\n%"),
    ("weeks_to_50", "weeks\nto 50 %"),
    ("lapses", "lapses"),
)
_COST = (("cost", "cost"), ("cost_per_sustained_adopter", "per sustained adopter"))


def plan_table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    """A table of one line per plan: rank, full name, right-aligned cells."""
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for k, header in enumerate(["#", "plan", *headers]):
        cells = [r[k] for r in rows]
        width = max(len(line) for line in [*header.splitlines(), *cells])
        table.add_column(header, justify="left" if k == 1 else "right", min_width=width)
    for r in rows:
        table.add_row(*r)
    return table


def _cell(row, weeks: int) -> tuple[str, str]:
    """A metric's central value and its 90 % interval (the value itself when every run
    gave it), without units (the header carries them)."""
    if row["unit"] == "weeks":
        median, low, high = (
            f">{weeks}" if math.isinf(row[k]) else f"{row[k]:.0f}"
            for k in ("median", "low", "high")
        )
        return median, low if low == high else f"{low}–{high}"
    value, interval = format_value(row)
    value = value.removesuffix(" %")
    return value, interval or value


def _diff_cell(row, runs: int) -> tuple[str, str]:
    diff, interval = format_difference(row, runs)
    diff = diff.removesuffix(" pp").removesuffix(" wk")
    return diff, interval.replace(" to ", "…") if " to " in interval else diff


def comparison_tables(comparison) -> list[Table]:
    """The compared plans, ranked, one line each: adoption, its 90 % intervals over runs,
    cost (when a plan has one), the paired differences against the reference and their
    intervals (with more than one plan)."""
    ref, runs, table = comparison.names[0], comparison.runs, comparison.table
    weeks = int(comparison.reference.manifest["scenario"]["weeks"])
    rows: dict[str, list[list[str]]] = {"v": [], "i": [], "c": [], "d": [], "di": []}
    costly = False
    for name in comparison.ranking:
        sub = table[table["scenario"] == name].set_index("metric")
        head = [str(int(sub["rank"].iloc[0])), escape(name)]
        cells = {m: _cell(sub.loc[m], weeks) for m, _ in _ADOPTION + _COST}
        rows["v"].append(head + [cells[m][0] for m, _ in _ADOPTION])
        rows["i"].append(head + [cells[m][1] for m, _ in _ADOPTION])
        per = cells["cost_per_sustained_adopter"]
        rows["c"].append([*head, cells["cost"][0], per[0], per[1]])
        costly = costly or sub.loc["cost", "high"] > 0
        if name != ref:
            d = {m: _diff_cell(sub.loc[m], runs) for m, _ in _ADOPTION}
            better = f"{100 * sub.loc[comparison.rank_by, 'better_share']:.0f} %"
            rows["d"].append(head + [d[m][0] for m, _ in _ADOPTION] + [better])
            rows["di"].append(head + [d[m][1] for m, _ in _ADOPTION])
    headers = [h for _, h in _ADOPTION]
    rank_by = METRICS[comparison.rank_by]
    out = [
        plan_table(
            f"{len(rows['v'])} plans ranked by {rank_by.label}, {runs} runs each on the same "
            f"seeds (seed {comparison.seed}); mean (median for weeks)",
            headers,
            rows["v"],
        ),
        plan_table("90 % of runs", headers, rows["i"]),
    ]
    if costly:
        cost_headers = ["cost", "per sustained\nadopter", "90 %\nof runs"]
        out.append(plan_table("Cost", cost_headers, rows["c"]))
    if rows["d"]:
        out += [
            plan_table(
                f"Paired differences against {escape(ref)}, run by run (shares in points; "
                f"better in: share of runs where the plan's {rank_by.label} is better)",
                [*headers, "better\nin"],
                rows["d"],
            ),
            plan_table("90 % of paired differences", headers, rows["di"]),
        ]
    return out
