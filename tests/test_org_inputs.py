"""Organization files: what an HR export can get wrong is an error naming the row or node."""

from __future__ import annotations

import pytest

from adoptsim.errors import OrganizationError
from adoptsim.org import load_csv, load_graphml
from adoptsim.org.records import decimal_number

PEOPLE = "employee_id,manager_id,department\nE1,,Sales\nE2,E1,Sales\nE3,E1,HR\n"


def graphml(nodes: list[str], edges: list[tuple[str, str]]) -> str:
    body = "".join(f'<node id="{n}"><data key="d">Sales</data></node>' for n in nodes)
    body += "".join(f'<edge source="{a}" target="{b}"/>' for a, b in edges)
    return (
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d" for="node" attr.name="department" attr.type="string"/>'
        f'<graph edgedefault="undirected">{body}</graph></graphml>'
    )


def test_a_graphml_node_id_declared_twice_is_named(tmp_path):
    path = tmp_path / "org.graphml"
    path.write_text(graphml(["a", "b", "a"], [("a", "b")]))
    with pytest.raises(OrganizationError, match='node id "a" is declared twice'):
        load_graphml(path)
    path.write_text(graphml(["a", "b", "c"], [("a", "b"), ("b", "c")]))
    assert load_graphml(path).n == 3


def test_an_edge_before_its_nodes_is_not_a_duplicate(tmp_path):
    path = tmp_path / "org.graphml"
    text = graphml(["a", "b"], []).replace(
        '<graph edgedefault="undirected">',
        '<graph edgedefault="undirected"><edge source="a" target="b"/>',
    )
    path.write_text(text)
    assert load_graphml(path).n == 2


@pytest.mark.parametrize("weight", ["1_0", "inf", "nan", "1,5", "0x1", "1e", "--1", "½"])
def test_a_tie_weight_that_is_not_a_decimal_number_names_its_row(tmp_path, weight):
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "ties.csv").write_text(f'source,target,weight\nE2,E3,0.5\nE1,E3,"{weight}"\n')
    with pytest.raises(OrganizationError, match=r"weight is not a number.*line 3"):
        load_csv(tmp_path / "people.csv", tmp_path / "ties.csv")


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12.0), ("-0.5", -0.5), (".5", 0.5), ("1e3", 1000.0), (" 2.0 ", 2.0), ("+3", 3.0)],
)
def test_decimal_numbers_read_as_spreadsheets_write_them(text, value):
    assert decimal_number(text) == value


@pytest.mark.parametrize(("weight", "ok"), [("0.5", True), ("1_0", False), ("nan", False)])
def test_a_graphml_number_must_be_a_plain_decimal(tmp_path, weight, ok):
    """networkx reads numeric keys with float(), which takes 1_0 as 10 (found by a helper)."""
    text = graphml(["a", "b"], []).replace(
        '<graph edgedefault="undirected">',
        '<key id="w" for="edge" attr.name="weight" attr.type="double"/>'
        '<graph edgedefault="undirected">'
        f'<edge source="a" target="b"><data key="w">{weight}</data></edge>',
    )
    path = tmp_path / "org.graphml"
    path.write_text(text)
    if ok:
        assert load_graphml(path).n == 2
    else:
        with pytest.raises(
            OrganizationError, match=rf'not a plain decimal number: weight "{weight}"'
        ):
            load_graphml(path)
