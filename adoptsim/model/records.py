"""What a run records: the kinds of events and their causes, the activity stream, and the
weekly curves (their columns and the count of employees by state behind them)."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from adoptsim.model import tallies
from adoptsim.model.arrays import flat
from adoptsim.model.people import Stage


class Event(IntEnum):
    """Kinds of events in the activity stream."""

    AWARENESS = 0
    TRIAL = 1
    ADOPTION = 2
    HABIT = 3
    LAPSE = 4
    READOPTION = 5
    STRATEGY = 6


EVENT_NAMES = {event: event.name.lower() for event in Event}

#: the causes every run knows (strategies add theirs by label)
PEER = "peer"
OWN = "own"
EXTERNAL = "external"

#: the columns of the model-level curves, in order; the first MODEL_COLUMNS are counts of
#: employees (as shares), the others means
CURVE_COLUMNS = (
    "unaware_share",
    "aware_share",
    "trying_share",
    "active_share",
    "lapsed_share",
    "habitual_share",
    "voluntary_share",
    "compliance_share",
    "using_share",
    "ever_tried_share",
    "mean_habit",
    "mean_legacy_habit",
    "mean_usefulness",
    "mean_resentment",
    "information_stock",
)
MODEL_COLUMNS = CURVE_COLUMNS.index("mean_habit")
#: the columns recorded per department (and per role)
GROUP_COLUMNS = (
    "aware_share",
    "active_share",
    "habitual_share",
    "voluntary_share",
    "lapsed_share",
)


class EventLog:
    """The activity stream: chunks of events as logged, made into columns once at the end
    (replicate rows are batch indices)."""

    COLUMNS = ("replicate", "week", "employee", "event", "cause", "peer")
    DTYPES = (np.int32, np.int16, np.int32, np.int8, np.int32, np.int32)

    def __init__(self) -> None:
        # (size, replicate, week, employee, event, cause, peer); week and event are numbers,
        # cause and peer a number or one per event (peer: an employee index or -1)
        self._chunks: list[tuple] = []

    def add(self, rep, week, emp, event, cause, peer) -> None:
        """Log ``len(emp)`` events (as they are: no copy, no conversion until the end)."""
        n = len(emp)
        if n:
            self._chunks.append((n, rep, int(week), emp, int(event), cause, peer))

    def extend(self, columns: dict[str, np.ndarray]) -> None:
        """Log the events of ``columns`` (as :meth:`arrays` gives them: one value per event
        in every column)."""
        n = len(columns["employee"])
        if n:
            self._chunks.append((n, *(np.asarray(columns[c]) for c in self.COLUMNS)))

    def __len__(self) -> int:
        return sum(c[0] for c in self._chunks)

    def arrays(self) -> dict[str, np.ndarray]:
        """Concatenated columns, in the order of logging."""
        sizes = [c[0] for c in self._chunks]
        out = {}
        for k, (name, dtype) in enumerate(zip(self.COLUMNS, self.DTYPES, strict=True)):
            parts = [c[1 + k] for c in self._chunks]
            if name in ("week", "event") and all(isinstance(x, int) for x in parts):
                out[name] = np.repeat(np.asarray(parts, dtype=dtype), sizes)
            elif all(isinstance(x, np.ndarray) and x.ndim == 1 for x in parts):
                out[name] = (
                    np.concatenate(parts, dtype=dtype, casting="unsafe")
                    if parts
                    else np.zeros(0, dtype=dtype)
                )
            else:  # numbers among the arrays: fill in place
                column = out[name] = np.empty(sum(sizes), dtype=dtype)
                start = 0
                for x, n in zip(parts, sizes, strict=True):
                    column[start : start + n] = x
                    start += n
        return out


class Tally:
    """Counts of employees by state, per replicate and per department and role, at once.

    Every employee gets a small state code (:class:`adoptsim.model.tallies.StateCode`: the
    stage plus one value per flag); one count (``tallies.tally``) over (replicate,
    department, role, code) gives all the counts the curves need, exactly (integers),
    instead of one pass per column and group.
    """

    def __init__(self, dept: np.ndarray, n_dept: int, role: np.ndarray, n_role: int, reps: int):
        self.n_dept, self.n_role, self.reps = n_dept, n_role, reps
        n_codes = tallies.StateCode.COUNT
        # the first count of each employee's (department, role) cell in a replicate's row
        self.cell = ((dept.astype(np.int64) * n_role + role) * n_codes).astype(np.intp)
        self.n = dept.size
        # group sizes; an empty group has share 0 (count / inf)
        self.dept_size = np.bincount(dept, minlength=n_dept).astype(float)[:, None]
        self.role_size = np.bincount(role, minlength=n_role).astype(float)[:, None]
        self.dept_size[self.dept_size == 0] = np.inf
        self.role_size[self.role_size == 0] = np.inf
        self.work = np.empty(reps * n_dept * n_role * n_codes, dtype=np.int32)
        stage, habitual, compliant, used, ever = tallies.decode(np.arange(n_codes))
        active = stage == Stage.ACTIVE
        model = {
            "unaware_share": stage == Stage.UNAWARE,
            "aware_share": stage != Stage.UNAWARE,
            "trying_share": stage == Stage.TRYING,
            "active_share": active,
            "lapsed_share": stage == Stage.LAPSED,
            "habitual_share": habitual,
            "voluntary_share": active & ~compliant,
            "compliance_share": active & compliant,
            "using_share": used,
            "ever_tried_share": ever,
        }
        # which codes count toward each column: (codes, columns) 0/1 matrices
        columns = CURVE_COLUMNS[:MODEL_COLUMNS]
        self.model_select = np.stack([model[c] for c in columns], axis=1).astype(np.int64)
        self.group_select = np.stack([model[c] for c in GROUP_COLUMNS], axis=1).astype(np.int64)

    def count(self, stage, habitual, compliant, used, ever_tried):
        """Shares per (replicate, department, column), per (replicate, role, column) and
        counts per (replicate, model column)."""
        states = tallies.States(*(flat(a) for a in (stage, habitual, compliant, used, ever_tried)))
        # integer counts (exact) per code, then of the codes each column counts
        out = tallies.Counts(
            by_dept=np.zeros((self.reps, self.n_dept, len(GROUP_COLUMNS)), dtype=np.int64),
            by_role=np.zeros((self.reps, self.n_role, len(GROUP_COLUMNS)), dtype=np.int64),
            model=np.zeros((self.reps, MODEL_COLUMNS), dtype=np.int64),
        )
        groups = tallies.Groups(self.cell, self.n, self.group_select, self.model_select)
        tallies.tally(states, groups, out, self.work)
        return out.by_dept / self.dept_size, out.by_role / self.role_size, out.model.astype(float)
