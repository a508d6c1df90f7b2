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
