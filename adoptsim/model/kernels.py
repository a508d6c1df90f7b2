"""Compiled (Numba) loops of the weekly step: one pass over the employees where NumPy
needed one pass per operation.

Each kernel evaluates the formulas of :mod:`adoptsim.behavior` in the order of operations
the NumPy version used (the same IEEE operations on the same numbers, no fused
multiply-add, no fast-math), so a run gives the same numbers, to the last digit, as before
the kernels (``tests/test_performance_pins.py``). Functions whose library versions differ
in the last bit between NumPy and the C library (``tanh``) are left to NumPy: a kernel
returns the few positions that need them.

All kernels release the interpreter lock (``nogil``), so the batches of an ensemble run in
parallel on threads; they are compiled on first use and cached on disk (``cache``).

State arrays are C-contiguous ``(R, N)`` arrays passed flat (``R * N``); replicate ``r``,
employee ``i`` is position ``r * N + i``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from adoptsim.model.people import ACTIVE, AWARE, LAPSED, TRYING, UNAWARE

#: bits of the per-employee event flags written by :func:`transitions`
FIRST, ADOPT, READOPT, LAPSE, HABIT = 1, 2, 4, 8, 16

#: decisions with |u - p| at least this are taken on a float32 estimate of p, whose error
#: is below 1e-6; closer ones are left to NumPy's float64 logistic (engine.decide)
DECISION_MARGIN = 1e-4
# The bound: rounding x to float32 moves p by at most max|x p (1 - p)| 2**-24 < 2e-8; float32
# exp, 1 + e and 1 / (...) add a few float32 ulps of p (< 5e-7); rounding u and the
# difference add 2**-24 each. Beyond |x| = 88 float32 exp saturates (p = 0 or 1) while the
# exact p is within 1e-38 of it, and u < 1e-4 is always rechecked.

_jit = njit(nogil=True, cache=True, error_model="numpy")


@_jit
def scatter_rows(indptr, indices, data, values, n, out):
    """``out[r, i] += W[j, i] * values[r, j]`` for every non-zero value, in increasing
    flat order of ``(r, j)``: the peer sums of a symmetric ``W`` from its users' rows."""
    for base in range(0, values.size, n):  # base = r * n
        for j in range(n):
            v = values[base + j]
            if v != 0.0:
                for k in range(indptr[j], indptr[j + 1]):
                    out[base + indices[k]] += data[k] * v


@_jit
def gather_rows(indptr, indices, data, first, second, n, out_first, out_second):
    """``out[r, i] = sum_j W[i, j] * values[r, j]`` for ``first`` and, when it is not
    empty, ``second`` in the same pass over the ties; each sum adds its terms in the order
    of row ``i`` of ``W``, starting from 0 (as SciPy's sparse product does)."""
    both = second.size > 0
    for base in range(0, first.size, n):  # base = r * n
        for i in range(n):
            s1 = 0.0
            s2 = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                j = base + indices[k]
                s1 += data[k] * first[j]
                if both:
                    s2 += data[k] * second[j]
            out_first[base + i] = s1
            if both:
                out_second[base + i] = s2


@_jit
def top_peer(indptr, indices, data, rep, emp, seen, n, out):
    """For each (replicate, employee): the neighbour with the largest tie weight x
    ``seen`` (lowest index among equals), or -1 when none is above 0."""
    for q in range(rep.size):
        base = rep[q] * n
        i = emp[q]
        best = -1
        top = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            v = data[k] * seen[base + j]
            if v > top:
                top = v
                best = j
            elif v == top and best >= 0 and j < best:
                best = j
        out[q] = best


@_jit
def awareness_hits(stage, exposure, u, external, peer_rate, channels, work):
    """The unaware who become aware this week: ``u < p = 1 - (1 - external)(1 - q_peer)
    prod(1 - q_channel)``, ``q_peer = 1 - exp(-peer_rate * exposure)``. Their stage
    becomes AWARE and their draw ``u / p`` (uniform on [0, 1) given ``u < p``: a fresh
    draw for this week's choice). Returns their flat positions and the channel that gave
    the most probability (0 external, 1 peers, 2 + k channel k; the first of equals).
    ``work``: ``2 * stage.size`` integers at least (overwritten)."""
    unaware = work[: stage.size]
    count = 0
    for f in range(stage.size):  # no branch: the unaware are a mix of the employees
        unaware[count] = f
        count += stage[f] == UNAWARE
    hits = unaware  # the h-th hit is written after the h-th unaware is read
    which = work[stage.size : 2 * stage.size]
    n_hits = 0
    n_channels = channels.shape[0]
    for c in range(count):
        f = unaware[c]
        e = exposure[f]
        q = -math.expm1(-peer_rate * e) if e > 0 else 0.0
        stay = 1.0 - q
        stay *= 1.0 - external
        best, top = (1, q) if q > external else (0, external)
        for k in range(n_channels):
            qk = channels[k, f]
            stay *= 1.0 - qk
            if qk > top:
                best, top = 2 + k, qk
        hit = 1.0 - stay
        uf = u[f]
        aware = uf < hit
        hits[n_hits] = f
        which[n_hits] = best
        n_hits += aware
        u[f] = uf / hit if aware else uf
    for h in range(n_hits):
        stage[hits[h]] = AWARE
    return hits[:n_hits].copy(), which[:n_hits].copy()


