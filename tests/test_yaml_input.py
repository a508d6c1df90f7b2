"""The strict YAML reader: every bad file is the project's error naming the file, never a
traceback, a hang or runaway memory."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoptsim.errors import ExperimentError, InputError, ScenarioError
from adoptsim.scenario import load_scenario
from adoptsim.scenario.yaml_input import MAX_ALIASES, MAX_DEPTH
from adoptsim.sweeps import load_experiment

#: more examples with ADOPTSIM_HYPOTHESIS=long (e.g. 20,000 in a long local run)
EXAMPLES = 20_000 if os.environ.get("ADOPTSIM_HYPOTHESIS") == "long" else 150


def write(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    f = tmp_path / name
    if isinstance(text, bytes):
        f.write_bytes(text)
    else:
        f.write_text(text, encoding="utf-8")
    return f


def test_duplicate_keys_name_the_key_and_both_lines(tmp_path):
    f = write(tmp_path, "name: a\nweeks: 10\nruns: 3\nweeks: 20\n")
    with pytest.raises(ScenarioError, match=r"duplicate key 'weeks' \(first at line 2\)") as e:
        load_scenario(f)
    assert "line 4" in str(e.value)


def test_not_utf8(tmp_path):
    f = write(tmp_path, b"name: caf\xe9\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(f)


def test_deep_nesting(tmp_path):
    f = write(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match=f"more than {MAX_DEPTH} levels"):
        load_scenario(f)


def test_alias_bomb_under_departments(tmp_path):
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for k in range(1, 13):
        prev = chr(ord("a") + k - 1)
        cur = chr(ord("a") + k)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "organization:\n  generate:\n    departments:\n" + "".join(
        f"      {line}\n" for line in lines
    )
    f = write(tmp_path, text)
    with pytest.raises(ScenarioError, match=f"more than {MAX_ALIASES} aliases"):
        load_scenario(f)


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario("/dev/zero")
    f = write(tmp_path, f"extends: {fifo}\nname: x\n", "child.yaml")
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(f)


def test_experiment_files_share_the_reader(tmp_path):
    f = write(tmp_path, "name: e\nname: f\n", "e.yaml")
    with pytest.raises(ExperimentError, match="duplicate key 'name'"):
        load_experiment(f)


def test_python_tags_are_rejected(tmp_path):
    f = write(tmp_path, "name: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(f)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.text(max_size=300))
def test_any_text_loads_or_raises_the_projects_error(tmp_path, text):
    f = write(tmp_path, text)
    with contextlib.suppress(InputError):
        load_scenario(f)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
_keys = st.sampled_from(
    ["name", "weeks", "runs", "seed", "tool", "legacy", "behavior", "organization",
     "strategies", "generate", "employees", "departments", "value", "type", "start", "x"]
)  # fmt: skip
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.dictionaries(_keys, _values, max_size=6))
def test_any_mapping_loads_or_raises_the_projects_error(tmp_path, data):
    f = write(tmp_path, yaml.safe_dump(data))
    with contextlib.suppress(InputError):
        load_scenario(f)


def test_extends_to_a_symlink_loop_a_nul_or_a_long_path(tmp_path):
    (tmp_path / "loop1.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop1.yaml")
    for ref, match in (
        ("loop1.yaml", "symbolic links|does not exist|not a regular file"),
        ("a\\0b.yaml", "extends"),
        ("x" * 5000, "extends"),
    ):
        f = write(tmp_path, f'name: c\nextends: "{ref}"\n', "child.yaml")
        with pytest.raises(ScenarioError, match=match):
            load_scenario(f)


def test_extends_chain_is_limited(tmp_path):
    write(tmp_path, "name: s0\n", "s0.yaml")
    for k in range(1, 25):
        write(tmp_path, f"extends: s{k - 1}.yaml\nname: s{k}\n", f"s{k}.yaml")
    assert load_scenario(tmp_path / "s10.yaml").name == "s10"
    with pytest.raises(ScenarioError, match="more than 20 files"):
        load_scenario(tmp_path / "s24.yaml")


def test_octal_looking_numbers_are_refused(tmp_path):
    f = write(tmp_path, "name: s\nweeks: 012\n")
    with pytest.raises(ScenarioError, match="octal") as e:
        load_scenario(f)
    assert "line 2" in str(e.value)
    assert load_scenario(write(tmp_path, "name: s\nweeks: 12\nseed: 0\n", "ok.yaml")).weeks == 12


def test_alias_bomb_within_the_alias_limit_is_refused_before_it_is_built(tmp_path):
    # 10 levels of 10 aliases: 100 aliases (the limit), 10**10 values once expanded
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 11):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    text = "name: bomb\nstrategies:\n  - type: training\n    x:\n" + "".join(
        f"      {line}\n" for line in lines
    )
    f = write(tmp_path, text)
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="values once its aliases are expanded"):
        load_scenario(f)
    assert time.perf_counter() - start < 5


def test_a_long_duplicate_key_is_quoted_cut_short(tmp_path):
    key = "k" * 500
    f = write(tmp_path, f"{key}: 1\n{key}: 2\n")
    with pytest.raises(ScenarioError, match="duplicate key") as e:
        load_scenario(f)
    assert key not in str(e.value) and len(str(e.value)) < 300
