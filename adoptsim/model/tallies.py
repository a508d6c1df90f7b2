"""Compiled (Numba) loops of the records: the count of employees by state behind the
curves, and the rows of the events table.

Like :mod:`adoptsim.model.kernels`, they release the interpreter lock and are cached on
disk; state arrays are passed flat (replicate ``r``, employee ``i`` at ``r * N + i``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numba import njit

from adoptsim.model.people import Stage

_jit = njit(nogil=True, cache=True, error_model="numpy")


class StateCode(IntEnum):
    """An employee's state code is the stage plus each of these where its flag is set:
    ``stage + HABITUAL h + COMPLIANT c + USED u + EVER_TRIED e`` (``COUNT`` codes)."""

    HABITUAL = len(Stage)
    COMPLIANT = 2 * HABITUAL
    USED = 4 * HABITUAL
    EVER_TRIED = 8 * HABITUAL
    COUNT = 16 * HABITUAL


#: the parts of the state code as plain ints, for the compiled loop
_HABITUAL, _COMPLIANT, _USED, _EVER_TRIED = (
    int(c) for c in (StateCode.HABITUAL, StateCode.COMPLIANT, StateCode.USED, StateCode.EVER_TRIED)
)


def decode(code: np.ndarray) -> tuple[np.ndarray, ...]:
    """Stage, habitual, compliant, used and ever tried of state codes."""
    stage = code % StateCode.HABITUAL
    flags = [(code // part) % 2 == 1 for part in list(StateCode)[:4]]
    return (stage, *flags)


class States(NamedTuple):
    """The employees' state the curves count (flat arrays, R * N)."""

    stage: np.ndarray
    habitual: np.ndarray
    compliant: np.ndarray
    used: np.ndarray
    ever_tried: np.ndarray


class Groups(NamedTuple):
    """Where an employee counts: ``cell[i] + code`` is employee ``i``'s count in a
    replicate's row (one block of codes per (department, role) cell); ``n`` employees; a
    column's count is the sum over the codes it selects (``*_select``: 0/1 matrices of
    codes x columns)."""

    cell: np.ndarray
    n: int
    group_select: np.ndarray
    model_select: np.ndarray


class Counts(NamedTuple):
    """The counts, per (replicate, department, column), (replicate, role, column) and
    (replicate, model column)."""

    by_dept: np.ndarray
    by_role: np.ndarray
    model: np.ndarray


@_jit
def tally(states, groups, out, work):
    """Counts of the employees of ``states`` by ``groups`` into ``out`` (:class:`Counts`,
    added to). Employees are first counted by (department, role) cell and state code.
    ``work``: int32, room for a count per replicate, cell and code (overwritten)."""
    by_dept, by_role, model = out
    group_select, model_select = groups.group_select, groups.model_select
    reps, n_dept, _ = by_dept.shape
    n_role = by_role.shape[1]
    n_codes = group_select.shape[0]
    stage = states.stage
    code = np.empty(stage.size, dtype=np.uint8)  # a loop without stores that depend on data
    for f in range(stage.size):
        flags = _HABITUAL * states.habitual[f] + _COMPLIANT * states.compliant[f]
        flags += _USED * states.used[f] + _EVER_TRIED * states.ever_tried[f]
        code[f] = stage[f] + flags
    size = n_dept * n_role * n_codes
    counts = work[: reps * size].reshape((reps, size))  # at most n each: int32
    counts[:] = 0
    for r in range(reps):
        row = counts[r]
        base = r * groups.n
        for i in range(groups.n):
            row[groups.cell[i] + code[base + i]] += 1
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
