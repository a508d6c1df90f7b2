"""Assimilation benchmarks (run by hand): the synthetic twin, the filter's cost, scale.

    python benchmarks/assimilation.py twin --seeds 20 --first-seed 41   # the twin's table
    python benchmarks/assimilation.py twin --form first_use --renew-traits untried --power 0.3
    python benchmarks/assimilation.py cost                  # 12 weeks x 500 particles x 1,000
    python benchmarks/assimilation.py scale                 # 100,000 employees: memory, time

The twin: a truth made by the model at non-default parameters (a 1,000-person version of
scenarios/pilot_calibration.yaml) is observed per person in weeks 1-12; the scenario is
calibrated on those weeks (ABC-SMC, per-person form), then weeks 13-52 are forecast (a)
from the calibration alone (every run re-lives the pilot from week 1) and (b) from the
assimilated state. Scores: MAE of the median forecast against the truth's weekly share
using the tool, and how many of the true weeks the 90 % band covers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from adoptsim.calibration import calibrate, save_calibration
from adoptsim.calibration.assimilate import (
    DISCOUNT,
    MOVES,
    RENEW_CHOICES,
    RENEW_TRAITS,
    SNAPSHOT,
    assimilate,
    check_particles,
    filter_estimate,
    snapshot_size,
)
from adoptsim.errors import InputError
from adoptsim.execute.budget import format_size
from adoptsim.model.engine import Simulation
from adoptsim.runs.runner import build_org, run
from adoptsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
#: the truth's parameters (the pilot scenario's defaults: w_social 0.3, external
#: awareness 0.01, tool value 1.2)
TRUTH = {"behavior.w_social": 0.45, "behavior.external_awareness": 0.02, "tool.value": 1.4}
SERIES = ("using_share", "ever_tried_share", "active_share")


def write_twin(folder: Path, seed: int, employees: int) -> tuple[Path, Path, np.ndarray]:
    """The twin's scenario, its per-person weeks 1-12 (``activity.csv``) and its curves."""
    base = ROOT / "scenarios" / "pilot_calibration.yaml"
    scenario = folder / "twin.yaml"
    scenario.write_text(
        f"extends: {base}\nname: twin\nseed: {seed}\n"
        f"organization:\n  generate:\n    employees: {employees}\n"
        "calibration:\n  population: 100\n  generations: 4\n"
    )
    spec = load_scenario(scenario)
    org = build_org(spec, seed)
    values = {k: np.array([v]) for k, v in TRUTH.items()}
    sim = Simulation(spec, org, seed, [0], values=values, streams_of=["truth"])
    observed = folder / "activity.csv"
    first = np.zeros(org.n, dtype=int)  # week of first use, 0: not by week 12
    with open(observed, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["employee_id", "week", "active"])
        while sim.week < 12:
            sim.step()
            out.writerows((org.ids[i], sim.week, 1) for i in np.flatnonzero(sim.used[0]))
            first[(first == 0) & sim.used[0]] = sim.week
    with open(folder / "first_use.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["employee_id", "first_week"])
        out.writerows((org.ids[i], first[i] or "") for i in range(org.n))
    sim.run()
    return scenario, observed, sim.curves[:, 0]


def scores(curves, truth: np.ndarray, weeks: range) -> dict[str, float]:
    """MAE of the median, the 90 % band's coverage of the true weeks and its mean width,
    per series."""
    from adoptsim.model.engine import CURVE_COLUMNS

    out = {}
    for name in SERIES:
        g = curves.groupby("week")[name]
        med, lo, hi = (g.quantile(q).loc[list(weeks)].to_numpy() for q in (0.5, 0.05, 0.95))
        true = truth[list(weeks), CURVE_COLUMNS.index(name)]
        out[f"{name}:mae"] = float(np.mean(np.abs(med - true)))
        out[f"{name}:coverage"] = float(np.mean((true >= lo - 1e-12) & (true <= hi + 1e-12)))
        out[f"{name}:width"] = float(np.mean(hi - lo))
    return out


def twin(seed: int, particles: int, employees: int, form: str = "activity", **options) -> dict:
    """One twin experiment: both forecasts' scores (the filter reads the truth's weeks in
    ``form``: ``activity`` or ``first_use``; the calibration always the activity form)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cache = options.pop("cache", None)
        if cache is not None:
            folder = Path(cache) / f"seed{seed}-{employees}"
            folder.mkdir(parents=True, exist_ok=True)
        scenario, observed, truth = write_twin(folder, seed, employees)
        t0 = time.perf_counter()
        if not (folder / "fit" / "calibrated.yaml").is_file():
            cal = calibrate(scenario, observed, seed=seed)
            save_calibration(cal, folder / "fit", draws=20, overwrite=True)
        t1 = time.perf_counter()
        calibrated = folder / "fit" / "calibrated.yaml"
        plain = run(calibrated, runs=particles, seed=seed + 1000)
        t2 = time.perf_counter()
        if form == "first_use":  # the same weeks as first uses (the same calibration)
            observed, options["through"] = observed.with_name("first_use.csv"), 12
        filt = assimilate(calibrated, observed, particles=particles, seed=seed, **options)
        t3 = time.perf_counter()
        forecast = filt.forecast(52)
    weeks = range(13, 53)
    return {
        "seed": seed,
        "calibration_s": t1 - t0,
        "assimilation_s": t3 - t2,
        "unconditioned": scores(plain.curves, truth, weeks),
        "assimilated": scores(forecast.curves, truth, weeks),
        "final_ess": float(filt.table["ess"].iloc[-1]),
        "ancestors": [int(a) for a in filt.table["ancestors"]],
    }


def twin_table(seeds, particles: int, employees: int, **options) -> dict:
    rows = []
    for seed in seeds:
        row = twin(seed, particles, employees, **dict(options))
        rows.append(row)
        u, a = row["unconditioned"], row["assimilated"]
        print(
            f"seed {seed}: using MAE {u['using_share:mae']:.4f} -> {a['using_share:mae']:.4f}, "
            f"coverage {u['using_share:coverage']:.2f} -> {a['using_share:coverage']:.2f}; "
            f"tried MAE {u['ever_tried_share:mae']:.4f} -> {a['ever_tried_share:mae']:.4f}",
            flush=True,
        )
    summary = {}
    for kind in ("unconditioned", "assimilated"):
        for key in rows[0][kind]:
            summary[f"{kind}:{key}"] = float(np.mean([r[kind][key] for r in rows]))
    summary["mae_ratio:using_share"] = (
        summary["assimilated:using_share:mae"] / summary["unconditioned:using_share:mae"]
    )
    return {"rows": rows, "summary": summary}


def cost(particles: int, employees: int, repeats: int = 3, form: str = "activity") -> dict:
    """Seconds to assimilate 12 observed weeks (the best of ``repeats``; wall and CPU, and
    the load average), no posterior; ``form``: ``activity`` or ``first_use``."""
    with tempfile.TemporaryDirectory() as tmp:
        scenario, observed, _ = write_twin(Path(tmp), 1, employees)
        through = None
        if form == "first_use":
            observed, through = observed.with_name("first_use.csv"), 12
        options = {"seed": 1, "snapshot": 0, "through": through}
        assimilate(scenario, observed, particles=20, **options)  # compile first
        times, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            assimilate(scenario, observed, particles=particles, **options)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    best = int(np.argmin(times))
    return {
        "form": form,
        "particles": particles,
        "employees": employees,
        "seconds": times[best],
        "cpu_seconds": cpu[best],
        "load": os.getloadavg()[0],
    }


def scale(employees: int) -> dict:
    """At ``employees``: each particle count's estimate, refused or run (the largest that
    fits, up to 50, is run once)."""
    out = {"employees": employees, "estimates": {}}
    for particles in (500, 200, 50):
        kept = snapshot_size(SNAPSHOT, particles, employees, 12)  # as `forecast` keeps
        est = filter_estimate(particles, employees, 12, kept, MOVES)
        row = {"memory": format_size(est.memory), "seconds_estimated": round(est.seconds, 1)}
        row["snapshot_particles"] = kept
        try:
            check_particles(particles, employees, 12, None, kept, MOVES)
            row["fits"] = True
        except InputError as exc:
            row["fits"], row["refusal"] = False, exc.message
        out["estimates"][particles] = row
    out["run"] = cost(50, employees, repeats=1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("what", choices=("twin", "cost", "scale"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--particles", type=int, default=500)
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--temper", type=float)
    ap.add_argument("--power", type=float, default=None, help="default: the filter's (power_for)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--cache", type=Path, help="keep each seed's calibration here")
    ap.add_argument(
        "--keep-traits", action="store_true", help="copies keep their traits (--renew-traits none)"
    )
    ap.add_argument("--renew-traits", choices=RENEW_CHOICES, default=RENEW_TRAITS)
    ap.add_argument("--form", choices=("activity", "first_use"), default="activity")
    ap.add_argument("--discount", type=float, default=DISCOUNT, help="Liu & West's delta")
    ap.add_argument("--moves", type=int, default=MOVES, help="move sweeps after the last week")
    args = ap.parse_args()
    if args.what == "twin":
        out = twin_table(
            range(args.first_seed, args.first_seed + args.seeds), args.particles,
            args.employees, temper=args.temper, power=args.power, cache=args.cache,
            renew_traits="none" if args.keep_traits else args.renew_traits,
            discount=args.discount, form=args.form, moves=args.moves,
        )  # fmt: skip
        print(json.dumps(out["summary"], indent=2))
    elif args.what == "cost":
        out = [cost(args.particles, args.employees, form=f) for f in ("activity", "first_use")]
        print(json.dumps(out, indent=2))
    else:
        out = scale(100_000 if args.employees == 1000 else args.employees)
        print(json.dumps(out, indent=2))
    if args.out:
        args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")
    main()
