"""Sweeps: experiment files, paths, designs, rows, error rows, resume, mesa.batch_run, CLI."""

from __future__ import annotations

import multiprocessing as mp

import mesa
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.sweeps import (
    Experiment,
    ExperimentError,
    PathError,
    Store,
    SweepStats,
    experiment_from_data,
    load_experiment,
    locate,
    make_design,
    sweep,
    with_overrides,
)
from tests.conftest import SMALL, deep_update

cli = CliRunner()

#: a 200-employee scenario with a champions strategy, 10 weeks: a run takes ~50 ms
BASE = deep_update(
    SMALL,
    {
        "name": "sweepbase",
        "weeks": 10,
        "organization": {"generate": {"employees": 200}},
        "strategies": [
            {
                "type": "evangelists",
                "start": 1,
                "end": 8,
                "target": {"select": "degree", "count": 4},
            },
            {"type": "heavy_control", "name": "mandate", "start": 3, "end": 6},
        ],
    },
)


@pytest.fixture
def base_file(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(BASE))
    return path


def experiment(base_file, **over) -> dict:
    data = {
        "name": "exp",
        "scenario": str(base_file),
        "design": "grid",
        "replicates": 3,
        "seed": 11,
        "parameters": [
            {"path": "strategies[evangelists].target.count", "values": [2, 10]},
            {"path": "behavior.w_habit", "values": [0.2, 0.4]},
        ],
        "metrics": ["final_active_share", "sustained_share", "lapses"],
    }
    data.update(over)
    return data


# ---- paths -----------------------------------------------------------------------------------
def test_paths_address_keys_strategies_by_label_and_index():
    data = adoptsim.scenario.validate_scenario(BASE).model_dump()
    container, key = locate(data, "strategies[evangelists].target.count")
    assert container[key] == 4
    container, key = locate(data, "strategies[mandate].intensity")
    assert container is data["strategies"][1] and key == "intensity"
    container, key = locate(data, "strategies[1].start")
    assert container[key] == 3
    container, key = locate(data, "legacy.habit.mean")
    assert container[key] == pytest.approx(0.95)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("behaviour.w_habit", ["'behaviour'", 'did you mean "behavior"', "keys there:", "legacy"]),
        ("behavior.w_habbit", ["behavior has no key 'w_habbit'", "w_habit"]),
        (
            "strategies[champions].platform",
            ["no item labelled 'champions'", "evangelists, mandate"],
        ),
        ("strategies[evangelists].count", ["strategies[evangelists].target.count?"]),
        ("strategies[7].start", ["2 item(s)", "out of range"]),
        ("weeks.x", ["weeks is a value (10)"]),
        ("strategies.start", ["strategies is a list", "[label]"]),
        ("legacy..value", ["cannot read the path"]),
    ],
)
def test_a_wrong_path_names_the_path_and_what_exists(path, expected):
    data = adoptsim.scenario.validate_scenario(BASE).model_dump()
    with pytest.raises(PathError) as info:
        locate(data, path)
    text = str(info.value)
    for fragment in expected:
        assert fragment in text, (fragment, text)


def test_with_overrides_revalidates_through_the_schema():
    spec = adoptsim.scenario.validate_scenario(BASE)
    changed = with_overrides(spec, {"behavior.w_habit": 0.5, "weeks": 12})
    assert changed.behavior.w_habit == 0.5 and changed.weeks == 12
    assert spec.behavior.w_habit != 0.5  # the base is untouched
    with pytest.raises(adoptsim.ScenarioError, match=r"behavior\.w_habit"):
        with_overrides(spec, {"behavior.w_habit": 3.0})  # le=1 in the schema


