"""The literature cases (adoptsim.validation), the bass and threshold modes, seed_adopters and
`adoptsim validate`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim import validation
from adoptsim.cli import app
from adoptsim.errors import ScenarioError
from adoptsim.model.engine import Simulation
from adoptsim.model.people import Stage
from adoptsim.runs.runner import build_org
from tests.conftest import SCENARIOS, small_scenario

# --------------------------------------------------------------------------------------
# every case at the tests' size
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick() -> dict[str, validation.CaseResult]:
    return {r.case: r for r in validation.run_cases(size="quick", seed=1)}


@pytest.mark.parametrize("case", list(validation.CASES))
def test_every_case_passes_at_the_tests_size(quick, case):
    result = quick[case]
    failed = [c for c in result.checks if not c.passed]
    assert result.passed, failed
    assert len(result.checks) >= 2


def test_bass_ensemble_mean_follows_the_recursion_and_the_closed_form(quick):
    df = quick["bass"].data["curves"]
    k = validation.TOLERANCE["bass_standard_errors"]
    for (p, q), d in df.groupby(["p", "q"]):
        noise = k * d["se"].max()
        # the recursion is the mode's expected path: the mean is off by sampling noise only
        assert np.abs(d["simulated"] - d["recursion"]).max() <= noise, (p, q)
        # with 20 weeks a period the recursion is within 0.01 of the continuous curve
        assert np.abs(d["recursion"] - d["closed_form"]).max() < 0.01
        assert np.abs(d["simulated"] - d["closed_form"]).max() < 0.01 + noise
        # most of the curve is covered and it never falls (no lapses)
        assert d["simulated"].iloc[-1] > 0.95
        assert np.all(np.diff(d["simulated"]) >= 0)


def test_bass_discretisation_error_matches_the_issue():
    """One week per Bass period is 0.10-0.16 off the closed form; ten weeks about 0.01-0.02."""
    for (p, q), (one, ten) in zip(
        validation.BASS_PAIRS, ((0.10, 0.011), (0.156, 0.017)), strict=True
    ):
        for m, expected in ((1, one), (10, ten)):
            t = np.arange(25 * m + 1) / m
            gap = np.abs(
                validation.bass_recursion(25 * m, p, q, 1 / m)
                - validation.bass_closed_form(t, p, q)
            ).max()
            assert gap == pytest.approx(expected, abs=0.005)


def test_granovetter_is_exact(quick):
    curves = quick["granovetter"].data["curves"]
    full, changed = (g["adopters"].to_numpy() for _, g in curves.groupby("thresholds", sort=False))
    # one rioter a week, each tipping the next
    assert list(full[:101]) == list(range(101))
    assert full[-1] == 100
    assert changed.max() == 1


def test_centola_ordering_holds_in_every_run(quick):
    curves = quick["centola"].data["curves"]
    last = curves[curves["week"] == curves["week"].max()]
    final = last.set_index(["k", "network", "replicate"])["active_share"]
    # complex contagion: every clustered run beats its paired random twin by far
    assert (final.loc[(2, "clustered")] - final.loc[(2, "random")]).min() > 0.8
    # simple contagion reaches everyone on both networks
    assert final.loc[1].min() > 0.99


def test_eckles_long_ties_win_only_with_noise(quick):
    result = quick["eckles"]
    curves = result.data["curves"]
    noise = result.settings["noise"]
    weeks = curves["week"].max()
    last = curves[curves["week"] == weeks].set_index(["noise", "network", "replicate"])
    final = last["active_share"].sort_index()
    half = (
        curves[curves["active_share"] >= 0.5]
        .groupby(["noise", "network", "replicate"])["week"]
        .min()
        .reindex(final.index)
    )
    # no noise: the rewired networks stall far below the lattice in every run
    for net in ("10 % rewired", "random twin"):
        assert (final.loc[(0.0, "clustered lattice")] - final.loc[(0.0, net)]).min() > 0.3
        # with noise they reach half the organization well before the lattice, every run
        ratio = half.loc[(noise, net)].to_numpy() / half.loc[(noise, "clustered lattice")]
        assert np.all(ratio.to_numpy() < 0.75)
    # on the lattice itself the noise changes little: the front moves a node a week
    lat = half.loc[(0.0, "clustered lattice")].to_numpy(), half.loc[(noise, "clustered lattice")]
    assert np.all(np.abs(lat[1].to_numpy() / lat[0] - 1) < 0.2)


def test_threshold_noise_adopts_below_threshold_at_its_rate():
    """Leaves of a star see one adopter (the seeded hub): with threshold 2 they adopt only
    through noise, at rate q a week; those who see nobody never do."""
    leaves = 2000
    hub_edges = [(0, i) for i in range(1, leaves + 1)]  # a seeded hub and its leaves
    lone = [(leaves + 1 + i, leaves + 2 + i) for i in range(0, 200, 2)]  # pairs, no adopter
    org = validation.organization_from_edges(leaves + 201, np.array(hub_edges + lone), "star")
    q = 0.1
    spec = small_scenario(
        weeks=2,
        behavior={
            "mode": "threshold",
            "threshold_kind": "count",
            "threshold": 2,
            "threshold_noise": q,
        },
        strategies=[{"type": "seed_adopters", "employees": ["e0"]}],
    )
    sim = Simulation(spec, org, 3, range(10))
    for week in (1, 2):  # the hub is seeded before the week's decisions
        sim.step()
        adopted = sim.stage == Stage.ACTIVE
        share = adopted[:, 1 : leaves + 1].mean()
        expected = 1 - (1 - q) ** week
        se = np.sqrt(expected * (1 - expected) / (10 * leaves))
        assert abs(share - expected) < 4 * se, (week, share)
        assert not adopted[:, leaves + 1 :].any()
    # without noise nobody below threshold adopts
    quiet = small_scenario(
        weeks=2,
        behavior={"mode": "threshold", "threshold_kind": "count", "threshold": 2},
        strategies=[{"type": "seed_adopters", "employees": ["e0"]}],
    )
    sim = Simulation(quiet, org, 3, range(10))
    sim.step()
    sim.step()
    assert (sim.stage == Stage.ACTIVE).sum() == 10  # the hub in each run
    with pytest.raises(ScenarioError, match="threshold_noise"):
        small_scenario(behavior={"mode": "threshold", "threshold_noise": 1.5})


def test_habit_quantiles_follow_lally(quick):
    summary = quick["habit"].data["summary"].iloc[0]
    days = quick["habit"].data["days_to_95"]["days"]
    assert 59 <= summary["median"] <= 73
    assert days.min() >= 7  # at least one week of use
    # the spread comes from the habit-rate distribution: without it everyone is alike
    assert summary["longest"] / summary["shortest"] > 5


def test_rogers_order_and_shares(quick):
    mean_week = quick["rogers"].data["mean_week"]["mean_week"].to_numpy()
    assert np.all(np.diff(mean_week) > 0)
    shares = quick["rogers"].data["shares"]
    assert shares["simulated"].sum() == pytest.approx(1.0)


def test_a_wrong_tolerance_fails_the_case(monkeypatch):
    monkeypatch.setitem(validation.TOLERANCE, "rogers_points", 1e-4)
    result = validation.CASES["rogers"]("quick", 1)
    assert not result.passed
    assert [c.passed for c in result.checks] == [True, False]


def test_charts_and_table_are_written(quick, tmp_path):
    written = validation.save(list(quick.values()), tmp_path, dpi=40)
    names = {p.name for p in written}
    assert names == {f"{c}.png" for c in validation.CASES} | {"validation.csv"}
    table = pd.read_csv(tmp_path / "validation.csv")
    assert table["passed"].all()
    assert set(table["case"]) == set(validation.CASES)
    md = validation.markdown_table(list(quick.values()))
    assert md.count("\n") == len(table) + 1


# --------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------


def test_validate_command_passes(tmp_path):
    out = tmp_path / "v"
    res = CliRunner().invoke(
        app, ["validate", "--quick", "--case", "granovetter", "--case", "habit", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "granovetter" in res.output and "pass" in res.output
    assert (out / "granovetter.png").exists() and (out / "habit.png").exists()


def test_validate_command_exits_non_zero_when_a_case_fails(tmp_path, monkeypatch):
    monkeypatch.setitem(validation.TOLERANCE, "habit_median_days", 0.0)
    res = CliRunner().invoke(
        app, ["validate", "--quick", "--case", "habit", "--out", str(tmp_path)]
    )
    assert res.exit_code == 1
    assert "FAIL" in res.output


def test_validate_command_rejects_an_unknown_case(tmp_path):
    res = CliRunner().invoke(app, ["validate", "--case", "bas", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "unknown case 'bas'" in res.output and "bass" in res.output
    assert "Traceback" not in res.output


# --------------------------------------------------------------------------------------
# the modes and the seed set
# --------------------------------------------------------------------------------------


def test_default_mode_is_utility_without_a_rule(small):
    assert small.behavior.mode == "utility"
    sim = Simulation(small, build_org(small, 1), 1, [0])
    assert sim.rule is None


def test_well_mixed_needs_a_special_mode():
    with pytest.raises(ScenarioError, match="well_mixed"):
        small_scenario(behavior={"mixing": "well_mixed"})


def test_bass_network_mode_adopts_on_decision_and_never_lapses():
    base = {"mode": "bass", "bass_p": 0.01, "bass_q": 0.5}
    spec = small_scenario(weeks=25, behavior=base)
    r = adoptsim.run(spec, runs=6, seed=2)
    assert (r.events["event"] == "lapse").sum() == 0
    active = r.curves.pivot(index="week", columns="replicate", values="active_share")
    assert np.all(np.diff(active.to_numpy(), axis=0) >= 0)
    ev = r.events.pivot_table(index=["replicate", "employee"], columns="event", values="week")
    assert (ev["trial"] == ev["adoption"]).all() and (ev["awareness"] == ev["adoption"]).all()
    # imitation along the ties: paired by replicate, q > 0 spreads further than q = 0
    alone = adoptsim.run(small_scenario(weeks=25, behavior={**base, "bass_q": 0.0}), 6, 2)
    final = r.summary["final_active_share"] - alone.summary["final_active_share"]
    assert final.min() > 0.1
    assert r.events["cause"].str.startswith("peer:").any()


def test_normal_thresholds_come_from_their_own_stream():
    spec = small_scenario(behavior={"mode": "threshold", "threshold": 0.3, "threshold_sd": 0.1})
    org = build_org(spec, 1)
    a = Simulation(spec, org, 1, [0, 1])
    b = Simulation(spec, org, 1, [1])
    assert np.array_equal(a.rule.thresholds[1], b.rule.thresholds[0])
    assert not np.array_equal(a.rule.thresholds[0], a.rule.thresholds[1])
    assert abs(a.rule.thresholds.mean() - 0.3) < 0.02
    # the other draws do not move: traits are those of the utility mode
    c = Simulation(small_scenario(), org, 1, [0, 1])
    assert np.array_equal(a.traits.innovativeness, c.traits.innovativeness)


def test_thresholds_list_must_match_the_organization():
    spec = small_scenario(behavior={"mode": "threshold", "thresholds": [0.1, 0.2]})
    with pytest.raises(ScenarioError, match=r"behavior\.thresholds.*2 thresholds given for 300"):
        Simulation(spec, build_org(spec, 1), 1, [0])
    with pytest.raises(ScenarioError, match="thresholds must be numbers >= 0"):
        small_scenario(behavior={"mode": "threshold", "thresholds": [0.1, -1]})


def test_seed_adopters_by_id_with_neighbours():
    ring = validation.organization_from_graph(validation.ring_lattice(40, 4), "ring")
    spec = small_scenario(
        weeks=3,
        behavior={"mode": "threshold", "threshold_kind": "count", "threshold": 2},
        strategies=[{"type": "seed_adopters", "employees": ["e10"], "neighbors": True}],
    )
    sim = Simulation(spec, ring, 1, [0])
    sim.step()
    adopted = np.flatnonzero(sim.stage[0] == Stage.ACTIVE)
    # the seeds e8..e12, and e7 and e13 who see two adopted neighbours each in week 1
    assert list(adopted) == list(range(7, 14))
    bad = small_scenario(strategies=[{"type": "seed_adopters", "employees": ["nobody"]}])
    with pytest.raises(ScenarioError, match="nobody"):
        Simulation(bad, build_org(bad, 1), 1, [0])


def test_shipped_validation_scenarios_run():
    folder = SCENARIOS / "validation"
    riot = adoptsim.run(folder / "granovetter_riot.yaml")
    changed = adoptsim.run(folder / "granovetter_riot_changed.yaml")
    assert riot.curves["active_share"].iloc[-1] == 1.0
    assert changed.curves["active_share"].iloc[-1] == pytest.approx(0.01)
    data = yaml.safe_load((folder / "bass.yaml").read_text())
    assert data["behavior"]["mode"] == "bass"
    assert adoptsim.load_scenario(folder / "bass.yaml").behavior.bass_period_weeks == 20
