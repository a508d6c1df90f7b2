"""The default fit set and its priors, informative priors, ABC's stop rules, observed
periods of several weeks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.calibration import calibrate, parse_fit
from adoptsim.calibration.abc import abc_smc
from adoptsim.calibration.bass import fit_bass
from adoptsim.calibration.defaults import BASS_P, BASS_Q, default_fit, first_period_share
from adoptsim.calibration.spec import FitPrior
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.runs.runner import build_org
from adoptsim.scenario import validate_scenario, with_overrides
from tests.conftest import SMALL, deep_update

cli = CliRunner()
PILOT = deep_update(SMALL, {"name": "pilot", "weeks": 40, "organization": {"generate": {
    "employees": 400}}})  # fmt: skip


# ---- priors -----------------------------------------------------------------------------
def test_a_normal_prior_is_parsed_sampled_inside_its_range_and_weighs_its_center():
    f = parse_fit("behavior.external_awareness=0.001:0.5:log:normal(0.03,1)")
    assert (f.center, f.spread, f.log) == (0.03, 1.0, True)
    assert parse_fit(f.text()) == f
    x = f.sample(4000, np.random.default_rng(1))
    lo, hi = f.bounds
    assert x.min() >= lo and x.max() <= hi
    assert abs(np.median(np.exp(x)) - 0.03) < 0.006
    near, far = f.log_density(np.log([0.03, 0.3]))
    assert near > far and np.isneginf(f.log_density(np.log([0.9]))[0])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("behavior.intercept=-3:6:normal(9,1)", "MU must lie in LO..HI"),
        ("behavior.intercept=-3:6:normal(1,0)", "SD must be above 0"),
        ("behavior.intercept=-3:6:normal(a,1)", "must be numbers"),
    ],
)
def test_bad_normal_priors_are_refused(text, match):
    with pytest.raises(InputError, match=match):
        parse_fit(text)


def test_abc_with_an_informative_prior_leans_toward_it():
    """With data that say nothing, the posterior is the prior: a normal prior's mean."""
    f = parse_fit("x.y=0:1:normal(0.2,0.05)")
    flat = parse_fit("x.y=0:1")

    def noise(rows):
        return np.random.default_rng(len(rows)).random((len(rows), 1))

    rng = np.random.default_rng(3)
    res = abc_smc(np.array([f.bounds]), noise, rng, population=300, generations=2,
                  prior=FitPrior((f,)))  # fmt: skip
    g = res.posterior
    mean = float(np.sum(g.weights * g.particles[:, 0]))
    assert abs(mean - 0.2) < 0.03
    res = abc_smc(np.array([flat.bounds]), noise, np.random.default_rng(3), population=300,
                  generations=2)  # fmt: skip
    assert abs(float(np.sum(res.posterior.weights * res.posterior.particles[:, 0])) - 0.5) < 0.06


# ---- stop rules -------------------------------------------------------------------------
def _toy(rows: np.ndarray) -> np.ndarray:
    """Distance of a one-parameter toy: |theta - 0.3| plus noise of sd 0.01."""
    g = np.random.default_rng(int(1e6 * rows[0, 0]) % 2**31)
    return np.abs(rows[:, :1] - 0.3) + np.abs(g.normal(0, 0.01, (len(rows), 1)))


def test_abc_stops_when_it_has_converged_and_says_so():
    res = abc_smc(np.array([[0.0, 1.0]]), _toy, np.random.default_rng(1), population=200,
                  generations=40, min_acceptance=0.05, min_tolerance_drop=0.05)  # fmt: skip
    assert res.converged and res.stop in ("tolerance", "acceptance")
    assert len(res.generations) < 41
    g = res.posterior
    assert abs(float(np.sum(g.weights * g.particles[:, 0])) - 0.3) < 0.02


