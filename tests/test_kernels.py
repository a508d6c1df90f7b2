"""The compiled loops of adoptsim.model.kernels against plain NumPy and SciPy, number for number.

The whole engine was checked against the NumPy engine it replaced by the pinned runs of
tests/test_performance_pins.py (before the weekly draws were merged, which moved the pins);
these tests pin the pieces, including inputs the pinned runs do not reach.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from adoptsim.model import kernels, peers, tallies
from adoptsim.model.peers import unsigned as _unsigned


def _ties(n: int, seed: int, symmetric: bool = True) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    a = sp.random(n, n, density=8 / n, random_state=rng, format="csr")
    a.data = rng.choice([0.5, 1.0, 2.0], a.nnz)
    if symmetric:
        a = a + a.T
    a.setdiag(0)
    a.eliminate_zeros()
    a.sort_indices()
    return a


def _call_ties(w: sp.csr_matrix) -> tuple:
    return _unsigned(w.indptr), _unsigned(w.indices), w.data


@pytest.mark.parametrize("reps", [1, 3])
def test_peer_sums_equal_scipys_product_to_the_last_digit(reps):
    n = 500
    w = _ties(n, 1)
    rng = np.random.default_rng(2)
    used = (rng.random((reps, n)) < 0.3) * rng.choice([1.0, 0.3], (reps, n))
    weighted = used * rng.uniform(0.5, 3.0, (reps, n))
    want_w = np.stack([w @ row for row in weighted])
    want_u = np.stack([w @ row for row in used])
    got_w, got_u = np.empty(reps * n), np.empty(reps * n)
    peers.gather_rows(*_call_ties(w), weighted.ravel(), used.ravel(), n, got_w, got_u)
    np.testing.assert_array_equal(got_w.reshape(reps, n), want_w)
    np.testing.assert_array_equal(got_u.reshape(reps, n), want_u)
    # one value array only
    peers.gather_rows(*_call_ties(w), used.ravel(), np.zeros(0), n, got_u, np.zeros(0))
    np.testing.assert_array_equal(got_u.reshape(reps, n), want_u)
    # the users' rows of a symmetric W, scattered: the same sums
    scattered = np.zeros(reps * n)
    peers.scatter_rows(*_call_ties(w), weighted.ravel(), n, scattered)
    np.testing.assert_array_equal(scattered.reshape(reps, n), want_w)
    assert (want_w > 0).mean() > 0.5


def test_top_peer_on_unsorted_ties_and_no_users():
    w = _ties(60, 3, symmetric=False)
    # shuffle the neighbours within rows: the kernel must not rely on sorted rows
    rng = np.random.default_rng(4)
    for i in range(w.shape[0]):
        lo, hi = w.indptr[i], w.indptr[i + 1]
        order = lo + rng.permutation(hi - lo)
        w.indices[lo:hi], w.data[lo:hi] = w.indices[order].copy(), w.data[order].copy()
    seen = rng.integers(0, 2, 60).astype(float)
    emp = np.arange(60)
    out = np.full(60, -7, dtype=np.int64)
    peers.top_peer(*_call_ties(w), np.zeros(60, np.int64), emp, seen, 60, out)
    scores = w.toarray() * seen
    want = np.where(scores.max(axis=1) > 0, np.argmax(scores, axis=1), -1)
    np.testing.assert_array_equal(out, want)
    peers.top_peer(*_call_ties(w), np.zeros(60, np.int64), emp, np.zeros(60), 60, out)
    assert (out == -1).all()


def test_awareness_hits_follow_the_channel_formula():
    """Hits where u < p; a hit's draw becomes u / p (uniform again) and its stage AWARE;
    the others keep theirs. The strongest channel is named (the first of equals)."""
    rng = np.random.default_rng(5)
    n = 20_000
    stage0 = rng.integers(0, 3, n).astype(np.int8)  # a third unaware
    exposure = np.where(rng.random(n) < 0.5, 0.0, rng.exponential(1.0, n))
    channels = rng.uniform(0, 0.2, (2, n))
    channels[1, :100] = channels[0, :100]  # equal channels: the first is named
    u0 = rng.random(n)
    u, stage = u0.copy(), stage0.copy()
    work = np.empty(2 * stage.size, np.int64)
    rates = np.full(1, 0.1), np.full(1, 0.7)  # one replicate
    hits, which = kernels.awareness_hits(stage, exposure, u, *rates, channels, work)
    q_peer = -np.expm1(-0.7 * exposure)
    stay = (1.0 - q_peer) * (1.0 - 0.1) * (1.0 - channels[0]) * (1.0 - channels[1])
    p = 1.0 - stay
    # the kernel's expm1 and NumPy's may differ by an ulp on another CPU: a draw within
    # 1e-12 of its probability may fall either way, so those are left out of the comparison
    clear = np.abs(u0 - p) > 1e-12
    want = np.flatnonzero((stage0 == 0) & (u0 < p))
    hit = np.zeros(n, dtype=bool)
    hit[hits] = True
    np.testing.assert_array_equal(hit[clear], np.isin(np.arange(n), want)[clear])
    assert np.isin(hits, np.flatnonzero(stage0 == 0)).all()
    probs = np.stack([np.full(n, 0.1), q_peer, channels[0], channels[1]])
    both = np.isin(hits, want)
    named = np.argmax(probs, axis=0)[hits[both]]
    # the strongest channel by a clear margin is named
    top2 = np.sort(probs[:, hits[both]], axis=0)[-2:]
    margin = top2[1] - top2[0] > 1e-12
    np.testing.assert_array_equal(which[both][margin], named[margin])
    tie = hits < 100  # equal channels: the first of them is named
    np.testing.assert_array_equal(which[tie & (which >= 2)], 2)
    assert set(np.unique(which)) == {0, 1, 2, 3}
    assert 0 < hits.size < (stage0 == 0).sum()
    np.testing.assert_array_equal(stage[hits], 1)
    others = np.ones(n, dtype=bool)
    others[hits] = False
    np.testing.assert_array_equal(stage[others], stage0[others])
    np.testing.assert_allclose(u[hits], u0[hits] / p[hits], rtol=1e-12)
    np.testing.assert_array_equal(u[others], u0[others])
    # the rescaled draws are uniform on [0, 1) (Kolmogorov-Smirnov against U(0, 1))
    assert u[hits].max() < 1.0
    assert stats.kstest(u[hits], "uniform").pvalue > 0.01


def test_nonzero_and_tally():
    flags = np.zeros(1000, np.uint8)
    flags[[0, 5, 999]] = [1, 16, 3]
    work = np.full(1000, -7, np.int64)
    np.testing.assert_array_equal(kernels.nonzero(flags, work), [0, 5, 999])
    assert kernels.nonzero(np.zeros(10, np.uint8), work).size == 0
    rng = np.random.default_rng(6)
    reps, n, n_dept, n_role, n_codes = 3, 1000, 4, 3, 80
    stage = rng.integers(0, 5, reps * n).astype(np.int8)
    flags5 = [rng.random(reps * n) < 0.5 for _ in range(4)]
    dept, role = rng.integers(0, n_dept, n), rng.integers(0, n_role, n)
    cell = (dept * n_role + role) * n_codes
    group_select = (rng.random((n_codes, 5)) < 0.4).astype(np.int64)
    model_select = (rng.random((n_codes, 10)) < 0.4).astype(np.int64)
    by_dept = np.zeros((reps, n_dept, 5), np.int64)
    by_role = np.zeros((reps, n_role, 5), np.int64)
    model = np.zeros((reps, 10), np.int64)
    tallies.tally(
        tallies.States(stage, *flags5),
        tallies.Groups(cell, n, group_select, model_select),
        tallies.Counts(by_dept, by_role, model),
        np.full(reps * n_dept * n_role * n_codes, 9, np.int32),
    )
    code = (stage + 5 * flags5[0] + 10 * flags5[1] + 20 * flags5[2] + 40 * flags5[3]).reshape(
        reps, n
    )
    for r in range(reps):
        onehot = np.eye(n_codes, dtype=np.int64)[code[r]]  # employees x codes
        for d in range(n_dept):
            np.testing.assert_array_equal(by_dept[r, d], onehot[dept == d].sum(0) @ group_select)
        for g in range(n_role):
            np.testing.assert_array_equal(by_role[r, g], onehot[role == g].sum(0) @ group_select)
        np.testing.assert_array_equal(model[r], onehot.sum(0) @ model_select)
    assert by_dept.sum() > 0 and model.sum() > 0


def test_learning_loop_equals_the_numpy_formulas():
    """Experience, effort, usefulness, both habits, with compliance, a usefulness bonus and
    a retired legacy tool, against the formulas written with NumPy masks."""
    rng = np.random.default_rng(7)
    n = 5000
    use = rng.random(n) < 0.4
    compliance = use & (rng.random(n) < 0.3)
    xp = rng.integers(0, 10, n).astype(float)
    table = np.exp(-np.arange(12) / 8.0)
    effort, usefulness = table[xp.astype(int)], rng.normal(1.0, 0.3, n)
    habit, legacy = rng.random(n), rng.random(n)
    rate, plateau = rng.uniform(0.01, 0.1, n), rng.uniform(0.8, 1.0, n)
    bonus = np.where(rng.random(n) < 0.5, 0.3, 0.0)
    retired = rng.random(n) < 0.2
    state = [a.copy() for a in (xp, effort, usefulness, habit, legacy)]
    users = np.full(5, -1, np.int64)  # 5 replicates of 1,000
    kernels.learn(
        use,
        compliance,
        kernels.Learning(*state),
        kernels.LearnInputs(table, rate, plateau, bonus, retired),
        kernels.LearnParams(0.3, np.full(5, 1.2), 0.15, 0.02, True),
        users,
    )
    np.testing.assert_array_equal(users, np.count_nonzero(use.reshape(5, -1), axis=1))
    depth = np.where(compliance, 0.3, 1.0)
    want_xp = np.where(use, xp + depth, xp)
    np.testing.assert_array_equal(state[0], want_xp)
    np.testing.assert_array_equal(state[1], np.where(use, table[want_xp.astype(int)], effort))
    grown = usefulness + 0.15 * depth * (1.2 + bonus - usefulness)
    np.testing.assert_array_equal(state[2], np.where(use, grown, usefulness))
    np.testing.assert_array_equal(
        state[3], np.where(use, habit + rate * depth * (1.0 - habit), habit * (1.0 - 0.02))
    )
    practised = (~use | compliance) & ~retired
    back = legacy + (plateau - legacy) * rate
    np.testing.assert_array_equal(state[4], np.where(practised, back, legacy * (1.0 - 0.02)))


def test_replicate_order_and_event_rows():
    rng = np.random.default_rng(8)
    rep = rng.integers(0, 7, 5000).astype(np.int32)
    order = tallies.replicate_order(rep, 7)
    np.testing.assert_array_equal(order, np.argsort(rep, kind="stable"))  # stable, exact
    assert tallies.replicate_order(np.zeros(0, np.int32), 3).size == 0
    n = rep.size
    week = rng.integers(0, 50, n).astype(np.int16)
    emp = rng.integers(-1, 100, n).astype(np.int32)
    event = rng.integers(0, 6, n).astype(np.int8)
    cause = rng.integers(0, 4, n).astype(np.int32)
    peer = np.where(rng.random(n) < 0.3, rng.integers(0, 100, n), -1).astype(np.int32)
    reps = np.array([10, 11, 12, 20, 21, 30, 31])
    rank = np.array([2, 0, 3, 1])
    out = [np.empty(n, t) for t in (np.int64, np.int32, np.int16, np.int8, np.int16)]
    tallies.event_rows(order, rep, week, emp, event, cause, peer, reps, 100, rank, *out)
    np.testing.assert_array_equal(out[0], reps[rep[order]])
    np.testing.assert_array_equal(out[1], week[order])
    np.testing.assert_array_equal(out[2], np.where(emp < 0, 100, emp)[order])
    np.testing.assert_array_equal(out[3], event[order])
    np.testing.assert_array_equal(out[4], np.where(peer >= 0, 4 + peer, rank[cause])[order])
