"""Attribution: how many adoptions each strategy caused, directly and through colleagues.

Every adoption in the activity stream has a cause: a strategy, ``own`` (the employee's own
motivation, no source adding at least the attribution floor) or ``peer:<id>`` (the most
influential colleague using the tool). An adoption caused by a peer is traced back along
the peers' own adoptions: to the peer's adoption when it came before, else to the peer's
first trial (which came before, or in the same week when a strategy such as evangelists
made the peer a user that week). The chain ends at an
adoption or trial caused by a strategy or by ``own``: that root is credited with the
adoption *indirectly*; an adoption whose own cause is the root is credited *directly*.
Weeks never increase along a chain and same-week links only lead to strategy-made users,
so every chain ends.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: label of chains that end at a peer the activity stream does not name
UNRESOLVED = "peer (unresolved)"

COLUMNS = ("direct", "indirect", "total", "share", "made_aware")


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A label column as integer codes into a table of its labels."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), column.cat.categories
    codes, labels = pd.factorize(column, use_na_sentinel=False)
    return codes.astype(np.int64), pd.Index(labels)


def _firsts(key: np.ndarray, week: np.ndarray) -> np.ndarray:
    """Positions of the earliest row (by week, then stream order) of each key, by key."""
    order = np.lexsort((week, key))
    first = np.ones(order.size, dtype=bool)
    first[1:] = key[order[1:]] != key[order[:-1]]
    return order[first]


def roots(events: pd.DataFrame) -> pd.DataFrame:
    """Every employee's first trial and first adoption with the root cause of each.

    Returns columns ``replicate, employee, event ('trial' | 'adoption'), week, cause,
    root, direct`` (``direct``: the event's own cause is its root), ordered by replicate,
    employee and event.
    """
    cols = ["replicate", "employee", "event", "week", "cause"]
    ev = events.loc[events["event"].isin(["trial", "adoption"]).to_numpy(), cols]
    if ev.empty:
        nodes = ev.reset_index(drop=True)
        return nodes.assign(root=pd.Series(dtype=str), direct=pd.Series(dtype=bool))
    rep = np.unique(ev["replicate"].to_numpy(np.int64), return_inverse=True)[1]
    emp, emp_labels = _codes(ev["employee"])
    kind, kinds = _codes(ev["event"])
    adopt = np.asarray(kinds.astype(str) == "adoption")[kind]
    week = ev["week"].to_numpy(np.int64)
    cause, cause_labels = _codes(ev["cause"])
    n_emp = len(emp_labels) + 1
    key = (rep * n_emp + emp) * 2 + adopt  # (replicate, employee, event): 'adoption' last
    at = _firsts(key, week)
    at = at[np.argsort(key[at], kind="stable")]
    node_key, node_week, node_cause = key[at], week[at], cause[at]
    # each cause's peer (an employee code), -1 when the cause is not a peer
    used = np.unique(node_cause)
    text = pd.Index(cause_labels[used].astype(str))
    peer_of = np.full(len(cause_labels), -1, dtype=np.int64)
    is_peer_cause = np.zeros(len(cause_labels), dtype=bool)
    named = text.str.startswith("peer:")
    is_peer_cause[used[named]] = True
    peer_of[used[named]] = emp_labels.get_indexer(text[named].str.slice(5))
    is_peer = is_peer_cause[node_cause]
    parent = np.full(at.size, -1, dtype=np.int64)
    asks = np.flatnonzero(is_peer & (peer_of[node_cause] >= 0))
    if asks.size:
        base = (rep[at][asks] * n_emp + peer_of[node_cause[asks]]) * 2
        found = []
        for offset in (1, 0):  # the peer's adoption, then its trial
            pos = np.minimum(np.searchsorted(node_key, base + offset), node_key.size - 1)
            found.append(np.where(node_key[pos] == base + offset, pos, -1))
        a_node, t_node = found
        asked = node_week[asks]
        use_adopt = (a_node >= 0) & (node_week[a_node] < asked)
        # a peer made a user by a strategy that week (evangelists) is seen the same week
        use_trial = ~use_adopt & (t_node >= 0) & (node_week[t_node] <= asked)
        parent[asks] = np.where(use_adopt, a_node, np.where(use_trial, t_node, -1))
    # labels of the roots: the node's own cause unless it points to a parent
    cause_text = cause_labels.to_numpy()[node_cause]
    labels = np.where(is_peer, UNRESOLVED, cause_text).astype(object)
    root = np.where(parent >= 0, parent, np.arange(at.size))
    # pointer jumping: every pass halves the remaining chain lengths
    for _ in range(64):
        nxt = np.where(parent[root] >= 0, parent[root], root)
        if np.array_equal(nxt, root):
            break
        root = nxt
    resolved = parent[root] < 0  # False only on a cycle of same-week trials (never seen)
    nodes = ev.iloc[at].reset_index(drop=True)
    nodes["root"] = np.where(resolved, labels[root], UNRESOLVED).astype(str)
    nodes["direct"] = ~is_peer
    return nodes


def attribution(
    events: pd.DataFrame,
    replicates: int | None = None,
    order: Iterable[str] = (),
) -> pd.DataFrame:
    """Adoptions per root cause, mean per replicate: ``direct``, ``indirect`` (through
    colleagues), ``total`` and ``share`` of all adoptions, and ``made_aware``: adopters
    whose awareness this cause brought (not part of the total).

    ``replicates`` is the number of runs to average over (default: those in ``events``);
    causes in ``order`` (the scenario's strategies) come first, each listed even when it
    caused nothing; then the other causes by total.
    """
    nodes = roots(events)
    adoptions = nodes[nodes["event"] == "adoption"]
    n = replicates or max(1, events["replicate"].nunique() if len(events) else 1)
    direct = adoptions[adoptions["direct"]].groupby("root").size()
    indirect = adoptions[~adoptions["direct"]].groupby("root").size()
    order = list(dict.fromkeys(order))
    names = order + sorted(
        (set(direct.index) | set(indirect.index)) - set(order),
        key=lambda c: -(direct.get(c, 0) + indirect.get(c, 0)),
    )
    table = pd.DataFrame(index=pd.Index(names, name="cause"))
    table["direct"] = direct.reindex(table.index).fillna(0).astype(float) / n
    table["indirect"] = indirect.reindex(table.index).fillna(0).astype(float) / n
    table["total"] = table["direct"] + table["indirect"]
    all_adoptions = len(adoptions) / n
    table["share"] = table["total"] / all_adoptions if all_adoptions else 0.0
    # strategies that act through awareness (campaigns, announcements) rarely decide the
    # choice itself: say how many adopters each one made aware in the first place
    table["made_aware"] = _made_aware(events, adoptions).reindex(table.index).fillna(0.0) / n
    return table


def _made_aware(events: pd.DataFrame, adoptions: pd.DataFrame) -> pd.Series:
    """Adopters by the cause of their first awareness."""
    aware = events.loc[(events["event"] == "awareness").to_numpy()]
    if aware.empty or adoptions.empty:
        return pd.Series(dtype=float)
    employees = events["employee"]
    labels = (
        employees.cat.categories
        if isinstance(employees.dtype, pd.CategoricalDtype)
        else pd.Index(pd.unique(employees))
    )

    def keys(frame: pd.DataFrame) -> np.ndarray:
        col = frame["employee"]
        same = isinstance(col.dtype, pd.CategoricalDtype) and (
            col.dtype is employees.dtype or col.cat.categories.equals(labels)
        )
        codes = col.cat.codes.to_numpy() if same else labels.get_indexer(col)
        return frame["replicate"].to_numpy(np.int64) * (len(labels) + 1) + codes

    aware_key = keys(aware)
    first = _firsts(aware_key, aware["week"].to_numpy(np.int64))
    first = first[np.argsort(aware_key[first], kind="stable")]
    sorted_keys = aware_key[first]
    wanted = keys(adoptions)
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), sorted_keys.size - 1)
    hit = sorted_keys[pos] == wanted
    causes = aware["cause"].to_numpy()[first[pos[hit]]]
    return pd.Series(causes, dtype=object).astype(str).value_counts().astype(float)
