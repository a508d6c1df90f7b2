"""Scenario schema, loading, extends and error messages."""

import textwrap
from pathlib import Path

import pytest

import adoptsim
from adoptsim.errors import ScenarioError
from adoptsim.scenario import Scenario, load_scenario, merge_extends, validate_scenario
from tests.conftest import SCENARIOS


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_shipped_scenarios_load():
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 5
    for f in files:
        s = load_scenario(f)
        assert s.name


def test_defaults_fill_in():
    s = validate_scenario({})
    assert s.weeks == 52 and s.behavior.adopt_after == 3
    assert s.organization.source == "generate"


def test_resolved_scenario_revalidates_to_the_same_hash():
    s = load_scenario(SCENARIOS / "evangelists.yaml")
    again = Scenario.model_validate(s.resolved())
    assert again.content_hash() == s.content_hash()
    assert again.strategies[0].platform == s.strategies[0].platform


def test_unknown_key_names_file_path_and_suggests(tmp_path):
    f = write(tmp_path, "s.yaml", "name: x\nbehaviour: {}\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    msg = str(e.value)
    assert "s.yaml" in msg and "behaviour" in msg and 'did you mean "behavior"' in msg


def test_nested_unknown_key_lists_allowed_keys(tmp_path):
    f = write(tmp_path, "s.yaml", "behavior: {habit_weeks_medain: 9}\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    msg = str(e.value)
    assert "behavior.habit_weeks_medain" in msg
    assert 'did you mean "habit_weeks_median"' in msg
    assert "allowed keys:" in msg


def test_out_of_range_value_names_key_and_bound(tmp_path):
    f = write(tmp_path, "s.yaml", "weeks: 0\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert "weeks" in str(e.value) and "greater than or equal to 1" in str(e.value)


def test_unknown_strategy_type_suggests(tmp_path):
    f = write(tmp_path, "s.yaml", "strategies:\n  - type: evangelist\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    msg = str(e.value)
    assert "strategies[0].type" in msg and 'did you mean "evangelists"' in msg
    assert "s.yaml" in msg


def test_strategy_parameter_error_has_its_path(tmp_path):
    f = write(
        tmp_path,
        "s.yaml",
        """
        strategies:
          - type: senior_sponsor
            start: 2
          - type: heavy_control
            intensty: 3
        """,
    )
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    msg = str(e.value)
    assert "strategies[1].intensty" in msg and 'did you mean "intensity"' in msg


def test_strategy_end_before_start(tmp_path):
    f = write(tmp_path, "s.yaml", "strategies:\n  - {type: heavy_control, start: 10, end: 5}\n")
    with pytest.raises(ScenarioError, match=r"end .* before start"):
        load_scenario(f)


def test_duplicate_strategy_labels_are_rejected(tmp_path):
    f = write(
        tmp_path,
        "s.yaml",
        "strategies:\n  - {type: heavy_control}\n  - {type: heavy_control}\n",
    )
    with pytest.raises(ScenarioError, match="distinct `name`"):
        load_scenario(f)


def test_invalid_yaml_reports_line(tmp_path):
    f = write(tmp_path, "s.yaml", "name: [unclosed\nweeks: 3\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert "not valid YAML" in str(e.value) and "line" in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_not_a_mapping(tmp_path):
    f = write(tmp_path, "s.yaml", "- a\n- b\n")
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario(f)


def test_extends_merges_mappings_and_replaces_lists(tmp_path):
    write(
        tmp_path,
        "base.yaml",
        """
        name: base
        weeks: 40
        behavior: {adopt_after: 2, lapse_after: 6}
        strategies:
          - {type: heavy_control, start: 3}
        """,
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    f = write(
        sub,
        "child.yaml",
        """
        extends: ../base.yaml
        name: child
        behavior: {lapse_after: 8}
        strategies:
          - {type: senior_sponsor, start: 4}
        """,
    )
    s = load_scenario(f)
    assert s.name == "child" and s.weeks == 40
    assert s.behavior.adopt_after == 2 and s.behavior.lapse_after == 8
    assert [x.type for x in s.strategies] == ["senior_sponsor"]


def test_extends_cycle_and_missing_base(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")
    write(tmp_path, "c.yaml", "extends: missing.yaml\n")
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "c.yaml")


def test_content_hash_ignores_formatting(tmp_path):
    a = write(tmp_path, "a.yaml", "name: x\nweeks: 10\n")
    b = write(tmp_path, "b.yaml", "weeks:   10   # same\nname: 'x'\n")
    assert load_scenario(a).content_hash() == load_scenario(b).content_hash()
    c = write(tmp_path, "c.yaml", "name: x\nweeks: 11\n")
    assert load_scenario(c).content_hash() != load_scenario(a).content_hash()


def test_unknown_department_in_target_is_an_error_at_build(tmp_path):
    f = write(
        tmp_path,
        "s.yaml",
        """
        organization: {generate: {employees: 100, departments: [Sales, HR]}}
        strategies:
          - type: heavy_control
            target: {departments: [Sails]}
        """,
    )
    s = load_scenario(f)
    with pytest.raises(ScenarioError) as e:
        adoptsim.run(s, runs=1)
    assert "Sails" in str(e.value) and 'did you mean "Sales"' in str(e.value)


def test_target_selection_needs_count_or_share(tmp_path):
    f = write(
        tmp_path, "s.yaml", "strategies:\n  - {type: evangelists, target: {select: degree}}\n"
    )
    with pytest.raises(ScenarioError, match="count"):
        load_scenario(f)


def test_extends_a_childs_departments_replace_the_parents(tmp_path):
    """The baseline's departments and a child's own four: the child's are the departments
    (merged name by name, their shares would sum to 2)."""
    base = (Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml").as_posix()
    f = write(
        tmp_path,
        "child.yaml",
        f"""
        extends: {base}
        name: four_departments
        organization:
          generate:
            departments: {{Ops: 0.4, Sales: 0.3, Legal: 0.2, HR: 0.1}}
        """,
    )
    s = load_scenario(f)
    parent = load_scenario(base)
    assert s.organization.generate.departments == {
        "Ops": 0.4,
        "Sales": 0.3,
        "Legal": 0.2,
        "HR": 0.1,
    }
    # the rest of the generate section is still the parent's (settings merge key by key)
    assert s.organization.generate.employees == parent.organization.generate.employees
    assert s.weeks == parent.weeks and s.strategies == parent.strategies


def test_extends_an_organization_from_another_source_replaces_the_parents(tmp_path):
    base = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    data = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "example_employees.csv"
    f = write(
        tmp_path,
        "child.yaml",
        f"""
        extends: {base.as_posix()}
        name: imported
        organization: {{employees: {data.as_posix()}}}
        """,
    )
    s = load_scenario(f)
    assert s.organization.generate is None
    assert Path(s.organization.employees).name == "example_employees.csv"


def test_merge_extends_rules() -> None:
    base = {
        "weeks": 40,
        "behavior": {"a": 1, "b": 2},
        "strategies": [{"type": "x"}],
        "organization": {"generate": {"employees": 10, "departments": {"A": 0.5, "B": 0.5}}},
    }
    over = {
        "behavior": {"b": 3},
        "strategies": [],
        "organization": {"generate": {"departments": {"C": 1.0}}},
    }
    out = merge_extends(base, over)
    assert out["behavior"] == {"a": 1, "b": 3}
    assert out["strategies"] == []
    assert out["organization"]["generate"] == {"employees": 10, "departments": {"C": 1.0}}
    assert base["behavior"] == {"a": 1, "b": 2}  # the parent's data is not changed


@pytest.mark.parametrize(
    "field",
    [
        "tool.value",
        "legacy.value",
        "behavior.w_social",
        "behavior.external_awareness",
        "organization.generate.employees",
    ],
)
@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_infinite_or_nan_numbers_are_rejected(tmp_path, field, value):
    """YAML's .inf and .nan are not numbers a scenario can use: a ScenarioError names the
    field."""
    *parents, last = field.split(".")
    text = ""
    for depth, key in enumerate(parents):
        text += "  " * depth + f"{key}:\n"
    text += "  " * len(parents) + f"{last}: {value}\n"
    f = write(tmp_path, "s.yaml", "name: s\n" + text)
    with pytest.raises(ScenarioError, match=last):
        load_scenario(f)


def test_infinite_strategy_settings_are_rejected(tmp_path):
    f = write(
        tmp_path,
        "s.yaml",
        """
        name: s
        strategies:
          - {type: incentives, start: 1, per_person_week: .inf}
        """,
    )
    with pytest.raises(ScenarioError, match="per_person_week"):
        load_scenario(f)


@pytest.mark.parametrize(
    "text",
    [
        "runs: true",
        "weeks: false",
        "seed: true",
        "organization: {generate: {employees: true}}",
        "strategies: [{type: training, start: true}]",
    ],
)
def test_true_or_false_is_not_a_number(tmp_path, text):
    f = write(tmp_path, "s.yaml", f"name: s\n{text}\n")
    with pytest.raises(ScenarioError, match="a number is expected here"):
        load_scenario(f)


@pytest.mark.parametrize("n", [2**70, 2**63, 5_000_001])
def test_organization_sizes_are_bounded(tmp_path, n):
    f = write(tmp_path, "s.yaml", f"name: s\norganization: {{generate: {{employees: {n}}}}}\n")
    with pytest.raises(ScenarioError, match="5000000"):
        load_scenario(f)
