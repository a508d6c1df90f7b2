"""The move step of the particles' people (resample-move) on a small twin."""

from __future__ import annotations

import numpy as np
import pytest

from adoptsim.calibration.assimilate import assimilate
from adoptsim.calibration.move import move_people
from adoptsim.calibration.persons import read_persons
from adoptsim.calibration.resampling import copies
from adoptsim.model.people import UNAWARE
from adoptsim.scenario import load_scenario
from tests.test_assimilation import write_twin


@pytest.fixture(scope="module")
def filtered(tmp_path_factory):
    scenario, observed, *_ = write_twin(tmp_path_factory.mktemp("move"), seed=7)
    a = assimilate(scenario, observed, particles=60, seed=3, snapshot=0)
    return a, load_scenario(scenario), read_persons(observed, a.org)


def test_a_move_spreads_one_particles_people_by_their_own_weeks(filtered):
    a, spec, obs = filtered
    one = copies(a.state, np.zeros(60, dtype=int), "t")  # sixty copies of one particle
    moved, aware, accepted = move_people(one, spec, a.org, obs.codes, "m")
    assert 0.5 < accepted < 1.0
    assert aware.shape == (60, a.org.n) and np.all((aware >= 0) & (aware <= 1))
    innov = moved.arrays["traits.innovativeness"]
    tried = moved.arrays["ever_tried"][0]
    unaware = moved.arrays["stage"] == UNAWARE  # per copy and employee
    assert tried.sum() >= 5 and unaware.sum() >= 1000
    # the copies no longer share their people's traits
    assert np.mean([np.unique(innov[:, i]).size for i in np.flatnonzero(tried)]) > 5
    # who tried the tool early is more innovative than the prior says; those who have not
    # heard of it are as the prior says (standard normal)
    assert innov[:, tried].mean() > 0.2
    assert abs(innov[unaware].mean()) < 0.1
    # the observed use is kept
    np.testing.assert_array_equal(moved.arrays["ever_tried"][:, tried], True)


def test_a_move_is_reproducible_and_keeps_the_parameters(filtered):
    a, spec, obs = filtered
    first = move_people(a.state, spec, a.org, obs.codes, "m")
    again = move_people(a.state, spec, a.org, obs.codes, "m")
    for name in ("traits.innovativeness", "habit", "stage"):
        np.testing.assert_array_equal(first[0].arrays[name], again[0].arrays[name])
    for k, v in a.state.values.items():
        np.testing.assert_array_equal(first[0].values[k], v)
    other = move_people(a.state, spec, a.org, obs.codes, "n")
    assert not np.array_equal(
        first[0].arrays["traits.innovativeness"], other[0].arrays["traits.innovativeness"]
    )


def test_the_last_weeks_snapshot_shows_the_people_after_the_move(filtered):
    a, _, obs = filtered
    moved = assimilate(a.scenario, obs, particles=20, seed=3, snapshot=5, moves=1)
    still = assimilate(a.scenario, obs, particles=20, seed=3, snapshot=5, moves=0)
    last = obs.last_week
    after = {r.tobytes() for r in moved.state.arrays["traits.innovativeness"]}
    shown = moved.snapshots[last].arrays["traits.innovativeness"]
    assert all(r.tobytes() in after for r in shown)
    before = {r.tobytes() for r in still.state.arrays["traits.innovativeness"]}
    assert not any(r.tobytes() in before for r in shown)
    assert 0.5 < moved.table["moves_accepted"].iloc[-1] < 1.0
