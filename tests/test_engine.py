"""Stages, determinism, common random numbers and batch invariance of the simulation."""

import numpy as np
import pandas as pd
import pytest

import adoptsim
from adoptsim.model.engine import CURVE_COLUMNS
from tests.conftest import small_scenario


def test_same_seed_gives_identical_results(small):
    a = adoptsim.run(small, runs=4, seed=11)
    b = adoptsim.run(small, runs=4, seed=11)
    pd.testing.assert_frame_equal(a.curves, b.curves)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_different_seeds_differ(small):
    a = adoptsim.run(small, runs=2, seed=11)
    b = adoptsim.run(small, runs=2, seed=12)
    assert not np.allclose(a.curves["aware_share"], b.curves["aware_share"])


def test_replicates_differ_within_an_ensemble(small):
    r = adoptsim.run(small, runs=3, seed=5)
    last = r.curves[r.curves.week == small.weeks]
    assert last["aware_share"].nunique() > 1


def test_batch_size_does_not_change_results(small):
    a = adoptsim.run(small, runs=5, seed=2, batch_size=5)
    b = adoptsim.run(small, runs=5, seed=2, batch_size=2)
    c = adoptsim.run(small, runs=5, seed=2, batch_size=1)
    pd.testing.assert_frame_equal(a.curves, b.curves)
    pd.testing.assert_frame_equal(a.curves, c.curves)
    pd.testing.assert_frame_equal(a.events, c.events)


def test_replicate_k_is_the_same_in_any_ensemble(small):
    """Common random numbers: replicate k does not depend on how many runs there are."""
    a = adoptsim.run(small, runs=2, seed=9)
    b = adoptsim.run(small, runs=4, seed=9)
    pd.testing.assert_frame_equal(
        a.curves[a.curves.replicate == 1].reset_index(drop=True),
        b.curves[b.curves.replicate == 1].reset_index(drop=True),
    )


def test_adding_a_strategy_keeps_the_organization_and_traits(small):
    from adoptsim.model.engine import Simulation
    from adoptsim.runs.runner import build_org

    with_strategy = small_scenario(strategies=[{"type": "heavy_control", "start": 5}])
    org_a = build_org(small, 4)
    org_b = build_org(with_strategy, 4)
    assert np.array_equal(org_a.edge_src, org_b.edge_src)
    sa = Simulation(small, org_a, 4, [0, 1])
    sb = Simulation(with_strategy, org_b, 4, [0, 1])
    assert np.array_equal(sa.traits.innovativeness, sb.traits.innovativeness)
    assert np.array_equal(sa.traits.legacy_habit, sb.traits.legacy_habit)
    # before the strategy starts, the two runs are identical week by week
    for _ in range(4):
        sa.step()
        sb.step()
    assert np.array_equal(sa.stage, sb.stage)


def test_shares_are_consistent(small):
    r = adoptsim.run(small, runs=3, seed=1)
    c = r.curves
    total = c[["unaware_share", "aware_share"]].sum(axis=1)
    assert np.allclose(total, 1.0)
    stages = c[["trying_share", "active_share", "lapsed_share"]].sum(axis=1)
    assert (stages <= c["aware_share"] + 1e-12).all()
    assert (c["voluntary_share"] <= c["active_share"] + 1e-12).all()
    for col in CURVE_COLUMNS[:-1]:
        assert c[col].between(0, 1 + 1e-9).all() or col.startswith("mean_usefulness"), col
    week0 = c[c.week == 0]
    assert (week0["aware_share"] == 0).all()


def test_stage_transitions_follow_the_funnel():
    spec = small_scenario(weeks=40, behavior={"adopt_after": 3, "lapse_after": 4})
    r = adoptsim.run(spec, runs=3, seed=2)
    ev = r.events[r.events.event != "strategy"]
    first = ev.groupby(["replicate", "employee", "event"])["week"].min().unstack()
    assert first["trial"].notna().sum() > 0
    tried = first[first["trial"].notna()]
    # awareness comes no later than the first trial, which comes before adoption
    assert (tried["awareness"] <= tried["trial"]).all()
    adopted = first[first["adoption"].notna()]
    assert len(adopted) > 0
    assert (adopted["adoption"] - adopted["trial"] >= 2).all()  # 3 weeks of use in a row
    if "lapse" in first:
        lapsed = first[first["lapse"].notna()]
        assert (lapsed["lapse"] > lapsed["trial"]).all()
    if "readoption" in first:
        re = first[first["readoption"].notna()]
        assert (re["readoption"] > re["lapse"]).all()
    # each employee has at most one awareness and one trial event
    counts = (
        ev[ev.event.isin(["awareness", "trial"])].groupby(["replicate", "employee", "event"]).size()
    )
    assert counts.max() == 1


def test_events_name_their_causes(small):
    r = adoptsim.run(small, runs=2, seed=4)
    causes = set(r.events["cause"])
    assert "external" in causes
    assert any(c.startswith("peer:") for c in causes)
    peer_ids = {c.split(":", 1)[1] for c in causes if c.startswith("peer:")}
    assert peer_ids <= set(r.events["employee"]) | set(map(str, range(10**6)))


def test_weeks_to_milestones_not_reached_is_nan():
    spec = small_scenario(weeks=5)
    r = adoptsim.run(spec, runs=2, seed=0)
    assert r.summary["weeks_to_75"].isna().all()
    assert np.isinf(r.aggregate.loc["weeks_to_75", "median"])


