"""Organizations from directory exports (Entra ID Graph JSON and CSV, HRIS CSV), people
keyed by salted hashes, and a whole fixture rollout whose outputs hold no identity."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.errors import OrganizationError, ScenarioError
from adoptsim.org import KINDS, ROLES, OrganizationSpec, load_directory, read_salt
from adoptsim.org.build import build_with_identities
from adoptsim.scenario import load_scenario
from tests.conftest import EXPORTS, graph_users

HRIS_COLUMNS = {
    "employee_id": "Employee Number",
    "manager_id": "Manager Employee Number",
    "department": "Department Name",
    "title": "Job Title",
    "location": "Work Location",
    "email": "Work Email",
}
runner = CliRunner()


def test_graph_pages_give_the_tree_keys_and_roles_by_the_documented_rule(rollout: Path) -> None:
    org, identities = load_directory(rollout / "entra", "entra", rollout / "adoptsim.salt")
    people = graph_users()
    assert org.n == len(people) == 60
    assert all(len(k) == 17 and k.startswith("p") for k in org.ids)
    raw = {u["id"] for u in people}
    assert not raw & set(org.ids)
    role = [ROLES[r] for r in org.role]
    level = org.level
    has_reports = np.bincount(org.manager[org.manager >= 0], minlength=org.n) > 0
    assert role[0] == "executive" and level[0] == 0  # the CEO
    assert sum(1 for k in range(org.n) if role[k] == "executive") == 5  # CEO and four VPs
    for k in range(org.n):
        if level[k] >= 2:
            assert role[k] == ("manager" if has_reports[k] else "individual_contributor")
    room = int(np.flatnonzero((level == 0) & ~has_reports)[0])
    assert role[room] == "individual_contributor"
    assert org.departments[org.department[room]] == "Unassigned"
    assert identities["employee_id"].isin(org.ids).all()
    assert set(identities["identity"]) >= {u["userPrincipalName"].lower() for u in people}
    assert stat.S_IMODE(os.stat(rollout / "adoptsim.salt").st_mode) == 0o600


def test_the_entra_csv_gives_the_same_organization_as_the_graph_pages(rollout: Path) -> None:
    salt = rollout / "adoptsim.salt"
    a, _ = load_directory(rollout / "entra", "entra", salt)
    b, _ = load_directory(rollout / "entra_users.csv", "entra", salt)
    assert list(a.ids) == list(b.ids)
    assert np.array_equal(a.manager, b.manager) and np.array_equal(a.role, b.role)
    assert list(a.attributes["title"]) == list(b.attributes["title"])


def test_an_hris_export_through_a_column_mapping(rollout: Path) -> None:
    org, identities = load_directory(
        rollout / "hris.csv", "hris", rollout / "adoptsim.salt", columns=HRIS_COLUMNS
    )
    entra, _ = load_directory(rollout / "entra", "entra", rollout / "adoptsim.salt")
    assert org.n == 59  # the room account is not an employee
    assert np.array_equal(org.manager, entra.manager[:59]) and list(org.location[:3]) == list(
        entra.location[:3]
    )
    assert "nw01000" in set(identities["identity"])
    with pytest.raises(
        OrganizationError, match=r'line 1: the column mapping names "Work Mail" for email'
    ):
        load_directory(
            rollout / "hris.csv",
            "hris",
            rollout / "adoptsim.salt",
            columns={**HRIS_COLUMNS, "email": "Work Mail"},
        )


def _edit_hris(folder: Path, edit) -> Path:
    frame = pd.read_csv(folder / "hris.csv", dtype=str, keep_default_na=False)
    edit(frame)
    path = folder / "hris_bad.csv"
    frame.to_csv(path, index=False)
    return path


def _cycle(f: pd.DataFrame) -> None:
    f.loc[0, "Manager Employee Number"] = "NW01002"  # CEO -> a manager -> the VP -> CEO


def _missing_manager(f: pd.DataFrame) -> None:
    f.loc[5, "Manager Employee Number"] = "NW09999"


def _duplicate(f: pd.DataFrame) -> None:
    f.loc[6, "Employee Number"] = "NW01004"


@pytest.mark.parametrize(
    "edit, message",
    [
        (_cycle, r"cycle in the manager chain.*lines 2, 3 and 4|lines 2, 3, 4"),
        (_missing_manager, r'unknown manager_id: "NW09999".*line 7'),
        (_duplicate, r'duplicate employee_id: "NW01004"'),
    ],
    ids=["cycle", "missing manager", "duplicate id"],
)
def test_directory_errors_name_the_rows(rollout: Path, edit, message: str) -> None:
    path = _edit_hris(rollout, edit)
    with pytest.raises(OrganizationError, match=message):
        load_directory(path, "hris", rollout / "adoptsim.salt", columns=HRIS_COLUMNS)


def test_graph_errors_name_the_page_and_the_user(rollout: Path) -> None:
    page = rollout / "entra" / "users-2.json"
    data = json.loads(page.read_text())
    data["value"][2]["manager"] = {"id": "00000000-0000-0000-0000-000000000000"}
    page.write_text(json.dumps(data))
    with pytest.raises(OrganizationError, match=r"unknown manager.*users-2.json value\[2\]"):
        load_directory(rollout / "entra", "entra", rollout / "adoptsim.salt")
    page.write_text('{"users": []}')
    with pytest.raises(OrganizationError, match="`value` list"):
        load_directory(rollout / "entra", "entra", rollout / "adoptsim.salt")


def test_keys_are_stable_with_the_salt_and_change_with_another(rollout: Path) -> None:
    salt = rollout / "adoptsim.salt"
    a, _ = load_directory(rollout / "entra", "entra", salt)
    b, _ = load_directory(rollout / "entra", "entra", salt)
    assert list(a.ids) == list(b.ids)
    other = rollout / "other.salt"
    c, _ = load_directory(rollout / "entra", "entra", other)
    assert not set(a.ids) & set(c.ids)
    assert read_salt(salt) != read_salt(other)
    child = rollout / "elsewhere"
    child.mkdir()
    (child / "child.yaml").write_text("extends: ../rollout.yaml\nname: child\n")
    spec = load_scenario(child / "child.yaml")
    org, _ = build_with_identities(spec.organization, spec.base_dir)
    direct = load_scenario(rollout / "rollout.yaml")
    org2, _ = build_with_identities(direct.organization, direct.base_dir)
    assert list(org.ids) == list(org2.ids)  # a child scenario keeps its base's keys
    assert not (child / "adoptsim.salt").exists()


def test_interactions_become_weighted_collaboration_ties(rollout: Path) -> None:
    plain, _ = load_directory(rollout / "entra", "entra", rollout / "adoptsim.salt")
    org, _ = load_directory(
        rollout / "entra",
        "entra",
        rollout / "adoptsim.salt",
        interactions=rollout / "interactions.csv",
    )
    collab = org.edge_kind == KINDS.index("collaborates")
    assert collab.sum() > 100 and not (plain.edge_kind == KINDS.index("collaborates")).any()
    w = org.edge_weight[collab]
    assert w.max() == pytest.approx(1.0) and (w > 0).all()
    (rollout / "bad.csv").write_text("sender,recipient,count\na@x,b@x,3\na@x,c@x,many\n")
    with pytest.raises(OrganizationError, match=r"bad\.csv: line 3"):
        load_directory(
            rollout / "entra",
            "entra",
            rollout / "adoptsim.salt",
            interactions=rollout / "bad.csv",
        )


@pytest.mark.parametrize(
    "org, message",
    [
        ({"directory": "x"}, "format"),
        ({"directory": "x", "format": "entra", "columns": {"employee_id": "a"}}, "hris"),
        ({"directory": "x", "format": "hris"}, "needs columns"),
        (
            {"directory": "x", "format": "hris", "columns": {"employee_id": "a", "boss": "b"}},
            "unknown field",
        ),
        ({"employees": "e.csv", "salt": "s"}, "only with a directory"),
        ({"directory": "x", "format": "ldap"}, "entra"),
    ],
)
def test_the_directory_settings_are_checked(org: dict, message: str) -> None:
    with pytest.raises((ScenarioError, ValueError), match=message):
        OrganizationSpec.model_validate(org)


def _texts(folder: Path):
    """Every output file's text: parquet and npz decoded, others as bytes."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            yield path, pd.read_parquet(path).to_csv().encode()
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                yield path, "\n".join(str(z[k].tolist()) for k in z.files).encode()
        else:
            yield path, path.read_bytes()


