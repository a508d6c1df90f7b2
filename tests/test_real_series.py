"""The real series shipped for the Bass comparison, and the Bass fit itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from adoptsim.calibration import read_observed
from adoptsim.calibration.bass import bass_cumulative, fit_bass
from adoptsim.calibration.fit import department_sizes
from adoptsim.runs.runner import build_org
from adoptsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "korean_family_planning.yaml"


def test_bass_fit_recovers_p_and_q_of_a_bass_curve():
    t = np.arange(1, 16)
    exact = bass_cumulative(t, 0.03, 0.4)
    fit = fit_bass(t, exact)
    assert fit.p == pytest.approx(0.03, rel=1e-4) and fit.q == pytest.approx(0.4, rel=1e-4)
    assert fit.m == 1.0  # market size fixed at the whole population
    noisy = exact + np.random.default_rng(0).normal(0, 0.005, len(t))
    fit = fit_bass(t, noisy)
    assert fit.p == pytest.approx(0.03, rel=0.15) and fit.q == pytest.approx(0.4, rel=0.1)


def test_bass_fit_with_the_market_size_recovers_it():
    t = np.arange(1, 21)
    fit = fit_bass(t, bass_cumulative(t, 0.02, 0.5, 0.6), fit_market=True)
    assert (fit.p, fit.q, fit.m) == pytest.approx((0.02, 0.5, 0.6), rel=1e-3)


def test_bass_fit_refuses_too_few_points():
    with pytest.raises(ValueError, match="at least as many points"):
        fit_bass(np.array([1.0]), np.array([0.1]))


def test_the_shipped_series_loads_against_its_scenario():
    spec = load_scenario(SCENARIO)
    observed_file = SCENARIO.parent / spec.calibration.observed
    org = build_org(spec, spec.seed)
    assert org.n == 1047 and len(org.departments) == 25  # the survey's women and villages
    obs = read_observed(observed_file, org.n, spec.weeks, department_sizes(org))
    t = obs.table
    assert list(t["series"].unique()) == ["ever_tried_share"]
    assert list(t["week"]) == list(range(1, 11)) and obs.last_week == spec.weeks
    assert t["value"].iloc[0] == pytest.approx(69 / 1047)  # 1963 (netdiffuseR kfamily, toa 1)
    assert t["value"].iloc[-1] == pytest.approx(673 / 1047)  # by 1972; 374 never adopted
    assert np.all(np.diff(t["value"]) > 0)
