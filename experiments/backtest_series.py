"""Rolling-origin backtests of every shipped real series against the curve models.

For each series (scenarios/<name>.yaml with scenarios/data/<name>.csv), ``adoptsim
backtest`` over its origins and seeds 1..5 with the default fit set; the tables of
docs/calibration.md come from the ``summary.json`` files this writes under
results/backtest/<series>[-<variant>]/. ``--variants`` also runs the Korean series with
the fit sets of before this issue's changes, to show what each change did:

* ``before``: the Korean scenario's old fit set (outside awareness, intercept, w_social,
  flat priors) with the old ABC budget (200 particles, 6 generations);
* ``no-plateau``: the default fit set without the market potential (everyone in the market);
* ``flat-priors``: the default fit set with flat priors over the same ranges;
* ``both-channels``: the default fit set and ``behavior.w_social`` (0-1) as well: both
  word-of-mouth channels fitted;
* ``weeks-4``: the default fit set with four model weeks per year (``--period-weeks 4``).

    python experiments/backtest_series.py [--series NAME,...] [--seeds 5] [--runs 100]
        [--variants before,no-plateau,flat-priors,both-channels,weeks-4]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from adoptsim.calibration.backtest import backtest
from adoptsim.calibration.backtest_files import save_backtest
from adoptsim.calibration.defaults import default_fit
from adoptsim.runs.runner import build_org
from adoptsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "backtest"
README_CHART = ROOT / "results" / "readme" / "backtest.png"
#: each series' origins: every period from the third observation on, thinned on long series
ORIGINS = {
    "korean_family_planning": "3:8",
    "us_colour_tv": "4:16:4",
    "us_household_computers": "10,14,17,20,24",
}
OLD_FIT = [
    "behavior.external_awareness=0.005:1:log",
    "behavior.intercept=-3:6",
    "behavior.w_social=0:1",
]


def variant_fit(name: str, variant: str) -> tuple[list[str] | None, dict]:
    """The fit texts and calibration options of a variant (None: the default set)."""
    if variant == "default":
        return None, {}
    if variant == "before":
        return OLD_FIT, {"population": 200, "generations": 6}
    spec = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    params = default_fit(build_org(spec, spec.seed))
    if variant == "no-plateau":
        return [p.text() for p in params if p.path != "tool.market_potential"], {}
    if variant == "flat-priors":
        return [p.text().split(":normal")[0] for p in params], {}
    if variant == "both-channels":
        return [*(p.text() for p in params), "behavior.w_social=0:1"], {}
    if variant == "weeks-4":
        return None, {"period_weeks": 4}
    raise ValueError(variant)


def run(name: str, variant: str, seeds: int, runs: int) -> dict:
    """One backtest, written to results/backtest/NAME[-VARIANT]/; its summary."""
    fit, options = variant_fit(name, variant)
    folder = OUT / (name if variant == "default" else f"{name}-{variant}")
    t0 = time.perf_counter()
    spec = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    spec = spec.with_changes(weeks=spec.weeks * options.get("period_weeks", 1))
    bt = backtest(spec,
                  ROOT / "scenarios" / "data" / f"{name}.csv", ORIGINS[name],
                  seeds=range(1, seeds + 1), fit=fit, runs=runs, **options)  # fmt: skip
    seconds = time.perf_counter() - t0
    save_backtest(bt, folder, overwrite=True, title=f"Backtest: {name} ({variant})")
    summary = json.loads((folder / "summary.json").read_text())
    summary["wall_seconds"] = round(seconds, 1)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    overall = bt.overall()
    print(f"== {name} [{variant}] {seconds:.0f} s")
    print((100 * overall).round(1).to_string())
    print((100 * bt.by_origin()).round(1).to_string(), flush=True)
    return summary


def main() -> None:
    """Run the backtests asked for."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--series", default=",".join(ORIGINS))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--variants", default="", help="comma list, e.g. before,no-plateau")
    args = ap.parse_args()
    for name in [s for s in args.series.split(",") if s]:
        run(name, "default", args.seeds, args.runs)
    if (OUT / "korean_family_planning" / "backtest.png").is_file():
        shutil.copy(OUT / "korean_family_planning" / "backtest.png", README_CHART)
    for variant in [v for v in args.variants.split(",") if v]:
        run("korean_family_planning", variant, args.seeds, args.runs)


if __name__ == "__main__":
    main()
