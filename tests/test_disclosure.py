"""No message quotes a file that is not a well-formed file of the kind expected: a base
scenario (``extends``), ``calibration.observed``, ``calibration.draws`` or a posterior
naming another file; a reader given a root folder (the app) reads no file outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from adoptsim.errors import InputError, ScenarioError
from adoptsim.files import header_shown
from adoptsim.org import load_csv
from adoptsim.org.entra import read_entra_csv, read_hris_csv
from adoptsim.scenario import load_scenario, scenario_from_text

SECRET = "api_key: hunter2-SECRET\ndb_password: swordfish-SECRET\nweeks: SECRET-weeks\n"
PASSWD = "root:x:0:0:root-SECRET:/root:/bin/bash\ndaemon:x:1:1:SECRET:/usr/sbin:/bin/sh\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def message(exc: pytest.ExceptionInfo) -> str:
    return str(exc.value)


@pytest.mark.parametrize("secret", [SECRET, PASSWD, "name: x\nname: SECRET-dup\n", "- SECRET"])
def test_extends_of_another_file_does_not_quote_it(tmp_path, secret):
    write(tmp_path, "secret.yaml", secret)
    child = write(tmp_path, "child.yaml", "name: c\nextends: secret.yaml\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(child)
    assert "SECRET" not in message(e) and "hunter2" not in message(e)


def test_a_base_value_is_not_quoted_but_the_childs_own_is(tmp_path):
    write(tmp_path, "base.yaml", "name: b\nweeks: SECRET-weeks\n")
    child = write(tmp_path, "child.yaml", "name: c\nextends: base.yaml\n")
    with pytest.raises(ScenarioError, match="base scenario") as e:
        load_scenario(child)
    assert "SECRET" not in message(e) and "weeks" in message(e)
    own = write(tmp_path, "own.yaml", "name: c\nweeks: mine\n")
    with pytest.raises(ScenarioError, match="'mine'"):
        load_scenario(own)
    typo = write(tmp_path, "typo.yaml", "name: c\nextends: base.yaml\nweekz: 3\n")
    with pytest.raises(ScenarioError, match="weekz"):
        load_scenario(typo)


def test_a_reader_with_a_root_reads_nothing_outside_it(tmp_path):
    root = tmp_path / "scenarios"
    root.mkdir()
    outside = write(tmp_path, "outside.yaml", "name: o\n")
    (root / "link.yaml").symlink_to(outside)
    for text in (
        "name: a\nextends: ../outside.yaml\n",
        "name: a\nextends: link.yaml\n",
        "name: a\nextends: /etc/passwd\n",
        "name: a\norganization:\n  employees: /etc/passwd\n",
        "name: a\ncalibration:\n  posterior: ../../x.csv\n",
        "name: a\ncalibration:\n  draws: /etc/passwd\n",
        "name: a\ncalibration:\n  observed: /etc/passwd\n",
    ):
        with pytest.raises(ScenarioError, match="outside the scenarios' folder"):
            scenario_from_text(text, root / "typed.yaml", root=root)
        child = write(root, "child.yaml", text)
        with pytest.raises(ScenarioError, match="outside the scenarios' folder"):
            load_scenario(child, root=root)
    with pytest.raises(ScenarioError, match="outside the scenarios' folder"):
        scenario_from_text("name: a\norganization:\n  employees: /etc/passwd\n", root=root)
    write(root, "base.yaml", "name: b\nweeks: 30\n")
    ok = scenario_from_text("name: a\nextends: base.yaml\n", root / "typed.yaml", root=root)
    assert ok.weeks == 30


def test_the_project_error_type_is_kept(tmp_path):
    write(tmp_path, "secret.yaml", SECRET)
    child = write(tmp_path, "child.yaml", "name: c\nextends: secret.yaml\n")
    with pytest.raises(InputError):
        load_scenario(child)


@pytest.mark.parametrize("role", ["employees", "ties", "entra", "hris"])
@pytest.mark.parametrize("secret", [SECRET, PASSWD])
def test_an_organization_file_of_another_kind_is_not_quoted(tmp_path, role, secret):
    other = write(tmp_path, "other.csv", secret)
    people = write(tmp_path, "people.csv", "employee_id,manager_id,department\nE1,,A\nE2,E1,A\n")
    call = {
        "employees": lambda: load_csv(other),
        "ties": lambda: load_csv(people, other),
        "entra": lambda: read_entra_csv(other),
        "hris": lambda: read_hris_csv(other, {"employee_id": "id", "manager_id": "boss"}),
    }[role]
    with pytest.raises(InputError) as exc:
        call()
    assert "secret" not in message(exc).lower().replace("other.csv", "")
    assert "not shown" in message(exc)


def test_a_header_of_the_expected_kind_is_named_to_help():
    people = ["employee_id", "dept", "manager_id"]
    assert "dept" in header_shown(people, ["employee_id", "department"])
    assert "x" * 41 not in header_shown(["employee_id", "x" * 60], ["employee_id"])
