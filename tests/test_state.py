"""The state of a batch as a value: continuing from it, selecting, repeating, renewing."""

from __future__ import annotations

import os

import numpy as np
import pytest

from adoptsim.errors import InputError
from adoptsim.model.engine import Simulation
from adoptsim.model.state import BatchState
from adoptsim.runs.runner import build_org
from adoptsim.scenario import load_scenario, with_overrides
from tests.conftest import SCENARIOS, small_scenario

SHIPPED = [
    "evangelists",
    "heavy_control",
    "incentives",
    "adapt",
    "storytelling",
    "training",
    "new_use_cases",
    "senior_sponsor",
    "tool_consolidation",
    "pilot",
    "playbook_culture_first",
]


def shipped(name: str, weeks: int = 24):
    spec = load_scenario(SCENARIOS / f"{name}.yaml")
    spec = with_overrides(spec, {"organization.generate.employees": 250})
    return spec.with_changes(weeks=weeks)


def records(sim: Simulation, row: int | None = None) -> dict[str, np.ndarray]:
    """What a run records (optionally of one row): curves, groups' curves, events, cost."""
    rows = slice(None) if row is None else [row]
    ev = sim.events.arrays()
    order = np.lexsort((ev["week"], ev["replicate"]))
    ev = {k: v[order] for k, v in ev.items()}
    if row is not None:
        keep = ev["replicate"] == row
        ev = {k: v[keep] for k, v in ev.items()}
        ev["replicate"] = np.zeros(keep.sum(), dtype=ev["replicate"].dtype)
    causes = np.asarray(sim.causes)
    return {
        "curves": sim.curves[:, rows],
        "dept": sim.dept_curves[:, rows],
        "role": sim.role_curves[:, rows],
        "cost": sim.total_cost()[rows],
        **{f"event.{k}": v for k, v in ev.items() if k != "cause"},
        "event.cause": causes[ev["cause"]],
    }


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def run_full(spec, org, reps=range(4)) -> Simulation:
    sim = Simulation(spec, org, spec.seed, list(reps))
    sim.run()
    return sim


@pytest.mark.parametrize("name", SHIPPED)
def test_continuing_from_a_saved_state_is_never_having_stopped(name, tmp_path):
    spec = shipped(name)
    org = build_org(spec, spec.seed)
    whole = run_full(spec, org)
    for week in (9, 15):  # adapt's rule fires in week 13: before and after
        first = Simulation(spec, org, spec.seed, list(range(4)))
        first.run(until=week)
        assert first.week == week
        first.state().save(tmp_path / f"week{week}")
        later = Simulation.resume(spec, org, BatchState.load(tmp_path / f"week{week}"))
        assert later.week == week
        later.run()
        assert_same(records(later), records(whole))
        assert later.strategy_events == whole.strategy_events


def test_a_longer_horizon_continues_as_a_run_of_that_horizon():
    spec = shipped("adapt", weeks=16)
    longer = spec.with_changes(weeks=30)
    org = build_org(spec, spec.seed)
    sim = Simulation(spec, org, spec.seed, [0, 1, 2])
    sim.run()
    later = Simulation.resume(longer, org, sim.state())
    later.run()
    assert_same(records(later), records(run_full(longer, org, [0, 1, 2])))


@pytest.mark.parametrize("name", ["incentives", "adapt", "playbook_culture_first"])
def test_a_selected_replicate_continues_as_in_its_batch(name):
    spec = shipped(name)
    org = build_org(spec, spec.seed)
    whole = run_full(spec, org, range(5))
    sim = Simulation(spec, org, spec.seed, list(range(5)))
    sim.run(until=15)
    state = sim.state()
    alone = Simulation.resume(spec, org, state.take([3]))
    alone.run()
    assert alone.replicates == [3]
    assert_same(records(alone), records(whole, 3))
    # reordered and repeated rows: each continues as its original
    mixed = Simulation.resume(spec, org, state.take([4, 1, 4]))
    mixed.run()
    for new, old in enumerate([4, 1, 4]):
        assert_same(records(mixed, new), records(whole, old))


def test_repeated_replicates_on_renewed_streams_diverge_reproducibly():
    spec = shipped("evangelists", weeks=30)
    org = build_org(spec, spec.seed)
    sim = Simulation(spec, org, spec.seed, list(range(3)))
    sim.run(until=5)
    copies = sim.state().take([1, 1, 1, 1]).renew([1, 2, 3], "resample@5")
    runs = []
    for _ in range(2):
        again = Simulation.resume(spec, org, copies)
        again.run()
        runs.append(again)
    whole = run_full(spec, org, range(3))
    # the copy that kept its streams continues as the original; renewed ones diverge
    assert_same(records(runs[0], 0), records(whole, 1))
    curves = runs[0].curves[:, :, list(range(10))]
    for a, b in [(0, 1), (1, 2), (2, 3)]:
        assert not np.array_equal(curves[:, a], curves[:, b])
    np.testing.assert_array_equal(curves[:6, 0], curves[:6, 3])  # the same past
    assert_same(records(runs[0]), records(runs[1]))  # reproducibly
    other = Simulation.resume(spec, org, sim.state().take([1, 1]).renew([1], "other@5"))
    other.run()
    assert not np.array_equal(other.curves[:, 1], runs[0].curves[:, 1])


def test_threshold_mode_state_continues():
    spec = small_scenario(weeks=20, behavior={"mode": "threshold"})
    org = build_org(spec, spec.seed)
    whole = run_full(spec, org, range(3))
    sim = Simulation(spec, org, spec.seed, list(range(3)))
    sim.run(until=6)
    later = Simulation.resume(spec, org, sim.state().take([2, 0]))
    later.run()
    assert_same(records(later, 0), records(whole, 2))
    assert_same(records(later, 1), records(whole, 0))


def test_restore_in_place_and_values_per_replicate(small):
    org = build_org(small, small.seed)
    values = {"behavior.w_social": np.array([0.1, 0.5, 0.9])}
    whole = Simulation(small, org, small.seed, [0, 1, 2], values=values)
    whole.run()
    sim = Simulation(small, org, small.seed, [0, 1, 2], values=values)
    sim.run(until=4)
    state = sim.state()
    sim.run(until=10)  # wander off, then back
    sim.restore(state.take([2, 0, 1]).take([1, 2, 0]))
    sim.run()
    assert_same(records(sim), records(whole))
    assert state.with_values({"behavior.w_social": [0.3] * 3}).values["behavior.w_social"][0] == 0.3


def test_a_state_without_events_continues_the_curves(small, tmp_path):
    org = build_org(small, small.seed)
    whole = run_full(small, org, range(2))
    sim = Simulation(small, org, small.seed, [0, 1])
    sim.run(until=10)
    later = Simulation.resume(small, org, sim.state(events=False))
    later.run()
    np.testing.assert_array_equal(later.curves, whole.curves)
    assert len(later.events) < len(whole.events)


def test_bad_state_files_are_input_errors(small, tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    (tmp_path / "x.npz").write_bytes(b"")
    with pytest.raises(InputError, match="cannot read the saved state"):
        BatchState.load(tmp_path / "x")
    (tmp_path / "x.json").unlink()
    os.mkfifo(tmp_path / "x.json")
    with pytest.raises(InputError, match="not a regular file"):
        BatchState.load(tmp_path / "x")
    org = build_org(small, small.seed)
    sim = Simulation(small, org, small.seed, [0])
    sim.run(until=3)
    other = build_org(small_scenario(organization={"generate": {"employees": 200}}), 1)
    with pytest.raises(ValueError, match="employees"):
        Simulation.resume(small, other, sim.state())