def test_top_peer_is_the_strongest_using_neighbour(small):
    from adoptsim.model.engine import Simulation
    from adoptsim.runs.runner import build_org

    org = build_org(small, 1)
    sim = Simulation(small, org, 1, [0, 1])
    rng = np.random.default_rng(0)
    weighted = rng.random((2, org.n)) * (rng.random((2, org.n)) < 0.3)
    rep = np.repeat([0, 1], 50)
    emp = np.tile(np.arange(50), 2)
    got = sim._top_peer(rep, emp, weighted)
    dense = org.adjacency.toarray()
    for k in range(rep.size):
        scores = dense[emp[k]] * weighted[rep[k]]
        want = int(np.argmax(scores)) if scores.max() > 0 else -1
        assert got[k] == want


def test_peer_sums_of_few_users_equal_the_full_sparse_product(small):
    """The sparse path (rows of the users only) gives the sparse product's numbers exactly."""
    from adoptsim.model import engine
    from adoptsim.runs.runner import build_org

    org = build_org(small, 3)
    sim = engine.Simulation(small, org, 3, [0, 1, 2])
    assert sim._symmetric
    gen = np.random.default_rng(5)
    for share in (0.01, 0.05, 0.09):
        used = gen.random((3, org.n)) < share
        weights = used * gen.uniform(0.5, 3.0, (3, org.n))  # e.g. influence x depth
        sparse = sim.peer_sums(weights, used.astype(float))
        assert np.count_nonzero(used) <= engine.SPARSE_SUM_SHARE * used.size  # sparse path
        for got, x in zip(sparse, (weights, used.astype(float)), strict=True):
            full = engine._spmm(sim.W, x)
            assert np.array_equal(got, full)  # bit for bit, not approximately
            assert got.any()


def test_per_replicate_metrics_from_unordered_rows_and_either_event_dtype():
    """Hand-made curves and events: rows in any order, a replicate without the last week
    left out, events of unknown replicates ignored, categorical or string events alike."""
    from adoptsim.runs import metrics

    rows = []
    for rep, active in ((0, [0.0, 0.3, 0.6, 0.5]), (1, [0.0, 0.1, 0.2, 0.26]), (2, [0.0, 0.9])):
        for week, a in enumerate(active):
            rows.append(
                {"replicate": rep, "week": week, "active_share": a, "habitual_share": a / 2,
                 "voluntary_share": a, "aware_share": 1.0}
            )  # fmt: skip
    curves = pd.DataFrame(rows).sample(frac=1, random_state=3)  # shuffled rows
    kinds = ["adoption", "adoption", "lapse", "readoption", "trial", "adoption", "lapse"]
    events = pd.DataFrame({"replicate": [0, 0, 0, 0, 1, 1, 7], "event": kinds})
    costs = pd.Series([100.0, 50.0], index=[0, 1])
    for ev in (events, events.astype({"event": "category"})):
        s = metrics.per_replicate(curves, ev, costs, employees=10, window=2)
        assert list(s.index) == [0, 1]  # replicate 2 never reached week 3
        assert s.loc[0, "final_active_share"] == 0.5 and s.loc[1, "final_aware_share"] == 1.0
        assert s.loc[0, "sustained_share"] == pytest.approx(0.55)
        assert s.loc[0, "peak_active_share"] == 0.6
        assert s.loc[0, "weeks_to_25"] == 1 and s.loc[0, "weeks_to_50"] == 2
        assert s.loc[1, "weeks_to_25"] == 3 and np.isnan(s.loc[1, "weeks_to_50"])
        assert s["adoptions"].tolist() == [2, 1] and s["lapses"].tolist() == [1, 0]
        assert s["readoptions"].tolist() == [1, 0]
        assert s.loc[0, "cost_per_sustained_adopter"] == pytest.approx(100.0 / 5.5)


@pytest.mark.parametrize("ahead_bytes", [8 * 2**20, 3 * (8 * 3 * 300), 1])  # 8, 3, 1 weeks
def test_weekly_draws_drawn_ahead_are_the_weekly_draws(small, monkeypatch, ahead_bytes):
    """Draws of several weeks at once (as many as fit, down to one week) are the numbers
    of drawing each week from each replicate's stream."""
    from adoptsim import rng
    from adoptsim.model import engine, population
    from adoptsim.runs.runner import build_org

    monkeypatch.setattr(population, "DRAW_AHEAD_BYTES", ahead_bytes)
    spec = small.model_copy(update={"weeks": 11})
    org = build_org(spec, 4)
    assert org.n == 300  # the sizes of the parameters above
    sim = engine.Simulation(spec, org, 4, [2, 0, 5])
    streams = [rng.stream(4, r, "check") for r in (2, 0, 5)]
    for week in range(1, 12):
        sim.week = week
        got = sim._weekly_uniform("check")
        want = np.stack([g.random(org.n) for g in streams])
        np.testing.assert_array_equal(got, want)


def test_last_weeks_use_is_not_overwritten_by_this_weeks_choices(small):
    """The week's choices go to a work array other than the one holding last week's use
    (which stays as it was through the next week)."""
    from adoptsim.model.engine import Simulation
    from adoptsim.runs.runner import build_org

    sim = Simulation(small, build_org(small, 1), 1, [0, 1])
    changed = 0
    for _ in range(12):
        sim.step()
        last, kept = sim.used, sim.used.copy()
        sim.step()
        np.testing.assert_array_equal(last, kept)
        changed += int((sim.used != kept).any())
    assert changed > 0  # use did change from week to week
