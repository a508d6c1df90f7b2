"""Lally et al. (2010): days to reach 95 % of the habit plateau."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptsim.model import behavior as bh
from adoptsim.validation import common as vc


def habit_case(size: vc.Size = "full", seed: int = 1) -> vc.CaseResult:
    """Lally et al. (2010): days of weekly use until habit reaches 95 % of its plateau."""
    s = vc.SIZES[size]["habit"]
    n, runs, weeks = s["employees"], s["runs"], s["weeks"]
    spec = vc.case_scenario(
        {
            "name": "habit curve",
            "weeks": weeks,
            "runs": runs,
            "seed": seed,
            # the default utility mode, made to use the tool every week: everyone hears of it
            # at once and the tool is far better than the legacy one
            "tool": {"value": 10.0},
            "behavior": {"external_awareness": 1.0, "intercept": 20.0},
        }
    )
    org = vc.organization_from_edges(n, np.zeros((0, 2)), "no ties")
    _, tables = vc.run_case(spec, org, seed, range(runs))
    days = _days_to_habit(tables["events"])
    used_every_week = float(tables["curves"].query("week >= 1")["using_share"].min())
    median = float(np.median(days))
    # the median shortest and longest of 39 people: quantiles 1 - 0.5^(1/39) and 0.5^(1/39)
    q_lo, q_hi = 1 - 0.5 ** (1 / vc.LALLY_PEOPLE), 0.5 ** (1 / vc.LALLY_PEOPLE)
    lo, hi = (float(x) for x in np.quantile(days, [q_lo, q_hi], method="inverted_cdf"))
    pub_med = bh.LALLY_MEDIAN_DAYS
    pub_lo, pub_hi = bh.LALLY_RANGE_DAYS
    tol_d, factor = vc.TOLERANCE["habit_median_days"], vc.TOLERANCE["habit_range_factor"]

    def within(x: float, ref: float) -> bool:
        return ref / factor <= x <= ref * factor

    checks = [
        vc.Check(
            "premise: lowest weekly share using",
            "every week",
            f"{100 * used_every_week:.2f} %",
            ">= 99.9 %",
            used_every_week >= 0.999,
        ),
        vc.Check(
            "median days to 95 % of plateau",
            f"{pub_med:.0f} days",
            f"{median:.0f} days ({median / 7:.0f} weeks)",
            f"± {tol_d:.0f} days",
            abs(median - pub_med) <= tol_d,
        ),
        vc.Check(
            f"shortest of {vc.LALLY_PEOPLE} people",
            f"{pub_lo:.0f} days",
            f"{lo:.0f} days",
            f"within x{factor:g}",
            within(lo, pub_lo),
        ),
        vc.Check(
            f"longest of {vc.LALLY_PEOPLE} people",
            f"{pub_hi:.0f} days",
            f"{hi:.0f} days",
            f"within x{factor:g}",
            within(hi, pub_hi),
        ),
    ]
    cdf = tables["curves"].groupby("week")["habitual_share"].mean().reset_index()
    cdf["days"] = bh.DAYS_PER_WEEK * cdf["week"]
    return vc.CaseResult(
        "habit",
        "Habit curve",
        "Lally, van Jaarsveld, Potts & Wardle (2010), European Journal of Social Psychology "
        "40(6):998-1009",
        checks,
        {
            "habitual": cdf,
            "days_to_95": pd.DataFrame({"days": days}),
            "summary": pd.DataFrame(
                {"median": [median], "shortest": [lo], "longest": [hi], "used": [used_every_week]}
            ),
        },
        {**s, "seed": seed},
    )


def _days_to_habit(ev: pd.DataFrame) -> np.ndarray:
    """Days from each employee's first trial to the week their habit reached 95 % of the
    plateau (inclusive; infinite where it never did)."""
    first = ev[ev["event"] == "trial"].groupby(["replicate", "employee"])["week"].min()
    habit = ev[ev["event"] == "habit"].groupby(["replicate", "employee"])["week"].min()
    weeks_to = (habit.reindex(first.index) - first + 1).astype(float).fillna(np.inf)
    return bh.DAYS_PER_WEEK * weeks_to.to_numpy()