def test_a_whole_fixture_rollout_writes_no_identity_anywhere(rollout: Path) -> None:
    """observe (Slack) -> calibrate on the per-person weeks -> forecast --observed (the
    assimilated forecast) -> report, and a run: no e-mail, name, directory id or salt from
    the inputs in any file written."""
    s = str(rollout / "rollout.yaml")
    out = rollout / "out"
    out.mkdir()
    steps = [
        [
            "observe",
            "-f",
            "slack",
            "--start",
            "2026-01-05",
            "--scenario",
            s,
            str(rollout / "slack"),
            "--out",
            str(out / "people.csv"),
        ],
        [
            "calibrate",
            s,
            "--observed",
            str(out / "people.csv"),
            "--population",
            "20",
            "--generations",
            "1",
            "--replicates",
            "1",
            "--out",
            str(out / "fit"),
        ],
        [
            "forecast",
            str(out / "fit" / "calibrated.yaml"),
            "--observed",
            str(out / "people.csv"),
            "--runs",
            "20",
            "--weeks",
            "20",
            "--out",
            str(out / "forecast"),
        ],
        ["report", str(out / "forecast")],
        ["run", s, "--runs", "2", "--out", str(out / "run")],
    ]
    for args in steps:
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (args[0], res.output)
    secrets = {read_salt(rollout / "adoptsim.salt").hex()}
    for u in graph_users():
        secrets |= {u["userPrincipalName"], u["mail"], u["displayName"], u["id"]}
        if u["jobTitle"]:  # people's last names (first names are words; rooms are sites)
            secrets |= {u["displayName"].split()[-1]}
    hris = pd.read_csv(EXPORTS / "hris.csv", dtype=str, encoding="utf-8-sig")
    secrets |= set(hris["Legal Name"])
    secrets |= {"ext.partner@fabrikam.example", "contractor.three@northwind.example"}
    written = list(_texts(out))
    assert len(written) >= 20
    found = [
        (str(p.relative_to(out)), x)
        for p, text in written
        for x in secrets
        if len(x) >= 3 and x.lower().encode() in text.lower()
    ]
    assert not found, found[:10]
    assert (out / "forecast" / "filter.csv").exists()  # the forecast assimilated the weeks
    people = pd.read_csv(out / "people.csv")
    runs = pd.read_parquet(out / "run" / "events.parquet")
    assert set(runs["employee"]) <= set(people["employee_id"])  # one set of keys
