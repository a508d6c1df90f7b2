"""Issue 31: the readers of posteriors, draws, observed files and results folders, and the
commands calibrate, forecast, optimize, plot and report, against hostile or careless
inputs: no other file's content in messages, paths confined to their folder, no hang, no
traceback, no wrong result."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.calibration import calibrate, forecast
from adoptsim.calibration.abc import abc_smc
from adoptsim.calibration.persons import person_form, read_persons
from adoptsim.cli import app
from adoptsim.errors import InputError, OrganizationError
from adoptsim.files import check_writable, read_bytes
from adoptsim.optimize import load_optimization, optimize
from adoptsim.optimize.folder import search_lock
from adoptsim.optimize.study import score
from adoptsim.org import io_csv, load_csv, load_graphml
from adoptsim.runs import folders
from adoptsim.runs.compare import Comparison
from adoptsim.runs.result import Result
from adoptsim.scenario import load_scenario
from tests.conftest import SMALL, small_scenario
from tests.test_optimize import EVANGELISTS
from tests.test_optimize import write as write_optimization

cli = CliRunner()
PASSWD = "root:x:0:0:SECRET-root:/root:/bin/bash\ndaemon:x:1:1:SECRET:/usr/sbin:/bin/sh\n"
SECRET_CSV = "password,token\nSECRET-hunter2,SECRET-abc\n"


def scenario_with(tmp_path: Path, **calibration) -> Path:
    path = tmp_path / "s.yaml"
    data = {**SMALL, "weeks": 8, "runs": 2, "calibration": calibration}
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def result() -> Result:
    return adoptsim.run(small_scenario(weeks=8), runs=2, seed=5)


# ---- readers: regular files, size bounds, no content quoted ------------------------------
def test_the_input_layer_refuses_fifos_devices_folders_and_large_files(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.perf_counter()
    for path in (fifo, Path("/dev/zero"), tmp_path):
        with pytest.raises(InputError, match="regular file"):
            read_bytes(path)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="larger than 100 bytes"):
        read_bytes(big, limit=100)
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize("reader", ["csv", "ties", "graphml", "persons"])
def test_organization_and_per_person_readers_refuse_fifos_at_once(tmp_path, reader):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    employees = tmp_path / "employees.csv"
    employees.write_text("employee_id,department,manager_id\na,X,\nb,X,a\n")
    start = time.perf_counter()
    if reader == "persons":
        assert person_form(fifo) is None
        with pytest.raises(InputError, match="not a regular file"):
            read_persons(fifo, load_csv(employees), through=4)
    else:
        call = {
            "csv": lambda: load_csv(fifo),
            "ties": lambda: load_csv(employees, fifo),
            "graphml": lambda: load_graphml(fifo),
        }[reader]
        with pytest.raises(OrganizationError, match="not a regular file"):
            call()
    assert time.perf_counter() - start < 5


def test_organization_files_have_a_size_bound(tmp_path, monkeypatch):
    employees = tmp_path / "employees.csv"
    employees.write_text("employee_id,department\n" + "".join(f"e{i},X\n" for i in range(50)))
    monkeypatch.setattr(io_csv, "MAX_ORG_BYTES", 100)
    with pytest.raises(OrganizationError, match="larger than 100 bytes"):
        load_csv(employees)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ("behavior.w_social,weight\n0.1,-1\n0.2,2\n", "row 2: a weight must be a number"),
        ("behavior.w_social,weight\nabc,1\n", "row 2, column 1: not a finite number"),
        ("behavior.w_social,weight\n0.1,nan\n", "not a finite number"),
        ("behavior.w_social,weight\n0.1,0\n", "every weight is 0"),
        ("behavior.w_social,weight,distance\n0.1,1,0.2\n0.2,1,-3\n", "row 3: a distance must"),
        ("behavior.w_social,weight,distance\n0.1,1,inf\n", "not a finite number|distance must"),
        ("behavior.w_social\n0.1\n", "no `weight` column"),
        (PASSWD, "not a finite number|cells for"),
        (SECRET_CSV, "not a finite number"),
        ("", "empty"),
    ],
)
def test_bad_posteriors_are_messages_that_quote_no_cell(tmp_path, table, match):
    post = tmp_path / "posterior.csv"
    post.write_text(table)
    with pytest.raises(InputError, match=match) as e:
        adoptsim.run(load_scenario(scenario_with(tmp_path, posterior="posterior.csv")))
    assert "SECRET" not in str(e.value) and "abc" not in str(e.value)


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_posterior_or_draws_that_is_not_a_regular_file_is_refused_at_once(tmp_path, special):
    path = tmp_path / "pipe.csv"
    if special == "fifo":
        os.mkfifo(path)
    else:
        path = Path(special)
    for key in ("posterior", "draws"):
        start = time.perf_counter()
        spec = load_scenario(scenario_with(tmp_path, **{key: str(path)}))
        with pytest.raises(InputError, match="not a regular file"):
            adoptsim.run(spec)
        assert time.perf_counter() - start < 5


def test_draws_and_observed_naming_another_file_quote_none_of_it(tmp_path):
    (tmp_path / "secret.csv").write_text(PASSWD)
    spec = load_scenario(scenario_with(tmp_path, draws="secret.csv"))
    with pytest.raises(InputError) as e:
        adoptsim.run(spec)
    assert "SECRET" not in str(e.value)
    spec = load_scenario(
        scenario_with(tmp_path, observed="secret.csv", fit=["behavior.w_social=0:0.6"])
    )
    with pytest.raises(InputError, match="not an observed-data file") as e:
        calibrate(spec, population=20, generations=1)
    assert "SECRET" not in str(e.value) and "x:0:0" not in str(e.value)


def test_an_observed_file_with_two_week_columns_is_refused(tmp_path):
    (tmp_path / "obs.csv").write_text("week,active_share,week\n1,0.1,5\n")
    spec = load_scenario(scenario_with(tmp_path, observed="obs.csv", fit=["behavior.w_social=0:1"]))
    with pytest.raises(InputError, match="column week appears twice"):
        calibrate(spec, population=20, generations=1)


# ---- results folders ---------------------------------------------------------------------
def test_a_checksum_entry_outside_the_folder_is_refused_without_reading_it(result, tmp_path):
    folder = result.save(tmp_path / "r")
    (tmp_path / "big.bin").write_bytes(b"\0" * 1000)
    listing = folder / folders.CHECKSUMS
    for name in ("../big.bin", "/etc/passwd", "curves.csv/../../big.bin"):
        listing.write_text(f"{'0' * 64}  {name}\n")
        with pytest.raises(InputError, match="leads out of the folder"):
            Result.load(folder)


def test_a_planted_or_linked_file_in_a_results_folder_is_refused(result, tmp_path):
    folder = result.save(tmp_path / "r")
    (folder / "extra.csv").write_text("week\n1\n")
    with pytest.raises(InputError, match=r"not in checksums.sha256"):
        Result.load(folder)
    (folder / "extra.csv").unlink()
    (tmp_path / "elsewhere.csv").write_text((folder / "curves.csv").read_text())
    (folder / "curves.csv").unlink()
    (folder / "curves.csv").symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(InputError, match=r"leads out of the folder|not a regular file"):
        Result.load(folder)


def test_report_and_plot_never_write_through_a_planted_link(result, tmp_path):
    folder = result.save(tmp_path / "r")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (folder / "report.html").symlink_to(victim)
    res = cli.invoke(app, ["report", str(folder)])
    assert res.exit_code == 0, res.output
    assert victim.read_text() == "keep me" and not (folder / "report.html").is_symlink()
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "charts").symlink_to(outside)
    res = cli.invoke(app, ["plot", str(folder), "--kind", "adoption"])
    assert res.exit_code == 2 and "symbolic link" in res.output
    assert list(outside.iterdir()) == []


def test_report_out_under_a_file_and_out_a_link_are_messages(result, tmp_path, scenario_file):
    folder = result.save(tmp_path / "r")
    (tmp_path / "afile").write_text("x")
    res = cli.invoke(app, ["report", str(folder), "--out", str(tmp_path / "afile" / "r.html")])
    assert res.exit_code == 2 and "lies under the file" in res.output
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    res = cli.invoke(app, ["run", str(scenario_file), "--out", str(tmp_path / "link")])
    assert res.exit_code == 2 and "symbolic link" in res.output


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "weeks": 6, "runs": 2}))
    return path


@pytest.fixture(scope="module")
def comparison_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cmp") / "c"
    a, b = small_scenario(weeks=6), small_scenario(weeks=6).with_changes(name="other")
    adoptsim.compare([a, b], runs=2, seed=1).save(folder)
    return folder


@pytest.mark.parametrize(
    "text",
    ["{", "[]", '{"plans": 3}', '{"plans": [1]}', '{"plans": [{"name": 1}]}', '"x"', "{}"],
)
def test_a_malformed_comparison_json_is_a_message(comparison_folder, tmp_path, text):
    import shutil

    folder = tmp_path / "c"
    shutil.copytree(comparison_folder, folder)
    (folder / "comparison.json").write_text(text)
    folders.write_checksums(folder)  # well listed: the content itself is at fault
    with pytest.raises(InputError, match="not a comparison file"):
        Comparison.load(folder)
    res = cli.invoke(app, ["report", str(folder)])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_a_comparison_is_checked_and_its_plan_folders_confined(comparison_folder, tmp_path):
    import shutil

    folder = tmp_path / "c"
    shutil.copytree(comparison_folder, folder)
    info = json.loads((folder / "comparison.json").read_text())
    info["plans"][0]["folder"] = "../../elsewhere"
    (folder / "comparison.json").write_text(json.dumps(info))
    with pytest.raises(InputError, match="changed or damaged"):
        Comparison.load(folder)
    folders.write_checksums(folder)
    with pytest.raises(InputError, match="leads out of the folder"):
        Comparison.load(folder)


# ---- forecast ----------------------------------------------------------------------------
def pilot_folder(tmp_path: Path, employees: int) -> Path:
    """A calibration's folder as `calibrate` writes it, made by hand (posterior, manifest
    with the pilot's size, checksums)."""
    cal = tmp_path / "pilot-fit"
    cal.mkdir()
    pd.DataFrame({"behavior.w_social": [0.1, 0.3], "weight": [0.5, 0.5]}).to_csv(
        cal / "posterior.csv", index=False
    )
    (cal / "manifest.json").write_text(json.dumps({"calibration": {"employees": employees}}))
    folders.write_checksums(cal)
    return cal


