"""Rolling-origin backtests: the curve models, the scores, the command and its bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.calibration.backtest import METHODS, backtest, parse_origins, score
from adoptsim.calibration.curves import fit_curve, gompertz, logistic
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.scenario import validate_scenario, with_overrides
from tests.conftest import SMALL, deep_update

cli = CliRunner()
SERIES = deep_update(SMALL, {"name": "series", "weeks": 10})


@pytest.mark.parametrize(
    ("name", "f", "truth"),
    [("logistic", logistic, (0.8, 0.7, 6.0)), ("gompertz", gompertz, (0.9, 4.0, 0.3))],
)
def test_a_curve_model_recovers_its_own_curve(name, f, truth):
    t = np.arange(1, 11)
    fitted = fit_curve(name, t, f(t, *truth))
    later = np.arange(11, 20)
    assert np.allclose(fitted(later), f(later, *truth), atol=0.01)


def test_naive_holds_the_last_value_and_too_few_points_give_no_curve():
    assert np.allclose(fit_curve("naive", [1, 2, 3], [0.1, 0.2, 0.25])([5, 9]), 0.25)
    assert fit_curve("logistic", [1, 2], [0.1, 0.2]) is None


def test_scores_of_an_ensemble_and_of_a_point_forecast():
    obs = np.array([0.5, 0.58])
    ens = np.tile(np.linspace(0.4, 0.6, 101), (2, 1)).T  # runs x periods
    s = score(obs, ens, np.median(ens, axis=0))
    assert s["coverage_90"] == 1.0 and s["coverage_50"] == 0.5
    assert s["mae"] == pytest.approx(0.04)
    exact = score(obs, np.tile(obs, (5, 1)), obs)
    assert exact["crps"] == pytest.approx(0.0, abs=1e-12) and exact["mae"] == 0.0
    point = score(obs, None, np.array([0.4, 0.6]))
    assert point["crps"] == point["mae"] == pytest.approx(0.06)
    assert np.isnan(point["coverage_90"])


@pytest.mark.parametrize(
    ("text", "origins"),
    [("3", [3]), ("3:8", [3, 4, 5, 6, 7, 8]), ("1:1", [1]), ("4:16:4", [4, 8, 12, 16]),
     ("10,14,17", [10, 14, 17])],
)  # fmt: skip
def test_origins_parse(text, origins):
    assert parse_origins(text) == origins


@pytest.mark.parametrize("text", ["0:3", "5:3", "a:b", "3:4:5:6", "3:8:0", ""])
def test_bad_origins_are_refused(text):
    with pytest.raises(InputError, match="--origins"):
        parse_origins(text)


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    (folder / "series.yaml").write_text(yaml.safe_dump(SERIES))
    truth = with_overrides(
        validate_scenario(SERIES),
        {"behavior.intercept": 8.0, "tool.market_potential": 0.7,
         "behavior.external_awareness": 0.05},
    )  # fmt: skip
    curves = adoptsim.runs.runner.simulate(truth, 9, [1_000_000])["curves"]
    obs = curves[curves["week"] >= 1][["week", "ever_tried_share"]]
    obs.to_csv(folder / "series.csv", index=False)
    return folder


def test_a_backtest_scores_every_method_at_every_origin_and_seed(series):
    bt = backtest(series / "series.yaml", series / "series.csv", "4:5", seeds=[1, 2], runs=20,
                  population=30, generations=2)  # fmt: skip
    t = bt.table
    aggregate = set(METHODS) - {"assimilated"}  # no per-person data: no assimilated method
    assert set(t["method"]) == aggregate
    assert len(t) == len(aggregate) * 2 * 2
    for col in ("method", "origin", "seed", "mae", "crps", "coverage_50", "coverage_90"):
        assert col in t.columns
    ours = t[t["method"] == "adoptsim"]
    assert ours["mae"].between(0, 1).all() and ours["coverage_90"].between(0, 1).all()
    f = bt.forecasts
    assert set(f[f["origin"] == 4]["period"]) == set(range(5, 11))
    assert list(bt.by_origin().index) == [4, 5]


def test_cli_backtest_writes_its_folder(series, tmp_path):
    out = tmp_path / "bt"
    r = cli.invoke(app, ["backtest", str(series / "series.yaml"), "--observed",
                         str(series / "series.csv"), "--origins", "5:5", "--seeds", "1",
                         "--runs", "10", "--population", "20", "--generations", "1",
                         "--methods", "adoptsim,bass,naive", "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out / "backtest.csv")
    assert set(table["method"]) == {"adoptsim", "bass", "naive"}
    assert (out / "backtest.png").is_file() and (out / "summary.json").is_file()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--origins", "5:12"], "reach past the series"),
        (["--origins", "2:4"], "at least 3 needed"),
        (["--origins", "x"], "--origins"),
        (
            [
                "--origins",
                "4:5",
                "--fit",
                "behavior.w_social=0:1",
                "--fit",
                "behavior.w_social=0:0.5",
            ],
            "fitted twice",
        ),
        (["--origins", "4:5", "--methods", "adoptsim,arima"], "unknown method 'arima'"),
    ],
)
def test_cli_backtest_bad_input_exits_2_naming_it(series, tmp_path, args, match):
    small = ["--population", "20", "--generations", "1", "--runs", "5"]
    files = [str(series / "series.yaml"), "--observed", str(series / "series.csv")]
    r = cli.invoke(app, ["backtest", *files, *args, *small, "--out", str(tmp_path / "bt")])
    assert r.exit_code == 2, r.output
    assert match in " ".join(r.output.split())
    assert not (tmp_path / "bt").exists()


def test_the_assimilated_method_beats_the_unconditioned_forecast_at_every_origin(tmp_path):
    from tests.test_assimilation import PRIOR, write_twin

    scenario, observed, *_ = write_twin(tmp_path, seed=3, pilot=20)
    fit = ["behavior.w_social=0:0.6", "behavior.external_awareness=0.005:0.06:log",
           "tool.value=0.9:1.6"]  # fmt: skip
    assert len(fit) == len(PRIOR)
    bt = backtest(scenario, observed, "8,12", seeds=[1, 2], runs=30, population=30,
                  generations=2, fit=fit, methods=["adoptsim", "assimilated", "bass"])  # fmt: skip
    by = bt.by_origin()
    assert list(by.columns) == ["adoptsim", "assimilated", "bass"]
    assert (by["assimilated"] < by["adoptsim"]).all(), by
    assert bt.series == "ever_tried_share"


def test_the_assimilated_method_needs_per_person_data(series, tmp_path):
    files = [str(series / "series.yaml"), "--observed", str(series / "series.csv")]
    r = cli.invoke(app, ["backtest", *files, "--origins", "4:5", "--methods", "assimilated",
                         "--out", str(tmp_path / "bt")])  # fmt: skip
    assert r.exit_code == 2, r.output
    assert "needs per-person observations" in " ".join(r.output.split())
