"""The plateau and the start: market potential, adopters at launch, per replicate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import adoptsim
from adoptsim.errors import ScenarioError
from adoptsim.model.engine import Simulation
from adoptsim.runs.runner import build_org
from adoptsim.scenario import with_overrides
from tests.conftest import small_scenario

#: a tool everyone who hears of it takes up quickly
EAGER = {"behavior": {"intercept": 10.0, "external_awareness": 0.3}}


def test_a_market_potential_caps_who_ever_tries_the_tool():
    spec = small_scenario(weeks=25, **EAGER)
    full = adoptsim.run(spec, runs=6, seed=2)
    part = adoptsim.run(with_overrides(spec, {"tool.market_potential": 0.4}), runs=6, seed=2)
    last = part.curves[part.curves["week"] == 25]["ever_tried_share"]
    assert full.curves[full.curves["week"] == 25]["ever_tried_share"].min() > 0.9
    assert last.max() <= 0.4 + 3 * np.sqrt(0.4 * 0.6 / 300)
    assert last.mean() > 0.3  # the market itself is reached


def test_the_default_market_draws_nothing_and_changes_nothing():
    spec = small_scenario(weeks=12)
    a = adoptsim.run(spec, runs=3, seed=5)
    b = adoptsim.run(with_overrides(spec, {"tool.market_potential": 1.0}), runs=3, seed=5)
    pd.testing.assert_frame_equal(a.curves, b.curves)


def test_larger_markets_hold_everyone_a_smaller_one_does():
    spec = small_scenario(weeks=2)
    org = build_org(spec, 1)
    sims = [
        Simulation(spec, org, 1, [0, 1], values={"tool.market_potential": np.array([m, m])})
        for m in (0.3, 0.6)
    ]
    small_market, large_market = (s.in_market for s in sims)
    assert np.all(large_market[small_market])
    assert abs(small_market.mean() - 0.3) < 0.06 and abs(large_market.mean() - 0.6) < 0.06
    assert not np.array_equal(small_market[0], small_market[1])  # each replicate its own


def test_a_department_can_have_a_market_of_its_own():
    spec = small_scenario(weeks=25, **EAGER, tool={"market_by_department": {"HR": 0.1}})
    res = adoptsim.run(spec, runs=4, seed=1)
    d = res.curves_by_department
    last = d[d["week"] == 25].groupby("department")["active_share"].mean()
    assert last["HR"] < 0.25 and last["Sales"] > 0.7


def test_a_market_share_outside_0_1_is_refused():
    with pytest.raises(ScenarioError, match="market_by_department"):
        small_scenario(tool={"market_by_department": {"HR": 1.5}})
    with pytest.raises(ScenarioError, match="market_potential"):
        small_scenario(tool={"market_potential": 0})


def test_adopters_at_launch_are_the_most_innovative_of_the_market():
    spec = small_scenario(weeks=3, tool={"initial_adopters": 0.1, "market_potential": 0.5})
    org = build_org(spec, 1)
    sim = Simulation(spec, org, 1, [0, 1])
    active = sim.used
    assert list(active.sum(axis=1)) == [30, 30]
    for r in range(2):
        z = sim.traits.innovativeness[r]
        pool = sim.in_market[r]
        assert pool[active[r]].all()
        assert z[active[r]].min() >= z[pool & ~active[r]].max()
    res = adoptsim.run(spec, runs=2, seed=1)
    week0 = res.curves[res.curves["week"] == 0]
    assert np.allclose(week0["ever_tried_share"], 0.1)
    assert (res.events[res.events["week"] == 0]["cause"] == "before launch").all()


def test_the_market_travels_with_the_state_of_selected_replicates():
    """A particle filter reorders replicates: each keeps its own market as it continues."""
    spec = small_scenario(weeks=16, **EAGER, tool={"initial_adopters": 0.02})
    org = build_org(spec, 1)
    values = {"tool.market_potential": np.array([0.3, 0.6, 0.9])}
    whole = Simulation(spec, org, 1, [0, 1, 2], values=values)
    whole.run()
    sim = Simulation(spec, org, 1, [0, 1, 2], values=values)
    sim.run(until=6)
    later = Simulation.resume(spec, org, sim.state().take([2, 0]))
    later.run()
    for new, old in enumerate([2, 0]):
        np.testing.assert_array_equal(later.curves[:, new], whole.curves[:, old])
        np.testing.assert_array_equal(later.in_market[new], whole.in_market[old])