def test_forecast_refuses_an_uncalibrated_scenario(tmp_path, scenario_file):
    with pytest.raises(InputError, match="no calibration to forecast from"):
        forecast(scenario_file, tmp_path / "f")


def test_forecast_checks_the_calibration_folder_and_names_a_size_change(tmp_path):
    pilot_folder(tmp_path, employees=60)
    spec = scenario_with(tmp_path, posterior="pilot-fit/posterior.csv")
    res = cli.invoke(app, ["forecast", str(spec), "--out", str(tmp_path / "f")])
    assert res.exit_code == 0, res.output
    assert "fitted on an organization of 60 employees" in res.output
    manifest = json.loads((tmp_path / "f" / "manifest.json").read_text())
    assert "60 employees" in manifest["warnings"][0]
    post = tmp_path / "pilot-fit" / "posterior.csv"
    post.write_text(post.read_text().replace("0.3", "0.9"))
    with pytest.raises(InputError, match=r"posterior.csv was changed"):
        forecast(spec, tmp_path / "g")


# ---- calibrate: bounded work, checked before it starts -----------------------------------
def test_abc_proposals_are_capped_with_a_clear_message():
    bounds = np.array([[0.1, 0.1 + 1e-15]])
    start = time.perf_counter()
    with pytest.raises(InputError, match="fell inside the prior ranges"):
        abc_smc(bounds, lambda p: np.abs(p[:, 0] - 0.1), np.random.default_rng(1),
                population=20, generations=2)  # fmt: skip
    assert time.perf_counter() - start < 30


