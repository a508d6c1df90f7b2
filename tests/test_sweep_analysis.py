"""Sensitivity analysis: Sobol indices on the Ishigami function against their analytic
values, Morris on a function with known effects, and the analysis of model sweeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from adoptsim.sweeps import Experiment, make_design, sweep
from adoptsim.sweeps.analysis import (
    AnalysisError,
    analyze,
    morris_indices,
    point_summary,
    sobol_indices,
)
from tests.conftest import SMALL, deep_update

A, B = 7.0, 0.1  # the usual Ishigami constants (Ishigami & Homma 1990)


def ishigami(x1, x2, x3):
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)


def ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices of the Ishigami function on [-pi, pi]^3
    (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, section 4.9)."""
    pi = np.pi
    v1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    first = np.array([v1, v2, 0.0]) / var
    total = np.array([v1 + v13, v2, v13]) / var
    return first, total


def abstract_experiment(**over) -> Experiment:
    """An experiment whose 'paths' are only names: the design layer needs no scenario."""
    data = {
        "name": "abstract",
        "scenario": "unused.yaml",
        "design": "sobol",
        "samples": 2048,
        "seed": 3,
        "parameters": [{"path": f"x{i}", "low": -np.pi, "high": np.pi} for i in (1, 2, 3)],
    }
    data.update(over)
    return Experiment.model_validate(data)


def test_sobol_indices_match_the_analytic_ishigami_values():
    exp = abstract_experiment()
    design = make_design(exp)
    t = design.table()
    y = ishigami(t["x1"].to_numpy(), t["x2"].to_numpy(), t["x3"].to_numpy())
    res = sobol_indices(y, exp.names, confidence=0.95, resamples=500, seed=1)["first_total"]
    first, total = ishigami_indices()
    assert first.round(3).tolist() == [0.314, 0.442, 0.0]  # the values the literature quotes
    assert total.round(3).tolist() == [0.558, 0.442, 0.244]
    assert np.abs(res["S1"] - first).max() < 0.03
    assert np.abs(res["ST"] - total).max() < 0.03
    # the 95 % intervals are informative and cover the truth (with a little slack)
    assert (res["S1_conf"] < 0.06).all() and (res["ST_conf"] < 0.06).all()
    assert (np.abs(res["S1"] - first) <= 1.5 * res["S1_conf"] + 0.005).all()
    assert (np.abs(res["ST"] - total) <= 1.5 * res["ST_conf"] + 0.005).all()
    # the ranking a user reads off: x2 first, x3 acts only through its interaction with x1
    assert res["S1"].idxmax() == 1 and res["ST"].idxmax() == 0
    assert res.loc[2, "ST"] - res.loc[2, "S1"] > 0.15


def test_second_order_sobol_finds_the_x1_x3_interaction():
    exp = abstract_experiment(second_order=True, samples=1024)
    t = make_design(exp).table()
    y = ishigami(t["x1"].to_numpy(), t["x2"].to_numpy(), t["x3"].to_numpy())
    res = sobol_indices(y, exp.names, second_order=True, resamples=200, seed=1)["second"]
    _, total = ishigami_indices()
    s13 = res[(res.parameter == "x1") & (res["with"] == "x3")]["S2"].iloc[0]
    first, _ = ishigami_indices()
    assert s13 == pytest.approx(total[2], abs=0.06)
    others = res[~((res.parameter == "x1") & (res["with"] == "x3"))]["S2"]
    assert others.abs().max() < 0.06
    assert first.sum() < 1


def test_morris_statistics_of_a_function_with_known_effects():
    # y = 4 a + 1 b + 0 c + 2 a d on ranges of different widths
    exp = abstract_experiment(
        design="morris",
        samples=40,
        levels=4,
        parameters=[
            {"path": "a", "low": 0, "high": 1},
            {"path": "b", "low": 0, "high": 2},
            {"path": "c", "low": -5, "high": 5},
            {"path": "d", "low": 0, "high": 1},
        ],
    )
    design = make_design(exp)
    t = design.table()
    y = 4 * t["a"] + t["b"] + 0 * t["c"] + 2 * t["a"] * t["d"]
    res = morris_indices(design.unit, y.to_numpy(), exp.names, levels=4, seed=1)
    res = res.set_index("parameter")
    # an effect is the change of y for a step of 2/3 of a range (levels 4), per unit step
    assert res.loc["b", "mu_star"] == pytest.approx(2.0)  # slope 1 x range 2
    assert res.loc["b", "sigma"] == pytest.approx(0.0, abs=1e-9)  # linear, no interaction
    assert res.loc["c", "mu_star"] == pytest.approx(0.0, abs=1e-9)
    # a's effect is 4 + 2 d over d in [0, 1]: mean 5, and it varies with d
    assert 4.0 <= res.loc["a", "mu_star"] <= 6.0 and res.loc["a", "sigma"] > 0.3
    assert 0 < res.loc["d", "mu_star"] <= 2.0 and res.loc["d", "sigma"] > 0.2
    assert list(res["mu_star"].sort_values(ascending=False).index[:2]) == ["a", "b"]
    assert (res["mu_star_conf"] >= 0).all()


