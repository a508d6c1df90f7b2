"""Per-person observations, the conditioned week and the particle filter (a small twin)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from adoptsim.calibration import calibrate
from adoptsim.calibration.assimilate import (
    Assimilation,
    assimilate,
    filter_estimate,
    snapshot_size,
)
from adoptsim.calibration.persons import person_form, read_any, read_persons
from adoptsim.calibration.resampling import copies, fresh_traits, systematic
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.model.conditioned import ConditionedSimulation
from adoptsim.model.engine import CURVE_COLUMNS, Simulation
from adoptsim.model.people import UNAWARE
from adoptsim.runs.runner import build_org, run
from adoptsim.scenario import load_scenario
from tests.conftest import SMALL, deep_update, small_scenario

cli = CliRunner()
TRUTH = {"behavior.w_social": 0.5, "behavior.external_awareness": 0.03, "tool.value": 1.45}
PRIOR = {
    "behavior.w_social": (0.0, 0.6),
    "behavior.external_awareness": (0.005, 0.06),
    "tool.value": (0.9, 1.6),
}


def write_twin(folder: Path, seed: int, pilot: int = 8, employees: int = 300):
    """A scenario with a prior sample as its posterior, the truth's per-person weeks
    1..pilot and the truth's curves."""
    data = deep_update(SMALL, {"weeks": 40, "seed": seed, "runs": 40})
    data["organization"]["generate"]["employees"] = employees
    (folder / "base.yaml").write_text(yaml.safe_dump(data))
    draws = np.random.default_rng(seed).uniform(size=(200, len(PRIOR)))
    post = {k: lo + (hi - lo) * draws[:, j] for j, (k, (lo, hi)) in enumerate(PRIOR.items())}
    pd.DataFrame(post | {"weight": 1 / 200, "distance": 0.0}).to_csv(
        folder / "posterior.csv", index=False
    )
    (folder / "calibrated.yaml").write_text(
        "extends: base.yaml\nname: twin\ncalibration:\n  posterior: posterior.csv\n"
    )
    spec = load_scenario(folder / "base.yaml")
    org = build_org(spec, seed)
    values = {k: np.array([v]) for k, v in TRUTH.items()}
    sim = Simulation(spec, org, seed, [0], values=values, streams_of=["truth"])
    with open(folder / "activity.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["employee_id", "week", "active"])
        while sim.week < pilot:
            sim.step()
            out.writerows((org.ids[i], sim.week, 1) for i in np.flatnonzero(sim.used[0]))
    first = np.where(sim.ever_tried[0], 0, -1)
    sim.run()
    return folder / "calibrated.yaml", folder / "activity.csv", sim.curves[:, 0], org, first


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    return write_twin(tmp_path_factory.mktemp("twin"), seed=5)


# --- reading ---------------------------------------------------------------------------
def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_the_activity_form_reads_into_codes(twin, tmp_path):
    _, observed, truth, org, _ = twin
    obs = read_persons(observed, org)
    assert person_form(observed) == "activity"
    assert obs.last_week == 8 and obs.codes.shape == (9, org.n)
    using = CURVE_COLUMNS.index("using_share")
    np.testing.assert_allclose((obs.codes[1:] == 1).mean(axis=1), truth[1:9, using])
    assert set(np.unique(obs.codes[1:])) <= {0, 1}
    longer = read_persons(observed, org, through=10)
    assert longer.last_week == 10 and not (longer.codes[9:] == 1).any()
    shares = obs.aggregate(org).table
    assert set(shares["series"]) == {"using_share", "ever_tried_share"}
    assert set(shares["department"]) == {"", *org.departments}


def test_the_first_use_form_needs_through_and_leaves_later_weeks_unknown(twin, tmp_path):
    org = twin[3]
    a, b, c = (str(x) for x in org.ids[:3])
    path = write(tmp_path / "first.csv", f"employee_id,first_week\n{a},2\n{b},\n{c},4\n")
    assert person_form(path) == "first_use"
    with pytest.raises(InputError, match="--through"):
        read_persons(path, org)
    obs = read_persons(path, org, through=5)
    assert obs.codes[1:, 0].tolist() == [0, 1, -1, -1, -1]
    assert obs.codes[1:, 1].tolist() == [0] * 5
    assert obs.codes[1:, 3].tolist() == [-1] * 5  # not in the file: not observed
    tried = obs.aggregate(org).table
    whole = tried[(tried["department"] == "") & (tried["week"] == 4)]
    assert whole["value"].item() == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("text", "through", "match"),
    [
        ("employee_id,week,active\nNOBODY,1,1\n", None, "row 2: unknown employee id 'NOBODY'"),
        ("employee_id,week,active\n{a},1,1\n{a},1,0\n", None, "row 3: .* twice in week 1"),
        ("employee_id,week,active\n{a},1,yes\n", None, "row 2: active 'yes' is not 1 or 0"),
        ("employee_id,week,active\n{a},0,1\n", None, "row 2: week '0' is not a whole week"),
        ("employee_id,week,active\n{a},9,1\n", 5, "row 2: week 9 is after --through 5"),
        ("employee_id,first_week\n{a},7\n", 5, "row 2: first_week 7 is after --through 5"),
        ("employee_id,first_week\n{a},2\n{a},\n", 5, "row 3: .* cannot be undone"),
        ("employee_id,first_week\n{a},2\n{a},3\n", 5, "row 3: .* appears twice"),
        ("employee_id,when\n{a},2\n", None, "exactly employee_id,week,active"),
        ("employee_id,week,active\n", None, "no observation"),
        ("employee_id,week,active\n{a},1\n", None, "row 2 has 2 cells for 3 columns"),
        # a week no scenario reaches, without --through: refused before any array is made
        (
            "employee_id,week,active\n{a},1" + "0" * 22 + ",1\n",
            None,
            "1" + "0" * 22 + " is after week 520",
        ),
        ("employee_id,first_week\n{a},2\n", 10**11, "100000000000 is after week 520"),
    ],
)
def test_bad_per_person_files_name_the_row(twin, tmp_path, text, through, match):
    org = twin[3]
    path = write(tmp_path / "bad.csv", text.format(a=org.ids[0]))
    with pytest.raises(InputError, match=match) as err:
        read_persons(path, org, through=through)
    assert "bad.csv" in str(err.value) or err.value.source == "--through"


