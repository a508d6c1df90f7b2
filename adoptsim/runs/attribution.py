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


def roots(events: pd.DataFrame) -> pd.DataFrame:
    """Every employee's first trial and first adoption with the root cause of each.

    Returns columns ``replicate, employee, event ('trial' | 'adoption'), week, cause,
    root, direct`` (``direct``: the event's own cause is its root).
    """
    cols = ["replicate", "employee", "event", "week", "cause"]
    ev = events.loc[events["event"].isin(["trial", "adoption"]), cols]
    nodes = (
        ev.sort_values(["replicate", "employee", "event", "week"], kind="stable")
        .drop_duplicates(["replicate", "employee", "event"])
        .reset_index(drop=True)
    )
    if nodes.empty:
        return nodes.assign(root=pd.Series(dtype=str), direct=pd.Series(dtype=bool))
    cause = nodes["cause"].astype(str)
    is_peer = cause.str.startswith("peer:").to_numpy()
    parent = np.full(len(nodes), -1, dtype=np.int64)
    if is_peer.any():
        key = ["replicate", "employee"]
        index = nodes[key].assign(node=np.arange(len(nodes)), week_of=nodes["week"])
        adopt = index[nodes["event"] == "adoption"].rename(
            columns={"node": "adopt_node", "week_of": "adopt_week"}
        )
        trial = index[nodes["event"] == "trial"].rename(
            columns={"node": "trial_node", "week_of": "trial_week"}
        )
        asks = pd.DataFrame(
            {
                "replicate": nodes["replicate"].to_numpy()[is_peer],
                "employee": cause[is_peer].str.slice(5).to_numpy(),
                "week": nodes["week"].to_numpy()[is_peer],
                "node": np.flatnonzero(is_peer),
            }
        )
        asks = asks.merge(adopt, on=key, how="left").merge(trial, on=key, how="left")
        use_adopt = asks["adopt_week"].notna() & (asks["adopt_week"] < asks["week"])
        # a peer made a user by a strategy that week (evangelists) is seen the same week
        use_trial = ~use_adopt & asks["trial_week"].notna() & (asks["trial_week"] <= asks["week"])
        chosen = np.where(
            use_adopt, asks["adopt_node"], np.where(use_trial, asks["trial_node"], -1)
        )
        parent[asks["node"].to_numpy()] = np.nan_to_num(chosen, nan=-1).astype(np.int64)
    # labels of the roots: the node's own cause unless it points to a parent
    labels = np.where(is_peer, UNRESOLVED, cause.to_numpy()).astype(object)
    root = np.where(parent >= 0, parent, np.arange(len(nodes)))
    # pointer jumping: every pass halves the remaining chain lengths
    for _ in range(64):
        nxt = np.where(parent[root] >= 0, parent[root], root)
        if np.array_equal(nxt, root):
            break
        root = nxt
    resolved = parent[root] < 0  # False only on a cycle of same-week trials (never seen)
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
    aware = events[events["event"] == "awareness"]
    aware = aware.drop_duplicates(["replicate", "employee"]).set_index(["replicate", "employee"])
    keys = pd.MultiIndex.from_frame(adoptions[["replicate", "employee"]])
    heard = aware["cause"].reindex(keys).dropna().value_counts()
    table["made_aware"] = heard.reindex(table.index).fillna(0).astype(float) / n
    return table
