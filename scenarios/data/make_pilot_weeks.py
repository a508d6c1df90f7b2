"""Makes pilot_weeks.csv: the synthetic 'observed' pilot of scenarios/pilot_calibration.yaml.

The truth is the pilot scenario with behavior.w_social = 0.3, behavior.external_awareness
= 0.03 and tool.value = 1.3 (not the defaults: 0.14, 0.02, 1.2). One run of it, replicate 1,000,000
of seed 2026, on the organization the pilot scenario builds from its own seed; its first
twelve weeks of ever_tried_share and active_share, rounded to counts of people as an HR
system would report them (columns ever_tried and active).

    python scenarios/data/make_pilot_weeks.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adoptsim.runs.runner import build_org, simulate
from adoptsim.scenario import load_scenario, with_overrides

HERE = Path(__file__).parent
TRUTH = {"behavior.w_social": 0.3, "behavior.external_awareness": 0.03, "tool.value": 1.3}

if __name__ == "__main__":
    spec = load_scenario(HERE.parent / "pilot_calibration.yaml")
    truth = with_overrides(spec, TRUTH)
    org = build_org(spec, spec.seed)
    curves = simulate(truth, spec.seed, [1_000_000], org)["curves"]
    weeks = curves[(curves["week"] >= 1) & (curves["week"] <= 12)]
    out = weeks[["week"]].copy()
    for col in ("ever_tried", "active"):
        out[col] = np.rint(weeks[f"{col}_share"] * org.n).astype(int)
    out.to_csv(HERE / "pilot_weeks.csv", index=False)
    print(out.to_string(index=False))