def test_an_aggregate_file_with_through_is_refused(twin, tmp_path):
    path = write(tmp_path / "agg.csv", "week,active_share\n1,0.1\n")
    assert person_form(path) is None
    assert len(read_any(path, twin[3], 20).table) == 1
    with pytest.raises(InputError, match="--through applies to per-person"):
        read_any(path, twin[3], 20, through=3)


# --- the conditioned week ------------------------------------------------------------------
def test_observed_weeks_are_held_and_the_likelihood_prefers_the_truth(twin):
    scenario, observed, _, org, _ = twin
    spec = load_scenario(scenario)
    obs = read_persons(observed, org)
    ext = np.repeat([0.003, 0.03, 0.3], 12)
    sim = ConditionedSimulation(
        spec, org, spec.seed, list(range(ext.size)), values={"behavior.external_awareness": ext}
    )
    total = np.zeros(ext.size)
    for week in range(1, obs.last_week + 1):
        sim.observe(obs.codes[week])
        sim.step()
        np.testing.assert_array_equal(
            sim.used, np.broadcast_to(obs.codes[week] == 1, sim.used.shape)
        )
        total += sim.loglik
    assert np.all(np.isfinite(total))
    low, right, high = total.reshape(3, -1).mean(axis=1)
    assert right > low and right > high
    sim.observe(None)  # a free week after: the model's own choices
    sim.step()
    assert not np.array_equal(sim.used[0], sim.used[1])


def test_systematic_resampling_keeps_the_weights():
    rng = np.random.default_rng(1)
    w = np.array([0.5, 0.25, 0.125, 0.125])
    idx = systematic(w, 800, rng)
    np.testing.assert_array_equal(np.bincount(idx, minlength=4), [400, 200, 100, 100])


# --- the filter ---------------------------------------------------------------------------
def twin_scores(folder: Path, seed: int) -> tuple[float, float, float]:
    """MAE of the weekly share using the tool, weeks 9-40: unconditioned, assimilated; the
    share of those weeks the assimilated 90 % band covers."""
    scenario, observed, truth, _, _ = write_twin(folder, seed)
    weeks = list(range(9, 41))
    true = truth[weeks, CURVE_COLUMNS.index("using_share")]
    plain = run(scenario, runs=60, seed=seed + 100).curves
    filt = assimilate(scenario, observed, particles=60, seed=seed, snapshot=0)
    assert filt.table["ess"].between(1, 60).all()
    forecast = filt.forecast(40).curves
    out = []
    for curves in (plain, forecast):
        med = curves.groupby("week")["using_share"].median().loc[weeks].to_numpy()
        out.append(float(np.mean(np.abs(med - true))))
    band = forecast.groupby("week")["using_share"]
    low, high = (band.quantile(q).loc[weeks].to_numpy() for q in (0.05, 0.95))
    out.append(float(np.mean((true >= low) & (true <= high))))
    return out[0], out[1], out[2]


