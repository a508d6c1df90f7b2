"""Results folders: written whole or not at all, replaced only when asked, checked on read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.runs import folders
from adoptsim.runs.compare import Comparison
from adoptsim.runs.result import Result
from tests.conftest import SMALL, small_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def result() -> Result:
    return adoptsim.run(small_scenario(weeks=12), runs=3, seed=5)


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "weeks": 10, "runs": 2}))
    return path


def hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_a_saved_result_lists_a_checksum_for_each_data_file(result, tmp_path):
    folder = result.save(tmp_path / "r")
    listed = (folder / folders.CHECKSUMS).read_text().splitlines()
    names = {line.split("  ", 1)[1] for line in listed}
    data = {p.name for p in folder.iterdir() if p.name != folders.CHECKSUMS}
    assert names == data and "curves.csv" in names
    if shutil.which("sha256sum"):  # the standard tool agrees with the listing
        check = subprocess.run(["sha256sum", "-c", "--quiet", folders.CHECKSUMS], cwd=folder)
        assert check.returncode == 0


def test_saving_over_a_result_needs_overwrite_and_then_replaces_it(result, tmp_path):
    folder = result.save(tmp_path / "r")
    (folder / "stale.csv").write_text("old\n")
    with pytest.raises(InputError, match="--overwrite"):
        result.save(folder)
    assert (folder / "stale.csv").exists()
    result.save(folder, overwrite=True)
    assert not (folder / "stale.csv").exists()
    assert Result.load(folder).curves.equals(result.curves)
    assert hidden(folder) == []


def test_a_folder_of_other_files_is_never_replaced(result, tmp_path):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not adoptsim results"):
        result.save(other, overwrite=True)
    assert (other / "notes.txt").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert Result.load(result.save(empty)).name == result.name


def test_an_interrupted_write_leaves_the_old_result_and_no_partial_folder(result, tmp_path):
    folder = result.save(tmp_path / "r")
    before = (folder / "curves.csv").read_bytes()
    for stop in (KeyboardInterrupt, RuntimeError):
        with pytest.raises(stop), folders.atomic_folder(folder, overwrite=True) as tmp:
            result.write(tmp)
            raise stop()
        assert (folder / "curves.csv").read_bytes() == before
        assert hidden(folder) == []
    with pytest.raises(KeyboardInterrupt), folders.atomic_folder(tmp_path / "new") as tmp:
        result.write(tmp)
        raise KeyboardInterrupt
    assert not (tmp_path / "new").exists() and hidden(folder) == []


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_changed_or_missing_file_is_named_on_read(result, tmp_path, damage):
    folder = result.save(tmp_path / "r")
    path = folder / "curves_by_department.csv"
    if damage == "changed":
        text = path.read_text()
        path.write_text(text.replace("0.0", "0.5", 1))
    else:
        path.unlink()
    with pytest.raises(InputError, match=r"curves_by_department\.csv (was changed|is missing)"):
        Result.load(folder)
    res = runner.invoke(app, ["plot", str(folder), "--out", str(tmp_path / "charts")])
    assert res.exit_code == 2 and "curves_by_department.csv" in res.output
    assert "Traceback" not in res.output


def test_a_cut_curves_file_is_refused_even_without_checksums(result, tmp_path):
    folder = result.save(tmp_path / "r")
    (folder / folders.CHECKSUMS).unlink()
    lines = (folder / "curves.csv").read_text().splitlines(keepends=True)
    (folder / "curves.csv").write_text("".join(lines[: len(lines) // 2]))
    with pytest.raises(InputError, match="incomplete"):
        Result.load(folder)


@pytest.mark.parametrize("name", ["events.parquet", "summary.json", "organization.npz"])
def test_unreadable_files_name_themselves(result, tmp_path, name):
    folder = result.save(tmp_path / "r")
    (folder / folders.CHECKSUMS).unlink()
    (folder / name).write_bytes(os.urandom(200))
    with pytest.raises(InputError, match=rf"{name.replace('.', '[.]')} cannot be read"):
        Result.load(folder)


def test_a_damaged_plan_of_a_comparison_is_named(result, tmp_path):
    other = adoptsim.run(small_scenario(weeks=12, name="other"), runs=3, seed=5)
    folder = Comparison.from_results([result, other]).save(tmp_path / "cmp")
    assert (folder / folders.CHECKSUMS).exists()
    assert (folder / "other" / folders.CHECKSUMS).exists()
    (folder / "other" / "summary.json").write_text("{}")
    with pytest.raises(InputError, match=r"summary\.json was changed"):
        Comparison.load(folder)


def test_run_again_needs_overwrite_and_no_chart_leaves_no_stale_chart(scenario_file, tmp_path):
    out = tmp_path / "out"
    first = runner.invoke(app, ["run", str(scenario_file), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert (out / "adoption.png").exists()
    again = runner.invoke(app, ["run", str(scenario_file), "--out", str(out), "--no-chart"])
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert (out / "adoption.png").exists()
    forced = ["run", str(scenario_file), "--out", str(out), "--no-chart", "--overwrite"]
    assert runner.invoke(app, forced).exit_code == 0
    assert not (out / "adoption.png").exists()
    assert Result.load(out).manifest["runs"] == 2


def test_ctrl_c_during_compare_writes_nothing_and_says_so(scenario_file, tmp_path, monkeypatch):
    def interrupted_write(self, folder):
        Result.write(self.results[0], Path(folder) / "first")
        raise KeyboardInterrupt

    monkeypatch.setattr(Comparison, "write", interrupted_write)
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", str(scenario_file), str(scenario_file), "--out", str(out)])
    assert res.exit_code == 130
    assert "interrupted" in res.output and "nothing was written" in res.output
    assert not out.exists() and hidden(out) == []


def test_a_killed_run_leaves_only_a_hidden_incomplete_folder(scenario_file, tmp_path):
    """SIGKILL between the write and the rename: no folder with the result's name."""
    code = (
        "import os, adoptsim\n"
        "from adoptsim.runs import folders\n"
        f"r = adoptsim.run(adoptsim.load_scenario({str(scenario_file)!r}), runs=2, seed=1)\n"
        f"with folders.atomic_folder({str(tmp_path / 'res')!r}) as tmp:\n"
        "    r.write(tmp)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1])
    assert proc.returncode == -9
    assert not (tmp_path / "res").exists()
    left = hidden(tmp_path / "res")
    assert len(left) == 1 and folders.INCOMPLETE in left[0]