def test_missing_outcomes_are_reported_not_analysed():
    with pytest.raises(AnalysisError, match=r"missing at 4 point\(s\) \(1, 5, 9, 13\)"):
        sobol_indices(np.array([1.0, np.nan, 2.0, 3.0] * 4), ["a", "b"], metric="weeks_to_50")


# ---- on the model ---------------------------------------------------------------------------
BASE = deep_update(
    SMALL,
    {"name": "anbase", "weeks": 8, "organization": {"generate": {"employees": 200}}},
)


@pytest.fixture
def base_file(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(BASE))
    return path


@pytest.mark.parametrize("design", ["sobol", "morris"])
def test_analyze_a_model_sweep_writes_indices_and_charts(tmp_path, base_file, design):
    exp = {
        "name": design,
        "scenario": str(base_file),
        "design": design,
        "samples": 4,
        "replicates": 2,
        "seed": 2,
        "parameters": [
            {"path": "behavior.external_awareness", "low": 0.005, "high": 0.2},
            {"path": "behavior.w_social", "low": 0.1, "high": 0.2},
        ],
        "metrics": ["final_aware_share", "weeks_to_75"],
        "resamples": 100,
    }
    out = tmp_path / "out"
    table = sweep(exp, out=out, executor="sequential")
    result = analyze(out)
    indices = result.sobol if design == "sobol" else result.morris
    assert indices is not None and set(indices["metric"]) == {"final_aware_share"}
    assert len(indices) == 2
    big = "ST" if design == "sobol" else "mu_star"
    by = indices.set_index("parameter")[big]
    # awareness is driven by the outside channel far more than by social weight
    assert by["behavior.external_awareness"] > by["behavior.w_social"]
    assert any("weeks_to_75" in n and "missing" in n for n in result.notes)
    assert (out / "analysis" / f"{design}.csv").exists()
    assert [c.name for c in result.charts] == [f"{design}_final_aware_share.png"]
    summary = point_summary(table, ["behavior.external_awareness"], ["final_aware_share"])
    assert (summary["runs"] == 2).all() and (summary["low"] <= summary["mean"]).all()


def test_analysis_of_a_grid_with_failed_points_and_an_incomplete_folder(tmp_path, base_file):
    exp = {
        "name": "grid",
        "scenario": str(base_file),
        "replicates": 4,
        "seed": 2,
        "parameters": [
            {"path": "behavior.external_awareness", "values": [0.01, 0.05, 0.2]},
            {"path": "weeks", "values": [6, 0]},
        ],
        "metrics": ["final_aware_share"],
    }
    out = tmp_path / "out"
    sweep(exp, out=out, executor="sequential", chunk_size=4)  # a part per point
    parts = sorted((out / "parts").glob("part-*.parquet"))
    parts[0].unlink()
    result = analyze(out, charts=False)
    assert any("incomplete sweep: 20 of 24 runs" in n for n in result.notes)
    assert any("failed at 3 point(s)" in n and "weeks" in n for n in result.notes)
    s = result.summary.set_index("point")
    assert (s.loc[s["weeks"] == 0, "errors"] == 4).all()
    aware = s[s["weeks"] == 6]["mean"]
    assert aware.is_monotonic_increasing  # more outside awareness, more aware employees
    assert isinstance(s, pd.DataFrame)


def test_grid_axes_keep_every_value_and_sampled_axes_are_binned():
    from adoptsim.sweeps.analysis import parameter_chart, plots

    x = np.repeat(np.linspace(0, 6, 13), 2)
    table = pd.DataFrame(
        {
            "point": np.repeat(np.arange(13), 2),
            "replicate": np.tile([0, 1], 13),
            "x": x,
            "sustained_share": 0.5 - 0.05 * x,
            "status": "ok",
        }
    )
    fig = parameter_chart(table, "x", "sustained_share")
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) == 13
    assert line.get_ydata() == pytest.approx(100 * (0.5 - 0.05 * np.linspace(0, 6, 13)))
    plots.close(fig)
    fig = parameter_chart(table, "x", "sustained_share", binned=True)
    assert len(fig.axes[0].lines[0].get_xdata()) <= 8
    plots.close(fig)
