"""Eckles et al.: seeding strategies on the organization's network."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.org import Organization
from adoptsim.validation import common as vc
from adoptsim.validation.networks import _contagion


def eckles_case(size: vc.Size = "full", seed: int = 1) -> vc.CaseResult:
    """Eckles, Mossel, Rahimian & Sen (2024): with noisy thresholds, long ties accelerate a
    complex contagion that, without noise, only the clustered lattice carries."""
    s = vc.SIZES[size]["eckles"]
    n, z, runs, weeks, share = s["employees"], s["degree"], s["runs"], s["weeks"], s["rewired"]
    # below-threshold adoption of order n ** (-1 / threshold), as in the paper
    noise = n**-0.5
    lattice = vc.organization_from_graph(vc.ring_lattice(n, z), "ring lattice")
    nets = _networks(n, z, share, runs, seed)
    frames = []
    for q in (0.0, noise):
        behavior = {
            "mode": "threshold",
            "threshold_kind": "count",
            "threshold": 2,
            "threshold_noise": q,
        }
        curves = _contagion(
            f"noisy complex contagion q={q:.3f}",
            behavior,
            weeks,
            runs,
            seed,
            ("clustered lattice", lattice),
            nets,
        )
        frames.append(curves.assign(noise=q))
    curves = pd.concat(frames, ignore_index=True)
    keys = ["noise", "network", "replicate"]
    last = curves[curves["week"] == weeks].set_index(keys)["active_share"].sort_index()
    half = (
        curves[curves["active_share"] >= 0.5]
        .groupby(keys)["week"]
        .min()
        .reindex(last.index)
        .astype(float)
    )
    rewired = f"{100 * share:.0f} % rewired"
    lat0 = half.loc[(0.0, "clustered lattice")].to_numpy()
    rew0 = last.loc[(0.0, rewired)].to_numpy()
    latq = half.loc[(noise, "clustered lattice")].to_numpy()
    checks = [
        vc.Check(
            "no noise: weeks to 50 %, clustered lattice",
            "spreads (Centola & Macy)",
            f"{np.nanmean(lat0):.0f}" if np.isfinite(lat0).all() else "not in every run",
            "in every run",
            bool(np.isfinite(lat0).all()),
        ),
        vc.Check(
            f"no noise: final share, {rewired}",
            "stalls",
            f"{100 * rew0.mean():.1f} %",
            "< 50 % in every run",
            bool(np.all(rew0 < 0.5)),
        ),
    ]
    for name in nets:
        netq = half.loc[(noise, name)].to_numpy()
        faster = bool(np.all(np.isfinite(netq)) and np.all(netq < np.nan_to_num(latq, nan=np.inf)))
        checks.append(
            vc.Check(
                f"noise {noise:.3f}: weeks to 50 %, {name} vs clustered",
                "long ties faster",
                f"{np.nanmean(netq):.0f} vs {np.nanmean(latq):.0f}",
                "in every run",
                faster,
            )
        )
    return vc.CaseResult(
        "eckles",
        "Noisy thresholds: long ties accelerate",
        "Eckles, Mossel, Rahimian & Sen (2024), Long ties accelerate noisy threshold-based "
        "contagions, Nature Human Behaviour (arXiv:1810.03579)",
        checks,
        {"curves": curves},
        {**s, "noise": noise, "seed": seed},
    )


def _networks(n: int, z: int, share: float, runs: int, seed: int) -> dict[str, list[Organization]]:
    """Per replicate: the lattice with a share of its ties rewired, and its random twin."""
    return {
        f"{100 * share:.0f} % rewired": [
            vc.organization_from_graph(
                nx.connected_watts_strogatz_graph(
                    n, z, share, seed=int(rngmod.stream(seed, r, "validation:ws").integers(2**31))
                ),
                "rewired lattice",
            )
            for r in range(runs)
        ],
        "random twin": [
            vc.organization_from_graph(
                vc.random_twin(vc.ring_lattice(n, z), rngmod.stream(seed, r, "validation:rewire")),
                "random twin",
            )
            for r in range(runs)
        ],
    }
