"""The closed-loop experiment of docs/decisions.md: re-plan every 4 weeks against the best
fixed plan chosen before launch, on truths drawn from the posterior.

The rollout is scenarios/rollout.yaml (its posterior, its internal marketing, the default
levers of adoptsim replan) on a 500-employee version of its company over 26 weeks, a
budget of 30,000 for the whole rollout. Both arms start from the plan the posterior
recommends before launch; the adaptive arm re-plans in weeks 4, 8, ..., 24 from the
observed weeks (who used the tool), within the budget left.

    python experiments/closed_loop.py --truths 10 --out results/closed-loop

Writes truths.csv (one row per truth), summary.json (mean gain and its 90 % interval)
and closed_loop.png. ``--menu nothing`` offers one lever that does nothing (internal
marketing reaching no one, at a cost): the fixed plan is then already right, and
re-planning must not make it worse.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from adoptsim.decide.levers import ReplanLevers
from adoptsim.decide.loop import LoopSettings, closed_loop, gain_summary
from adoptsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 30_000
NOTHING = {
    "levers": [
        {"strategy": "internal_marketing", "use": [True, False],
         "fixed": {"reach": 0.0, "cost": {"fixed": 1000}}}
    ]
}  # fmt: skip


def rollout(employees: int, weeks: int):
    spec = load_scenario(ROOT / "scenarios" / "rollout.yaml")
    org = spec.organization.model_dump()
    org["generate"]["employees"] = employees
    return spec.with_changes(weeks=weeks, organization=org)


def chart(table, summary, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    ax.scatter(100 * table["fixed_sustained"], 100 * table["replanned_sustained"], color="#0072B2")
    top = 100 * max(table["fixed_sustained"].max(), table["replanned_sustained"].max()) + 5
    ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1, label="no gain")
    ax.set_xlabel("sustained share, best fixed plan chosen before launch (%)")
    ax.set_ylabel("sustained share, re-planned every 4 weeks (%)")
    ax.set_title(
        f"Closed loop on {summary['truths']} truths: mean gain "
        f"{100 * summary['mean_gain']:+.1f} pp (90 % {100 * summary['low']:+.1f} to "
        f"{100 * summary['high']:+.1f})",
        fontsize=10,
    )
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=150)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--truths", type=int, default=10)
    ap.add_argument("--employees", type=int, default=500)
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "closed-loop")
    ap.add_argument("--menu", choices=["default", "nothing"], default="default")
    ap.add_argument("--same-spend", action="store_true", help="re-plans within its cost")
    args = ap.parse_args()
    settings = LoopSettings(every=4, trials=30, particles=100, runs=30)
    menu = ReplanLevers.model_validate(NOTHING) if args.menu == "nothing" else None
    spec = rollout(args.employees, args.weeks)
    table, fixed = closed_loop(
        spec, BUDGET, args.truths, settings, levers=menu, same_spend=args.same_spend
    )
    summary = gain_summary(table) | {"fixed_plan": fixed.changes, "budget": BUDGET}
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "truths.csv", index=False)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    chart(table, summary, args.out / "closed_loop.png")
    print(table.to_string(index=False))
    print(json.dumps(summary, indent=2))