def test_the_assimilated_forecast_beats_the_unconditioned_one(tmp_path):
    scores = []
    for seed in (11, 12, 13):
        (tmp_path / f"s{seed}").mkdir()
        scores.append(twin_scores(tmp_path / f"s{seed}", seed))
    plain, assimilated, coverage = np.mean(scores, axis=0)
    assert assimilated < 0.7 * plain, scores
    assert coverage > 0.5, scores


def test_an_assimilation_continues_reproducibly_and_under_a_changed_plan(twin):
    scenario, observed, _, org, _ = twin
    a = assimilate(scenario, observed, particles=30, seed=2, snapshot=5)
    b = assimilate(scenario, observed, particles=30, seed=2, snapshot=0)
    pd.testing.assert_frame_equal(a.table, b.table)
    tempered = assimilate(scenario, observed, particles=30, seed=2, snapshot=0, temper=0.6)
    assert (tempered.table["ess"] >= 0.6 * 30 - 1e-6).all()
    assert (tempered.table["power"] <= a.table["power"]).all()
    first = a.forecast(30).curves
    pd.testing.assert_frame_equal(first, a.forecast(30).curves)
    assert first["week"].max() == 30 and first["replicate"].nunique() == 30
    # weeks up to the last observed one are as the filter saw them: the observed shares
    observed_share = (read_persons(observed, org).codes[1:9] == 1).mean(axis=1)
    seen = first[first["week"].between(1, 8)].groupby("week")["using_share"]
    np.testing.assert_allclose(seen.min(), observed_share)
    np.testing.assert_allclose(seen.max(), observed_share)
    spec = load_scenario(scenario)
    plan = spec.model_copy(
        update={"strategies": [*spec.strategies, *load_scenario(
            Path(__file__).parents[1] / "scenarios" / "evangelists.yaml").strategies]}
    )  # fmt: skip
    changed = a.forecast(30, scenario=plan).curves
    assert not changed["active_share"].equals(first["active_share"])
    assert sorted(a.snapshots) == list(range(1, 9))
    assert a.forecast_from(4, 30).curves["replicate"].nunique() == 5


def test_a_saved_assimilation_forecasts_the_same(twin, tmp_path):
    scenario, observed, *_ = twin
    a = assimilate(scenario, observed, particles=20, seed=4, snapshot=0)
    back = Assimilation.load(a.save(tmp_path / "saved"), scenario)
    np.testing.assert_allclose(back.weights, a.weights)
    pd.testing.assert_frame_equal(back.forecast(25).curves, a.forecast(25).curves)


def test_copies_redraw_the_traits_of_those_who_have_not_tried(twin):
    scenario, observed, *_ = twin
    spec = load_scenario(scenario)
    a = assimilate(scenario, observed, particles=30, seed=2, snapshot=0)
    state = a.state
    idx = np.array([0, 0, 1])
    taken = copies(state, idx, "t")
    fresh = fresh_traits(copies(state, idx, "t"), idx, "t", spec, a.org)
    tried = state.arrays["ever_tried"][0]
    assert 0 < tried.sum() < state.employees
    for name in ("traits.innovativeness", "traits.legacy_habit", "traits.usefulness_noise"):
        old, new = taken.arrays[name], fresh.arrays[name]
        np.testing.assert_array_equal(new[[0, 2]], old[[0, 2]])  # first copies kept
        np.testing.assert_array_equal(new[1, tried], old[1, tried])  # who tried: kept
        assert np.all(new[1, ~tried] != old[1, ~tried])  # the others: drawn again
    # the state follows the traits: usefulness less its noise is unchanged
    np.testing.assert_allclose(
        fresh.arrays["usefulness"][1] - fresh.arrays["traits.usefulness_noise"][1],
        taken.arrays["usefulness"][1] - taken.arrays["traits.usefulness_noise"][1],
    )
    ancestors = a.table["ancestors"]
    assert ancestors.iloc[0] <= 30 and (ancestors.diff().dropna() <= 0).all()
    # the default: only those who have not heard of the tool in the copy draw again
    unaware = fresh_traits(copies(state, idx, "t"), idx, "t", spec, a.org, "unaware")
    heard = taken.arrays["stage"][1] != UNAWARE
    assert (heard & ~tried).sum() > 0 and (~heard).sum() > 0
    for name in ("traits.innovativeness", "traits.usefulness_noise"):
        old, new = taken.arrays[name], unaware.arrays[name]
        np.testing.assert_array_equal(new[1, heard], old[1, heard])
        assert np.all(new[1, ~heard] != old[1, ~heard])
    with pytest.raises(ValueError, match="renew_traits"):
        assimilate(scenario, observed, particles=4, seed=2, snapshot=0, renew_traits="all")


