"""Generated organizations: a hierarchy with a span of control, departments, dense team ties,
sparse cross-team and small-world weak ties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from adoptsim.errors import OrganizationError

if TYPE_CHECKING:  # networkx is imported where graphs are read, written or converted
    pass
from adoptsim.org.organization import Organization
from adoptsim.org.spec import _MAX_TEAM_TIES, _PAIR_BLOCK, GenerateSpec, Role


def _fill_tree(m: int, span: int, max_depth: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Local parent (0 = the root) and depth of nodes 1..m placed breadth first.

    Each level holds up to ``span`` times the previous one; the nodes of a level are spread
    evenly over as few parents as the span allows (first parents first). At ``max_depth``
    everyone left goes in, spread over all nodes of the level above (spans widen).
    """
    parent = np.empty(m, dtype=np.int64)
    depth = np.empty(m, dtype=np.int16)
    placed, prev_start, prev_count, d = 0, 0, 1, 0
    while placed < m:
        d += 1
        left = m - placed
        widen = max_depth is not None and d >= max_depth
        count = left if widen else min(left, prev_count * span)
        parents = min(prev_count, -(-count // span))
        if widen:
            parents = prev_count
        j = np.arange(count, dtype=np.int64)
        parent[placed : placed + count] = prev_start + (j * parents) // count
        depth[placed : placed + count] = d
        prev_start, prev_count = placed + 1, count
        placed += count
    return parent, depth


def _team_pairs(
    manager: np.ndarray,
    density: float,
    rng: np.random.Generator | None,
    max_team: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of people with the same manager, each kept with probability ``density``."""
    members = np.flatnonzero(manager >= 0)
    order = members[np.argsort(manager[members], kind="stable")]
    if len(order) == 0 or density <= 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    mg = manager[order]
    starts = np.flatnonzero(np.r_[True, mg[1:] != mg[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    keep_team = sizes >= 2
    if max_team is not None:
        keep_team &= sizes <= max_team
    starts, sizes = starts[keep_team], sizes[keep_team]
    expected = density * float(np.sum(sizes * (sizes - 1) / 2))
    if expected > _MAX_TEAM_TIES:
        raise OrganizationError(
            f"team ties would number about {expected:,.0f} (the largest team has "
            f"{sizes.max():,} members); lower team_tie_density or allow more levels"
        )
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    for k in np.unique(sizes).tolist():
        team_starts = starts[sizes == k]
        n_pairs = k * (k - 1) // 2
        if n_pairs <= _PAIR_BLOCK:
            iu, ju = np.triu_indices(k, 1)
            per = max(1, _PAIR_BLOCK // n_pairs)
            for c in range(0, len(team_starts), per):
                base = team_starts[c : c + per, None]
                a, b = order[base + iu], order[base + ju]
                if density < 1:
                    keep = rng.random(a.shape) < density  # type: ignore[union-attr]
                    a, b = a[keep], b[keep]
                out_a.append(a.ravel())
                out_b.append(b.ravel())
        else:  # a huge (widened) team: draw row blocks of its upper triangle
            rows = max(1, _PAIR_BLOCK // k)
            cols = np.arange(k)
            for st in team_starts.tolist():
                team = order[st : st + k]
                for r0 in range(0, k - 1, rows):
                    r = np.arange(r0, min(r0 + rows, k - 1))
                    mask = cols[None, :] > r[:, None]
                    if density < 1:
                        mask &= rng.random((len(r), k)) < density  # type: ignore[union-attr]
                    ii, jj = np.nonzero(mask)
                    out_a.append(team[r[ii]])
                    out_b.append(team[jj])
    if not out_a:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    return np.concatenate(out_a), np.concatenate(out_b)


def _collaboration_pairs(
    department: np.ndarray, mean: float, cross_share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each employee draws Poisson(mean/2) partners, across departments with ``cross_share``."""
    n = len(department)
    draws = rng.poisson(mean / 2, n)
    src = np.repeat(np.arange(n, dtype=np.int64), draws)
    m = len(src)
    by_dept = np.argsort(department, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[by_dept] = np.arange(n)
    dsize = np.bincount(department, minlength=int(department.max()) + 1).astype(np.int64)
    dstart = np.cumsum(dsize) - dsize
    d = department[src]
    size_d, start_d = dsize[d], dstart[d]
    cross = rng.random(m) < cross_share
    r_same = rng.integers(0, np.maximum(size_d - 1, 1))
    own = pos[src] - start_d
    same = start_d + r_same + (r_same >= own)
    outside = n - size_d
    r_x = rng.integers(0, np.maximum(outside, 1))
    other = np.where(r_x < start_d, r_x, r_x + size_d)
    use_cross = cross & (outside > 0)
    partner_pos = np.where(use_cross, other, same)
    valid = use_cross | (size_d > 1)
    return src[valid], by_dept[partner_pos[valid]]


def _random_pairs(n: int, mean: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each employee draws Poisson(mean/2) partners uniformly among everyone else."""
    draws = rng.poisson(mean / 2, n)
    src = np.repeat(np.arange(n, dtype=np.int64), draws)
    r = rng.integers(0, n - 1, size=len(src))
    return src, r + (r >= src)


def generate(spec: GenerateSpec, rng: np.random.Generator) -> Organization:
    """A synthetic organization drawn from ``spec``; the same ``rng`` state gives the same one.

    One CEO (employee 0, level 0, in the first department), one head per department (level
    1, reporting to the CEO), then each department's people below its head in a tree filled
    breadth first with the span of control. Employees with reports below level 1 are
    managers, everyone else below level 1 an individual contributor. Ties: ``reports_to``
    (employee-manager), ``team`` (same manager, with ``team_tie_density``), ``collaborates``
    (mostly inside the department) and ``informal`` (uniform random, the small-world
    shortcuts), with the spec's weights.
    """
    sizes = spec.department_sizes()
    names = tuple(sizes)
    n = spec.employees
    span = spec.span_of_control
    max_depth = None if spec.levels is None else spec.levels - 2  # below a department head
    manager = np.full(n, -1, dtype=np.int64)
    level = np.zeros(n, dtype=np.int16)
    department = np.zeros(n, dtype=np.int32)
    pos = 1  # employee 0 is the CEO
    for d, size in enumerate(sizes.values()):
        head = pos
        members = size - 1 - (1 if d == 0 else 0)
        end = head + 1 + members
        department[head:end] = d
        manager[head] = 0
        level[head] = 1
        if members:
            parent, depth = _fill_tree(members, span, max_depth)
            manager[head + 1 : end] = head + parent
            level[head + 1 : end] = 1 + depth
        pos = end
    has_reports = np.bincount(manager[1:], minlength=n) > 0
    role = np.where(has_reports, Role.MANAGER, Role.INDIVIDUAL_CONTRIBUTOR).astype(np.int8)
    role[level <= 1] = Role.EXECUTIVE

    w = spec.weights
    parts: list[tuple[np.ndarray, np.ndarray, int, float]] = []
    idx = np.arange(1, n, dtype=np.int64)
    parts.append((idx, manager[1:], 0, w["reports_to"]))
    parts.append((*_team_pairs(manager, spec.team_tie_density, rng), 1, w["team"]))
    parts.append(
        (
            *_collaboration_pairs(
                department, spec.collaboration_ties, spec.cross_department_share, rng
            ),
            2,
            w["collaborates"],
        )
    )
    parts.append((*_random_pairs(n, spec.informal_ties, rng), 3, w["informal"]))
    src = np.concatenate([p[0] for p in parts])
    dst = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[2], dtype=np.int8) for p in parts])
    weight = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    keep = src != dst
    location = None
    if spec.locations:
        team_site = rng.integers(0, len(spec.locations), size=n)
        site = team_site[np.where(manager >= 0, manager, np.arange(n))]
        location = np.array(spec.locations, dtype=object)[site]
    width = max(4, len(str(n)))
    ids = np.array([f"E{i:0{width}d}" for i in range(n)], dtype=object)
    return Organization(
        ids=ids,
        departments=names,
        department=department,
        role=role,
        level=level,
        manager=manager,
        edge_src=src[keep],
        edge_dst=dst[keep],
        edge_kind=kind[keep],
        edge_weight=weight[keep],
        location=location,
        source="generated",
    )
