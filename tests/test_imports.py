"""A run imports only what it uses: ``import adoptsim`` loads its heavy names lazily.

Each check runs in a fresh interpreter (this test process has imported everything).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import fresh_json

#: libraries a run without a chart never needs (each costs 0.3 to 1.3 s to import)
HEAVY = ("mesa", "scipy.stats", "networkx", "matplotlib", "SALib", "dask", "distributed")

ROOT = Path(__file__).resolve().parents[1]


PRELUDE = f"""
import json, sys
sys.path.insert(0, {str(ROOT / "tests")!r})
HEAVY = {HEAVY!r}
def loaded():
    return sorted(m for m in HEAVY if m in sys.modules)
"""


def run_fresh(code: str, tmp_path: Path) -> dict:
    """Run ``code`` after :data:`PRELUDE` in a new interpreter; it prints one JSON object."""
    return fresh_json(PRELUDE + textwrap.dedent(code), tmp_path)


def test_a_run_and_saving_it_without_chart_import_no_heavy_library(tmp_path):
    scenario = ROOT / "scenarios" / "baseline.yaml"
    out = run_fresh(
        f"""
        import adoptsim
        after_import = loaded()
        adoptsim.load_scenario({str(scenario)!r})
        import adoptsim.model.people, adoptsim.model.engine, adoptsim.org, adoptsim.runs.compare
        from conftest import small_scenario
        result = adoptsim.run(small_scenario(weeks=4), runs=2, seed=1)
        result.save({str(tmp_path / "out")!r})
        result.attribution()
        print(json.dumps({{"import": after_import, "run": loaded()}}))
        """,
        tmp_path,
    )
    assert out["import"] == []
    assert out["run"] == []
    assert (tmp_path / "out" / "summary.json").is_file()


def test_lazy_names_resolve_to_their_definitions_and_mesa_comes_with_the_model(tmp_path):
    out = run_fresh(
        """
        import adoptsim
        def where(name):
            obj = getattr(adoptsim, name)
            return [obj.__module__, obj.__name__, loaded()]
        print(json.dumps({n: where(n) for n in
                          ("Comparison", "Experiment", "Stage", "AdoptionModel", "Employee")}))
        """,
        tmp_path,
    )
    assert out["Comparison"] == ["adoptsim.runs.compare", "Comparison", []]
    assert out["Experiment"] == ["adoptsim.sweeps.experiment", "Experiment", []]
    assert out["Stage"] == ["adoptsim.model.people", "Stage", []]
    assert out["AdoptionModel"][:2] == ["adoptsim.mesa", "AdoptionModel"]
    assert "mesa" in out["AdoptionModel"][2]
    assert out["Employee"][:2] == ["adoptsim.mesa", "Employee"]


def test_every_public_name_resolves_and_compare_and_sweep_stay_functions(tmp_path):
    out = run_fresh(
        """
        import adoptsim
        # importing the subpackages binds them on the package: the functions must stay
        from adoptsim.runs.compare import format_value
        from adoptsim.runs.runner import run
        from adoptsim.sweeps import load_sweep
        import adoptsim.sweeps as sweep_alias
        from adoptsim.mesa import Employee
        from adoptsim import compare, sweep
        missing = [n for n in adoptsim.__all__ if getattr(adoptsim, n, None) is None]
        print(json.dumps({
            "missing": missing,
            "compare": [adoptsim.compare.__module__, adoptsim.compare.__name__, callable(compare)],
            "sweep": [adoptsim.sweep.__module__, type(sweep).__name__,
                      type(sweep_alias).__name__],
            "run": [adoptsim.run.__module__, type(adoptsim.run).__name__],
            "submodule": sys.modules["adoptsim.sweeps"].load_sweep is load_sweep,
            "employee": Employee is adoptsim.Employee,
            "scenario_module": hasattr(adoptsim.scenario, "validate_scenario"),
            "version": adoptsim.__version__,
            "dir": sorted(set(adoptsim.__all__) - set(dir(adoptsim))),
        }))
        """,
        tmp_path,
    )
    assert out["missing"] == []
    assert out["compare"] == ["adoptsim.runs.compare", "compare", True]
    assert out["sweep"] == ["adoptsim.sweeps.sweep", "function", "module"]
    assert out["run"] == ["adoptsim.runs.runner", "function"]
    assert out["submodule"] and out["employee"] and out["scenario_module"]
    assert out["version"]
    assert out["dir"] == []


def test_an_unknown_name_is_an_attribute_error():
    import adoptsim
    import adoptsim.model.people

    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        adoptsim.no_such_thing  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        adoptsim.model.people.no_such_thing  # noqa: B018