# ---- experiment files --------------------------------------------------------------------------
def test_experiment_file_loads_with_paths_relative_to_it(tmp_path, base_file):
    folder = tmp_path / "experiments"
    folder.mkdir()
    data = experiment(base_file, scenario="../base.yaml")
    data.pop("name")
    (folder / "study.yaml").write_text(yaml.safe_dump(data))
    exp = load_experiment(folder / "study.yaml")
    assert exp.name == "study"  # from the file name
    assert exp.scenario_path().resolve() == base_file.resolve()
    assert [p.integer for p in exp.parameters] == [True, False]  # count is an int field


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"desing": "grid"}, ["unknown key 'desing'", 'did you mean "design"']),
        ({"design": "factorial"}, ["design", "grid", "latin_hypercube"]),
        (
            {"parameters": [{"path": "behavior.nope", "values": [1]}]},
            ["parameters: path 'behavior.nope'", "behavior has no key 'nope'", "w_habit"],
        ),
        ({"fixed": {"tool.valu": 2}}, ["fixed: path 'tool.valu'", "value"]),
        ({"metrics": ["final_adoption"]}, ["unknown metric 'final_adoption'", "sustained_share"]),
        ({"design": "sobol", "samples": 100}, ["power of two", "128"]),
        ({"design": "random"}, ["needs `samples`"]),
        (
            {"parameters": [{"path": "weeks", "low": 5, "high": 9}]},
            ["a grid needs `values`, or `num` or `step`"],
        ),
        ({"parameters": [{"path": "weeks", "low": 9, "high": 5, "num": 3}]}, ["must be above"]),
        ({"scenario": "missing.yaml"}, ["does not exist", "missing.yaml"]),
        (
            {"parameters": [{"path": "weeks", "values": [0, -1]}]},
            ["no point makes a valid scenario", "weeks"],
        ),
    ],
)
def test_experiment_errors_name_the_file_the_key_and_what_is_allowed(
    tmp_path, base_file, change, expected
):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(experiment(base_file, **change)))
    with pytest.raises(InputError) as info:
        sweep(path, out=tmp_path / "out", executor="sequential")
    text = str(info.value)
    assert str(path) in text or "missing.yaml" in text
    for fragment in expected:
        assert fragment in text, (fragment, text)


def test_cli_reports_a_bad_experiment_with_status_2_and_no_traceback(tmp_path, base_file):
    path = tmp_path / "bad.yaml"
    data = experiment(base_file, parameters=[{"path": "strategies[x].start", "values": [1]}])
    path.write_text(yaml.safe_dump(data))
    res = cli.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "no item labelled 'x'" in res.output and "Traceback" not in res.output
    res = cli.invoke(app, ["sweep", str(path), "--executor", "gpu"])
    assert res.exit_code == 2 and "--executor" in res.output


# ---- designs ------------------------------------------------------------------------------------
def _design(base_file, **over):
    exp = experiment_from_data(experiment(base_file, **over))
    return exp, make_design(exp)


def test_grid_takes_every_combination_first_parameter_slowest(base_file):
    exp, d = _design(
        base_file,
        parameters=[
            {"path": "strategies[evangelists].target.select", "values": ["random", "degree"]},
            {"path": "behavior.w_habit", "low": 0.1, "high": 0.5, "num": 5},
            {"path": "weeks", "low": 4, "high": 10, "step": 3},
        ],
    )
    assert len(d) == 2 * 5 * 3
    table = d.table()
    assert table.iloc[0].tolist()[-3:] == ["random", 0.1, 4]
    assert sorted(table["behavior.w_habit"].unique()) == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert sorted(table["weeks"].unique()) == [4, 7, 10]
    assert table["weeks"].dtype == np.int64
    assert len(table.drop_duplicates(exp.names)) == len(d)
    assert table["point"].tolist() == list(range(len(d)))


