"""Aggregate observations in the particle filter: a week's observed shares weigh each
particle by their binomial likelihood given the particle's own shares (the share of the
organization, or of a department, as a count of its people), while the particles' weeks
run freely (nobody's behaviour is set: the observations name no one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adoptsim.calibration.observed import Observed, ObservedError
from adoptsim.calibration.persons import PersonObserved, person_form, read_any, read_persons
from adoptsim.model.conditioned import FLOOR
from adoptsim.model.records import CURVE_COLUMNS, GROUP_COLUMNS
from adoptsim.org import Organization

#: what an aggregate series' error adds: the other forms the file could have had
PER_PERSON_HINT = (
    "; a per-person file has the columns employee_id,week,active (weekly activity) or "
    "employee_id,first_week (first use)"
)
#: the latest week an aggregate series may hold when read for the filter
LATEST = 10_000


def read_observations(
    path: str | Path,
    org: Organization,
    through: int | None = None,
    weeks: int | None = None,
    period_weeks: int = 1,
) -> PersonObserved | Observed:
    """A per-person file (either form) or an aggregate series (a share per period, for the
    organization or by department; period k is model week k x ``period_weeks``), checked
    against ``org``; ``weeks``: the latest week."""
    if person_form(path) is not None:
        return read_persons(path, org, through, weeks)
    latest = LATEST if weeks is None else max(1, weeks // period_weeks)
    try:
        observed = read_any(path, org, latest, through)
    except ObservedError as exc:
        raise ObservedError(f"{exc.message}{PER_PERSON_HINT}", exc.source, exc.where) from None
    if period_weeks == 1:
        return observed
    table = observed.table.assign(week=observed.table["week"] * period_weeks)
    return Observed(table, observed.source)


class ShareLikelihood:
    """Each particle's log-likelihood of one week's observed shares (binomial, up to a
    constant shared by the particles)."""

    def __init__(self, observed: Observed, org: Organization) -> None:
        t = observed.table
        t = t[t["week"] > 0]
        sizes = np.bincount(org.department, minlength=len(org.departments))
        self.weeks: dict[int, tuple] = {}
        for week, cells in t.groupby("week"):
            whole = (cells["department"] == "").to_numpy()
            value = cells["value"].to_numpy(dtype=float)
            dept = [org.departments.index(d) for d in cells.loc[~whole, "department"]]
            size = np.where(whole, float(org.n), 0.0)
            size[~whole] = sizes[dept]
            self.weeks[int(week)] = (
                whole,
                np.array([CURVE_COLUMNS.index(s) for s in cells.loc[whole, "series"]], int),
                np.array(dept, dtype=int),
                np.array([GROUP_COLUMNS.index(s) for s in cells.loc[~whole, "series"]], int),
                value * size,
                size,
            )

    def __call__(self, curves: np.ndarray, dept_curves: np.ndarray, week: int) -> np.ndarray:
        """(particles,) log-likelihoods of week ``week`` (zeros in a week not observed)
        from the simulated ``curves[week]`` and ``dept_curves[week]``."""
        R = curves.shape[1]
        if week not in self.weeks:
            return np.zeros(R)
        whole, cols, dept, dcols, k, n = self.weeks[week]
        p = np.empty((R, whole.size))
        p[:, whole] = curves[week][:, cols]
        p[:, ~whole] = dept_curves[week][:, dept, dcols]
        p = np.clip(p, FLOOR, 1.0 - FLOOR)
        return (k * np.log(p) + (n - k) * np.log1p(-p)).sum(axis=1)