def test_traits_drawn_again_for_the_unaware_only_keep_the_forecast_unbiased():
    """From the truth's own state at week 12 (a 300-person twin, 8 seeds, 40 copies each):
    copies that draw again the traits of everyone who has not tried forecast a faster
    take-off than the truth's own traits (those aware for weeks without trying are slower
    than the prior), copies that draw again only those of the unaware do not."""
    untried, unaware = [], []
    for seed in range(1, 9):
        spec = small_scenario(weeks=40, seed=seed)
        org = build_org(spec, seed)
        values = {k: np.array([v]) for k, v in TRUTH.items()}
        sim = Simulation(spec, org, seed, [0], values=values, streams_of=["truth"])
        sim.run(until=12)
        state, idx = sim.state(events=False), np.zeros(40, dtype=int)
        mean = {}
        for who in ("own", "untried", "unaware"):
            taken = copies(state, idx, "t")
            if who != "own":
                taken = fresh_traits(taken, idx, "t", spec, org, who)
            again = Simulation.resume(spec, org, taken)
            again.run()
            mean[who] = again.curves[13:, :, CURVE_COLUMNS.index("using_share")].mean()
        untried.append(mean["untried"] - mean["own"])
        unaware.append(mean["unaware"] - mean["own"])
    assert np.mean(untried) > 0.015, untried
    assert abs(np.mean(unaware)) < 0.012, unaware
    assert np.mean(unaware) < np.mean(untried) - 0.015


def test_aggregate_shares_weigh_the_particles_and_help_the_forecast(twin, tmp_path):
    scenario, _, truth, org, _ = twin
    col = CURVE_COLUMNS.index("using_share")
    # weeks 1-12 (by week 8 fewer than 2 % use the tool: its shares tell next to nothing)
    series = pd.DataFrame({"week": range(1, 13), "using_share": truth[1:13, col]})
    series.to_csv(tmp_path / "shares.csv", index=False)
    a = assimilate(scenario, tmp_path / "shares.csv", particles=60, seed=3, snapshot=0)
    assert a.table["week"].tolist() == list(range(1, 13))
    assert a.table["ess"].between(1, 60).all() and a.table["resampled"].any()
    weeks = list(range(13, 41))
    true = truth[weeks, col]
    plain = run(scenario, runs=60, seed=103).curves
    out = []
    for curves in (plain, a.forecast(40).curves):
        med = curves.groupby("week")["using_share"].median().loc[weeks].to_numpy()
        out.append(float(np.mean(np.abs(med - true))))
    assert out[1] < out[0], out
    # the aggregate reader's checks hold: a department's series not counted by department
    dept = org.departments[0]
    bad = pd.DataFrame({"week": [1, 2], "department": dept, "using_share": [0.1, 0.2]})
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match="unknown series 'using_share'"):
        assimilate(scenario, tmp_path / "bad.csv", particles=10, seed=3)


def test_aggregate_periods_are_model_weeks_times_the_period_length(twin, tmp_path):
    scenario, _, truth, *_ = twin
    monthly = tmp_path / "monthly.yaml"
    monthly.write_text(
        f"extends: {scenario}\ncalibration:\n  posterior: {scenario.parent / 'posterior.csv'}"
        "\n  period_weeks: 2\n"
    )
    col = CURVE_COLUMNS.index("using_share")
    pd.DataFrame({"week": [1, 2, 3], "using_share": truth[[2, 4, 6], col]}).to_csv(
        tmp_path / "periods.csv", index=False
    )
    a = assimilate(monthly, tmp_path / "periods.csv", particles=12, seed=3, snapshot=0)
    assert a.state.week == 6 and a.table["week"].tolist() == list(range(1, 7))


