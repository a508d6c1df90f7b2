"""Attribution of adoptions to strategies, directly and through the colleagues they
influenced (chains of ``peer:<id>`` causes in the activity stream)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app
from adoptsim.runs.attribution import UNRESOLVED, attribution, roots
from tests.conftest import small_scenario


def events(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["replicate", "week", "employee", "event", "cause"])


CHAIN = events(
    [
        (0, 1, "E1", "awareness", "S"),
        (0, 1, "E1", "trial", "S"),
        (0, 3, "E1", "adoption", "S"),  # direct S
        (0, 2, "E2", "trial", "peer:E1"),  # E1 was trying: E1's trial -> S
        (0, 5, "E2", "adoption", "peer:E1"),  # E1 adopted before: -> S, indirect
        (0, 4, "E3", "trial", "peer:E2"),  # E2 adopts only in week 5: E2's trial -> S
        (0, 7, "E3", "adoption", "own"),  # direct own
        (0, 6, "E4", "trial", "peer:E3"),
        (0, 9, "E4", "adoption", "peer:E3"),  # E3's adoption (own): indirect own
        (0, 4, "E5", "trial", "own"),
        (0, 6, "E5", "adoption", "peer:E9"),  # E9 never used the tool: unresolved
        (1, 2, "E1", "trial", "T"),
        (1, 4, "E1", "adoption", "T"),  # direct T in replicate 1
        (1, 8, "E1", "lapse", "own"),
    ]
)


def test_chains_are_traced_to_their_root():
    nodes = roots(CHAIN).set_index(["replicate", "employee", "event"])
    assert nodes.loc[(0, "E2", "adoption"), "root"] == "S"
    assert nodes.loc[(0, "E3", "trial"), "root"] == "S"
    assert nodes.loc[(0, "E4", "adoption"), "root"] == "own"
    assert nodes.loc[(0, "E5", "adoption"), "root"] == UNRESOLVED
    assert not nodes.loc[(0, "E2", "adoption"), "direct"]
    assert nodes.loc[(0, "E3", "adoption"), "direct"]


def test_attribution_counts_direct_and_indirect_per_run():
    table = attribution(CHAIN, replicates=2, order=["S", "T", "U"])
    assert list(table.index[:3]) == ["S", "T", "U"]  # the scenario's order, U caused nothing
    assert table.loc["S", "direct"] == 0.5 and table.loc["S", "indirect"] == 0.5
    assert table.loc["T", "direct"] == 0.5 and table.loc["T", "indirect"] == 0
    assert table.loc["U", "total"] == 0
    assert table.loc["own", "direct"] == 0.5 and table.loc["own", "indirect"] == 0.5
    assert table.loc[UNRESOLVED, "indirect"] == 0.5
    assert table["total"].sum() == pytest.approx(6 / 2)  # six adoptions in two runs
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.loc["S", "made_aware"] == 0.5  # E1 heard of the tool through S
    assert table.loc["T", "made_aware"] == 0


@pytest.fixture(scope="module")
def result():
    spec = small_scenario(
        weeks=30,
        strategies=[
            {"type": "evangelists", "end": 20, "target": {"select": "degree", "count": 12}},
            {"type": "internal_marketing", "start": 2, "end": 10, "every": 2},
            {
                "type": "adapt",
                "at": [12],
                "below": 1.0,
                "then": {"type": "executive_reminders", "name": "reminders"},
            },
        ],
    )
    return adoptsim.run(spec, runs=6, seed=9)


def test_attribution_of_a_run_adds_up(result):
    table = result.attribution()
    assert list(table.index[:3]) == ["evangelists", "internal_marketing", "reminders"]
    assert "adapt" not in table.index  # the rule itself adopts nobody; what it starts does
    adoptions = (result.events.event == "adoption").sum() / 6
    assert table["total"].sum() == pytest.approx(adoptions)
    assert table.loc["evangelists", "direct"] == 12  # the evangelists themselves
    assert table.loc["evangelists", "indirect"] > 12  # and many through their colleagues
    assert table.loc["reminders", "total"] > 0
    assert table.loc["internal_marketing", "made_aware"] > 0  # campaigns bring awareness
    # every peer chain of this run ends at a known root
    assert table.get("total", pd.Series()).get(UNRESOLVED, 0) == 0


def test_indirect_credit_follows_the_influence(result):
    nodes = roots(result.events)
    adopted = nodes[(nodes.event == "adoption") & ~nodes.direct]
    # an indirect adoption's root is the root of the colleague named as its cause
    lookup = nodes.set_index(["replicate", "employee", "event"])
    sample = adopted.head(50)
    for _, row in sample.iterrows():
        peer = row.cause.split(":", 1)[1]
        peer_rows = lookup.loc[(row.replicate, peer)]
        before = peer_rows[peer_rows.week <= row.week]
        assert row.root in set(before.root)


def test_run_command_prints_the_attribution(tmp_path, wide_console):
    scen = tmp_path / "s.yaml"
    scen.write_text(
        "name: s\nweeks: 16\norganization: {generate: {employees: 150}}\n"
        "strategies: [{type: evangelists, target: {select: degree, count: 8}}]\n"
    )
    res = CliRunner().invoke(
        app,
        ["run", str(scen), "--runs", "2", "--no-chart", "--out", str(tmp_path / "o")],
    )
    assert res.exit_code == 0, res.output
    assert "Adoptions by cause" in res.output
    line = next(ln for ln in res.output.splitlines() if "evangelists" in ln)
    assert "8.0" in line  # eight direct adoptions per run
    assert np.isfinite(float(line.split("│")[2]))


def test_retiring_the_legacy_tool_is_credited_with_the_adoptions_it_explains():
    """remove_alternatives acts on the legacy tool's value, not on the new tool's: the
    log-odds its value drop adds are attributed to it (before, it was never named)."""
    spec = small_scenario(
        weeks=30, strategies=[{"type": "remove_alternatives", "start": 6, "value_drop": 0.8}]
    )
    result = adoptsim.run(spec, runs=6, seed=11)
    ev = result.events
    after = ev[(ev.week >= 6) & ev.event.isin(["trial", "adoption"])]
    credited = after[after.cause == "remove_alternatives"]
    # a drop of 0.8 legacy units is k * w_performance * 0.8 log-odds (1.7 at defaults):
    # named directly for a large part of the trials and adoptions after the retirement
    # (colleagues already using the tool are named for most of the rest)
    assert len(credited) > 0.25 * len(after)
    assert not (ev[ev.week < 6].cause == "remove_alternatives").any()
    table = result.attribution()
    assert table.loc["remove_alternatives", "direct"] > table.loc["own", "direct"]
    # with the chains through colleagues, most adoptions go back to the retirement
    assert table.loc["remove_alternatives", "total"] > 0.5 * table["total"].sum()