@_jit
def utility(
    delta,
    peer_part,
    use_input,
    peer_exposure,
    inv_degree,
    usefulness,
    communal,
    legacy_value,
    legacy_drop,
    effort,
    effort_scale,
    effort_factor,
    support,
    habit,
    legacy_habit,
    susceptibility,
    innovativeness_term,
    overload_term,
    resentment,
    crowding,
    n,
    c,
    flags,
):
    """The new tool's utility difference (without strategy terms) into ``delta`` and its
    peer part into ``peer_part``. ``use_input`` is the tie weight on users per employee
    (``square``: the default steepness 2) or else the share of tie weight on the tool,
    clipped to [0, 1] and raised to the steepness by the caller. ``c`` holds the scalar
    parameters and ``flags`` says which optional arrays are in use (see
    ``Simulation._utility``); an unused optional array (``legacy_drop``,
    ``effort_factor``, ``support``, ``resentment``, ``crowding``) is never read.
    """
    (critical, network, w_perf, w_social, k, w_effort) = c[:6]
    (w_fac, p_support, w_habit, intercept, reactance, crowd_pen) = c[6:]
    has_drop, has_factor, has_support, has_resent, has_crowd, square = flags
    scaled_effort = effort_scale != 1.0
    scalar_fac = w_fac * min(1.0, p_support)
    for r in range(delta.size // n):
        for i in range(n):
            f = r * n + i
            # connective value: a Hill curve of the share of tie weight on the tool
            if square:  # use_input: tie weight on users; / degree: the share
                s = use_input[f] * inv_degree[i]
                s = min(max(s, 0.0), 1.0)
                s = s * s
            else:  # use_input: the clipped share, raised to the power `steep` by the caller
                s = use_input[f]
            s /= s + critical
            if network != 1.0:
                s *= network
            social = susceptibility[f] * peer_exposure[f]
            social *= inv_degree[i]
            peer = s * w_perf
            social *= w_social
            peer += social
            peer *= k
            peer_part[f] = peer
            legacy = legacy_value - legacy_drop[f] if has_drop else legacy_value
            e = effort[f]
            if scaled_effort:
                e *= effort_scale
            if has_factor:
                e *= effort_factor[f]
            d = usefulness[f] + communal[r]
            d -= legacy
            d *= w_perf
            e *= w_effort
            d -= e
            if has_support:
                d += w_fac * min(1.0, p_support + support[f])
            else:
                d += scalar_fac
            habits = habit[f] - legacy_habit[f]
            habits *= w_habit
            d += habits
            d *= k
            d += intercept
            d += peer
            d += innovativeness_term[f]
            d -= overload_term[f]
            if has_resent:
                d -= reactance * resentment[f]
            if has_crowd:
                d -= crowd_pen * crowding[f]
            delta[f] = d


@_jit
def _unsure_below(u, x, margin):
    """``u < logistic(x)`` on a float32 estimate, and whether it is too close to tell."""
    with_est = np.float32(1.0) / (np.float32(1.0) + math.exp(-np.float32(x)))
    gap = np.float32(u) - with_est
    return gap < 0, abs(gap) < margin


@_jit
def choose(stage, access, has_access, u, delta, control, has_control, use, voluntary, work):
    """This week's choices: ``use`` (with control pressure) and ``voluntary`` (without), on
    the same draw, for the aware with access. Returns the flat positions whose decision
    (with, resp. without control) needs the exact float64 logistic. ``work``: ``2 * u.size``
    integers at least (overwritten)."""
    unsure_free = work[: u.size]
    unsure_ctrl = work[u.size : 2 * u.size]
    n_ctrl = 0
    n_free = 0
    margin = np.float32(DECISION_MARGIN)
    for f in range(u.size):
        if stage[f] == UNAWARE or (has_access and not access[f]):
            use[f] = False
            voluntary[f] = False
            continue
        free, unsure = _unsure_below(u[f], delta[f], margin)
        if unsure:
            unsure_free[n_free] = f
            n_free += 1
        voluntary[f] = free
        if has_control and control[f] != 0.0:
            with_ctrl, unsure = _unsure_below(u[f], delta[f] + control[f], margin)
        else:  # delta + 0 is delta: the same decision
            with_ctrl = free
        if has_control and unsure:
            unsure_ctrl[n_ctrl] = f
            n_ctrl += 1
        use[f] = with_ctrl
    return unsure_ctrl[:n_ctrl].copy(), unsure_free[:n_free].copy()


@_jit
def learn(
    use,
    compliance,
    compliance_depth,
    experience,
    effort,
    effort_table,
    whole_weeks,
    usefulness,
    experienced,
    bonus,
    learning_rate,
    habit,
    habit_rate,
    habit_decay,
    legacy_habit,
    legacy_plateau,
    retired,
    users,
):
    """One week of learning from use: experience and effort, learned usefulness, the new
    tool's habit (grows where used, decays elsewhere) and the legacy habit (returns toward
    its plateau where practised, decays elsewhere); the number of users of each replicate
    into ``users`` (one per replicate).

    ``effort_table[x]`` is the effort after ``x`` whole weeks (it must reach this week);
    when ``whole_weeks`` is false, effort is left to the caller. ``bonus`` is added to the
    usefulness experienced; ``retired`` marks who can no longer use the legacy tool.
    """
    keep = 1.0 - habit_decay
    n = use.size // max(users.size, 1)
    for r in range(users.size):
        count = 0
        for i in range(r * n, (r + 1) * n):
            count += use[i]
        users[r] = count
    # Both outcomes are computed and one is selected (no data-dependent branch), and each
    # loop writes one state array (few aliasing checks): the loops vectorize.
    for f in range(use.size):
        depth = compliance_depth if compliance[f] else 1.0  # only users can be compliant
        x0 = experience[f]
        x1 = x0 + depth
        experience[f] = x1 if use[f] else x0
    if whole_weeks:
        for f in range(use.size):
            e0 = effort[f]
            e1 = effort_table[int(experience[f])]  # at most this week: inside the table
            effort[f] = e1 if use[f] else e0
    for f in range(use.size):
        depth = compliance_depth if compliance[f] else 1.0
        b0 = usefulness[f]
        b1 = b0 + learning_rate * depth * (experienced + bonus[f] - b0)
        usefulness[f] = b1 if use[f] else b0
    for f in range(use.size):
        depth = compliance_depth if compliance[f] else 1.0
        h0 = habit[f]
        h1 = h0 + habit_rate[f] * depth * (1.0 - h0)
        decayed = h0 * keep
        habit[f] = h1 if use[f] else decayed
    for f in range(use.size):
        # the legacy tool is practised unless the new one was used voluntarily
        practised = ((not use[f]) | compliance[f]) & (not retired[f])
        lh = legacy_habit[f]
        grow = legacy_plateau[f] - lh
        grow *= habit_rate[f]
        returned = lh + grow
        decayed = lh * keep
        legacy_habit[f] = returned if practised else decayed


@_jit
def motivation(
    use,
    compliance,
    threat,
    has_threat,
    autonomy,
    resentment,
    resentment_rate,
    resentment_decay,
    crowding,
    crowding_rate,
    reward,
    has_reward,
):
    """Resentment moves toward autonomy x threat where threatened (rising at
    ``resentment_rate``, else decaying); controlled use under threat and rewarded use crowd
    out intrinsic motivation (Deci, Koestner & Ryan 1999). Without threat, resentment
    decays everywhere."""
    keep = 1.0 - resentment_decay
    for f in range(use.size):
        if has_threat:
            level = min(max(threat[f], 0.0), 1.0)
            target = autonomy[f] * level
            r = resentment[f]
            resentment[f] = r + resentment_rate * (target - r) if target > r else r * keep
            if compliance[f] and level > 0:
                c = crowding[f]
                crowding[f] = c + crowding_rate * level * (1.0 - c)
        else:
            resentment[f] *= keep
        if has_reward and use[f] and reward[f] > 0:
            c = crowding[f]
            crowding[f] = c + crowding_rate * reward[f] * (1.0 - c)


@_jit
def transitions(
    stage,
    use,
    compliance,
    compliant,
    use_streak,
    idle_streak,
    ever_tried,
    habitual,
    lapses,
    habit,
    habitual_threshold,
    adopt_after,
    lapse_after,
    flags,
    work,
):
    """Stage changes of the week from this week's use; each employee's events as bits of
    ``flags`` (FIRST, ADOPT, READOPT, LAPSE, HABIT). Returns the flat positions of those
    with an event, in increasing order (``work``: ``stage.size`` integers at least)."""
    # no data-dependent branch, few state arrays written per loop: the loops vectorize
    for f in range(stage.size):
        used = use[f]
        s0 = use_streak[f]
        i0 = idle_streak[f]
        use_streak[f] = s0 + 1 if used else 0
        idle_streak[f] = 0 if used else i0 + 1
    for f in range(stage.size):
        used = use[f]
        streak = use_streak[f]
        st = stage[f]
        tried = ever_tried[f]
        first = used & (not tried)
        long_enough = streak >= adopt_after
        adopted = ((st == TRYING) | first) & long_enough
        readopt = (st == LAPSED) & long_enough
        lapse = ((st == TRYING) | (st == ACTIVE)) & (idle_streak[f] >= lapse_after)
        new = TRYING if first & (st == AWARE) else st
        new = ACTIVE if adopted | readopt else new
        stage[f] = LAPSED if lapse else new
        ever_tried[f] = tried | first
        lapses[f] += lapse
        flags[f] = FIRST * first + ADOPT * adopted + READOPT * readopt + LAPSE * lapse
    for f in range(stage.size):
        # whether this week's use was compliance only (only users can be compliant)
        was = compliant[f]
        compliant[f] = compliance[f] if use[f] else was
    for f in range(stage.size):
        now = habit[f] >= habitual_threshold
        newly = now & (not habitual[f])
        habitual[f] = now
        flags[f] += HABIT * newly
    return nonzero(flags, work)


@_jit
def nonzero(flags, work):
    """Positions of the non-zero entries of ``flags``, in increasing order (``work``:
    ``flags.size`` integers at least, overwritten)."""
    out = work
    count = 0
    for f in range(flags.size):
        out[count] = f
        count += flags[f] != 0
    return out[:count].copy()


@_jit
def tally(
    stage,
    habitual,
    compliant,
    used,
    ever_tried,
    cell,
    n,
    group_select,
    model_select,
    by_dept,
    by_role,
    model,
    work,
):
    """Counts per (replicate, department, column) into ``by_dept``, (replicate, role,
    column) into ``by_role`` and (replicate, column) into ``model``.

    Employees are first counted by (department, role) cell and state code: employee
    ``i``'s code counts at ``cell[i] + code``, the code being stage + 5 habitual + 10
    compliant + 20 used + 40 ever tried; a column's count is then the sum over the codes
    it selects (``*_select``: 0/1 matrices of codes x columns). ``work``: int32, room for a
    count per replicate, cell and code (overwritten)."""
    reps, n_dept, _ = by_dept.shape
    n_role = by_role.shape[1]
    n_codes = group_select.shape[0]
    code = np.empty(stage.size, dtype=np.uint8)  # a loop without stores that depend on data
    for f in range(stage.size):
        flags = 5 * habitual[f] + 10 * compliant[f] + 20 * used[f] + 40 * ever_tried[f]
        code[f] = stage[f] + flags
    size = n_dept * n_role * n_codes
    counts = work[: reps * size].reshape((reps, size))  # at most n each: int32
    counts[:] = 0
    for r in range(reps):
        row = counts[r]
        base = r * n
        for i in range(n):
            row[cell[i] + code[base + i]] += 1
    for r in range(reps):
        for d in range(n_dept):
            for g in range(n_role):
                start = (d * n_role + g) * n_codes
                for code in range(n_codes):
                    c = counts[r, start + code]
                    if c == 0:
                        continue
                    for k in range(group_select.shape[1]):
                        if group_select[code, k]:
                            by_dept[r, d, k] += c
                            by_role[r, g, k] += c
                    for m in range(model_select.shape[1]):
                        if model_select[code, m]:
                            model[r, m] += c


@_jit
def replicate_order(rep, n_reps):
    """Positions of the rows ordered by ``rep`` (0 .. n_reps - 1), keeping the order of
    rows with the same replicate (a counting sort)."""
    start = np.zeros(n_reps + 1, dtype=np.int64)
    for k in range(rep.size):
        start[rep[k] + 1] += 1
    for r in range(n_reps):
        start[r + 1] += start[r]
    order = np.empty(rep.size, dtype=np.int64)
    for k in range(rep.size):
        r = rep[k]
        order[start[r]] = k
        start[r] += 1
    return order


@_jit
def event_rows(
    order,
    rep,
    week,
    emp,
    event,
    cause,
    peer,
    reps,
    n_emp,
    cause_rank,
    out_rep,
    out_week,
    out_emp,
    out_event,
    out_cause,
):
    """The rows of the events table, in ``order``: replicate numbers (``reps[rep]``), weeks,
    and codes of the employee (``n_emp`` for none), the event and the cause (``cause_rank``
    of the cause, or ``cause_rank.size + p`` for peer ``p``)."""
    n_causes = cause_rank.size
    for k in range(order.size):
        q = order[k]
        out_rep[k] = reps[rep[q]]
        out_week[k] = week[q]
        e = emp[q]
        out_emp[k] = e if e >= 0 else n_emp
        out_event[k] = event[q]
        p = peer[q]
        out_cause[k] = n_causes + p if p >= 0 else cause_rank[cause[q]]