def test_cli_forecast_takes_an_aggregate_series(twin, tmp_path):
    scenario, _, truth, *_ = twin
    col = CURVE_COLUMNS.index("ever_tried_share")
    pd.DataFrame({"week": range(1, 7), "ever_tried_share": truth[1:7, col]}).to_csv(
        tmp_path / "shares.csv", index=False
    )
    out = tmp_path / "fc"
    res = cli.invoke(
        app,
        ["forecast", str(scenario), "--observed", str(tmp_path / "shares.csv"), "--weeks", "15",
         "--runs", "12", "--seed", "3", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert pd.read_csv(out / "filter.csv")["week"].tolist() == list(range(1, 7))
    res = cli.invoke(
        app,
        ["forecast", str(scenario), "--observed", str(tmp_path / "shares.csv"), "--through",
         "6", "--runs", "12", "--out", str(tmp_path / "x")],
    )  # fmt: skip
    assert res.exit_code == 2 and "--through applies to per-person" in " ".join(res.output.split())


def test_snapshots_are_counted_in_the_memory_and_fewer_kept_when_big():
    assert snapshot_size(50, 500, 1_000, 12) == 50
    assert snapshot_size(0, 500, 1_000, 12) == 0
    few = snapshot_size(50, 50, 100_000, 12)
    assert 2 <= few < 50
    plain = filter_estimate(50, 100_000, 12).memory
    assert filter_estimate(50, 100_000, 12, few).memory - plain == 250 * few * 100_000 * 12
    # the move step's replay of twice the particles and what it keeps
    assert filter_estimate(50, 100_000, 12, moves=3).memory - plain == 2 * 250 * 50 * 100_000
    assert (
        filter_estimate(50, 100_000, 12, moves=3).seconds > filter_estimate(50, 100_000, 12).seconds
    )


def test_too_few_or_too_many_particles_are_refused(twin):
    scenario, observed, *_ = twin
    with pytest.raises(InputError, match="at least 2"):
        assimilate(scenario, observed, particles=1)
    with pytest.raises(InputError, match="memory"):
        assimilate(scenario, observed, particles=1000, max_memory=100 * 2**20)


# --- commands --------------------------------------------------------------------------------
def test_cli_forecast_with_observed_writes_the_filter(twin, tmp_path):
    scenario, observed, *_ = twin
    out = tmp_path / "fc"
    res = cli.invoke(
        app,
        ["forecast", str(scenario), "--observed", str(observed), "--weeks", "20",
         "--runs", "20", "--seed", "3", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "filter.csv")
    assert table["week"].tolist() == list(range(1, 9))
    assert {"ess", "resampled", "tool.value:median", "tool.value:low"} <= set(table.columns)
    curves = pd.read_csv(out / "curves.csv")
    assert curves["week"].tolist()[:21] == list(range(21))
    assert (out / "forecast_by_week.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--weeks", "5"], "after the forecast's last week"),
        (["--runs", "1"], "at least 2"),
        (["--through", "3"], "is after --through 3"),
    ],
)
def test_cli_forecast_bad_inputs_exit_2(twin, tmp_path, extra, match):
    scenario, observed, *_ = twin
    args = ["forecast", str(scenario), "--observed", str(observed), "--out", str(tmp_path / "x")]
    res = cli.invoke(
        app, [*args, "--runs", "10", *extra] if "--runs" not in extra else [*args, *extra]
    )
    assert res.exit_code == 2, res.output
    assert match in " ".join(res.output.split())


def test_calibrate_fits_per_person_weeks_by_department(twin, tmp_path):
    scenario, observed, _, org, _ = twin
    cal = calibrate(
        load_scenario(scenario).model_copy(update={"calibration": None}),
        observed,
        ["behavior.external_awareness=0.005:0.1:log"],
        population=30,
        generations=1,
    )
    table = cal.observed.table
    assert set(table["department"]) == {"", *org.departments}
    assert set(table["series"]) == {"using_share", "ever_tried_share"}
    lo, med, hi = cal.interval("behavior.external_awareness")
    assert 0.005 <= lo <= med <= hi <= 0.1
