"""Sweep points as replicates: points that differ only in parameters the engine takes per
replicate run together in one batch, each row as a plain run of its point would give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import adoptsim
from adoptsim.sweeps import Store, experiment_from_data, sweep, with_overrides
from adoptsim.sweeps.sweep import batched
from tests import test_sweep

#: the sweep tests' base scenario file (a 200-employee, 10-week scenario with two strategies)
base_file = test_sweep.base_file
METRICS = ["final_active_share", "sustained_share", "lapses", "weeks_to_25", "cost"]


def experiment(base_file, **over) -> dict:
    data = {
        "name": "batched",
        "scenario": str(base_file),
        "design": "grid",
        "replicates": 3,
        "seed": 4,
        "parameters": [
            {"path": "behavior.w_social", "values": [0.05, 0.2, 0.4]},
            {"path": "tool.value", "values": [0.9, 1.4]},
        ],
        "metrics": METRICS,
    }
    data.update(over)
    return data


def plain(base_file, overrides: dict, replicates: int, seed: int) -> pd.DataFrame:
    spec = with_overrides(adoptsim.load_scenario(base_file), overrides)
    return adoptsim.run(spec, runs=replicates, seed=seed, workers=1).summary


def test_points_run_as_one_batch_with_the_numbers_of_their_own_runs(base_file, tmp_path):
    exp = experiment_from_data(experiment(base_file))
    assert batched(exp)
    table = sweep(exp, out=tmp_path / "out", executor="sequential")
    assert len(table) == 18 and (table["status"] == "ok").all()
    assert len(Store(tmp_path / "out").part_files()) == 1  # six points, one batch
    for (social, value), rows in table.groupby(["behavior.w_social", "tool.value"]):
        own = plain(base_file, {"behavior.w_social": social, "tool.value": value}, 3, 4)
        got = rows.set_index("replicate")[METRICS]
        np.testing.assert_allclose(
            got.to_numpy(float), own.loc[got.index, METRICS].to_numpy(float), rtol=1e-12
        )
    # the parameters matter: more social weight and value, more adoption
    means = table.groupby(["behavior.w_social", "tool.value"])["final_active_share"].mean()
    assert means[(0.4, 1.4)] > means[(0.05, 0.9)] + 0.05


def test_rows_do_not_depend_on_chunking_or_executor(base_file, tmp_path):
    exp = experiment_from_data(experiment(base_file))
    whole = sweep(exp, store=False, executor="sequential")
    pieces = sweep(exp, out=tmp_path / "p", executor="processes", workers=2, chunk_size=4)
    assert len(Store(tmp_path / "p").part_files()) == 5  # 18 runs in jobs of at most 4
    pd.testing.assert_frame_equal(pieces, whole)
    threads = sweep(exp, out=tmp_path / "t", executor="threads", workers=2, chunk_size=3)
    assert len(Store(tmp_path / "t").part_files()) == 6
    pd.testing.assert_frame_equal(threads, whole)


def test_strategy_settings_split_the_batches_and_bad_points_fail_alone(base_file, tmp_path):
    """Points with another evangelist count need their own batch; a point whose social
    weight the schema refuses gives error rows, and its batch-mates run."""
    exp = experiment(
        base_file,
        parameters=[
            {"path": "strategies[evangelists].target.count", "values": [2, 10]},
            {"path": "behavior.w_social", "values": [0.1, 0.3, -1.0]},
        ],
    )
    table = sweep(exp, out=tmp_path / "out", executor="sequential")
    assert len(Store(tmp_path / "out").part_files()) == 2  # one batch per count
    bad = table["behavior.w_social"] == -1.0
    assert (table.loc[bad, "status"] == "error").all() and bad.sum() == 6
    assert table.loc[bad, "error"].str.contains("w_social").all()
    assert (table.loc[~bad, "status"] == "ok").all()
    row = table[~bad].iloc[0]
    own = plain(
        base_file,
        {
            "strategies[evangelists].target.count": int(
                row["strategies[evangelists].target.count"]
            ),
            "behavior.w_social": row["behavior.w_social"],
        },
        3,
        4,
    )
    assert row["final_active_share"] == pytest.approx(
        own.loc[row["replicate"], "final_active_share"], rel=1e-12
    )


def test_own_seeds_or_new_organizations_keep_points_apart(base_file):
    assert not batched(experiment_from_data(experiment(base_file, common_random_numbers=False)))
    assert not batched(
        experiment_from_data(experiment(base_file, fixed={"organization.new_per_replicate": True}))
    )
    assert not batched(
        experiment_from_data(
            experiment(base_file, parameters=[{"path": "weeks", "values": [5, 8]}])
        )
    )


def test_auto_executor_picks_threads_for_seconds_and_processes_for_longer(base_file, tmp_path):
    from adoptsim.sweeps import auto_executor

    small = experiment_from_data(experiment(base_file))
    assert auto_executor(small) == "threads"
    sweep(small, out=tmp_path / "out")
    assert Store(tmp_path / "out").manifest()["sessions"][-1]["executor"] == "threads"
    big = experiment_from_data(
        experiment(
            base_file,
            design="latin_hypercube",
            samples=5000,
            replicates=20,
            parameters=[{"path": "behavior.w_social", "low": 0.05, "high": 0.3}],
        )
    )
    assert auto_executor(big) == "processes"


def test_a_base_completed_only_by_the_points_still_batches(base_file, tmp_path):
    """`fixed` may leave the base incomplete (no count or share) when every point gives
    the count, as experiments/evangelist_count.yaml does."""
    exp = experiment(
        base_file,
        fixed={"strategies[evangelists].target.count": None},
        parameters=[
            {"path": "strategies[evangelists].target.count", "values": [2, 8]},
            {"path": "behavior.w_social", "values": [0.1, 0.3]},
        ],
    )
    assert batched(experiment_from_data(exp))
    table = sweep(exp, out=tmp_path / "out", executor="sequential")
    assert len(table) == 12 and (table["status"] == "ok").all(), table["error"].unique()
    assert len(Store(tmp_path / "out").part_files()) == 2  # one batch per count


def test_the_shipped_experiments_load_and_run_their_first_point(tmp_path):
    """Every experiment in experiments/ makes a valid design whose first point runs."""
    from pathlib import Path

    from adoptsim.sweeps import load_experiment, make_design

    for path in sorted(Path("experiments").glob("*.yaml")):
        keys = yaml.safe_load(path.read_text())
        if "levers" in keys or "designs" in keys:
            continue  # an optimization file, a pilot-design file
        exp = load_experiment(path)
        design = make_design(exp)
        data = exp.model_dump(exclude={"source"})
        data.update(
            scenario=str(exp.base.source),
            design="grid",
            replicates=1,
            parameters=[{"path": p, "values": [v]} for p, v in design.overrides(0).items()],
        )
        data.pop("samples", None)
        table = sweep(data, store=False, executor="sequential")
        assert (table["status"] == "ok").all(), (path, table["error"].iloc[0])
