"""The four core strategies move adoption in their documented direction (ensembles, CRN)."""

import numpy as np
import pytest

import adoptsim
from adoptsim.model.engine import Simulation
from adoptsim.runs.runner import build_org
from adoptsim.strategies import REGISTRY
from tests.conftest import small_scenario

RUNS = 12
SEED = 5


def curve(result, column="active_share"):
    return result.curves.pivot(index="week", columns="replicate", values=column)


@pytest.fixture(scope="module")
def baseline():
    return adoptsim.run(small_scenario(), runs=RUNS, seed=SEED)


def test_registry_has_the_core_strategies():
    assert {"evangelists", "senior_sponsor", "remove_alternatives", "heavy_control"} <= set(
        REGISTRY
    )
    for cls in REGISTRY.values():
        assert cls.summary and cls.__doc__ and "Parameters" in cls.__doc__


def test_evangelists_speed_adoption(baseline):
    spec = small_scenario(
        strategies=[{"type": "evangelists", "target": {"select": "degree", "share": 0.05}}]
    )
    r = adoptsim.run(spec, runs=RUNS, seed=SEED)
    diff = curve(r).loc[20] - curve(baseline).loc[20]  # paired by replicate
    assert diff.mean() > 0.05
    assert (diff > 0).mean() >= 0.75
    # the evangelists are active from their start week, with the strategy as cause
    ev = r.events[(r.events.event == "adoption") & (r.events.week == 1)]
    assert (ev.cause == "evangelists").sum() == RUNS * 15  # 5 % of 300 per replicate


def test_evangelists_influence_peers():
    spec = small_scenario(
        strategies=[{"type": "evangelists", "target": {"select": "degree", "count": 10}}]
    )
    org = build_org(spec, SEED)
    sim = Simulation(spec, org, SEED, [0])
    sim.step()
    chosen = sim.strategies[0].targets[0]
    assert chosen.sum() == 10
    assert np.all(sim.influence[0][chosen] == 3.0)
    assert np.all(sim.stage[0][chosen] == adoptsim.Stage.ACTIVE)


def test_senior_sponsor_lifts_their_subtree_more(baseline):
    spec0 = small_scenario()
    org = build_org(spec0, SEED)
    heads = [i for i in range(org.n) if org.level[i] == 1]
    head = heads[0]
    dept = org.departments[org.department[head]]
    spec = small_scenario(
        strategies=[
            {
                "type": "senior_sponsor",
                "sponsor": str(org.ids[head]),
                "start": 1,
                "renew_every": 6,
                "endorsement": 1.5,
            }
        ]
    )
    r = adoptsim.run(spec, runs=RUNS, seed=SEED)

    def dept_share(res, inside):
        d = res.curves_by_department
        d = d[(d.week == 20) & ((d.department == dept) == inside)]
        return d.groupby("replicate")["active_share"].mean()

    lift_inside = (dept_share(r, True) - dept_share(baseline, True)).mean()
    lift_outside = (dept_share(r, False) - dept_share(baseline, False)).mean()
    assert lift_inside > 0.05
    assert lift_inside > lift_outside + 0.03


def test_senior_sponsor_visibility_fades_without_renewal():
    spec = small_scenario(strategies=[{"type": "senior_sponsor", "start": 1, "half_life": 4}])
    sim = Simulation(spec, build_org(spec, SEED), SEED, [0])
    sim.step()
    first = sim.levers.utility["senior_sponsor"].max()
    for _ in range(8):
        sim.step()
    later = sim.levers.utility["senior_sponsor"].max()
    assert later == pytest.approx(first * 0.25)  # two half-lives


def test_remove_alternatives_raises_use_after_retirement(baseline):
    spec = small_scenario(strategies=[{"type": "remove_alternatives", "start": 10}])
    r = adoptsim.run(spec, runs=RUNS, seed=SEED)
    before = curve(r).loc[9] - curve(baseline).loc[9]
    after = curve(r).loc[25] - curve(baseline).loc[25]
    assert np.allclose(before, 0)  # nothing changes before the retirement week
    assert after.mean() > 0.15


def test_remove_alternatives_resistance_grows_with_autonomy():
    spec = small_scenario(strategies=[{"type": "remove_alternatives", "start": 2}])
    sim = Simulation(spec, build_org(spec, SEED), SEED, list(range(6)))
    for _ in range(8):
        sim.step()
    autonomy = sim.traits.autonomy.ravel()
    resentment = sim.resentment.ravel()
    assert np.corrcoef(autonomy, resentment)[0, 1] > 0.9
    high = autonomy > np.quantile(autonomy, 0.8)
    low = autonomy < np.quantile(autonomy, 0.2)
    assert resentment[high].mean() > 3 * resentment[low].mean()


def test_heavy_control_raises_surface_use_as_compliance(baseline):
    # intensity 4: compliance-only use teaches nothing (behavior.compliance_depth 0), so
    # unwilling employees need strong pressure to use the tool at all
    spec = small_scenario(
        strategies=[{"type": "heavy_control", "start": 3, "end": 15, "intensity": 4.0}]
    )
    r = adoptsim.run(spec, runs=RUNS, seed=SEED)
    during = curve(r, "using_share").loc[10] - curve(baseline, "using_share").loc[10]
    assert during.mean() > 0.3
    comp = curve(r, "compliance_share").loc[12]
    assert comp.mean() > 0.05
    assert (curve(r, "voluntary_share").loc[12] < curve(r, "active_share").loc[12]).all()
    assert curve(r, "mean_resentment").loc[15].mean() > 0.1
    # once control ends, compliance-only use fades
    assert curve(r, "compliance_share").loc[30].mean() < comp.mean() / 2
