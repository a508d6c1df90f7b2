"""Network cases: Granovetter's (1978) riot thresholds and Centola's (2010) clustered against
random networks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.org import Organization
from adoptsim.validation import common as vc


def granovetter_case(size: vc.Size = "full", seed: int = 1) -> vc.CaseResult:
    """Granovetter (1978): thresholds 0..99 all riot; with the 1 made a 2, only one does."""
    s = vc.SIZES[size]["granovetter"]
    n = 100
    org = vc.organization_from_edges(n, np.zeros((0, 2)), "well mixed")
    uniform = list(range(n))
    changed = [0, 2, *range(2, n)]
    frames, finals = [], {}
    for label, thresholds in (("0, 1, 2, ..., 99", uniform), ("0, 2, 2, 3, ..., 99", changed)):
        spec = vc.case_scenario(
            {
                "name": "granovetter",
                "weeks": s["weeks"],
                "runs": 1,
                "seed": seed,
                "behavior": {
                    "mode": "threshold",
                    "mixing": "well_mixed",
                    "threshold_kind": "count",
                    "thresholds": thresholds,
                },
            }
        )
        _, tables = vc.run_case(spec, org, seed, [0])
        curves = tables["curves"]
        adopters = np.rint(curves["active_share"].to_numpy() * n).astype(int)
        frames.append(
            pd.DataFrame({"thresholds": label, "week": curves["week"], "adopters": adopters})
        )
        finals[label] = int(adopters[-1])
    a, b = finals.values()
    checks = [
        vc.Check(
            "thresholds 0..99 (people): rioters",
            "100",
            str(a),
            "exact",
            a == n,
        ),
        vc.Check(
            "threshold 1 changed to 2: rioters",
            "1",
            str(b),
            "exact",
            b == 1,
        ),
    ]
    return vc.CaseResult(
        "granovetter",
        "Granovetter's riot",
        "Granovetter (1978), American Journal of Sociology 83(6):1420-1443",
        checks,
        {"curves": pd.concat(frames, ignore_index=True)},
        {**s, "employees": n, "seed": seed},
    )


def _contagion(
    name: str,
    behavior: dict[str, Any],
    weeks: int,
    runs: int,
    seed: int,
    lattice: tuple[str, Organization],
    others: dict[str, list[Organization]],
) -> pd.DataFrame:
    """Active-share curves (network, replicate, week, active_share) of a seeded
    neighbourhood (one employee drawn at random and their neighbours) on the lattice (all
    runs) and on each other network (replicate r on its r-th organization)."""
    spec = vc.case_scenario(
        {
            "name": name,
            "weeks": weeks,
            "runs": runs,
            "seed": seed,
            "behavior": behavior,
            "strategies": [
                {
                    "type": "seed_adopters",
                    "target": {"select": "random", "count": 1},
                    "neighbors": True,
                }
            ],
        }
    )
    label, org = lattice
    _, tables = vc.run_case(spec, org, seed, range(runs))
    parts = [tables["curves"].assign(network=label)]
    for other, orgs in others.items():
        for r, o in enumerate(orgs):
            _, t = vc.run_case(spec, o, seed, [r])
            parts.append(t["curves"].assign(network=other))
    curves = pd.concat(parts, ignore_index=True)
    return curves[["network", "replicate", "week", "active_share"]]


def centola_case(size: vc.Size = "full", seed: int = 1) -> vc.CaseResult:
    """Centola & Macy (2007): k = 2 spreads on a clustered lattice, stalls on its random twin;
    k = 1 spreads faster on the random twin."""
    s = vc.SIZES[size]["centola"]
    n, z, runs = s["employees"], s["degree"], s["runs"]
    # the lattice front moves at least z/2 - 1 places per side a week
    weeks = min(520, math.ceil(n / (2 * max(z // 2 - 1, 1))) + 10)
    lattice = vc.organization_from_graph(vc.ring_lattice(n, z), "ring lattice")
    twins = [
        vc.organization_from_graph(
            vc.random_twin(vc.ring_lattice(n, z), rngmod.stream(seed, r, "validation:rewire")),
            "random twin",
        )
        for r in range(runs)
    ]
    frames = []
    for k in (1, 2):
        behavior = {"mode": "threshold", "threshold_kind": "count", "threshold": k}
        curves = _contagion(
            f"complex contagion k={k}",
            behavior,
            weeks,
            runs,
            seed,
            ("clustered", lattice),
            {"random": twins},
        )
        frames.append(curves.assign(k=k))
    curves = pd.concat(frames, ignore_index=True)
    last = curves[curves["week"] == weeks].set_index(["k", "network", "replicate"])
    final = last["active_share"]
    c2 = float(final.loc[(2, "clustered")].mean())
    r2 = float(final.loc[(2, "random")].mean())
    half = (
        curves[curves["active_share"] >= 0.5]
        .groupby(["k", "network", "replicate"])["week"]
        .min()
        .reindex(final.index)
        .astype(float)
    )
    w_c, w_r = half.loc[(1, "clustered")], half.loc[(1, "random")]
    faster = bool(np.all(w_r.to_numpy() < w_c.to_numpy()))
    most, stall = vc.TOLERANCE["centola_most"], vc.TOLERANCE["centola_stall"]
    checks = [
        vc.Check(
            "k=2, clustered lattice: final share",
            "spreads to most",
            f"{100 * c2:.1f} %",
            f">= {100 * most:.0f} %",
            c2 >= most,
        ),
        vc.Check(
            "k=2, random twin: final share",
            "stalls",
            f"{100 * r2:.1f} %",
            f"<= {100 * stall:.0f} %",
            r2 <= stall,
        ),
        vc.Check(
            "k=1: weeks to 50 %, random vs clustered",
            "random faster",
            f"{w_r.mean():.1f} vs {w_c.mean():.1f}",
            "in every run",
            faster,
        ),
    ]
    return vc.CaseResult(
        "centola",
        "Clustering and complex contagion",
        "Centola & Macy (2007), American Journal of Sociology 113(3):702-734; Centola (2010), "
        "Science 329:1194-1197",
        checks,
        {"curves": curves},
        {**s, "weeks": weeks, "seed": seed},
    )
