"""Compiled (Numba) loops of the weekly step: one pass over the employees where NumPy
needed one pass per operation.

Each kernel evaluates the formulas of :mod:`adoptsim.model.behavior` in the order of operations
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
from enum import IntFlag
from typing import NamedTuple

import numpy as np
from numba import njit

from adoptsim.model.people import ACTIVE, AWARE, LAPSED, TRYING, UNAWARE
from adoptsim.model.tallies import event_rows, replicate_order

__all__ = ["event_rows", "replicate_order"]  # the events table's loops, also found here


class Change(IntFlag):
    """The week's changes of an employee, as bits of the flags :func:`transitions` writes."""

    FIRST = 1
    ADOPT = 2
    READOPT = 4
    LAPSE = 8
    HABIT = 16


#: the bits as plain ints, for the compiled loops
_FIRST, _ADOPT, _READOPT, _LAPSE, _HABIT = (int(c) for c in Change)

#: decisions with |u - p| at least this are taken on a float32 estimate of p, whose error
#: is below 1e-6; closer ones are left to NumPy's float64 logistic (engine.decide)
DECISION_MARGIN = 1e-4
# The bound: rounding x to float32 moves p by at most max|x p (1 - p)| 2**-24 < 2e-8; float32
# exp, 1 + e and 1 / (...) add a few float32 ulps of p (< 5e-7); rounding u and the
# difference add 2**-24 each. Beyond |x| = 88 float32 exp saturates (p = 0 or 1) while the
# exact p is within 1e-38 of it, and u < 1e-4 is always rechecked.

_jit = njit(nogil=True, cache=True, error_model="numpy")


@_jit
def awareness_hits(stage, exposure, u, externals, peer_rates, channels, work):
    """The unaware who become aware this week: ``u < p = 1 - (1 - external)(1 - q_peer)
    prod(1 - q_channel)``, ``q_peer = 1 - exp(-peer_rate * exposure)``; ``externals`` and
    ``peer_rates`` hold one rate per replicate (the employees of a replicate follow each
    other in the flat arrays). Their stage
    becomes AWARE and their draw ``u / p`` (uniform on [0, 1) given ``u < p``: a fresh
    draw for this week's choice). Returns their flat positions and the channel that gave
    the most probability (0 external, 1 peers, 2 + k channel k; the first of equals).
    ``work``: ``2 * stage.size`` integers at least (overwritten)."""
    per_replicate = stage.size // externals.size
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
        r = f // per_replicate
        external, peer_rate = externals[r], peer_rates[r]
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


class UtilityOut(NamedTuple):
    """Where :func:`utility` writes: the utility difference and its peer part (flat)."""

    delta: np.ndarray
    peer_part: np.ndarray


class UtilityState(NamedTuple):
    """The employees' terms of the utility (flat arrays, R * N, unless said otherwise).

    ``use_input`` is the tie weight on users per employee (``square``: the default
    steepness 2) or else the share of tie weight on the tool, clipped to [0, 1] and raised
    to the steepness by the caller; ``inv_degree`` has one entry per employee (N),
    ``communal`` one per replicate (R); ``resentment`` and ``crowding`` are read only when
    their flags say so."""

    use_input: np.ndarray
    peer_exposure: np.ndarray
    inv_degree: np.ndarray
    susceptibility: np.ndarray
    usefulness: np.ndarray
    communal: np.ndarray
    effort: np.ndarray
    habit: np.ndarray
    legacy_habit: np.ndarray
    innovativeness_term: np.ndarray
    overload_term: np.ndarray
    resentment: np.ndarray
    crowding: np.ndarray


class UtilityLevers(NamedTuple):
    """This week's levers on the utility (flat; read only when their flags say so)."""

    legacy_drop: np.ndarray
    effort_factor: np.ndarray
    support: np.ndarray


class UtilityParams(NamedTuple):
    """The parameters of the utility (floats, or one value per replicate where the type
    says an array; ``n`` employees per replicate)."""

    critical: np.ndarray  # critical_mass ** critical_mass_steepness
    network: np.ndarray
    legacy_value: float
    effort_scale: float
    w_perf: float
    w_social: np.ndarray
    k: float
    w_effort: float
    w_fac: float
    support: float
    w_habit: np.ndarray
    intercept: np.ndarray
    reactance: float
    crowding: float
    n: int


class UtilityFlags(NamedTuple):
    """Which optional arrays are in use, and whether the steepness is the default 2."""

    has_drop: bool
    has_factor: bool
    has_support: bool
    has_resent: bool
    has_crowd: bool
    square: bool


