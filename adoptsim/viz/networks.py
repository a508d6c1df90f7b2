"""The organization as a network: employees by stage on the reporting tree of one run, and
departments by active share."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from adoptsim.model.people import Stage
from adoptsim.org import Organization
from adoptsim.runs.result import Result
from adoptsim.viz import style
from adoptsim.viz.io import organization_of

#: the most employees the network chart draws one dot each for
MAX_NETWORK_EMPLOYEES = 5000
#: the stage each event of the activity stream leads to
STAGE_OF_EVENT = {
    "awareness": Stage.AWARE,
    "trial": Stage.TRYING,
    "adoption": Stage.ACTIVE,
    "readoption": Stage.ACTIVE,
    "lapse": Stage.LAPSED,
}


def stages_at(
    events: pd.DataFrame, ids: Sequence[str], weeks: Sequence[int], replicate: int = 0
) -> np.ndarray:
    """Each employee's stage (a :class:`~adoptsim.model.people.Stage` code) at the end of each of
    ``weeks`` in one replicate, replayed from the activity stream; shape (weeks, employees)."""
    ev = events[(events["replicate"] == replicate) & events["event"].isin(list(STAGE_OF_EVENT))]
    index = pd.Index(np.asarray(ids).astype(str))
    who = index.get_indexer(ev["employee"].astype(str))
    if (who < 0).any():
        unknown = ev["employee"][who < 0].iloc[0]
        raise style.ChartError(
            f"the events name employee {unknown!r}, who is not in the organization"
        )
    table = pd.DataFrame(
        {
            "who": who,
            "week": ev["week"].to_numpy(),
            "stage": ev["event"].map({k: int(v) for k, v in STAGE_OF_EVENT.items()}).to_numpy(),
        }
    )
    out = np.full((len(weeks), len(index)), int(Stage.UNAWARE), dtype=np.int8)
    for k, w in enumerate(weeks):
        last = table[table["week"] <= w].drop_duplicates("who", keep="last")
        out[k, last["who"].to_numpy()] = last["stage"].to_numpy()
    return out


def tree_layout(org: Organization, gap: float = 0.02) -> np.ndarray:
    """Radial tree positions (x, y) of every employee: depth in the hierarchy as the radius,
    each manager's reporting subtree as a contiguous sector, and a gap of ``gap`` of the
    circle between the subtrees just below the top (departments stay together)."""
    n = org.n
    manager = np.asarray(org.manager)
    level = np.asarray(org.level).astype(int)
    dept = np.asarray(org.department)
    has_boss = manager >= 0
    n_children = np.bincount(manager[has_boss], minlength=n)
    leaves = (n_children == 0).astype(float)
    depth = int(level.max()) if n else 0
    for lv in range(depth, 0, -1):  # leaves per subtree, bottom up
        at = np.flatnonzero(level == lv)
        np.add.at(leaves, manager[at], leaves[at])
    offset = np.zeros(n)
    roots = np.flatnonzero(~has_boss)
    order = roots[np.lexsort((roots, dept[roots]))]
    offset[order] = np.concatenate([[0], np.cumsum(leaves[order])[:-1]])
    # the sector (subtree just below a single top, or each root of a forest) of everyone
    sector_level = 1 if len(roots) == 1 and depth >= 1 else 0
    sector = np.where(level == sector_level, np.arange(n), -1)
    for lv in range(1, depth + 1):  # first leaf slot of every subtree, top down
        at = np.flatnonzero(level == lv)
        at = at[np.lexsort((at, dept[at], manager[at]))]
        boss = manager[at]
        csum = np.cumsum(leaves[at])
        start = np.r_[0, np.flatnonzero(boss[1:] != boss[:-1]) + 1]
        before = csum - leaves[at]
        before -= np.repeat(before[start], np.diff(np.r_[start, len(at)]))
        offset[at] = offset[boss] + before
        if lv > sector_level:
            sector[at] = sector[boss]
    total = max(float(leaves[roots].sum()), 1.0)
    heads = np.flatnonzero(level == sector_level)
    rank = np.zeros(n)
    if len(heads) > 1:
        ranked = heads[np.argsort(offset[heads], kind="stable")]
        rank_of = np.empty(n)
        rank_of[ranked] = np.arange(len(ranked))
        rank = np.where(sector >= 0, rank_of[np.maximum(sector, 0)], 0.0)
        slot = min(gap * total, 0.3 * total / len(heads))
    else:
        slot = 0.0
    span = total + slot * (len(heads) if len(heads) > 1 else 0)
    angle = 2 * np.pi * (offset + leaves / 2 + slot * rank) / span + np.pi / 2
    radius = level + (1.0 if len(roots) > 1 else 0.0)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _default_weeks(weeks: int) -> list[int]:
    return sorted({max(1, round(weeks / 4)), max(1, round(weeks / 2)), weeks})


def _check_weeks(result: Result, weeks: Sequence[int] | None) -> list[int]:
    last = style.horizon(result)
    chosen = _default_weeks(last) if not weeks else [int(w) for w in weeks]
    bad = [w for w in chosen if not 0 <= w <= last]
    if bad:
        raise style.ChartError(f"week {bad[0]} is outside the run (weeks 0–{last})", where="weeks")
    if len(chosen) > 6:
        raise style.ChartError(
            f"at most 6 weeks per network chart, got {len(chosen)}", where="weeks"
        )
    return chosen


_NETWORK_STAGES = (
    (Stage.UNAWARE, "unaware", style.STAGE_COLORS["unaware"]),
    (Stage.AWARE, "aware, not tried", style.STAGE_COLORS["aware"]),
    (Stage.TRYING, "trying", style.STAGE_COLORS["trying"]),
    (Stage.ACTIVE, "active", style.STAGE_COLORS["active"]),
    (Stage.LAPSED, "lapsed", style.STAGE_COLORS["lapsed"]),
)


def network(
    result: Result,
    weeks: Sequence[int] | None = None,
    replicate: int = 0,
    org: Organization | None = None,
) -> Figure:
    """The organization coloured by each employee's stage at the chosen weeks of one run.

    A radial tree of the reporting lines (the top of the hierarchy in the centre, each
    manager's team in a sector). Organizations above :data:`MAX_NETWORK_EMPLOYEES` are
    refused with a :class:`style.ChartError`; draw :func:`network_departments` instead.
    """
    employees = int(result.manifest.get("employees") or (org.n if org is not None else 0))
    if employees > MAX_NETWORK_EMPLOYEES:
        raise style.ChartError(
            f"the organization has {employees:,} employees; the network chart draws at most "
            f"{MAX_NETWORK_EMPLOYEES:,} (one dot each): draw kind 'network-departments', the "
            f"department-level aggregate, instead"
        )
    reps = sorted(result.curves["replicate"].unique())
    if replicate not in reps:
        raise style.ChartError(
            f"no replicate {replicate} in these results (replicates {reps[0]}–{reps[-1]})",
            where="replicate",
        )
    chosen = _check_weeks(result, weeks)
    org = org if org is not None else organization_of(result, replicate)
    pos = tree_layout(org)
    stage = stages_at(result.events, org.ids, chosen, replicate)
    has = np.flatnonzero(org.manager >= 0)
    segments = np.stack([pos[has], pos[org.manager[has]]], axis=1)
    size = float(np.clip(14000 / org.n, 4, 40))
    colors = np.array([c for _, _, c in _NETWORK_STAGES])
    with matplotlib.rc_context(style.rc_params()):
        k = len(chosen)
        fig, axes = style.subplots(1, k, figsize=style.figsize(4.6 * k + 0.4, 5.6), squeeze=False)
        extent = np.abs(pos).max() * 1.08 + 0.3
        for ax, w, st in zip(axes[0], chosen, stage, strict=True):
            ax.add_collection(LineCollection(segments, colors="#CCCCCC", lw=0.25, zorder=1))
            order = np.argsort(st != Stage.UNAWARE, kind="stable")  # coloured dots on top
            ax.scatter(pos[order, 0], pos[order, 1], s=size, c=colors[st[order]], lw=0, zorder=2)
            ax.set_xlim(-extent, extent)
            ax.set_ylim(-extent, extent)
            ax.set_aspect("equal")
            ax.axis("off")
            active = 100 * np.mean(st == Stage.ACTIVE)
            ax.set_title(f"week {w}: {active:.0f} % active", fontsize=style.font_pt(13))
        _label_departments(axes[0][0], org, pos)
        one_run = style.source_line(result).replace(
            " · bands: 90 % of runs", f" · one run (replicate {replicate})"
        )
        style.finish(
            fig,
            one_run,
            title=f"The organization by stage: {result.name}, run {replicate}",
            note="centre: top of the hierarchy · rings: levels · grey lines: reporting lines "
            "· one dot per employee",
            legend=[Patch(color=col, label=name) for _, name, col in _NETWORK_STAGES],
        )
    return fig


def _label_departments(ax, org: Organization, pos: np.ndarray) -> None:
    """Name each department at the angle where most of its people sit, outside the rings."""
    radius = np.hypot(pos[:, 0], pos[:, 1]).max()
    if len(org.departments) > 12:
        return
    angles = np.arctan2(pos[:, 1], pos[:, 0])
    for code, name in enumerate(org.departments):
        members = org.department == code
        if members.sum() < max(3, 0.02 * org.n):
            continue
        a = angles[members]
        mean = math.atan2(np.sin(a).mean(), np.cos(a).mean())
        x, y = 1.04 * radius * math.cos(mean), 1.04 * radius * math.sin(mean)
        ax.text(
            x,
            y,
            name,
            fontsize=style.font_pt(9),
            color="#333333",
            ha="left" if x > 0.1 else "right" if x < -0.1 else "center",
            va="bottom" if y > 0 else "top",
        )


def network_departments(
    result: Result, weeks: Sequence[int] | None = None, org: Organization | None = None
) -> Figure:
    """Departments as a network at the chosen weeks: circle area = headcount, colour = mean
    active share, line width = ties between departments. Draws organizations of any size."""
    chosen = _check_weeks(result, weeks)
    org = org if org is not None else organization_of(result)
    names = list(org.departments)
    d = len(names)
    headcount, ties = _department_ties(org)
    angle = np.pi / 2 - 2 * np.pi * np.arange(d) / max(d, 1)
    xy = np.column_stack([np.cos(angle), np.sin(angle)]) if d > 1 else np.zeros((1, 2))
    share = result.curves_by_department.groupby(["week", "department"])["active_share"].mean()
    cmap = matplotlib.colormaps["cividis"]
    with matplotlib.rc_context(style.rc_params()):
        k = len(chosen)
        fig, axes = style.subplots(1, k, figsize=style.figsize(4.4 * k + 1.2, 5.4), squeeze=False)
        area = 2500 * headcount / max(headcount.max(), 1)
        for ax, w in zip(axes[0], chosen, strict=True):
            values = np.array([share.get((w, name), np.nan) for name in names]) * 100
            _department_panel(ax, names, xy, ties, area, values, cmap)
            ax.set_title(f"week {w}", fontsize=style.font_pt(13))
        _, bottom, _, top = style.finish(
            fig,
            style.source_line(result).replace("bands: 90 % of runs", "mean of runs"),
            title=f"Departments by active share: {result.name}",
            note=f"circle area: headcount ({headcount.min():,}–{headcount.max():,} employees) "
            "· line width: ties between departments · colour: active share at that week",
            tight=False,
        )
        fig.subplots_adjust(left=0.02, right=0.88, bottom=bottom, top=top - 0.02, wspace=0.08)
        cax = fig.add_axes(
            (0.91, bottom + 0.1 * (top - bottom), 0.015, 0.7 * (top - bottom)), label="<colorbar>"
        )
        sm = matplotlib.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(0, 100))
        bar = fig.colorbar(sm, cax=cax)
        bar.set_label("active share, mean of runs (%)")
    return fig


def _department_ties(org: Organization) -> tuple[np.ndarray, np.ndarray]:
    """Headcount per department and the summed weight of ties between each two."""
    d = len(org.departments)
    headcount = np.bincount(org.department, minlength=d)
    src = org.department[org.edge_src]
    dst = org.department[org.edge_dst]
    cross = src != dst
    ties = np.zeros((d, d))
    np.add.at(ties, (src[cross], dst[cross]), org.edge_weight[cross])
    return headcount, ties + ties.T


def _department_panel(ax, names, xy, ties, area, values, cmap) -> None:
    """One week: departments as circles at ``xy`` coloured by ``values`` (%), tied by lines."""
    d = len(names)
    top = ties.max() if ties.size and ties.max() > 0 else 1.0
    for i in range(d):
        for j in range(i + 1, d):
            if ties[i, j] > 0:
                ax.plot(
                    *xy[[i, j]].T,
                    color="#999999",
                    lw=0.5 + 7 * ties[i, j] / top,
                    alpha=0.6,
                    zorder=1,
                    solid_capstyle="round",
                )
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=area + 80,
        c=values,
        cmap=cmap,
        vmin=0,
        vmax=100,
        edgecolors="#333333",
        lw=0.8,
        zorder=2,
    )
    for i, name in enumerate(names):
        x, y = xy[i]
        reach = math.sqrt(area[i] + 80) / 2 + 3
        ax.annotate(
            f"{name}\n{values[i]:.0f} %",
            (x, y),
            fontsize=style.font_pt(9),
            ha="left" if x > 0.2 else "right" if x < -0.2 else "center",
            va="bottom" if y > 0.2 else "top" if y < -0.2 else "center",
            xytext=(reach * x, reach * y) if d > 1 else (0, reach),
            textcoords="offset points",
            zorder=3,
        )
    ax.set_xlim(-1.7, 1.7)
    ax.set_ylim(-1.7, 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
