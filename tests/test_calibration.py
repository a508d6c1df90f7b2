"""Calibration: bad observed files and fit flags are named; ABC-SMC recovers known truth;
forecasts carry the posterior; the CLI end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.calibration import (
    ObservedError,
    calibrate,
    check_fit,
    parse_fit,
    read_observed,
)
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.scenario import validate_scenario, with_overrides
from tests.conftest import SMALL, deep_update

cli = CliRunner()

PILOT = deep_update(
    SMALL,
    {
        "name": "pilot",
        "weeks": 40,
        "organization": {"generate": {"employees": 400}},
    },
)
TRUTH = {"behavior.w_social": 0.35, "behavior.external_awareness": 0.03}
FIT = ["behavior.w_social=0:0.6", "behavior.external_awareness=0.003:0.1:log"]


@pytest.fixture(scope="module")
def pilot_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pilot")
    (folder / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    return folder


def observe(seed: int, weeks: int = 12) -> pd.DataFrame:
    """The 'real' pilot: a run at the true values on the organization the calibration with
    ``seed`` builds, with chance of its own (replicate 1,000,000, which the calibration's own
    simulations do not reach in these tests)."""
    truth = with_overrides(validate_scenario(PILOT), TRUTH)
    curves = adoptsim.runs.runner.simulate(truth, seed, [1_000_000])["curves"]
    return curves[(curves["week"] >= 1) & (curves["week"] <= weeks)]


# ---- the observed file ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("active_share\n0.1\n", "no `week` column"),
        ("week,active_share\n1,abc\n", r"row 2, column active_share: 'abc' is not a number"),
        ("week,active_share\n1,nan\n", "not a number"),
        ("week,active_share\n1,1.5\n", "not a share in 0..1"),
        ("week,active\n1,500\n", "count of people from 0 to 400"),
        ("week,ever_tried_share\n1,0.2\n2,0.1\n", "falls in week 2"),
        ("week,active_share\n1,0.1\n1,0.2\n", "week 1 appears twice"),
        ("week,active_share\n41,0.1\n", "whole week from 1 to the scenario's 40"),
        ("week,active_shares\n1,0.1\n", "unknown series 'active_shares'"),
        ("week,active_share\n0,0.1\n", "whole week from 1"),
        ("", "empty"),
        ("week,active_share\n1,0.1,3\n", "row 2 has 3 cells"),
        ("week,department,active_share\n1,Nowhere,0.1\n", "unknown department 'Nowhere'"),
        ("week,active_share\n\r0\n", "row 2"),  # found by hypothesis: a bare carriage return
    ],
)
def test_bad_observed_files_name_the_file_row_and_column(tmp_path, text, match):
    path = tmp_path / "obs.csv"
    path.write_text(text)
    with pytest.raises(ObservedError, match=match) as e:
        read_observed(path, employees=400, weeks=40, department_sizes={"Sales": 200})
    assert str(path) in str(e.value)


def test_counts_become_shares_and_empty_cells_are_unobserved(tmp_path):
    path = tmp_path / "obs.csv"
    path.write_text("week,active,ever_tried_share\n1,4,0.02\n3,,0.05\n")
    obs = read_observed(path, employees=400, weeks=40)
    t = obs.table
    assert t[t["series"] == "active_share"]["value"].tolist() == [0.01]
    assert t[t["series"] == "ever_tried_share"]["week"].tolist() == [1, 3]
    assert obs.last_week == 3


# ---- the fit flags ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("behavior.w_social", "is not PATH=LO:HI"),
        ("behavior.w_social=0.5:0.2", "must be below HI"),
        ("behavior.w_social=a:1", "must be numbers"),
        ("behavior.w_social=0:1:log", "log range needs LO above 0"),
    ],
)
def test_bad_fit_texts_are_refused(text, match):
    with pytest.raises(InputError, match=match):
        parse_fit(text)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("behavior.nonsense=0:1", "nonsense"),
        ("tool.name=0:1", "not a number to fit"),
        ("weeks=10:20", "cannot be fitted"),
        ("behavior.w_social=-5:0.5", "not an allowed value"),
    ],
)
def test_fit_paths_are_checked_against_the_scenario(text, match):
    with pytest.raises(InputError, match=match):
        check_fit(validate_scenario(PILOT), [parse_fit(text)])


# ---- recovery on synthetic truth --------------------------------------------------------
def test_calibration_recovers_known_values_and_the_forecast_covers_the_truth(pilot_files):
    """Over three synthetic pilots: the 90 % intervals hold the truth in most cases, the
    best-identified parameter is close, and the forecast band holds the true mean curve."""
    truth_spec = with_overrides(validate_scenario(PILOT), TRUTH)
    true_curve = (
        adoptsim.run(truth_spec, runs=40, seed=500)
        .curves.groupby("week")["ever_tried_share"]
        .mean()
    )
    covered, close, band_ok = 0, 0, 0
    for seed in (1, 2, 3):
        obs = observe(seed)[["week", "ever_tried_share", "active_share"]]
        path = pilot_files / f"obs{seed}.csv"
        obs.to_csv(path, index=False)
        cal = calibrate(
            pilot_files / "pilot.yaml", path, FIT, population=80, generations=4, seed=seed
        )
        for p in cal.fit:
            lo, _, hi = cal.interval(p.path)
            covered += lo <= TRUTH[p.path] <= hi
        med = cal.interval("behavior.external_awareness")[1]
        close += 0.5 * 0.03 <= med <= 2 * 0.03
        forecast = adoptsim.run(cal.scenario, runs=40, seed=seed, posterior=cal.posterior)
        g = forecast.curves.groupby("week")["ever_tried_share"]
        lo, hi = g.quantile(0.05), g.quantile(0.95)
        later = true_curve.index[true_curve.index >= 13]
        inside = ((true_curve[later] >= lo[later]) & (true_curve[later] <= hi[later])).mean()
        band_ok += inside >= 0.8
    assert covered >= 5, f"the 90 % intervals held the truth {covered} times of 6"
    assert close >= 2, "external_awareness should be recovered within a factor of 2"
    assert band_ok >= 2, "the forecast band should hold the true curve in 80 % of the weeks"


def test_the_same_seed_gives_the_same_posterior(pilot_files):
    obs = observe(3)[["week", "ever_tried_share"]]
    path = pilot_files / "same.csv"
    obs.to_csv(path, index=False)
    runs = [
        calibrate(pilot_files / "pilot.yaml", path, FIT, population=30, generations=2, seed=4)
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(runs[0].posterior, runs[1].posterior)
    other = calibrate(pilot_files / "pilot.yaml", path, FIT, population=30, generations=2, seed=5)
    assert not other.posterior.equals(runs[0].posterior)


# ---- the command line -------------------------------------------------------------------
def test_cli_calibrate_forecast_and_compare_a_next_step(pilot_files, tmp_path):
    obs = observe(21)[["week", "ever_tried_share", "active_share"]]
    obs_path = tmp_path / "pilot_weeks.csv"
    obs.to_csv(obs_path, index=False)
    fit_dir = tmp_path / "fit"
    args = ["calibrate", str(pilot_files / "pilot.yaml"), "--observed", str(obs_path)]
    args += [x for f in FIT for x in ("--fit", f)]
    args += ["--population", "40", "--generations", "2", "--out", str(fit_dir)]
    res = cli.invoke(app, args)
    assert res.exit_code == 0, res.output
    for name in ("calibrated.yaml", "posterior.csv", "fit.csv", "fit.png", "posterior.png",
                 "summary.json", "checksums.sha256"):  # fmt: skip
        assert (fit_dir / name).exists(), name
    post = pd.read_csv(fit_dir / "posterior.csv")
    assert list(post.columns) == [*TRUTH, "weight", "distance"]
    assert post["weight"].sum() == pytest.approx(1.0)
    summary = json.loads((fit_dir / "summary.json").read_text())
    assert set(summary["parameters"]) == set(TRUTH)
    calibrated = adoptsim.load_scenario(fit_dir / "calibrated.yaml")
    assert calibrated.calibration.posterior == "posterior.csv"
    assert calibrated.behavior.w_social == pytest.approx(summary["parameters"][
        "behavior.w_social"]["median"])  # fmt: skip
    fc = tmp_path / "forecast"
    res = cli.invoke(app, ["forecast", str(fit_dir / "calibrated.yaml"), "--weeks", "30",
                           "--runs", "8", "--out", str(fc)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (fc / "forecast.png").exists()
    draws = adoptsim.Result.load(fc).manifest["per_replicate"]["behavior.w_social"]
    assert len(draws) == 8 and len(set(draws)) > 1  # each run its own draw
    nxt = tmp_path / "plans" / "next.yaml"  # in another folder: the posterior still resolves
    nxt.parent.mkdir()
    nxt.write_text(
        f"extends: {fit_dir / 'calibrated.yaml'}\nname: next step\n"
        "strategies: [{type: senior_sponsor, start: 13}]\n"
    )
    res = cli.invoke(app, ["compare", str(fit_dir / "calibrated.yaml"), str(nxt), "--runs", "6",
                           "--out", str(tmp_path / "cmp"), "--no-chart"])  # fmt: skip
    assert res.exit_code == 0, res.output


def test_cli_bad_inputs_exit_2_naming_the_culprit(pilot_files, tmp_path):
    obs = tmp_path / "obs.csv"
    obs.write_text("week,active_share\n1,2.0\n")
    base = ["calibrate", str(pilot_files / "pilot.yaml"), "--out", str(tmp_path / "o")]
    res = cli.invoke(app, [*base, "--observed", str(obs), "--fit", FIT[0]])
    assert res.exit_code == 2 and "obs.csv" in res.output and "0..1" in res.output
    obs.write_text("week,active_share\n1,0.1\n")
    res = cli.invoke(app, [*base, "--observed", str(obs), "--fit", "behavior.w_social=1:0"])
    assert res.exit_code == 2 and "--fit" in res.output
    assert "Traceback" not in res.output


def test_numbers_of_a_calibration_are_finite(pilot_files):
    obs = observe(7)[["week", "ever_tried_share"]]
    path = pilot_files / "finite.csv"
    obs.to_csv(path, index=False)
    cal = calibrate(pilot_files / "pilot.yaml", path, FIT, population=30, generations=2)
    assert np.isfinite(cal.posterior.to_numpy()).all()


def test_the_summary_warns_when_the_data_cannot_tell_parameters_apart(tmp_path):
    from adoptsim.calibration import Calibration, FitParameter, SMCResult
    from adoptsim.calibration.abc import Generation
    from adoptsim.calibration.observed import Observed

    rng = np.random.default_rng(0)
    a = rng.uniform(0.0, 0.6, 200)  # spans the prior: uninformed
    b = 1.6 - 1.2 * a + rng.normal(0, 0.02, 200)  # moves with a: hard to tell apart
    gen = Generation(np.c_[a, b], np.full(200, 1 / 200), np.zeros(200), 0.1, 0.5, 200)
    fit = [FitParameter("behavior.w_social", 0, 0.6), FitParameter("tool.value", 0.8, 1.6)]
    table = pd.DataFrame({"week": [1], "series": ["active_share"], "department": [""],
                          "value": [0.1]})  # fmt: skip
    observed = Observed(table, "x")
    cal = Calibration(validate_scenario(PILOT), fit, observed, SMCResult([gen]), 1, 1, 0.0)
    warnings = cal.summary()["warnings"]
    assert any("hard to tell apart" in w and "tool.value" in w for w in warnings)
    assert any("say little about behavior.w_social" in w for w in warnings)
    tight = Generation(np.c_[rng.normal(0.3, 0.01, 200), rng.normal(1.2, 0.01, 200)],
                       np.full(200, 1 / 200), np.zeros(200), 0.1, 0.5, 200)  # fmt: skip
    cal.smc = SMCResult([tight])
    assert cal.summary()["warnings"] == []


def test_a_calibration_section_in_the_scenario_replaces_the_flags(pilot_files, tmp_path):
    observe(8)[["week", "ever_tried_share"]].to_csv(tmp_path / "weeks.csv", index=False)
    data = {**PILOT, "calibration": {"observed": "weeks.csv", "fit": FIT, "population": 30,
                                     "generations": 2}}  # fmt: skip
    path = tmp_path / "with_section.yaml"
    path.write_text(yaml.safe_dump(data))
    cal = calibrate(path)
    assert [p.path for p in cal.fit] == list(TRUTH) and len(cal.posterior) == 30
    res = cli.invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "fit")])
    assert res.exit_code == 0, res.output
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(PILOT))
    res = cli.invoke(app, ["calibrate", str(bare), "--fit", FIT[0], "--out", str(tmp_path / "b")])
    assert res.exit_code == 2 and "--observed" in res.output


def test_particles_run_together_with_the_same_posterior(pilot_files, monkeypatch):
    """Fitting parameters the engine takes per replicate, a population runs in batches;
    the posterior is the one of one simulation per particle, to the last digit."""
    import adoptsim.calibration.fit as fit_module

    obs = observe(6)[["week", "ever_tried_share"]]
    path = pilot_files / "together.csv"
    obs.to_csv(path, index=False)
    batched = calibrate(pilot_files / "pilot.yaml", path, FIT, population=30, generations=2)
    monkeypatch.setattr(fit_module, "REPLICATE_PARAMETERS", ())
    alone = calibrate(pilot_files / "pilot.yaml", path, FIT, population=30, generations=2)
    pd.testing.assert_frame_equal(batched.posterior, alone.posterior)