@pytest.mark.parametrize("design", ["random", "latin_hypercube"])
def test_random_and_latin_hypercube_sizes_bounds_and_seeds(base_file, design):
    params = [
        {"path": "behavior.w_habit", "low": 0.1, "high": 0.5},
        {"path": "tool.value", "low": 0.5, "high": 4.0, "distribution": "loguniform"},
        {"path": "strategies[evangelists].target.count", "low": 1, "high": 6},
        {"path": "strategies[evangelists].target.select", "values": ["random", "degree"]},
    ]
    _, d = _design(base_file, design=design, samples=60, parameters=params)
    t = d.table()
    assert len(d) == 60
    assert t["behavior.w_habit"].between(0.1, 0.5).all()
    assert t["tool.value"].between(0.5, 4.0).all()
    count = t["strategies[evangelists].target.count"]
    assert count.dtype == np.int64 and set(count) == {1, 2, 3, 4, 5, 6}
    assert set(t["strategies[evangelists].target.select"]) == {"random", "degree"}
    # the log-uniform puts half of its mass below the geometric mean
    assert (t["tool.value"] < np.sqrt(0.5 * 4.0)).mean() == pytest.approx(0.5, abs=0.2)
    u = d.unit
    assert ((u >= 0) & (u <= 1)).all()
    if design == "latin_hypercube":  # every one of the 60 strata holds exactly one point
        for j in range(u.shape[1]):
            assert sorted(np.floor(u[:, j] * 60).astype(int)) == list(range(60))
    _, again = _design(base_file, design=design, samples=60, parameters=params)
    assert np.array_equal(again.unit, u)
    _, other = _design(base_file, design=design, samples=60, parameters=params, seed=12)
    assert not np.array_equal(other.unit, u)


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_design_size_and_bounds(base_file, second_order):
    params = [
        {"path": "behavior.w_habit", "low": 0.1, "high": 0.5},
        {"path": "behavior.w_social", "low": 0.0, "high": 0.3},
        {
            "path": "legacy.habit.mean",
            "mean": 0.6,
            "sd": 0.1,
            "distribution": "normal",
            "low": 0.3,
            "high": 0.8,
        },
    ]
    _, d = _design(
        base_file, design="sobol", samples=32, second_order=second_order, parameters=params
    )
    D = len(params)
    assert len(d) == 32 * ((2 * D + 2) if second_order else (D + 2))
    t = d.table()
    assert t["behavior.w_habit"].between(0.1, 0.5).all()
    assert t["legacy.habit.mean"].between(0.3, 0.8).all()
    assert abs(t["legacy.habit.mean"].median() - 0.6) < 0.05


def test_morris_design_size_and_levels(base_file):
    params = [
        {"path": "behavior.w_habit", "low": 0.1, "high": 0.5},
        {"path": "behavior.w_social", "low": 0.0, "high": 0.3},
        {"path": "tool.value", "mean": 1.2, "sd": 0.2, "distribution": "normal"},
    ]
    _, d = _design(base_file, design="morris", samples=10, levels=4, parameters=params)
    assert len(d) == 10 * (len(params) + 1)
    levels = np.round(d.unit * 3, 9)
    assert np.array_equal(levels, np.round(levels))  # every coordinate on the 4-level grid
    t = d.table()
    assert np.isfinite(t["tool.value"]).all()  # an untruncated normal stays finite at 0 and 1
    # one parameter changes between consecutive points of a trajectory
    steps = np.abs(np.diff(d.unit.reshape(10, 4, 3), axis=1)) > 1e-12
    assert (steps.sum(axis=2) == 1).all()


# ---- running -----------------------------------------------------------------------------------
def test_rows_are_the_runs_of_the_scenario_at_each_point(tmp_path, base_file):
    exp = experiment_from_data(experiment(base_file))
    table = sweep(exp, store=False, executor="sequential")
    assert len(table) == 4 * 3
    assert list(table.columns[:5]) == [
        "point",
        "replicate",
        "seed",
        "strategies[evangelists].target.count",
        "behavior.w_habit",
    ]
    assert (table["status"] == "ok").all() and (table["error"] == "").all()
    spec = adoptsim.load_scenario(base_file)
    for point in (0, 3):
        row = table[table.point == point].iloc[0]
        changed = with_overrides(
            spec,
            {
                "strategies[evangelists].target.count": int(row.iloc[3]),
                "behavior.w_habit": float(row.iloc[4]),
            },
        )
        expected = adoptsim.run(changed, runs=3, seed=11).summary
        got = table[table.point == point].set_index("replicate")
        for m in exp.metric_names:
            assert np.allclose(got[m].to_numpy(), expected[m].to_numpy(), equal_nan=True), m


def test_common_random_numbers_pair_points_and_can_be_switched_off(base_file):
    same = [{"path": "behavior.w_habit", "values": [0.3, 0.3]}]
    paired = sweep(experiment(base_file, parameters=same), store=False, executor="sequential")
    a, b = (paired[paired.point == p].reset_index(drop=True) for p in (0, 1))
    pd.testing.assert_frame_equal(a.drop(columns="point"), b.drop(columns="point"))
    own = sweep(
        experiment(base_file, parameters=same, common_random_numbers=False),
        store=False,
        executor="sequential",
    )
    seeds = own.groupby("point")["seed"].first()
    assert seeds.nunique() == 2
    a, b = (own[own.point == p] for p in (0, 1))
    assert not np.array_equal(a["final_active_share"], b["final_active_share"])