def test_abc_that_runs_out_of_budget_is_not_converged():
    res = abc_smc(np.array([[0.0, 1.0]]), _toy, np.random.default_rng(1), population=200,
                  generations=40, min_tolerance_drop=0.05, max_simulations=800)  # fmt: skip
    assert not res.converged and res.stop == "simulations"
    assert "simulation budget" in res.reason


def test_a_proposal_range_no_kernel_can_hit_is_refused_not_looped_forever():
    from adoptsim.calibration.abc import Generation, perturb

    last = Generation(np.array([[0.0], [1.0]]), np.array([0.5, 0.5]), np.zeros(2), 1.0, 1.0, 2)
    with pytest.raises(InputError, match="widen the --fit ranges"):
        perturb(last, 10, np.array([[5.0, 5.0 + 1e-12]]), np.eye(1) * 1e-6,
                np.random.default_rng(1))  # fmt: skip


# ---- the default fit set ----------------------------------------------------------------
def test_the_prior_centers_make_the_model_a_bass_curve_with_the_meta_analysis_p_and_q():
    """At the default priors' centers the model's ever-tried curve, fitted by Bass, has
    Sultan, Farley & Lehmann's p 0.03 and q 0.38 (within a third)."""
    spec = validate_scenario(deep_update(SMALL, {"weeks": 25, "organization": {"generate": {
        "employees": 1000}}}))  # fmt: skip
    org = build_org(spec, spec.seed)
    centers = {p.path: p.center for p in default_fit(org) if p.normal}
    res = adoptsim.run(with_overrides(spec, centers), runs=20, seed=1)
    curve = res.curves.groupby("week")["ever_tried_share"].mean().loc[1:25].to_numpy()
    bass = fit_bass(np.arange(1, 26), curve, fit_market=True)
    assert abs(bass.p - BASS_P) < BASS_P / 3
    assert abs(bass.q - BASS_Q) < BASS_Q / 3
    assert bass.m > 0.95


def test_the_default_set_adds_adopters_at_launch_only_when_period_one_holds_some():
    spec = validate_scenario(PILOT)
    org = build_org(spec, 1)
    paths = [p.path for p in default_fit(org)]
    assert paths == ["behavior.external_awareness", "behavior.peer_awareness",
                     "tool.market_potential", "behavior.intercept"]  # fmt: skip
    late = default_fit(org, 1, 0.08)
    assert late[-1].path == "tool.initial_adopters" and late[-1].high == 0.08
    table = pd.DataFrame({"week": [1, 2], "department": ["", ""], "value": [0.08, 0.1]})
    assert first_period_share(table) == 0.08
    weekly = default_fit(org, 4)[0].center
    assert weekly == pytest.approx(1 - (1 - 0.03) ** 0.25)


TRUTH = {
    "behavior.external_awareness": 0.012,
    "behavior.peer_awareness": 0.15,
    "tool.market_potential": 0.6,
    "behavior.intercept": 6.0,
}


def _observe(seed: int, weeks: int = 12) -> pd.DataFrame:
    truth = with_overrides(validate_scenario(PILOT), TRUTH)
    curves = adoptsim.runs.runner.simulate(truth, seed, [1_000_000])["curves"]
    return curves[(curves["week"] >= 1) & (curves["week"] <= weeks)]


