"""Replicates with their own parameters: each replicate runs as it would in a plain run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import adoptsim
from adoptsim.errors import InputError
from adoptsim.scenario import with_overrides
from tests.conftest import small_scenario


@pytest.fixture(scope="module")
def spec():
    return small_scenario(
        weeks=15,
        strategies=[
            {"type": "evangelists", "start": 2, "target": {"select": "degree", "count": 4}}
        ],
    )


def test_each_replicate_equals_the_plain_run_at_its_values(spec):
    social = [0.05, 0.3, 0.05, 0.3, 0.15]
    count = [2, 2, 8, 8, 4]
    mixed = adoptsim.run(
        spec,
        runs=5,
        seed=3,
        per_replicate={"behavior.w_social": social, "strategies[0].target.count": count},
    )
    assert mixed.manifest["per_replicate"]["behavior.w_social"] == social
    for r in range(5):
        plain = adoptsim.run(
            with_overrides(
                spec, {"behavior.w_social": social[r], "strategies[0].target.count": count[r]}
            ),
            runs=5,
            seed=3,
        )
        for table in ("curves", "curves_by_department"):
            a = getattr(mixed, table)
            b = getattr(plain, table)
            pd.testing.assert_frame_equal(
                a[a["replicate"] == r].reset_index(drop=True),
                b[b["replicate"] == r].reset_index(drop=True),
            )
        pd.testing.assert_series_equal(mixed.summary.loc[r], plain.summary.loc[r])


def test_parameters_move_the_outcome_the_right_way(spec):
    social = np.repeat([0.02, 0.4], 10)
    res = adoptsim.run(spec, runs=20, seed=1, per_replicate={"behavior.w_social": social})
    final = res.summary["final_active_share"].to_numpy()
    assert final[10:].mean() > final[:10].mean() + 0.05


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"organization.generate.employees": [100, 200]}, "cannot differ"),
        ({"weeks": [5, 6]}, "cannot differ"),
        ({"behavior.w_social": [0.1]}, "1 values for 2 runs"),
        ({"behavior.nonsense": [0.1, 0.2]}, "nonsense"),
    ],
)
def test_bad_per_replicate_parameters_are_named(spec, values, match):
    with pytest.raises(InputError, match=match):
        adoptsim.run(spec, runs=2, per_replicate=values)


def test_parameters_the_engine_takes_per_replicate_run_in_one_batch_with_the_same_numbers(spec):
    """Replicates with their own social weight, habit weight, intercept, awareness rates,
    network effect, tool value, critical mass, legacy habit, market potential, spread of
    willingness and adopters at launch run together in one batch,
    each exactly as a plain run at its values."""
    from adoptsim.model.population import REPLICATE_PARAMETERS
    from adoptsim.runs.runner import vectorised

    values = {
        "behavior.w_social": [0.05, 0.3, 0.15, 0.3],
        "behavior.w_habit": [0.2, 0.5, 0.32, 0.4],
        "behavior.intercept": [-0.5, 0.0, 0.3, -0.2],
        "behavior.external_awareness": [0.01, 0.05, 0.02, 0.03],
        "behavior.peer_awareness": [0.1, 0.5, 0.3, 0.2],
        "tool.network_effect": [1.0, 1.5, 0.5, 1.2],
        "tool.value": [1.2, 0.9, 1.5, 1.1],
        "behavior.critical_mass": [0.05, 0.2, 0.1, 0.3],
        "legacy.habit.mean": [0.85, 0.95, 0.9, 0.7],
        "tool.market_potential": [1.0, 0.6, 0.8, 0.4],
        "behavior.w_innovativeness": [0.8, 0.0, 2.0, 1.2],
        "tool.initial_adopters": [0.0, 0.05, 0.0, 0.1],
    }
    assert set(values) == set(REPLICATE_PARAMETERS) and vectorised(values, False)
    mixed = adoptsim.run(spec, runs=4, seed=9, per_replicate=values, workers=1)
    for r in range(4):
        plain = adoptsim.run(
            with_overrides(spec, {p: v[r] for p, v in values.items()}), runs=4, seed=9
        )
        a, b = mixed.curves, plain.curves
        pd.testing.assert_frame_equal(
            a[a["replicate"] == r].reset_index(drop=True),
            b[b["replicate"] == r].reset_index(drop=True),
        )
        ea, eb = mixed.events, plain.events
        assert (ea["replicate"] == r).sum() == (eb["replicate"] == r).sum()


def test_values_outside_a_parameters_range_are_refused(spec):
    with pytest.raises(InputError, match="external_awareness"):
        adoptsim.run(spec, runs=2, per_replicate={"behavior.external_awareness": [0.1, 2.0]})


def test_a_strategy_that_reads_the_tools_value_sees_each_replicates_own(spec):
    story = small_scenario(weeks=15, strategies=[{"type": "storytelling", "start": 2}])
    values = {"tool.value": [0.9, 1.5]}
    mixed = adoptsim.run(story, runs=2, seed=4, per_replicate=values)
    for r, v in enumerate(values["tool.value"]):
        plain = adoptsim.run(with_overrides(story, {"tool.value": v}), runs=2, seed=4)
        a, b = mixed.curves, plain.curves
        pd.testing.assert_frame_equal(
            a[a["replicate"] == r].reset_index(drop=True),
            b[b["replicate"] == r].reset_index(drop=True),
        )