def test_rows_do_not_depend_on_chunking(base_file):
    exp = experiment(base_file)
    whole = sweep(exp, store=False, executor="sequential")
    single = sweep(exp, store=False, executor="sequential", chunk_size=1)
    pd.testing.assert_frame_equal(whole, single)


def test_a_failing_point_gives_error_rows_and_the_others_run(tmp_path, base_file):
    exp = experiment(
        base_file,
        parameters=[
            # mean 0.9 with sd 0.35 is not a Beta distribution: the schema rejects it
            {"path": "legacy.habit.mean", "values": [0.6, 0.9]},
            {"path": "legacy.habit.sd", "values": [0.15, 0.35]},
            # an unknown department fails when the strategy resolves its targets
            {"path": "strategies[mandate].target.departments", "values": [None, ["Nowhere"]]},
        ],
    )
    out = tmp_path / "out"
    table = sweep(exp, out=out, executor="sequential")
    assert len(table) == 8 * 3
    bad = table[table.status == "error"]
    by_point = table.groupby("point")["status"].first()
    invalid = table[(table["legacy.habit.mean"] == 0.9) & (table["legacy.habit.sd"] == 0.35)]
    assert (invalid.status == "error").all()
    assert invalid["error"].str.contains("too large for mean").all()
    column = table["strategies[mandate].target.departments"]
    nowhere = table[column.str.contains("Nowhere")]
    assert len(nowhere) == 4 * 3 and (nowhere.status == "error").all()
    runtime = nowhere.drop(index=invalid.index, errors="ignore")
    assert len(runtime) == 3 * 3
    assert runtime["error"].str.contains("unknown department 'Nowhere'").all()
    assert (by_point == "ok").sum() == 3  # (0.6|0.9 x 0.15|0.35 minus one) without Nowhere
    assert bad[["final_active_share", "sustained_share"]].isna().all().all()
    ok = table[table.status == "ok"]
    assert ok["final_active_share"].notna().all()
    manifest = Store(out).manifest()
    assert manifest["status"] == "complete" and manifest["error_rows"] == len(bad)


def test_resume_runs_only_what_is_missing(tmp_path, base_file):
    exp = experiment(base_file)
    out = tmp_path / "out"
    full = sweep(exp, out=out, executor="sequential", chunk_size=1)
    parts = Store(out).part_files()
    assert len(parts) == 12
    for p in parts[::3]:  # as if the sweep had been stopped before these
        p.unlink()
    (out / "results.parquet").unlink()
    stats = SweepStats()
    resumed = sweep(exp, out=out, executor="sequential", chunk_size=2, stats=stats)
    assert stats.skipped == 8 and stats.ran == 4
    pd.testing.assert_frame_equal(resumed, full)
    raw = Store(out).read_parts()
    assert not raw.duplicated(["point", "replicate"]).any() and len(raw) == 12
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), full)
    stats = SweepStats()
    sweep(exp, out=out, executor="sequential", stats=stats)
    assert stats.ran == 0 and stats.skipped == 12
    manifest = Store(out).manifest()
    assert [s["runs"] for s in manifest["sessions"]] == [12, 4, 0]


def test_a_folder_of_another_experiment_is_not_resumed(tmp_path, base_file):
    out = tmp_path / "out"
    sweep(experiment(base_file), out=out, executor="sequential")
    other = experiment(base_file, seed=12)
    with pytest.raises(InputError, match="different experiment"):
        sweep(other, out=out, executor="sequential")
    table = sweep(other, out=out, executor="sequential", resume=False)
    assert (table["seed"] == 12).all()
    assert len(Store(out).read_parts()) == len(table)  # the other experiment's parts are gone


def test_retry_errors_runs_failed_points_again(tmp_path, base_file):
    exp = experiment(base_file, parameters=[{"path": "weeks", "values": [6, 0]}])
    out = tmp_path / "out"
    first = sweep(exp, out=out, executor="sequential")
    assert (first.groupby("point")["status"].first() == ["ok", "error"]).all()
    stats = SweepStats()
    again = sweep(exp, out=out, executor="sequential", retry_errors=True, stats=stats)
    assert stats.ran == 3 and stats.skipped == 3
    pd.testing.assert_frame_equal(again, first)
    assert not Store(out).read_parts().duplicated(["point", "replicate"]).any()