@pytest.mark.slow
def test_the_default_fit_set_recovers_a_synthetic_truth_and_its_band_holds_the_future(tmp_path):
    """Over three synthetic pilots (12 of 40 weeks): the 90 % intervals of the default set
    hold the truth in most cases, and the forecast band holds the true mean curve."""
    (tmp_path / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    truth_spec = with_overrides(validate_scenario(PILOT), TRUTH)
    true_curve = adoptsim.run(truth_spec, runs=40, seed=500).curves.groupby("week")[
        "ever_tried_share"].mean()  # fmt: skip
    covered, band_ok = 0, 0
    for seed in (1, 2, 3):
        path = tmp_path / f"obs{seed}.csv"
        _observe(seed)[["week", "ever_tried_share", "active_share"]].to_csv(path, index=False)
        cal = calibrate(tmp_path / "pilot.yaml", path, population=150, seed=seed,
                        max_simulations=6000)  # fmt: skip
        assert cal.default_fit
        for p in cal.fit:
            lo, _, hi = cal.interval(p.path)
            if p.path in TRUTH:  # adopters at launch (truth 0): week 1 already had some
                covered += lo <= TRUTH[p.path] <= hi
        forecast = adoptsim.run(cal.scenario, runs=40, seed=seed, posterior=cal.posterior)
        g = forecast.curves.groupby("week")["ever_tried_share"]
        later = true_curve.index[true_curve.index >= 13]
        lo, hi = g.quantile(0.05)[later], g.quantile(0.95)[later]
        band_ok += ((true_curve[later] >= lo) & (true_curve[later] <= hi)).mean() >= 0.8
    assert covered >= 10, f"the 90 % intervals held the truth {covered} times of 12"
    assert band_ok >= 2


def test_periods_of_several_weeks_map_to_model_weeks(tmp_path):
    """Observed period k is model week k x period_weeks: a monthly series of a weekly truth
    is fitted as well as the weekly one, and the priors are weekly rates."""
    (tmp_path / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    weekly = _observe(4, 16)[["week", "ever_tried_share"]]
    monthly = weekly[weekly["week"] % 4 == 0].assign(week=lambda d: d["week"] // 4)
    monthly.to_csv(tmp_path / "monthly.csv", index=False)
    cal = calibrate(tmp_path / "pilot.yaml", tmp_path / "monthly.csv", period_weeks=4,
                    population=60, generations=3, seed=2)  # fmt: skip
    assert sorted(cal.observed.table["week"]) == [4, 8, 12, 16]
    assert cal.fit[0].center == pytest.approx(1 - (1 - BASS_P) ** 0.25)
    assert cal.summary()["period_weeks"] == 4
    assert "period_weeks: 4" in cal.calibrated_yaml(tmp_path)


def test_cli_calibrate_without_fit_uses_the_default_set(tmp_path):
    (tmp_path / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    _observe(5)[["week", "ever_tried_share"]].to_csv(tmp_path / "obs.csv", index=False)
    r = cli.invoke(app, ["calibrate", str(tmp_path / "pilot.yaml"), "--observed",
                         str(tmp_path / "obs.csv"), "--population", "40", "--generations", "2",
                         "--out", str(tmp_path / "fit")])  # fmt: skip
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "fit" / "summary.json").read_text())
    assert summary["fit_set"].startswith("default")
    assert set(TRUTH) <= set(summary["parameters"])
    assert summary["parameters"]["behavior.intercept"]["normal_prior"] == [8.0, 3.0]
    assert "converged" in summary and "seconds" in summary


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "x"])
def test_a_period_length_that_is_not_a_positive_whole_number_exits_2(tmp_path, value):
    (tmp_path / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    _observe(5)[["week", "ever_tried_share"]].to_csv(tmp_path / "obs.csv", index=False)
    r = cli.invoke(app, ["backtest", str(tmp_path / "pilot.yaml"), "--observed",
                         str(tmp_path / "obs.csv"), "--origins", "4:5", "--period-weeks", value,
                         "--out", str(tmp_path / "bt")])  # fmt: skip
    assert r.exit_code == 2, r.output
    assert "period-weeks" in r.output
    assert not (tmp_path / "bt").exists()


def test_cli_calibrate_refuses_a_bad_period_length_before_fitting(tmp_path):
    (tmp_path / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    _observe(5)[["week", "ever_tried_share"]].to_csv(tmp_path / "obs.csv", index=False)
    r = cli.invoke(app, ["calibrate", str(tmp_path / "pilot.yaml"), "--observed",
                         str(tmp_path / "obs.csv"), "--period-weeks", "0",
                         "--out", str(tmp_path / "fit")])  # fmt: skip
    assert r.exit_code == 2 and "--period-weeks" in r.output
    assert not (tmp_path / "fit").exists()