def test_calibrate_estimates_memory_before_building_the_organization(tmp_path):
    (tmp_path / "obs.csv").write_text("week,active_share\n1,0.1\n")
    path = tmp_path / "big.yaml"
    big = {**SMALL, "organization": {"generate": {"employees": 3_000_000}}}
    big["calibration"] = {"observed": "obs.csv", "fit": ["behavior.w_social=0:0.6"]}
    path.write_text(yaml.safe_dump(big))
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"3,000,000 employees .* needs about"):
        calibrate(path, max_memory=2**30)
    assert time.perf_counter() - start < 10
    res = cli.invoke(app, ["calibrate", str(path), "--max-memory", "1GB",
                           "--out", str(tmp_path / "fit")])  # fmt: skip
    assert res.exit_code == 2 and "needs about" in res.output


def test_an_unwritable_output_folder_is_named_before_any_work():
    with pytest.raises(InputError, match="cannot write in"):
        check_writable("/proc/adoptsim-results")


def test_an_integer_fit_range_without_a_whole_number_is_refused(tmp_path):
    (tmp_path / "obs.csv").write_text("week,active_share\n1,0.1\n")
    path = tmp_path / "s.yaml"
    data = {**SMALL, "weeks": 8, "strategies": [{"type": "training"}]}
    data["calibration"] = {"observed": "obs.csv"}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"no whole number lies between 1.5 and 1.7"):
        calibrate(path, fit=["strategies[0].start=1.5:1.7"], population=20, generations=1)