def test_python_api_is_exported_and_writes_the_folder(tmp_path, base_file):
    out = tmp_path / "res"
    table = adoptsim.sweep(experiment(base_file), out=out, executor="sequential")
    assert isinstance(table, pd.DataFrame) and len(table) == 12
    for name in ("results.parquet", "design.parquet", "experiment.yaml", "scenario.yaml"):
        assert (out / name).exists(), name
    manifest = Store(out).manifest()
    assert manifest["points"] == 4 and manifest["replicates"] == 3
    assert manifest["experiment_hash"] == experiment_from_data(experiment(base_file)).content_hash()
    resolved = yaml.safe_load((out / "experiment.yaml").read_text())
    assert resolved["metrics"] == ["final_active_share", "sustained_share", "lapses"]
    assert isinstance(Experiment.model_validate(resolved), Experiment)


# ---- mesa.batch_run -------------------------------------------------------------------------
@pytest.fixture
def restore_start_method():
    # mesa.batch_run sets the global start method to "spawn"; put it back afterwards
    before = mp.get_start_method(allow_none=True)
    yield
    mp.set_start_method(before, force=True)


def test_adoption_model_works_with_mesa_batch_run(base_file, restore_start_method):
    spec = adoptsim.load_scenario(base_file)
    rows = mesa.batch_run(
        adoptsim.AdoptionModel,
        parameters={
            "spec": [spec],
            "replicate": [0, 1],
            "behavior.w_habit": [0.2, 0.4],
            "strategies[evangelists].target.count": 10,
        },
        rng=[11],
        max_steps=100,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 4 and (df["Step"] == spec.weeks).all()
    table = sweep(
        experiment(
            base_file,
            replicates=2,
            fixed={"strategies[evangelists].target.count": 10},
            parameters=[{"path": "behavior.w_habit", "values": [0.2, 0.4]}],
        ),
        store=False,
        executor="sequential",
    )
    merged = df.merge(
        table, left_on=["behavior.w_habit", "replicate"], right_on=["behavior.w_habit", "replicate"]
    )
    assert len(merged) == 4
    assert np.array_equal(merged["active_share"], merged["final_active_share"])
    assert merged["active_share"].nunique() > 1


# ---- command line --------------------------------------------------------------------------
def test_cli_sweep_then_analyze(tmp_path, base_file):
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(experiment(base_file)))
    out = tmp_path / "out"
    res = cli.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "sequential"])
    assert res.exit_code == 0, res.output
    assert "12 runs done" in res.output and "12 rows written" in res.output
    res = cli.invoke(app, ["sweep", str(path), "--out", str(out), "-e", "sequential"])
    assert res.exit_code == 0 and "12 already stored" in res.output
    res = cli.invoke(app, ["analyze", str(out), "--metric", "sustained_share"])
    assert res.exit_code == 0, res.output
    assert "grid design, 4 points x 3 runs" in res.output
    charts = sorted((out / "analysis").glob("*.png"))
    # one chart per parameter and a heat map over the pair
    assert [c.name.split("_by_")[0].split("_over_")[0] for c in charts] == ["sustained_share"] * 3
    points = pd.read_csv(out / "analysis" / "points.csv")
    assert len(points) == 4 * 3 and {"mean", "low", "high", "ci_low", "ci_high"} <= set(points)
    res = cli.invoke(app, ["analyze", str(tmp_path)])
    assert res.exit_code == 2 and "not a folder written by `adoptsim sweep`" in res.output


def test_cli_reports_failed_points(tmp_path, base_file):
    path = tmp_path / "exp.yaml"
    path.write_text(
        yaml.safe_dump(experiment(base_file, parameters=[{"path": "weeks", "values": [6, 0]}]))
    )
    res = cli.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "-e", "sequential"])
    assert res.exit_code == 0, res.output
    assert "3 runs failed" in res.output and "weeks" in res.output
    with pytest.raises(ExperimentError):
        load_experiment(tmp_path / "nothing.yaml")
