"""Organizations from and to GraphML."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from adoptsim.errors import OrganizationError
from adoptsim.files import read_bytes
from adoptsim.org.io_csv import MAX_ORG_BYTES
from adoptsim.org.organization import Organization, _listing
from adoptsim.org.records import (
    _assemble,
    _parse_roles,
    _parse_tie_values,
    _Records,
    decimal_number,
)
from adoptsim.org.spec import KINDS, ROLES


@cache
def _directed_graphml_reader() -> type:
    """The GraphML reader class (defined on first use: networkx is slow to import)."""
    import networkx as nx
    from networkx.readwrite.graphml import GraphMLReader

    class _DirectedGraphMLReader(GraphMLReader):
        """Reads every GraphML graph as a MultiDiGraph so that edges keep their file direction."""

        def make_graph(
            self, graph_xml: Any, graphml_keys: Any, defaults: Any, G: Any = None
        ) -> Any:
            return super().make_graph(graph_xml, graphml_keys, defaults, G=nx.MultiDiGraph())

        def add_node(self, G: Any, node_xml: Any, graphml_keys: Any, defaults: Any) -> Any:
            declared = self.__dict__.setdefault("_declared", set())
            node_id = node_xml.get("id")
            if node_id in declared:
                raise ValueError(
                    f'node id "{node_id}" is declared twice (two people cannot share an id)'
                )
            declared.add(node_id)
            return super().add_node(G, node_xml, graphml_keys, defaults)

        def add_edge(self, G: Any, edge_element: Any, graphml_keys: Any) -> Any:
            edge_element.attrib.pop("directed", None)  # edge direction = file order
            return super().add_edge(G, edge_element, graphml_keys)

    return _DirectedGraphMLReader


def load_graphml(path: str | Path, *, team_ties: bool = True) -> Organization:
    """An organization read from GraphML.

    Nodes: the employee id is the ``employee_id`` or ``id`` attribute, else the node's
    GraphML id; ``department`` (required), ``role``, ``manager`` (the manager's employee
    id), ``location`` (optional); other attributes (but ``level``, which is derived) go to
    ``attributes``. Edges: ``kind`` (default collaborates) and ``weight`` (default: the
    kind's); a ``reports_to`` edge goes from the employee to the manager. Validated like
    :func:`load_csv`; messages name nodes and edges.
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise OrganizationError(
            f"GraphML file not found (looked for {path.resolve()})", source=source
        )
    raw = read_bytes(path, MAX_ORG_BYTES, OrganizationError, source)
    import networkx as nx

    reader = _directed_graphml_reader()(force_multigraph=True)
    try:
        graphs = list(reader(path=io.BytesIO(raw)))
    except (ET.ParseError, nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise OrganizationError(f"not a readable GraphML file: {exc}", source=source) from None
    if not graphs:
        raise OrganizationError("the GraphML file holds no graph", source=source)
    _decimal_numbers(reader.xml, source)
    g = graphs[0]
    node_default = g.graph.get("node_default", {})
    keys = list(g.nodes)
    data = [{**node_default, **g.nodes[v]} for v in keys]
    ids = [_text(d.get("employee_id", d.get("id", v))) for v, d in zip(keys, data, strict=True)]
    labels = [f'node "{v}"' for v in keys]
    rec = _Records(source, None, labels)
    no_dept = [k for k, d in enumerate(data) if not _text(d.get("department"))]
    if no_dept:
        raise rec.fail("no department attribute", no_dept, lambda k: "")
    managers = [_text(d.get("manager")) for d in data]
    has_role = any("role" in d for d in data)
    roles = _parse_roles([_text(d.get("role")) for d in data], rec) if has_role else None
    has_loc = any("location" in d for d in data)
    location = [_text(d.get("location")) for d in data] if has_loc else None
    skip = {"employee_id", "id", "department", "role", "manager", "location", "level"}
    extra_names = list(dict.fromkeys(k for d in data for k in d if k not in skip))
    attributes = pd.DataFrame(
        {name: [d.get(name) for d in data] for name in extra_names},
        index=pd.RangeIndex(len(keys)),
    )
    ties = _edges(g, keys, ids, managers, source)
    return _assemble(
        source=source,
        rec=rec,
        ids=ids,
        managers=managers,
        departments=[_text(d.get("department")) for d in data],
        roles=roles,
        location=location,
        attributes=attributes,
        ties=ties,
        team_ties=team_ties,
        manager_field="manager",
    )


def _decimal_numbers(xml: Any, source: str) -> None:
    """Values of numeric keys (``attr.type`` double, float, int, long) must be plain decimal
    numbers: networkx reads them with float()/int(), which take ``1_0`` as 10."""

    def local(el: Any) -> str:
        return str(el.tag).rpartition("}")[2]

    root = xml.getroot()
    keys = [
        el
        for el in root
        if local(el) == "key" and el.get("attr.type") in ("double", "float", "int", "long")
    ]
    numeric = {el.get("id"): el.get("attr.name") or el.get("id") for el in keys}
    values = [(numeric[k.get("id")], d) for k in keys for d in k if local(d) == "default"]
    values += [
        (numeric[el.get("key")], el)
        for el in root.iter()
        if local(el) == "data" and el.get("key") in numeric
    ]
    bad: list[str] = []
    for name, el in values:
        try:
            decimal_number(el.text or "")
        except ValueError:
            bad.append(f'{name} "{el.text}"')
    if bad:
        raise OrganizationError(
            f"not a plain decimal number: {_listing(bad)}; numbers are written like 1, 0.5 "
            "or 2e-1 (no underscores, inf or nan)",
            source=source,
        )


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()


def _edges(g: Any, keys: list, ids: list[str], managers: list[str], source: str) -> tuple:
    """The graph's ties (ends, kind codes, weights, records); ``reports_to`` edges fill in
    ``managers`` instead. Self-ties and conflicting managers are errors."""
    edge_default = g.graph.get("edge_default", {})
    node_pos = {v: k for k, v in enumerate(keys)}
    t_src: list[str] = []
    t_dst: list[str] = []
    t_kind: list[str] = []
    t_weight: list[Any] = []
    t_labels: list[str] = []
    conflicts: list[str] = []
    loops: list[str] = []
    for u, v, ed in g.edges(data=True):
        ed = {**edge_default, **ed}
        label = f'edge "{u}"-"{v}"'
        if u == v:
            loops.append(label)
            continue
        kind = _text(ed.get("kind")).lower()
        if kind == "reports_to":
            k, boss = node_pos[u], ids[node_pos[v]]
            if managers[k] and managers[k] != boss:
                conflicts.append(f'"{ids[k]}" reports to "{managers[k]}" and "{boss}"')
            managers[k] = boss
            continue
        t_src.append(ids[node_pos[u]])
        t_dst.append(ids[node_pos[v]])
        t_kind.append(kind)
        t_weight.append(ed.get("weight"))
        t_labels.append(label)
    if loops:
        raise OrganizationError(f"self-tie: {_listing(loops)}", source=source)
    if conflicts:
        raise OrganizationError(f"more than one manager: {_listing(conflicts)}", source=source)
    t_rec = _Records(source, None, t_labels)
    codes, weights = _parse_tie_values(t_kind, t_weight, t_rec)
    return t_src, t_dst, codes, weights, t_rec


def write_graphml(org: Organization, path: str | Path) -> None:
    """Write ``org`` as GraphML that :func:`load_graphml` reads back (with ``team_ties=False``).

    Nodes are keyed by employee id with ``department``, ``role``, ``manager``, ``location``
    and the extra attributes; every (pair, kind) tie but ``reports_to`` is one edge with
    ``kind`` and ``weight`` (the reporting lines are the ``manager`` attributes).
    """
    import networkx as nx

    g = nx.MultiGraph()
    ids = [str(x) for x in org.ids.tolist()]
    columns: dict[str, list[Any]] = {
        "department": [org.departments[d] for d in org.department.tolist()],
        "role": [ROLES[r] for r in org.role.tolist()],
        "manager": ["" if m < 0 else ids[m] for m in org.manager.tolist()],
    }
    if org.location is not None:
        columns["location"] = [str(x) for x in org.location.tolist()]
    for name in org.attributes.columns:
        values = org.attributes[name].tolist()
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            values = ["" if v is None else str(v) for v in values]
        columns[str(name)] = values
    names = list(columns)
    g.add_nodes_from(
        (ids[i], dict(zip(names, values, strict=True)))
        for i, values in enumerate(zip(*columns.values(), strict=True))
    )
    keep = org.edge_kind != KINDS.index("reports_to")
    g.add_edges_from(
        (ids[s], ids[d], {"kind": KINDS[k], "weight": w})
        for s, d, k, w in zip(
            org.edge_src[keep].tolist(),
            org.edge_dst[keep].tolist(),
            org.edge_kind[keep].tolist(),
            org.edge_weight[keep].tolist(),
            strict=True,
        )
    )
    nx.write_graphml(g, str(path))
