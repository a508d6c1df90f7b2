"""AdoptionModel is a mesa.Model whose replicate k equals replicate k of adoptsim.runs."""

import mesa
import numpy as np

import adoptsim
from adoptsim.mesa import Employee
from adoptsim.model.engine import CURVE_COLUMNS
from adoptsim.model.people import Stage


def test_model_is_a_mesa_model_with_employee_agents(small):
    model = adoptsim.AdoptionModel(small, rng=7)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == model.org.n
    assert all(isinstance(a, Employee) for a in model.agents)
    e = model.employees[0]
    assert e.stage is Stage.UNAWARE
    assert e.department in model.org.departments
    assert e.role in ("individual_contributor", "manager", "executive")
    assert 0 <= e.legacy_habit <= 1
    assert isinstance(e.neighbors, list) and len(e.neighbors) > 0


def test_agents_are_views_on_the_state_arrays(small):
    model = adoptsim.AdoptionModel(small, rng=7)
    for _ in range(10):
        model.step()
    stages = np.array([int(a.stage) for a in model.employees])
    assert np.array_equal(stages, model.sim.stage[0])
    habits = np.array([a.habit for a in model.employees])
    assert np.array_equal(habits, model.sim.habit[0])
    # an AgentSet query works as Mesa users expect
    aware = model.agents.select(lambda a: a.stage != Stage.UNAWARE)
    assert len(aware) == int((model.sim.stage[0] != Stage.UNAWARE).sum())


def test_datacollector_records_the_curves(small):
    model = adoptsim.AdoptionModel(small, rng=7)
    for _ in range(5):
        model.step()
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 6  # week 0 and five steps
    assert set(CURVE_COLUMNS) <= set(df.columns)
    assert df["aware_share"].is_monotonic_increasing


def test_model_matches_replicate_of_run(small):
    result = adoptsim.run(small, runs=3, seed=21)
    model = adoptsim.AdoptionModel(small, rng=21, replicate=2)
    while model.running:
        model.step()
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    rep = result.curves[result.curves.replicate == 2].reset_index(drop=True)
    for col in ("aware_share", "active_share", "habitual_share", "voluntary_share"):
        assert np.array_equal(df[col].to_numpy(), rep[col].to_numpy()), col
    assert model.week == small.weeks
