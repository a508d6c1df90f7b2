"""Tests of adoptsim.org: generated and imported organizations, validation, views."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pydantic import ValidationError

from adoptsim.errors import OrganizationError
from adoptsim.org import (
    DEFAULT_WEIGHTS,
    IMPORT_TEAM_TIES_MAX_TEAM,
    KINDS,
    ROLES,
    GenerateSpec,
    Organization,
    OrganizationSpec,
    Role,
    build,
    centrality,
    generate,
    load_csv,
    load_graphml,
    write_graphml,
)
from adoptsim.org.centrality import _betweenness

DATA = Path(__file__).parent / "data" / "org"
EXAMPLES = Path(__file__).parents[1] / "scenarios" / "data"
SMALL = DATA / "employees_small.csv"

IC, MANAGER, EXECUTIVE = (ROLES.index(r) for r in ROLES)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def org() -> Organization:
    return generate(GenerateSpec(employees=3000), rng(1))


def brute_subtree(o: Organization, i: int) -> set[int]:
    out, todo = {i}, [i]
    while todo:
        v = todo.pop()
        for c in np.flatnonzero(o.manager == v).tolist():
            out.add(c)
            todo.append(c)
    return out


def assert_wellformed(o: Organization) -> None:
    """Invariants every organization must satisfy."""
    n = o.n
    assert len(o.ids) == len(set(o.ids.tolist())) == n
    has = o.manager >= 0
    assert np.all(o.level[~has] == 0)
    assert np.all(o.level[has] == o.level[o.manager[has]] + 1)
    assert np.all(o.edge_src != o.edge_dst)
    key = np.minimum(o.edge_src, o.edge_dst) * n + np.maximum(o.edge_src, o.edge_dst)
    pairs = set(zip(key.tolist(), o.edge_kind.tolist(), strict=True))
    assert len(pairs) == len(key)
    a = o.adjacency
    assert a.shape == (n, n)
    assert a.dtype == np.float64
    assert abs(a - a.T).max() == 0 if a.nnz else True
    assert np.all(a.diagonal() == 0)
    assert a.sum() == pytest.approx(2 * o.edge_weight.sum())


# --------------------------------------------------------------------------------------
# generated organizations
# --------------------------------------------------------------------------------------


def test_generated_structure(org: Organization) -> None:
    spec = GenerateSpec(employees=3000)
    assert_wellformed(org)
    assert org.n == 3000
    assert org.ids.dtype == object and org.department.dtype == np.int32
    assert org.role.dtype == np.int8 and org.level.dtype == np.int16
    assert org.manager.dtype == np.int64 and org.edge_kind.dtype == np.int8
    # sizes follow the shares (the CEO counted in the first department)
    counts = np.bincount(org.department, minlength=len(org.departments))
    assert org.departments == ("Sales", "Engineering", "Operations", "HR")
    assert counts.tolist() == list(spec.department_sizes().values())
    assert counts.tolist() == [900, 1200, 600, 300]
    # one CEO at the top, everyone else has exactly one manager
    assert np.flatnonzero(org.manager < 0).tolist() == [0]
    assert org.level[0] == 0 and org.role[0] == EXECUTIVE
    heads = np.flatnonzero(org.level == 1)
    assert len(heads) == 4 and np.all(org.manager[heads] == 0)
    assert sorted(org.department[heads].tolist()) == [0, 1, 2, 3]
    assert np.all(org.role[heads] == EXECUTIVE)
    # everyone below a head stays in the head's department
    below = org.level >= 2
    assert np.all(org.department[below] == org.department[org.manager[below]])
    # spans never exceed the span of control (the CEO's reports are the department heads)
    span = np.bincount(org.manager[1:], minlength=org.n)
    assert span[1:].max() <= spec.span_of_control
    # roles: managers have reports, individual contributors none
    assert np.all(span[org.role == IC] == 0)
    assert np.all(span[org.role == MANAGER] > 0)
    assert np.all(org.level[org.role == MANAGER] >= 2)
    # depth is what the span requires for the largest department (1200 people)
    assert org.level.max() == 1 + int(np.ceil(np.log(1200 * 6 + 1) / np.log(7))) - 1


def test_all_kinds_with_weights_and_rates() -> None:
    weights = {"collaborates": 0.7, "informal": 0.05}
    spec = GenerateSpec(
        employees=6000,
        collaboration_ties=4,
        informal_ties=2,
        cross_department_share=0.3,
        team_tie_density=0.5,
        weights=weights,
    )
    o = generate(spec, rng(2))
    expected = {**DEFAULT_WEIGHTS, **weights}
    for code, kind in enumerate(KINDS):
        w = o.edge_weight[o.edge_kind == code]
        assert len(w) > 0, kind
        assert np.all(w == expected[kind]), kind
    n = o.n
    count = np.bincount(o.edge_kind, minlength=4)
    assert count[0] == n - 1
    assert count[2] / n == pytest.approx(4 / 2, rel=0.05)
    assert count[3] / n == pytest.approx(2 / 2, rel=0.05)
    # cross-department share of collaboration ties
    c = o.edge_kind == 2
    cross = o.department[o.edge_src[c]] != o.department[o.edge_dst[c]]
    assert cross.mean() == pytest.approx(0.3, abs=0.03)
    # team ties: share of same-manager pairs that are tied
    team_sizes = np.bincount(o.manager[1:], minlength=n)
    possible = (team_sizes * (team_sizes - 1) // 2).sum()
    assert count[1] / possible == pytest.approx(0.5, abs=0.03)
    t = o.edge_kind == 1
    assert np.all(o.manager[o.edge_src[t]] == o.manager[o.edge_dst[t]])
    r = o.edge_kind == 0
    assert np.all(
        (o.manager[o.edge_src[r]] == o.edge_dst[r]) | (o.manager[o.edge_dst[r]] == o.edge_src[r])
    )


def test_levels_widen_spans_at_the_bottom() -> None:
    spec = GenerateSpec(employees=2000, span_of_control=5, levels=4)
    o = generate(spec, rng(3))
    assert_wellformed(o)
    assert o.level.max() == 3
    span = np.bincount(o.manager[1:], minlength=o.n)
    # spans are kept above the bottom level, widened only for the lowest managers
    assert span[o.level == 1].max() <= 5
    assert span[o.level == 2].max() > 5
    # widened teams are spread evenly: spans of the lowest managers differ by at most one
    for d in range(4):
        mgrs = (o.level == 2) & (o.department == d)
        assert span[mgrs].max() - span[mgrs].min() <= 1


def test_no_widening_when_levels_suffice() -> None:
    o = generate(GenerateSpec(employees=300, span_of_control=7, levels=8), rng(0))
    assert np.bincount(o.manager[1:], minlength=o.n)[1:].max() <= 7


def test_department_specs() -> None:
    as_list = GenerateSpec(employees=101, departments=["A", "B", "C", "D"])
    assert as_list.department_sizes() == {"A": 26, "B": 25, "C": 25, "D": 25}
    counts = GenerateSpec(employees=10, departments={"A": 3, "B": 7})
    o = generate(counts, rng(0))
    assert np.bincount(o.department).tolist() == [3, 7]
    shares = GenerateSpec(employees=100, departments={"A": 0.33, "B": 0.33, "C": 0.33})
    assert sum(shares.department_sizes().values()) == 100
    tiny = GenerateSpec(employees=20, departments={"Big": 0.97, "Tiny": 0.01, "Small": 0.02})
    sizes = tiny.department_sizes()
    assert sum(sizes.values()) == 20 and min(sizes.values()) >= 1
    assert_wellformed(generate(tiny, rng(0)))
    one = generate(GenerateSpec(employees=50, departments=["Only"]), rng(0))
    assert_wellformed(one)
    assert one.summary()["edges"]["collaborates"] > 0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"departments": {"A": 0.5, "B": 0.2}}, "sum to 0.7"),
        ({"employees": 10, "departments": {"A": 3, "B": 5}}, "sum to 8"),
        ({"employees": 10, "departments": {"A": 1, "B": 9}}, "at least 2"),
        ({"employees": 3, "departments": ["A", "B", "C"]}, "at least 4 employees"),
        ({"departments": ["A", "A"]}, "repeat"),
        ({"departments": {"A": True, "B": 1}}, "share or a head count"),
        ({"weights": {"colaborates": 1.0}}, 'did you mean "collaborates"'),
        ({"weights": {"team": -1}}, "non-negative"),
        ({"span_of_control": 1}, "greater than or equal to 2"),
        ({"team_tie_density": 1.5}, "less than or equal to 1"),
        ({"levels": 2}, "greater than or equal to 3"),
        ({"span": 3}, "Extra inputs are not permitted"),
    ],
)
def test_generate_spec_errors(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        GenerateSpec(**kwargs)
    assert fragment in str(err.value)


def test_weights_merge_with_defaults() -> None:
    spec = GenerateSpec(weights={"informal": 0.1})
    assert spec.weights == {**DEFAULT_WEIGHTS, "informal": 0.1}
    assert list(spec.weights) == list(KINDS)


def test_locations_follow_teams() -> None:
    o = generate(GenerateSpec(employees=500, locations=["Paris", "Lyon", "Remote"]), rng(4))
    assert o.location is not None and set(o.location.tolist()) == {"Paris", "Lyon", "Remote"}
    has = o.manager >= 0
    teams = {}
    for i in np.flatnonzero(has).tolist():
        teams.setdefault(int(o.manager[i]), set()).add(o.location[i])
    assert all(len(sites) == 1 for sites in teams.values())
    assert generate(GenerateSpec(employees=50), rng(0)).location is None


def test_determinism() -> None:
    spec = GenerateSpec(employees=2000, locations=["A", "B"])
    a, b = generate(spec, rng(7)), generate(spec, rng(7))
    for name in (
        "ids",
        "department",
        "role",
        "level",
        "manager",
        "location",
        "edge_src",
        "edge_dst",
        "edge_kind",
        "edge_weight",
    ):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    c = generate(spec, rng(8))
    assert not (
        len(c.edge_src) == len(a.edge_src)
        and np.array_equal(c.edge_src, a.edge_src)
        and np.array_equal(c.edge_dst, a.edge_dst)
    )
    # the hierarchy does not depend on the seed, only the ties do
    assert np.array_equal(a.manager, c.manager)


def test_large_generation_is_wellformed() -> None:
    o = generate(GenerateSpec(employees=100_000), rng(0))
    assert o.n == 100_000
    assert np.all(o.edge_src != o.edge_dst)
    s = o.summary()
    assert s["edges"]["reports_to"] == 99_999
    assert 8 < s["mean_degree"] < 11


def test_arrays_are_read_only(org: Organization) -> None:
    with pytest.raises(ValueError):
        org.level[0] = 3
    with pytest.raises(ValueError):
        org.edge_weight[0] = 3.0


# --------------------------------------------------------------------------------------
# views: subtree, adjacency, networkx, summary, centrality
# --------------------------------------------------------------------------------------


def test_subtree_matches_brute_force(org: Organization) -> None:
    assert sorted(org.subtree(0).tolist()) == list(range(org.n))
    picks = [1, 2, 5, 17, 100, 2999, *np.flatnonzero(org.level == 3)[:5].tolist()]
    for i in picks:
        sub = org.subtree(i)
        assert sub[0] == i
        assert len(sub) == len(set(sub.tolist()))
        assert set(sub.tolist()) == brute_subtree(org, i)
        assert set(org.reports(i).tolist()) == brute_subtree(org, i) - {i}
        assert org.subtree_size()[i] == len(sub)
        assert set(org.direct_reports(i).tolist()) == set(np.flatnonzero(org.manager == i))


def test_subtree_in_an_imported_forest() -> None:
    o = load_csv(SMALL)
    ids = o.ids.tolist()
    assert {ids[k] for k in o.subtree(ids.index("cto"))} == {"cto", "m1", "a1", "a2", "a3"}
    assert {ids[k] for k in o.reports(ids.index("cso"))} == {"s1", "s2"}
    assert o.subtree(ids.index("a1")).tolist() == [ids.index("a1")]


def test_adjacency_of_kind(org: Organization) -> None:
    total = sum(org.adjacency_of(k) for k in KINDS)
    assert abs(total - org.adjacency).max() < 1e-12
    rep = org.adjacency_of("reports_to")
    assert rep.nnz == 2 * (org.n - 1)
    assert org.adjacency is org.adjacency  # cached
    with pytest.raises(ValueError, match="unknown tie kind"):
        org.adjacency_of("friends")


def test_to_networkx_attributes() -> None:
    o = load_csv(SMALL, DATA / "ties_ok.csv")
    g = o.to_networkx()
    assert isinstance(g, nx.Graph) and not g.is_multigraph()
    assert g.number_of_nodes() == o.n
    ids = o.ids.tolist()
    a1 = g.nodes[ids.index("a1")]
    assert a1["id"] == "a1" and a1["department"] == "Engineering"
    assert a1["role"] == "individual_contributor" and a1["level"] == 3
    assert a1["manager"] == "m1" and a1["location"] == "Paris" and a1["tenure_years"] == 1
    assert g.nodes[ids.index("ceo")]["manager"] == ""
    # a pair with several kinds: strongest kind, all kinds, summed weight
    e = g.edges[ids.index("a1"), ids.index("m1")]
    assert e == {"kind": "reports_to", "kinds": ["reports_to"], "weight": 1.0}
    e = g.edges[ids.index("a3"), ids.index("ceo")]
    assert e["kind"] == "collaborates" and e["weight"] == DEFAULT_WEIGHTS["collaborates"]
    e = g.edges[ids.index("m1"), ids.index("cso")]
    assert e["kind"] == "team" and e["kinds"] == ["team"] and e["weight"] == 0.3
    gen = generate(GenerateSpec(employees=400), rng(5)).to_networkx()
    multi = [d for _, _, d in gen.edges(data=True) if len(d["kinds"]) > 1]
    assert multi
    for d in multi:
        strongest = max(d["kinds"], key=lambda k: (DEFAULT_WEIGHTS[k], -KINDS.index(k)))
        assert d["kind"] == strongest
        assert d["weight"] == pytest.approx(sum(DEFAULT_WEIGHTS[k] for k in d["kinds"]))
        assert d["kinds"] == sorted(d["kinds"], key=KINDS.index)


def test_summary(org: Organization) -> None:
    s = org.summary()
    assert s["employees"] == 3000
    assert s["departments"] == {"Sales": 900, "Engineering": 1200, "Operations": 600, "HR": 300}
    assert sum(s["roles"].values()) == 3000 and s["roles"]["executive"] == 5
    assert set(s["edges"]) == set(KINDS) and sum(s["edges"].values()) == len(org.edge_src)
    assert s["levels"] == org.level.max() + 1 == len(s["employees_per_level"])
    assert s["mean_degree"] == pytest.approx(org.adjacency.nnz / 3000)


def test_centrality_matches_networkx() -> None:
    o = generate(GenerateSpec(employees=300), rng(6))
    g = o.to_networkx()
    deg = centrality(o, "degree")
    assert deg == pytest.approx(np.asarray(o.adjacency.sum(axis=1)).ravel())
    bt = centrality(o, "betweenness")
    ref = nx.betweenness_centrality(nx.Graph(g.edges()), normalized=True)
    assert bt == pytest.approx([ref.get(i, 0.0) for i in range(o.n)], abs=1e-12)
    ev = centrality(o, "eigenvector")
    ref = nx.eigenvector_centrality_numpy(g, weight="weight")
    assert ev == pytest.approx([ref[i] for i in range(o.n)], abs=1e-8)
    assert centrality(o, "betweenness") is bt  # cached per organization
    with pytest.raises(ValueError, match="unknown centrality"):
        centrality(o, "closeness")  # type: ignore[arg-type]


def test_sampled_betweenness_is_seeded_and_close() -> None:
    spec = GenerateSpec(employees=2500)
    o = generate(spec, rng(9))
    a = centrality(o, "betweenness", rng(1))
    b = centrality(generate(spec, rng(9)), "betweenness", rng(1))
    assert np.array_equal(a, b)
    exact = _betweenness(o.adjacency, np.arange(o.n))
    assert a.mean() == pytest.approx(exact.mean(), rel=0.05)
    assert np.corrcoef(a, exact)[0, 1] > 0.8


# --------------------------------------------------------------------------------------
# imported organizations: CSV
# --------------------------------------------------------------------------------------


def test_example_company_loads() -> None:
    o = load_csv(EXAMPLES / "example_employees.csv", EXAMPLES / "example_ties.csv")
    assert_wellformed(o)
    assert 50 <= o.n <= 70
    s = o.summary()
    assert all(s["edges"][k] > 0 for k in KINDS)
    assert 70 <= s["edges"]["collaborates"] + s["edges"]["informal"] <= 90
    assert np.flatnonzero(o.manager < 0).size == 1
    assert "tenure_years" in o.attributes and o.attributes["tenure_years"].dtype == float
    assert o.location is not None
    assert {"Sales", "Engineering", "Operations", "HR"} <= set(o.departments)


def test_csv_roles_levels_and_attributes() -> None:
    o = load_csv(SMALL)
    role = dict(zip(o.ids.tolist(), (ROLES[r] for r in o.role), strict=True))
    assert role == {
        "ceo": "executive",
        "cto": "manager",  # blank: has reports
        "m1": "manager",
        "a1": "individual_contributor",
        "a2": "individual_contributor",
        "a3": "individual_contributor",
        "cso": "executive",
        "s1": "individual_contributor",  # blank: no reports
        "s2": "individual_contributor",
    }
    level = dict(zip(o.ids.tolist(), o.level.tolist(), strict=True))
    expected = {"ceo": 0, "cto": 1, "m1": 2, "a1": 3, "a2": 3, "a3": 3, "cso": 1, "s1": 2}
    assert level == {**expected, "s2": 2}
    assert o.departments == ("Leadership", "Engineering", "Sales")
    assert o.location.tolist()[4] == "Remote"
    assert list(o.attributes.columns) == ["tenure_years", "badge"]
    assert np.isnan(o.attributes["tenure_years"][5])
    assert o.attributes["badge"].tolist()[0] == "A1"
    assert o.source == str(SMALL)


def test_csv_role_derived_without_role_column(tmp_path: Path) -> None:
    f = tmp_path / "e.csv"
    f.write_text("employee_id,manager_id,department\nboss,,X\nmid,boss,X\nleaf,mid,X\n")
    o = load_csv(f)
    assert [ROLES[r] for r in o.role] == ["executive", "manager", "individual_contributor"]


def test_csv_ties_kinds_weights_and_duplicates() -> None:
    o = load_csv(SMALL, DATA / "ties_ok.csv")
    ids = o.ids.tolist()

    def tie(a: str, b: str, kind: str) -> list[float]:
        i, j = ids.index(a), ids.index(b)
        m = (o.edge_kind == KINDS.index(kind)) & (
            ((o.edge_src == i) & (o.edge_dst == j)) | ((o.edge_src == j) & (o.edge_dst == i))
        )
        return o.edge_weight[m].tolist()

    assert tie("a1", "s1", "collaborates") == [0.9]  # listed twice: the larger weight
    assert tie("a2", "s2", "informal") == [DEFAULT_WEIGHTS["informal"]]
    assert tie("a3", "ceo", "collaborates") == [DEFAULT_WEIGHTS["collaborates"]]
    assert tie("m1", "cso", "team") == [0.3]
    # team ties between people with the same manager
    assert tie("a1", "a2", "team") == [DEFAULT_WEIGHTS["team"]]
    assert tie("cto", "cso", "team") == [DEFAULT_WEIGHTS["team"]]
    assert tie("a1", "m1", "reports_to") == [DEFAULT_WEIGHTS["reports_to"]]


def test_csv_team_ties_switch_and_size_limit(tmp_path: Path) -> None:
    def company(team: int) -> Path:
        f = tmp_path / f"team{team}.csv"
        rows = ["employee_id,manager_id,department", "boss,,X"]
        rows += [f"e{k},boss,X" for k in range(team)]
        f.write_text("\n".join(rows) + "\n")
        return f

    limit = IMPORT_TEAM_TIES_MAX_TEAM
    at_limit = load_csv(company(limit))
    assert at_limit.summary()["edges"]["team"] == limit * (limit - 1) // 2
    assert load_csv(company(limit + 1)).summary()["edges"]["team"] == 0
    assert load_csv(company(limit), team_ties=False).summary()["edges"]["team"] == 0


def test_csv_tolerates_blank_lines_bom_and_short_rows(tmp_path: Path) -> None:
    f = tmp_path / "e.csv"
    f.write_text("\ufeffEmployee_ID, Manager_ID ,Department,role\n\nboss,,X\nw,boss,X\n")
    o = load_csv(f)
    assert o.ids.tolist() == ["boss", "w"]
    assert ROLES[o.role[1]] == "individual_contributor"
    g = tmp_path / "g.csv"
    g.write_text("employee_id,manager_id,department\nboss,,X\n\nw,boss,X,extra\n")
    with pytest.raises(OrganizationError) as err:
        load_csv(g)
    assert "line 4" in str(err.value) and "more values" in str(err.value)


EMPLOYEE_ERRORS = [
    ("emp_empty.csv", ["employees file is empty"]),
    ("emp_header_only.csv", ["line 1", "no employees"]),
    (
        "emp_missing_columns.csv",
        ["line 1", "manager_id", "department", "employee_id, manager, dept, role"],
    ),
    ("emp_duplicate_ids.csv", ["lines 3, 4, 5, 7", '"a1" (line 3, line 5)', '"a2"']),
    (
        "emp_unknown_manager.csv",
        ["lines 4, 5, 6, 7, 8 and 2 more", '"boss" for "a2" (line 4)', "and 2 more"],
    ),
    ("emp_cycle.csv", ["lines 4, 5, 6, 8", '"b1" -> "b3" -> "b2" -> "b1"', '"c1" -> "c1"']),
    (
        "emp_bad_role.csv",
        ["lines 3, 5", '"manger" (did you mean "manager"?) (line 3)', '"intern" (line 5)'],
    ),
    ("emp_empty_department.csv", ["line 3", '"a1"', "empty department"]),
]


@pytest.mark.parametrize(("name", "fragments"), EMPLOYEE_ERRORS)
def test_employee_file_errors(name: str, fragments: list[str]) -> None:
    path = DATA / name
    with pytest.raises(OrganizationError) as err:
        load_csv(path)
    text = str(err.value)
    assert err.value.source == str(path)
    assert text.startswith(str(path))
    for fragment in fragments:
        assert fragment in text
    if name == "emp_bad_role.csv":
        assert "individual_contributor, manager, executive" in text


TIES_ERRORS = [
    ("ties_missing_columns.csv", ["line 1", "source", "from, target, weight"]),
    ("ties_unknown_employee.csv", ["lines 3, 4", '"zz" (line 3)', '"yy" (line 4)', "unknown"]),
    ("ties_self.csv", ["line 3", '"a2" to itself', "self-tie"]),
    ("ties_bad_weight.csv", ["lines 3, 4", '"heavy" (line 3)', "not a number"]),
    ("ties_negative_weight.csv", ["line 3", "-0.2", "negative weight"]),
    (
        "ties_unknown_kind.csv",
        [
            "lines 3, 4",
            '"collaboration" (did you mean "collaborates"?) (line 3)',
            '"reports_to" (line 4)',
            "allowed: team, collaborates, informal",
        ],
    ),
]


@pytest.mark.parametrize(("name", "fragments"), TIES_ERRORS)
def test_ties_file_errors(name: str, fragments: list[str]) -> None:
    path = DATA / name
    with pytest.raises(OrganizationError) as err:
        load_csv(SMALL, path)
    text = str(err.value)
    assert err.value.source == str(path)
    assert text.startswith(str(path))
    for fragment in fragments:
        assert fragment in text


def test_missing_files_name_the_path(tmp_path: Path) -> None:
    for call, path in (
        (lambda p: load_csv(p), tmp_path / "nope.csv"),
        (lambda p: load_csv(SMALL, p), tmp_path / "ties.csv"),
        (lambda p: load_graphml(p), tmp_path / "org.graphml"),
    ):
        with pytest.raises(OrganizationError) as err:
            call(path)
        assert "not found" in str(err.value) and str(path) in str(err.value)


def test_report_limits_offending_rows(tmp_path: Path) -> None:
    f = tmp_path / "many.csv"
    rows = ["employee_id,manager_id,department", "boss,,X"] + [f"e{k},ghost,X" for k in range(12)]
    f.write_text("\n".join(rows) + "\n")
    with pytest.raises(OrganizationError) as err:
        load_csv(f)
    text = str(err.value)
    assert "lines 3, 4, 5, 6, 7 and 7 more" in text
    assert '"e4"' in text and '"e5"' not in text


# --------------------------------------------------------------------------------------
# imported organizations: GraphML
# --------------------------------------------------------------------------------------


def test_graphml_loads() -> None:
    o = load_graphml(DATA / "valid.graphml")
    assert_wellformed(o)
    ids = o.ids.tolist()
    assert ids == ["ceo", "cto", "a1", "a2", "s1"]
    # cto's manager comes from a reports_to edge (cto -> ceo), the others from attributes
    assert [o.manager[i] for i in range(5)] == [-1, 0, 1, 1, 0]
    assert [ROLES[r] for r in o.role] == [
        "executive",
        "manager",
        "individual_contributor",
        "individual_contributor",
        "individual_contributor",
    ]
    assert o.location.tolist() == ["Paris", "Paris", "Remote", "Paris", "Lyon"]
    assert o.attributes["tenure_years"].tolist() == [9, 5, 1.5, 2, 3]
    kinds = {
        (ids[s], ids[d], KINDS[k]): w
        for s, d, k, w in zip(o.edge_src, o.edge_dst, o.edge_kind, o.edge_weight, strict=True)
    }
    assert kinds[("a1", "s1", "collaborates")] == 0.7
    assert kinds[("a1", "s1", "informal")] == 0.1
    assert kinds[("a2", "s1", "informal")] == DEFAULT_WEIGHTS["informal"]
    assert kinds[("a1", "a2", "team")] == DEFAULT_WEIGHTS["team"]


GRAPHML_ERRORS = [
    ("graphml_unknown_manager.graphml", ['"nobody" for "x1"', "unknown manager"]),
    ("graphml_cycle.graphml", ['"p" -> "q" -> "p"', "cycle"]),
    ("graphml_self_loop.graphml", ['edge "a1"-"a1"', "self-tie"]),
    ("graphml_unknown_kind.graphml", ['"friendship" (edge "a1"-"a2")', "allowed"]),
    ("graphml_bad_weight.graphml", ['"lots" (edge "a1"-"a2")', "not a number"]),
    ("graphml_no_department.graphml", ['node "nodept"', "department"]),
    ("graphml_two_managers.graphml", ['"a1" reports to "cto" and "ceo"']),
    ("graphml_broken.graphml", ["not a readable GraphML file"]),
]


@pytest.mark.parametrize(("name", "fragments"), GRAPHML_ERRORS)
def test_graphml_errors(name: str, fragments: list[str]) -> None:
    path = DATA / name
    with pytest.raises(OrganizationError) as err:
        load_graphml(path)
    text = str(err.value)
    assert text.startswith(str(path))
    for fragment in fragments:
        assert fragment in text


def test_graphml_round_trip(tmp_path: Path) -> None:
    o = generate(GenerateSpec(employees=300, locations=["A", "B"]), rng(11))
    write_graphml(o, tmp_path / "o.graphml")
    back = load_graphml(tmp_path / "o.graphml", team_ties=False)
    assert back.departments == o.departments
    for name in ("ids", "department", "role", "level", "manager", "location"):
        assert np.array_equal(getattr(o, name), getattr(back, name)), name
    for name in ("edge_src", "edge_dst", "edge_kind", "edge_weight"):
        assert np.array_equal(getattr(o, name), getattr(back, name)), name


# --------------------------------------------------------------------------------------
# specification and dispatch
# --------------------------------------------------------------------------------------


def test_organization_spec_defaults_and_errors() -> None:
    spec = OrganizationSpec()
    assert spec.source == "generate" and spec.generate == GenerateSpec()
    assert OrganizationSpec(employees="e.csv", ties="t.csv").source == "employees"
    assert OrganizationSpec(graphml="g.graphml").source == "graphml"
    bad = [
        ({"generate": {}, "employees": "e.csv"}, "only one of"),
        ({"employees": "e.csv", "graphml": "g.graphml"}, "only one of"),
        ({"ties": "t.csv"}, "ties needs an employees file"),
        ({"graphml": "g.graphml", "new_per_replicate": True}, "only to generated"),
        ({"team_ties": False}, "only to imported"),
        ({"generate": {"employes": 10}}, "Extra inputs"),
    ]
    for kwargs, fragment in bad:
        with pytest.raises(ValidationError) as err:
            OrganizationSpec(**kwargs)
        assert fragment in str(err.value)


def test_build_dispatches_and_resolves_paths(tmp_path: Path) -> None:
    shutil.copy(SMALL, tmp_path / "people.csv")
    shutil.copy(DATA / "ties_ok.csv", tmp_path / "ties.csv")
    shutil.copy(DATA / "valid.graphml", tmp_path / "org.graphml")
    csv_org = build(OrganizationSpec(employees="people.csv", ties="ties.csv"), rng(), tmp_path)
    assert csv_org.n == 9 and csv_org.summary()["edges"]["informal"] == 1
    no_team = build(OrganizationSpec(employees="people.csv", team_ties=False), rng(), tmp_path)
    assert no_team.summary()["edges"]["team"] == 0
    assert build(OrganizationSpec(graphml="org.graphml"), rng(), tmp_path).n == 5
    gen = build(OrganizationSpec(generate={"employees": 40}), rng(3), None)
    assert np.array_equal(gen.edge_src, generate(GenerateSpec(employees=40), rng(3)).edge_src)
    absolute = build(OrganizationSpec(employees=str(SMALL)), rng(), tmp_path / "elsewhere")
    assert absolute.n == 9
    with pytest.raises(OrganizationError, match="not found"):
        build(OrganizationSpec(employees="people.csv"), rng(), tmp_path / "elsewhere")


def test_direct_construction_normalises_and_checks() -> None:
    o = Organization(
        ids=["a", "b", "c"],
        departments=("X",),
        department=[0, 0, 0],
        role=[2, 0, 0],
        level=[0, 1, 1],
        manager=[-1, 0, 0],
        edge_src=[1, 0, 2, 2],
        edge_dst=[0, 1, 1, 1],
        edge_kind=[0, 0, 1, 1],
        edge_weight=[1.0, 1.0, 0.5, 0.8],
    )
    assert o.edge_src.tolist() == [0, 1] and o.edge_dst.tolist() == [1, 2]
    assert o.edge_weight.tolist() == [1.0, 0.8]
    assert o.attributes.shape == (3, 0)
    assert o.index_of(["c", "a"]).tolist() == [2, 0]
    with pytest.raises(OrganizationError, match='"d"'):
        o.index_of("d")
    assert o.department_code("X") == 0
    with pytest.raises(OrganizationError, match="unknown department"):
        o.department_code("Y")
    with pytest.raises(ValueError, match="level"):
        Organization(
            ids=["a", "b"],
            departments=("X",),
            department=[0, 0],
            role=[2, 0],
            level=[0, 2],
            manager=[-1, 0],
            edge_src=[],
            edge_dst=[],
            edge_kind=[],
            edge_weight=[],
        )
    with pytest.raises(ValueError, match="self-ties"):
        Organization(
            ids=["a", "b"],
            departments=("X",),
            department=[0, 0],
            role=[2, 0],
            level=[0, 1],
            manager=[-1, 0],
            edge_src=[1],
            edge_dst=[1],
            edge_kind=[2],
            edge_weight=[0.5],
        )


def test_role_codes_are_the_role_enum() -> None:
    """The role array holds Role codes: executives at the top, managers have reports."""
    assert tuple(r.name.lower() for r in Role) == ROLES
    o = generate(GenerateSpec(employees=500), np.random.default_rng(3))
    assert (o.role[o.level == 0] == Role.EXECUTIVE).all()
    has_reports = np.bincount(o.manager[o.manager >= 0], minlength=o.n) > 0
    below = o.level > 1
    assert (o.role[below & has_reports] == Role.MANAGER).all()
    assert (o.role[below & ~has_reports] == Role.INDIVIDUAL_CONTRIBUTOR).all()


def test_betweenness_uses_fewer_sources_on_larger_graphs():
    """Exact up to 2,000 employees; 200 sampled sources up to 250,000 ties; then a fixed
    budget of tie visits, never fewer than 5 sources."""
    from adoptsim.org.centrality import pivots

    assert pivots(2000, 10_000) == 2000
    assert pivots(10_000, 47_548) == 200
    assert pivots(100_000, 480_411) == 104
    assert pivots(2_100_000, 10_078_125) == 5
    sizes = [pivots(n, 5 * n) for n in (10_000, 50_000, 200_000, 1_000_000, 5_000_000)]
    assert sizes == sorted(sizes, reverse=True)
