"""Makes rollout_posterior.csv and rollout_weeks.csv for scenarios/rollout.yaml.

The posterior: 400 equally weighted draws of behavior.w_social (0.05 to 0.3) and
tool.value (0.9 to 1.5), uniform: what a short pilot leaves known. The truth: w_social
0.1 and tool.value 1.0 (a slow rollout), replicate 1,000,000 of the scenario's seed on
its organization; rollout_weeks.csv is who used the tool in each of weeks 1 to 12
(employee_id,week,active: the users of each week, as a usage export lists them).

    python scenarios/data/make_rollout_weeks.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim import rng
from adoptsim.decide.truth import Truth
from adoptsim.scenario import load_scenario

HERE = Path(__file__).parent
TRUTH = {"behavior.w_social": 0.1, "tool.value": 1.0}
RANGES = {"behavior.w_social": (0.05, 0.3), "tool.value": (0.9, 1.5)}

if __name__ == "__main__":
    g = rng.stream(2026, rng.SHARED, "rollout-posterior")
    post = pd.DataFrame({p: g.uniform(lo, hi, 400) for p, (lo, hi) in RANGES.items()})
    post["weight"] = 1.0
    post.to_csv(HERE / "rollout_posterior.csv", index=False)
    spec = load_scenario(HERE.parent / "rollout.yaml")
    truth = Truth(spec, TRUTH, spec.seed, replicate=1_000_000)
    truth.advance(12)
    truth.write_activity(HERE / "rollout_weeks.csv")
    print(np.mean(truth.used[-1]), len(truth.activity()))
