"""The published adoption series shipped beside the Korean one (docs/series.md): each CSV is
what its make-script writes from the typed-in published figures, and a valid observed file
for its scenario."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from typer.testing import CliRunner

from adoptsim.calibration import read_observed
from adoptsim.calibration.fit import department_sizes
from adoptsim.cli import app as cli_app
from adoptsim.runs.runner import build_org
from adoptsim.scenario import load_scenario
from tests.conftest import SCENARIOS

DATA = SCENARIOS / "data"
#: series name -> (observed weeks, first share, last share), from the sources in each
#: make-script's docstring
SERIES = {
    # Census CPS years 1984..2010 (1998 left out), year - 1983
    "us_household_computers": ([1, 6, 10, 14, 17, 18, 20, 24, 26, 27], 0.082, 0.767),
    # 1966..1991, year - 1965
    "us_colour_tv": (list(range(1, 27)), 0.10, 0.96),
}


def make_script(name: str) -> ModuleType:
    path = DATA / f"make_{name}.py"
    spec = importlib.util.spec_from_file_location(f"make_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", SERIES)
def test_the_shipped_csv_is_what_its_make_script_writes(name, tmp_path):
    out = tmp_path / f"{name}.csv"
    make_script(name).write(out)
    assert out.read_bytes() == (DATA / f"{name}.csv").read_bytes()


@pytest.mark.parametrize("name", SERIES)
def test_the_series_is_a_valid_observed_file_for_its_scenario(name):
    path = SCENARIOS / f"{name}.yaml"
    spec = load_scenario(path)
    assert spec.calibration.observed == f"data/{name}.csv"
    org = build_org(spec, spec.seed)
    assert org.n == 1000  # the documented stand-in size
    obs = read_observed(
        path.parent / spec.calibration.observed, org.n, spec.weeks, department_sizes(org)
    )
    weeks, first, last = SERIES[name]
    t = obs.table
    assert list(t["series"].unique()) == ["ever_tried_share"]
    assert list(t["week"]) == weeks and obs.last_week == spec.weeks
    assert t["value"].iloc[0] == pytest.approx(first)
    assert t["value"].iloc[-1] == pytest.approx(last)
    assert np.all(np.diff(t["value"]) >= 0)


@pytest.mark.parametrize("name", SERIES)
def test_validate_scenario_accepts_it(name):
    result = CliRunner().invoke(cli_app, ["validate-scenario", str(SCENARIOS / f"{name}.yaml")])
    assert result.exit_code == 0, result.output
    assert "1000 employees" in " ".join(result.output.split())  # rich wraps lines


def owid_csv(path: Path, entity: str, figures: dict[int, float]) -> Path:
    lines = ["Entity,Year,Technology Diffusion (Comin and Hobijn (2004) and others)"]
    lines += [f"Other,{y},1" for y in figures]
    lines += [f"{entity},{y},{v}" for y, v in figures.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_colour_tv_check_catches_a_figure_that_differs_from_the_source(tmp_path):
    script = make_script("us_colour_tv")
    figures = {**script.PUBLISHED, script.FIRST_FALL[0]: script.FIRST_FALL[1]}
    script.check_owid(owid_csv(tmp_path / "good.csv", "Colour TV", figures))
    with pytest.raises(AssertionError, match="1974"):
        script.check_owid(owid_csv(tmp_path / "bad.csv", "Colour TV", {**figures, 1974: 58}))


def test_the_typed_in_figures_are_percent_and_cumulative():
    for name in SERIES:
        script = make_script(name)
        years = list(script.PUBLISHED)
        pct = list(script.PUBLISHED.values())
        assert years == sorted(years) and years[0] == script.FIRST_YEAR
        assert all(0 < p <= 100 for p in pct) and pct == sorted(pct)
