"""Memory and time estimates: refused before a run starts when it will not fit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.execute import budget
from adoptsim.runs import runner
from tests.conftest import SMALL, deep_update, small_scenario

cli = CliRunner()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8GB", 8 * 2**30),
        ("512MB", 512 * 2**20),
        ("1.5g", int(1.5 * 2**30)),
        ("100", 100),
        ("2 GiB", 2 * 2**30),
        ("64k", 64 * 2**10),
    ],
)
def test_sizes_parse(text, expected):
    assert budget.parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "-1GB", "1e9", "8 GBB", ""])
def test_bad_sizes_name_the_flag_and_the_form(text):
    with pytest.raises(InputError, match=r"--max-memory.*8GB"):
        budget.parse_size(text)


def test_the_estimate_grows_with_employees_runs_and_weeks():
    base = budget.estimate_run(2000, 10, 52, 2, runner.BATCH_ELEMENTS)
    for bigger in (
        budget.estimate_run(20000, 10, 52, 2, runner.BATCH_ELEMENTS),
        budget.estimate_run(2000, 100, 52, 2, runner.BATCH_ELEMENTS),
    ):
        assert bigger.memory > base.memory and bigger.seconds > base.seconds
    longer = budget.estimate_run(2000, 10, 104, 2, runner.BATCH_ELEMENTS)
    assert longer.seconds == pytest.approx(2 * base.seconds)
    new_orgs = budget.estimate_run(2000, 10, 52, 2, runner.BATCH_ELEMENTS, True)
    assert new_orgs.memory > base.memory


def test_the_estimate_is_not_below_a_measured_peak(tmp_path):
    """A real run's peak resident memory stays under its estimate."""
    data = deep_update(SMALL, {"organization": {"generate": {"employees": 20000}}, "weeks": 52})
    code = (
        "import json, resource, adoptsim\n"
        "from adoptsim.scenario import validate_scenario\n"
        "from adoptsim.runs.runner import estimate\n"
        f"spec = validate_scenario({data!r})\n"
        "adoptsim.run(spec, runs=20, seed=1)\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "print(json.dumps([peak, estimate(spec, runs=20).memory]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    peak, estimated = json.loads(out.stdout.splitlines()[-1])
    assert peak <= estimated, (peak, estimated)
    assert estimated < 3 * peak, "the estimate should stay useful, not wildly high"


def test_a_run_that_will_not_fit_is_refused_before_the_organization_is_built(monkeypatch):
    spec = small_scenario(organization={"generate": {"employees": 5_000_000}})

    def no_build(*args, **kwargs):
        raise AssertionError("the organization should not be built")

    monkeypatch.setattr(runner, "build_org", no_build)
    with pytest.raises(InputError, match=r"5,000,000 employees x 10 runs.*--runs"):
        adoptsim.run(spec, runs=10, max_memory=2**30)


def test_an_imported_organization_is_checked_once_read(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(
        "employee_id,manager_id,department\n"
        + "".join(f"e{i},{'' if i == 0 else 'e0'},Sales\n" for i in range(50))
    )
    spec = small_scenario()
    data = spec.resolved()
    data["organization"] = {"employees": str(people)}
    spec = adoptsim.scenario.validate_scenario(data)
    with pytest.raises(InputError, match="50 employees"):
        adoptsim.run(spec, runs=2, max_memory=10 * 2**20)


def test_cli_run_and_sweep_refuse_with_exit_2_and_write_nothing(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(deep_update(SMALL, {"weeks": 5})))
    out = tmp_path / "out"
    res = cli.invoke(app, ["run", str(scenario), "--out", str(out), "--max-memory", "100MB"])
    assert res.exit_code == 2 and "--max-memory" in res.output and "Traceback" not in res.output
    assert not out.exists()
    exp = tmp_path / "e.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "e",
                "scenario": str(scenario),
                "design": "grid",
                "replicates": 2,
                "parameters": [{"path": "behavior.w_habit", "values": [0.2, 0.3]}],
                "metrics": ["final_active_share"],
            }
        )
    )
    args = ["sweep", str(exp), "--out", str(tmp_path / "sw"), "--workers", "2"]
    res = cli.invoke(app, [*args, "--max-memory", "300MB"])
    assert res.exit_code == 2 and "--workers" in res.output
    assert not (tmp_path / "sw" / "parts").exists()
    res = cli.invoke(app, ["run", str(scenario), "--max-memory", "a lot"])
    assert res.exit_code == 2 and "not a size" in res.output