# ---- optimize ----------------------------------------------------------------------------
def test_an_integer_lever_range_without_a_whole_number_is_refused(tmp_path):
    lever = {**EVANGELISTS, "settings": {"target.count": {"low": 1.5, "high": 1.7,
                                                          "integer": True}}}  # fmt: skip
    with pytest.raises(InputError, match=r"no whole number lies between 1.5 and 1.7") as e:
        load_optimization(write_optimization(tmp_path, levers=[lever]))
    assert "function-after" not in str(e.value) and "valid list" not in str(e.value)
    assert str(e.value).count("\n  - ") == 1


def test_infinite_values_stay_infinite_and_only_weeks_become_the_horizon(tmp_path):
    opt = load_optimization(write_optimization(tmp_path))
    summary = pd.DataFrame(
        {"cost": [1e308, np.inf], "sustained_share": [0.2, 0.4], "weeks_to_50": [np.inf, 5.0]}
    )
    sc = score(summary, 10, opt)
    assert sc["cost"] == np.inf and sc["sustained_share"] == pytest.approx(0.3)


def test_two_searches_on_one_folder_the_second_is_refused(tmp_path):
    path = write_optimization(tmp_path)
    out = tmp_path / "out"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with search_lock(out):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        res = cli.invoke(app, ["optimize", str(path), "--trials", "2", "--out", str(out)])
        assert res.exit_code == 2 and "another `adoptsim optimize` is running" in res.output
    finally:
        release.set()
        t.join()


def test_a_cut_manifest_or_an_unknown_journal_line_is_a_message(tmp_path):
    path = write_optimization(tmp_path)
    out = tmp_path / "out"
    optimize(path, 2, out)
    journal = (out / "journal.log").read_bytes()
    (out / "journal.log").write_bytes(journal + b'{"op_code": 99, "worker_id": "x"}\n')
    res = cli.invoke(app, ["optimize", str(path), "--trials", "3", "--out", str(out)])
    assert res.exit_code == 2 and "line" in res.output and "cannot resume" in res.output
    (out / "journal.log").write_bytes(journal)
    (out / "manifest.json").write_text('{"optimization_hash": "ab')
    res = cli.invoke(app, ["optimize", str(path), "--trials", "3", "--out", str(out)])
    assert res.exit_code == 2 and "manifest.json is cut or damaged" in res.output


# ---- markup ------------------------------------------------------------------------------
def test_user_text_is_printed_as_text_not_emoji_or_markup(tmp_path, scenario_file):
    out = tmp_path / "x:100:[bold]y"
    res = cli.invoke(app, ["run", str(scenario_file), "--out", str(out), "--no-chart"])
    assert res.exit_code == 0, res.output
    flat = res.output.replace("\n", "")
    assert ":100:" in flat and "[bold]y" in flat and "\U0001f4af" not in flat


def test_a_posterior_with_a_value_the_scenario_refuses_is_refused_whole(tmp_path):
    """Every particle is checked, not only those a short run happens to draw."""
    (tmp_path / "posterior.csv").write_text("behavior.w_social,weight\n-0.5,1e-9\n0.3,1\n")
    spec = load_scenario(scenario_with(tmp_path, posterior="posterior.csv"))
    with pytest.raises(InputError, match=r"(?s)does not allow.*w_social"):
        adoptsim.run(spec, runs=1)
