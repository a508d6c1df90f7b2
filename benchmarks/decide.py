"""The speed of the decisions: one replan and one pilot ranking, timed.

    python benchmarks/decide.py               # both (a few minutes)
    python benchmarks/decide.py --replan      # one only
    python benchmarks/decide.py --pilot

* replan: scenarios/rollout.yaml (2,000 employees, 52 weeks) with its 12 observed weeks,
  200 particles, 100 trials (50 particles each), the default levers, budget left 60,000;
* pilot: experiments/pilot_designs.yaml (6 designs x 50 truths, a bank of 300 draws x 3
  plans per design, 2,000 employees).

Writes benchmarks/decide.json (seconds, the machine's processors and load average).
Timed numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_replan() -> dict:
    from adoptsim.decide.replan import replan

    t0 = time.perf_counter()
    rp = replan(ROOT / "scenarios" / "rollout.yaml", ROOT / "scenarios" / "data" /
                "rollout_weeks.csv", 60_000, trials=100, particles=200)  # fmt: skip
    total = time.perf_counter() - t0
    return {"seconds": round(total, 1), "today": rp.today, "changes": rp.changes,
            "gain": rp.gain, "trials": len(rp.trials)}  # fmt: skip


def time_pilot() -> dict:
    from adoptsim.decide import pilot

    t0 = time.perf_counter()
    analysis = pilot(ROOT / "experiments" / "pilot_designs.yaml")
    total = time.perf_counter() - t0
    best = analysis.recommended
    return {"seconds": round(total, 1), "recommended": str(best["design"]),
            "band_narrowing": float(best["band_narrowing"])}  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--replan", action="store_true")
    ap.add_argument("--pilot", action="store_true")
    args = ap.parse_args()
    both = not (args.replan or args.pilot)
    out = {"processors": len(os.sched_getaffinity(0)), "load": os.getloadavg()}
    if args.pilot or both:
        out["pilot"] = time_pilot()
        print("pilot", out["pilot"], flush=True)
    if args.replan or both:
        out["replan"] = time_replan()
        print("replan", out["replan"], flush=True)
    out["load_after"] = os.getloadavg()
    (Path(__file__).with_name("decide.json")).write_text(json.dumps(out, indent=2) + "\n")
