"""Rogers: the adopter categories' shares and their order of adoption."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptsim.execute.simulations import build_org
from adoptsim.model.people import CATEGORY_SHARES, category_of
from adoptsim.validation import common as vc


def rogers_case(size: vc.Size = "full", seed: int = 1) -> vc.CaseResult:
    """Rogers (2003): adoption order by category and adoption-time shares by sd buckets."""
    s = vc.SIZES[size]["rogers"]
    runs = s["runs"]
    spec = vc.case_scenario(
        {
            "name": "rogers",
            "weeks": s["weeks"],
            "runs": runs,
            "seed": seed,
            "organization": {"generate": {"employees": s["employees"]}},
        }
    )
    org = build_org(spec, seed)
    sim, tables = vc.run_case(spec, org, seed, range(runs))
    ev = tables["events"]
    adoption = ev[ev["event"] == "adoption"].groupby(["replicate", "employee"])["week"].min()
    adoption = adoption.reset_index()
    index = pd.Series(np.arange(org.n), index=pd.Index(org.ids.astype(str)))
    emp = index.loc[adoption["employee"].to_numpy()].to_numpy()
    row = pd.Series(np.arange(sim.R), index=sim.replicates).loc[adoption["replicate"]].to_numpy()
    adoption["category"] = category_of(sim.traits.innovativeness)[row, emp]
    adoption["week"] = adoption["week"].astype(float)
    mean_week = adoption.groupby("category")["week"].mean().reindex(range(5))
    rising = bool(np.all(np.diff(mean_week.to_numpy()) > 0))
    # buckets by standard deviations from the mean adoption week, within each run
    shares = []
    for _, g in adoption.groupby("replicate"):
        w = g["week"].to_numpy()
        mu, sd = w.mean(), w.std()
        bucket = np.digitize(w, [mu - 2 * sd, mu - sd, mu, mu + sd])
        shares.append(np.bincount(bucket, minlength=5) / w.size)
    share = np.mean(shares, axis=0)
    gap = float(np.abs(share - np.asarray(CATEGORY_SHARES)).max())
    tol = vc.TOLERANCE["rogers_points"]
    adopted = len(adoption) / (org.n * runs)
    checks = [
        vc.Check(
            "mean adoption week by category",
            "rising",
            " < ".join(f"{w:.0f}" for w in mean_week.to_numpy()) + " weeks",
            "strictly rising",
            rising,
        ),
        vc.Check(
            "shares by sd from mean week",
            " / ".join(f"{100 * x:g}" for x in CATEGORY_SHARES) + " %",
            " / ".join(f"{100 * x:.1f}" for x in share) + " %",
            f"each ± {100 * tol:.0f} points",
            gap <= tol,
        ),
    ]
    return vc.CaseResult(
        "rogers",
        "Rogers' adopter categories",
        "Rogers (2003), Diffusion of Innovations, 5th ed., ch. 7",
        checks,
        {
            "mean_week": pd.DataFrame(
                {"category": vc.CATEGORY_NAMES, "mean_week": mean_week.to_numpy()}
            ),
            "shares": pd.DataFrame(
                {
                    "category": vc.CATEGORY_NAMES,
                    "published": CATEGORY_SHARES,
                    "simulated": share,
                }
            ),
        },
        {**s, "seed": seed, "adopted_share": adopted},
    )
