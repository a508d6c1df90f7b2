"""Bass (1969): the model in bass mode against the closed-form diffusion curve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptsim.validation import common as vc


def bass_case(size: vc.Size = "full", seed: int = 1) -> vc.CaseResult:
    """Bass (1969): the ensemble mean of mode bass, well mixed, against the closed form."""
    s = vc.SIZES[size]["bass"]
    m, periods = s["weeks_per_period"], s["periods"]
    weeks = m * periods
    org = vc.organization_from_edges(s["employees"], np.zeros((0, 2)), "well mixed")
    checks, frames = [], []
    for p, q in vc.BASS_PAIRS:
        spec = vc.case_scenario(
            {
                "name": f"bass p={p} q={q}",
                "weeks": weeks,
                "runs": s["runs"],
                "seed": seed,
                "behavior": {
                    "mode": "bass",
                    "mixing": "well_mixed",
                    "bass_p": p,
                    "bass_q": q,
                    "bass_period_weeks": m,
                },
            }
        )
        _, tables = vc.run_case(spec, org, seed, range(s["runs"]))
        frame = _bass_frame(tables["curves"], p, q, weeks, m, s["runs"])
        frames.append(frame)
        checks += _bass_checks(frame, p, q, m, s)
    return vc.CaseResult(
        "bass",
        "Bass curve",
        "Bass (1969), Management Science 15(5):215-227; (p, q) = (0.03, 0.38) is the mean of "
        "Sultan, Farley & Lehmann (1990)",
        checks,
        {"curves": pd.concat(frames, ignore_index=True)},
        {**s, "seed": seed},
    )


def _bass_frame(
    curves: pd.DataFrame, p: float, q: float, weeks: int, m: int, runs: int
) -> pd.DataFrame:
    """Per week: the ensemble's mean active share, its interval and standard error, the
    closed form and the discrete recursion."""
    by_week = curves.groupby("week")["active_share"]
    t = np.arange(weeks + 1) / m
    return pd.DataFrame(
        {
            "p": p,
            "q": q,
            "week": np.arange(weeks + 1),
            "period": t,
            "simulated": by_week.mean().to_numpy(),
            "low": by_week.quantile(0.05).to_numpy(),
            "high": by_week.quantile(0.95).to_numpy(),
            # standard error of the ensemble mean
            "se": (by_week.std(ddof=1) / np.sqrt(runs)).to_numpy(),
            "closed_form": vc.bass_closed_form(t, p, q),
            "recursion": vc.bass_recursion(weeks, p, q, 1.0 / m),
        }
    )


def _bass_checks(frame: pd.DataFrame, p: float, q: float, m: int, s: dict) -> list[vc.Check]:
    """The gaps to the closed form and to the recursion, each against its tolerance."""
    tol = vc.TOLERANCE["bass_gap"]
    gap = np.abs(frame["simulated"] - frame["closed_form"])
    at = float(frame["period"].iloc[int(gap.argmax())])
    gap_rec = float(np.abs(frame["simulated"] - frame["recursion"]).max())
    noise = vc.TOLERANCE["bass_standard_errors"] * float(frame["se"].max())
    gap_disc = float(np.abs(frame["recursion"] - frame["closed_form"]).max())
    checks = []
    if s["closed_form_check"]:
        checks.append(
            vc.Check(
                f"p={p} q={q}: max gap to closed form",
                "Bass F(t)",
                f"{vc.fmt(gap.max())} (t={at:.1f})",
                f"< {tol}",
                bool(gap.max() < tol),
            )
        )
    checks.append(
        vc.Check(
            f"p={p} q={q}: recursion vs closed form",
            f"Bass F(t), dt=1/{m}",
            vc.fmt(gap_disc),
            f"< {tol}",
            bool(gap_disc < tol),
        )
    )
    checks.append(
        vc.Check(
            f"p={p} q={q}: max gap to recursion",
            "F(t+1) recursion",
            vc.fmt(gap_rec),
            f"<= {vc.fmt(noise)} ({vc.TOLERANCE['bass_standard_errors']:g} s.e.)",
            bool(gap_rec <= noise),
        )
    )
    return checks
