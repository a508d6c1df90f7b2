"""The chart painter: ``adoptsim run`` draws its chart in a process of its own, the same
chart byte for byte, without importing matplotlib itself; a chart that cannot be drawn
leaves the results complete and says how to draw it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import adoptsim.viz
from adoptsim.cli import app
from adoptsim.runs.result import Result
from adoptsim.viz import painter as painter_module
from adoptsim.viz import plots, save_charts
from adoptsim.viz.numbers import adoption_numbers
from adoptsim.viz.painter import Painter, PaintError
from tests.conftest import SMALL, fresh_json, small_scenario

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "weeks": 12, "runs": 4}))
    return path


def test_run_from_the_shell_draws_the_in_process_chart_without_importing_matplotlib(tmp_path):
    out = tmp_path / "out"
    code = f"""
import json, sys
import adoptsim.cli
def report():
    heavy = sorted(m for m in ("matplotlib", "scipy.stats", "solara") if m in sys.modules)
    print(json.dumps(heavy))
    sys.stdout.flush()
    import os; os._exit(0)
adoptsim.cli._exit_now = report
sys.argv = ["adoptsim", "run", {str(_scenario(tmp_path))!r}, "--out", {str(out)!r}]
adoptsim.cli.main()
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    assert fresh_json(code, tmp_path, env) == []
    painted = (out / "adoption.png").read_bytes()
    again = tmp_path / "again"
    save_charts(Result.load(out), again)
    assert painted == (again / "adoption.png").read_bytes()


def test_the_painters_process_imports_neither_the_results_nor_the_engine(tmp_path):
    code = (
        "import json, sys, adoptsim.viz.paint; "
        "print(json.dumps(sorted(m for m in ('pandas', 'numba', 'adoptsim.runs', "
        "'adoptsim.model', 'scipy') if m in sys.modules)))"
    )
    assert fresh_json(code, ROOT, timeout=60) == []


def test_a_chart_the_painter_cannot_draw_is_named_with_its_reason(tmp_path):
    result = adoptsim.run(small_scenario(weeks=6), runs=2, seed=1)
    with Painter() as painter:
        painter.paint("adoption", adoption_numbers(result), tmp_path / "no" / "adoption.png")
        with pytest.raises(PaintError, match=r"adoption\.png was not drawn: .*No such file"):
            painter.finish()
    with Painter() as painter:
        painter.paint("pie", {}, tmp_path / "pie.png")
        with pytest.raises(PaintError, match=r"pie\.png was not drawn: pie chart: KeyError"):
            painter.finish()
    with Painter() as painter:
        painter.paint("adoption", adoption_numbers(result), tmp_path / "adoption.png")
        assert painter.finish() == [tmp_path / "adoption.png"]
    assert (tmp_path / "adoption.png").stat().st_size > 10_000


def test_a_painter_left_unfinished_ends_its_process_and_an_inactive_one_starts_none():
    with Painter() as painter:
        proc = painter._proc
        assert proc is not None and proc.poll() is None
    assert proc.returncode is not None  # killed and reaped when the block ended
    with Painter(active=False) as idle:
        assert idle._proc is None
        assert idle.finish() == []


def test_run_keeps_complete_results_when_its_chart_is_not_drawn(tmp_path, monkeypatch):
    monkeypatch.setattr(painter_module, "WORKER", "adoptsim.viz.no_such_painter")
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(_scenario(tmp_path)), "--out", str(out)])
    assert res.exit_code == 1
    assert "adoption.png was not drawn" in res.output
    assert "adoptsim plot" in res.output and "results are complete" in res.output
    assert not (out / "adoption.png").exists()
    loaded = Result.load(out)  # every other file written, checksums verified
    assert loaded.curves["replicate"].nunique() == 4


def test_the_viz_package_lists_the_names_of_plots_and_loads_them_on_use():
    for name in plots.__all__:
        assert getattr(adoptsim.viz, name) is getattr(plots, name)
    with pytest.raises(AttributeError):
        adoptsim.viz.no_such_chart  # noqa: B018