@_jit
def utility(out, st, lv, c, flags):
    """The new tool's utility difference (without strategy terms) into ``out.delta`` and
    its peer part into ``out.peer_part``: the formula of :mod:`adoptsim.model.behavior`
    term by term in its written order, so every sum rounds as written."""
    delta, peer_part = out
    has_drop, has_factor, has_support, has_resent, has_crowd, square = flags
    n = c.n
    scaled_effort = c.effort_scale != 1.0
    scalar_fac = c.w_fac * min(1.0, c.support)
    for r in range(delta.size // n):
        network, w_social, critical = c.network[r], c.w_social[r], c.critical[r]
        w_habit, intercept = c.w_habit[r], c.intercept[r]
        for i in range(n):
            f = r * n + i
            # connective value: a Hill curve of the share of tie weight on the tool
            # (perceived critical mass, Markus 1987)
            if square:  # use_input: tie weight on users; / degree: the share
                s = st.use_input[f] * st.inv_degree[i]
                s = min(max(s, 0.0), 1.0)
                s = s * s
            else:  # use_input: the clipped share, raised to the power `steep` by the caller
                s = st.use_input[f]
            s /= s + critical
            if network != 1.0:
                s *= network
            social = st.susceptibility[f] * st.peer_exposure[f]
            social *= st.inv_degree[i]
            peer = s * c.w_perf
            social *= w_social
            peer += social
            peer *= c.k
            peer_part[f] = peer
            legacy = c.legacy_value - lv.legacy_drop[f] if has_drop else c.legacy_value
            e = st.effort[f]
            if scaled_effort:
                e *= c.effort_scale
            if has_factor:
                e *= lv.effort_factor[f]
            d = st.usefulness[f] + st.communal[r]
            d -= legacy
            d *= c.w_perf
            e *= c.w_effort
            d -= e
            if has_support:
                d += c.w_fac * min(1.0, c.support + lv.support[f])
            else:
                d += scalar_fac
            habits = st.habit[f] - st.legacy_habit[f]
            habits *= w_habit
            d += habits
            d *= c.k
            d += intercept
            d += peer
            d += st.innovativeness_term[f]
            d -= st.overload_term[f]
            if has_resent:
                d -= c.reactance * st.resentment[f]
            if has_crowd:
                d -= c.crowding * st.crowding[f]
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


class Learning(NamedTuple):
    """The state one week of use changes (flat arrays, R * N, updated in place)."""

    experience: np.ndarray
    effort: np.ndarray
    usefulness: np.ndarray
    habit: np.ndarray
    legacy_habit: np.ndarray


class LearnInputs(NamedTuple):
    """What learning reads: ``effort_table[x]``, the effort after ``x`` whole weeks (it
    must reach this week); each employee's habit rate and legacy plateau; this week's
    usefulness ``bonus`` and who can no longer use the legacy tool (``retired``)."""

    effort_table: np.ndarray
    habit_rate: np.ndarray
    legacy_plateau: np.ndarray
    bonus: np.ndarray
    retired: np.ndarray


class LearnParams(NamedTuple):
    """The parameters of learning (``experienced``: the usefulness a week of use shows, one
    per replicate); ``whole_weeks``: experience is whole weeks everywhere (else effort is
    left to the caller)."""

    compliance_depth: float
    experienced: np.ndarray
    learning_rate: float
    habit_decay: float
    whole_weeks: bool


@_jit
def learn(use, compliance, state, inputs, c, users):
    """One week of learning from use: experience and effort, learned usefulness (exponential
    smoothing toward the usefulness experienced), the new tool's habit (grows where used,
    decays elsewhere; Lally et al. 2010) and the legacy habit (returns toward its plateau
    where practised, decays elsewhere); the number of users of each replicate into
    ``users`` (one per replicate). A week of compliance-only use counts
    ``compliance_depth`` of a voluntary one."""
    experience, effort, usefulness, habit, legacy_habit = state
    habit_rate = inputs.habit_rate
    depth_c = c.compliance_depth
    keep = 1.0 - c.habit_decay
    n = use.size // max(users.size, 1)
    for r in range(users.size):
        count = 0
        for i in range(r * n, (r + 1) * n):
            count += use[i]
        users[r] = count
    # Both outcomes are computed and one is selected (no data-dependent branch), and each
    # loop writes one state array (few aliasing checks): the loops vectorize.
    for f in range(use.size):
        depth = depth_c if compliance[f] else 1.0  # only users can be compliant
        x0 = experience[f]
        x1 = x0 + depth
        experience[f] = x1 if use[f] else x0
    if c.whole_weeks:
        table = inputs.effort_table
        for f in range(use.size):
            e0 = effort[f]
            e1 = table[int(experience[f])]  # at most this week: inside the table
            effort[f] = e1 if use[f] else e0
    bonus, rate = inputs.bonus, c.learning_rate
    for r in range(use.size // n if n else 0):
        experienced = c.experienced[r]
        for f in range(r * n, (r + 1) * n):
            depth = depth_c if compliance[f] else 1.0
            b0 = usefulness[f]
            b1 = b0 + rate * depth * (experienced + bonus[f] - b0)
            usefulness[f] = b1 if use[f] else b0
    for f in range(use.size):
        depth = depth_c if compliance[f] else 1.0
        h0 = habit[f]
        h1 = h0 + habit_rate[f] * depth * (1.0 - h0)
        decayed = h0 * keep
        habit[f] = h1 if use[f] else decayed
    retired, plateau = inputs.retired, inputs.legacy_plateau
    for f in range(use.size):
        # the legacy tool is practised unless the new one was used voluntarily
        practised = ((not use[f]) | compliance[f]) & (not retired[f])
        lh = legacy_habit[f]
        grow = plateau[f] - lh
        grow *= habit_rate[f]
        returned = lh + grow
        decayed = lh * keep
        legacy_habit[f] = returned if practised else decayed


class Motivation(NamedTuple):
    """Resentment and crowding-out (updated in place) and the need for autonomy (flat)."""

    resentment: np.ndarray
    crowding: np.ndarray
    autonomy: np.ndarray


class MotivationLevers(NamedTuple):
    """This week's freedom threat and reward (flat; read only where ``has_*``)."""

    threat: np.ndarray
    has_threat: bool
    reward: np.ndarray
    has_reward: bool


class MotivationParams(NamedTuple):
    """Rates of resentment and crowding-out."""

    resentment_rate: float
    resentment_decay: float
    crowding_rate: float


@_jit
def motivation(use, compliance, state, lv, c):
    """Resentment moves toward autonomy x threat where threatened (rising at
    ``resentment_rate``, else decaying); controlled use under threat and rewarded use crowd
    out intrinsic motivation (Deci, Koestner & Ryan 1999). Without threat, resentment
    decays everywhere."""
    resentment, crowding, autonomy = state
    threat, has_threat, reward, has_reward = lv
    keep = 1.0 - c.resentment_decay
    for f in range(use.size):
        if has_threat:
            level = min(max(threat[f], 0.0), 1.0)
            target = autonomy[f] * level
            r = resentment[f]
            resentment[f] = r + c.resentment_rate * (target - r) if target > r else r * keep
            if compliance[f] and level > 0:
                cr = crowding[f]
                crowding[f] = cr + c.crowding_rate * level * (1.0 - cr)
        else:
            resentment[f] *= keep
        if has_reward and use[f] and reward[f] > 0:
            cr = crowding[f]
            crowding[f] = cr + c.crowding_rate * reward[f] * (1.0 - cr)


class Stages(NamedTuple):
    """The state the stage changes read and update (flat arrays, R * N)."""

    stage: np.ndarray
    compliant: np.ndarray
    use_streak: np.ndarray
    idle_streak: np.ndarray
    ever_tried: np.ndarray
    habitual: np.ndarray
    lapses: np.ndarray
    habit: np.ndarray


class StageParams(NamedTuple):
    """When a trier is active, a user has lapsed and a habit counts as habitual."""

    habitual_threshold: float
    adopt_after: int
    lapse_after: int


@_jit
def transitions(use, compliance, state, c, flags, work):
    """Stage changes of the week from this week's use; each employee's events as bits of
    ``flags`` (:class:`Change`). Returns the flat positions of those with an event, in
    increasing order (``work``: ``use.size`` integers at least)."""
    stage, compliant, use_streak, idle_streak, ever_tried, habitual, lapses, habit = state
    adopt_after, lapse_after = c.adopt_after, c.lapse_after
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
        flags[f] = _FIRST * first + _ADOPT * adopted + _READOPT * readopt + _LAPSE * lapse
    for f in range(stage.size):
        # whether this week's use was compliance only (only users can be compliant)
        was = compliant[f]
        compliant[f] = compliance[f] if use[f] else was
    threshold = c.habitual_threshold
    for f in range(stage.size):
        now = habit[f] >= threshold
        newly = now & (not habitual[f])
        habitual[f] = now
        flags[f] += _HABIT * newly
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
