"""The synthetic twin: a rollout made by the model itself at non-default parameters,
observed per person, so that forecasts can be scored against a known truth.

Writes ``scenarios/twin.yaml`` (a 1,000-person version of
``scenarios/pilot_calibration.yaml``: the scenario a strategist would calibrate) and
``scenarios/data/twin_activity.csv`` (weekly activity ``employee_id,week,active`` of weeks
1-26 of the truth: w_social 0.45, external awareness 0.02, tool value 1.4, where the
scenario says 0.3, 0.01 and 1.2), and prints the truth's weekly shares. The backtest of
docs/calibration.md::

    python experiments/make_twin.py
    adoptsim backtest scenarios/twin.yaml --observed scenarios/data/twin_activity.csv \\
        --origins 8:20:4 --seeds 3 --runs 200 --fit behavior.w_social=0:0.6 \\
        --fit behavior.external_awareness=0.001:0.1:log --fit tool.value=0.8:1.6
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from adoptsim.model.engine import CURVE_COLUMNS, Simulation
from adoptsim.runs.runner import build_org
from adoptsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
#: the truth's parameters (the scenario's: w_social 0.3, external awareness 0.01, value 1.2)
TRUTH = {"behavior.w_social": 0.45, "behavior.external_awareness": 0.02, "tool.value": 1.4}
SCENARIO = """\
# The synthetic twin (made by experiments/make_twin.py): the pilot scenario on 1,000
# people; its observed weeks (scenarios/data/twin_activity.csv, per person) were made by
# the model at w_social 0.45, external awareness 0.02 and tool value 1.4, unknown to it.
extends: pilot_calibration.yaml
name: twin
seed: {seed}
organization:
  generate:
    employees: {employees}
calibration:
  observed: data/twin_activity.csv
  population: 100
  generations: 4
"""


def make(seed: int, employees: int, weeks: int, folder: Path) -> np.ndarray:
    """Write the twin's scenario and observations into ``folder``; the truth's curves."""
    scenario = folder / "twin.yaml"
    scenario.write_text(SCENARIO.format(seed=seed, employees=employees))
    spec = load_scenario(scenario)
    org = build_org(spec, seed)
    values = {k: np.array([v]) for k, v in TRUTH.items()}
    sim = Simulation(spec, org, seed, [0], values=values, streams_of=["truth"])
    (folder / "data").mkdir(exist_ok=True)
    with open(folder / "data" / "twin_activity.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["employee_id", "week", "active"])
        while sim.week < weeks:
            sim.step()
            out.writerows((org.ids[i], sim.week, 1) for i in np.flatnonzero(sim.used[0]))
    sim.run()
    return sim.curves[:, 0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--weeks", type=int, default=26, help="observed weeks")
    ap.add_argument("--folder", type=Path, default=ROOT / "scenarios")
    args = ap.parse_args()
    curves = make(args.seed, args.employees, args.weeks, args.folder)
    for name in ("using_share", "ever_tried_share"):
        row = curves[:, CURVE_COLUMNS.index(name)]
        print(name, " ".join(f"{100 * v:.1f}" for v in row[: args.weeks + 1]))


if __name__ == "__main__":
    main()
