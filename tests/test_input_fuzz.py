"""Property-based tests of the organization readers and the experiment loader: any
generated input either loads or raises the project's own error, never anything else."""

from __future__ import annotations

import contextlib

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.org import Organization, load_csv, load_graphml
from adoptsim.sweeps import Experiment, load_experiment
from tests.conftest import SMALL
from tests.test_yaml_input import EXAMPLES

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_ids = st.sampled_from(["E1", "E2", "E3", "E4", "", "e1", "E1 ", "nobody", "E2,E3"])
_cells = st.one_of(
    _ids,
    st.sampled_from(["Sales", "HR", "manager", "executive", "ic", "1", "-1", "1_0", "nan",
                     "inf", "0.5", "1e400", '"', "'", "\x00", "é", "a;b"]),
    st.text(max_size=8),
)  # fmt: skip
_headers = st.lists(
    st.sampled_from(["employee_id", "manager_id", "department", "role", "location",
                     "tenure", "employee_id", "", "weight"]),
    min_size=0,
    max_size=6,
)  # fmt: skip


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


@SETTINGS
@given(
    header=_headers,
    rows=st.lists(st.lists(_cells, min_size=0, max_size=6), max_size=8),
    ties=st.one_of(
        st.none(),
        st.lists(st.lists(_cells, min_size=0, max_size=4), max_size=6),
    ),
)
def test_any_employee_and_tie_csv_loads_or_raises_the_projects_error(tmp_path, header, rows, ties):
    people = tmp_path / "people.csv"
    people.write_text(csv_text(header, rows), encoding="utf-8", errors="surrogatepass")
    tie_path = None
    if ties is not None:
        tie_path = tmp_path / "ties.csv"
        tie_path.write_text(csv_text(["source", "target", "weight", "kind"], ties))
    with contextlib.suppress(InputError):
        assert isinstance(load_csv(people, tie_path), Organization)


_node_ids = st.sampled_from(["a", "b", "c", "a", "", "x y", "&amp;", "1"])
_fragments = st.one_of(
    st.builds(
        lambda i, d: f'<node id="{i}"><data key="d">{d}</data></node>',
        _node_ids,
        st.sampled_from(["Sales", "", "HR", "<b/>"]),
    ),
    st.builds(lambda i: f'<node id="{i}"/>', _node_ids),
    st.builds(lambda a, b: f'<edge source="{a}" target="{b}"/>', _node_ids, _node_ids),
    st.builds(lambda a, b, w: f'<edge source="{a}" target="{b}"><data key="w">{w}</data></edge>',
              _node_ids, _node_ids, st.sampled_from(["1", "-1", "x", "nan", "1_0"])),
    st.sampled_from(["<graph>", "</graph>", "<node", "&e;", "<!-- -->", "]]>", "<data/>"]),
)  # fmt: skip


@SETTINGS
@given(st.lists(_fragments, max_size=10))
def test_any_graphml_loads_or_raises_the_projects_error(tmp_path, fragments):
    text = (
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d" for="node" attr.name="department" attr.type="string"/>'
        '<key id="w" for="edge" attr.name="weight" attr.type="string"/>'
        f'<graph edgedefault="undirected">{"".join(fragments)}</graph></graphml>'
    )
    path = tmp_path / "org.graphml"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(InputError):
        assert isinstance(load_graphml(path), Organization)


_exp_keys = st.sampled_from(
    ["name", "scenario", "design", "parameters", "replicates", "seed", "samples", "metrics",
     "fixed", "levels", "second_order", "path", "values", "low", "high", "num", "step",
     "integer", "distribution", "x"]
)  # fmt: skip
_exp_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["grid", "sobol", "random", "behavior.w_habit", "weeks", "../x", "BASE",
                     "final_active_share", "strategies[0].start"]),
    st.text(max_size=10),
)  # fmt: skip
_exp_values = st.recursive(
    _exp_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_exp_keys, inner, max_size=4)
    ),
    max_leaves=15,
)


@SETTINGS
@given(st.dictionaries(_exp_keys, _exp_values, max_size=7))
def test_any_experiment_loads_or_raises_the_projects_error(tmp_path, data):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({**SMALL, "weeks": 4}))
    text = yaml.safe_dump(data).replace("BASE", str(base))
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    with contextlib.suppress(InputError):
        assert isinstance(load_experiment(path), Experiment)


@settings(
    max_examples=max(10, EXAMPLES // 15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(header=_headers, rows=st.lists(st.lists(_cells, max_size=5), max_size=5))
def test_the_cli_answers_any_organization_with_exit_0_or_2(tmp_path, header, rows):
    (tmp_path / "people.csv").write_text(csv_text(header, rows), errors="surrogatepass")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        yaml.safe_dump({"name": "fuzz", "weeks": 2, "organization": {"employees": "people.csv"}})
    )
    res = CliRunner().invoke(app, ["validate-scenario", str(scenario)])
    assert res.exit_code in (0, 2), res.output
    assert "Traceback" not in res.output


_obs_headers = st.lists(
    st.sampled_from(["week", "department", "active_share", "ever_tried_share", "active",
                     "ever_tried", "habitual_share", "x", "", "week"]),
    max_size=5,
)  # fmt: skip
_obs_cells = st.one_of(
    st.sampled_from(["1", "2", "12", "0", "-1", "0.5", "1.5", "nan", "inf", "1_0", "", "Sales",
                     "HR", "3.0", "1e-3", "400", "401"]),
    st.text(max_size=5),
)  # fmt: skip


@SETTINGS
@given(header=_obs_headers, rows=st.lists(st.lists(_obs_cells, max_size=5), max_size=8))
def test_any_observed_file_loads_or_raises_the_projects_error(tmp_path, header, rows):
    from adoptsim.calibration import Observed, read_observed

    path = tmp_path / "obs.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(InputError):
        obs = read_observed(path, employees=400, weeks=20, department_sizes={"Sales": 300})
        assert isinstance(obs, Observed)
        assert obs.table["value"].between(0, 1).all()
        assert obs.table["week"].between(1, 20).all()
