"""Why the assimilated forecast's 90 % band on the synthetic twin is too wide (and why a
few seeds miss): per seed, where the truth sits in the forecast ensemble week by week,
the band's width, the filter's ESS and ancestors, and a decomposition of the spread.

    python benchmarks/assimilation_diagnose.py --first-seed 41 --seeds 20 \
        --cache /tmp/twc --out diag.json

Each seed reuses benchmarks/assimilation.py's twin (and its cached calibration: run that
first with the same ``--cache``). The spread of the forecast is split by forecasting the
same filter's particles several ways:

- ``default``: the forecast as shipped (500 runs drawn by weight);
- ``no_parameter_spread``: every particle's parameters set to the weighted median (what
  is left is the spread of traits and of the future's own chance);
- ``one_particle``: 500 copies of the particle with the largest weight on new streams
  (the future's own chance alone; ``one_particle_new_traits``: those copies also draw the
  traits of those who have not tried again; ``default_new_traits`` likewise for the
  filter's forecast);
- ``oracle``: the truth's own state at week 12, 500 copies on new streams (the future's
  own chance given everything); ``oracle_new_traits`` / ``_unaware``: with the traits of
  those who had not tried / not heard of the tool drawn again from the prior.

Scalar per run: the week the share using the tool first reaches half the truth's week-52
share (``t_half``), and the share at weeks 20, 26, 33 and 40.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from assimilation import TRUTH, write_twin  # benchmarks/ is the script's folder

from adoptsim.calibration.abc import weighted_quantile
from adoptsim.calibration.assimilate import (
    RENEW_CHOICES,
    RENEW_TRAITS,
    assimilate,
)
from adoptsim.calibration.resampling import copies, fresh_traits, systematic
from adoptsim.model.engine import CURVE_COLUMNS, Simulation
from adoptsim.rng import SHARED, stream
from adoptsim.scenario import load_scenario

USING = CURVE_COLUMNS.index("using_share")
WEEKS = list(range(13, 53))
CHECK = (20, 26, 33, 40)


def forecast_matrix(filt, weights, label: str, runs: int = 500, renew: bool = False):
    """(53, runs) share using the tool: ``runs`` drawn by ``weights`` from the filter's
    state, copies on new streams (and with ``renew`` new traits for those who have not
    tried), continued to week 52."""
    state = filt.state
    idx = systematic(weights, runs, stream(state.seed, SHARED, label))
    taken = copies(state, idx, label)
    if renew:
        taken = fresh_traits(taken, idx, label, filt.scenario, filt.org)
    sim = Simulation.resume(filt.scenario.with_changes(weeks=52), filt.org, taken)
    sim.run()
    return sim.curves[:, :, USING]


def oracle(scenario: Path, org, seed: int, runs: int) -> dict[str, np.ndarray]:
    """The truth's own state at week 12 continued ``runs`` times on new streams (the
    future's own chance given everything), and with the traits of those who had not tried
    drawn again (what a filter that knew the parameters and the adopters could hope for;
    ``_unaware``: only of those who had not heard of it)."""
    spec = load_scenario(scenario).with_changes(weeks=52)
    values = {k: np.array([v]) for k, v in TRUTH.items()}
    sim = Simulation(spec, org, seed, [0], values=values, streams_of=["truth"])
    sim.run(until=12)
    state = sim.state(events=False)
    idx = np.zeros(runs, dtype=int)
    out = {}
    for name, renew in (
        ("oracle", None),
        ("oracle_new_traits", "untried"),
        ("oracle_new_traits_unaware", "unaware"),
    ):
        taken = copies(state, idx, "oracle")
        if renew is not None:
            taken = fresh_traits(taken, idx, "oracle", spec, org, renew)
        again = Simulation.resume(spec, org, taken)
        again.run()
        out[name] = again.curves[:, :, USING]
    return out


def t_half(m: np.ndarray, level: float) -> np.ndarray:
    """Per run, the first week the share reaches ``level`` (53: never by week 52)."""
    reached = m >= level
    return np.where(reached.any(axis=0), reached.argmax(axis=0), 53)


def describe(m: np.ndarray, truth: np.ndarray) -> dict:
    """The band's coverage and width, the truth's PIT by week, t_half's spread."""
    lo, hi = np.quantile(m[WEEKS], [0.05, 0.95], axis=1)
    true = truth[WEEKS]
    below = (m[WEEKS] < true[:, None]).mean(axis=1)
    ties = (m[WEEKS] == true[:, None]).mean(axis=1)
    th = t_half(m, 0.5 * truth[52])
    return {
        "coverage": float(np.mean((true >= lo - 1e-12) & (true <= hi + 1e-12))),
        "width_mean": float(np.mean(hi - lo)),
        "width": {w: float(hi[w - 13] - lo[w - 13]) for w in CHECK},
        "pit": [float(x) for x in below + 0.5 * ties],
        "mae": float(np.mean(np.abs(np.median(m[WEEKS], axis=1) - true))),
        "t_half": [float(x) for x in np.quantile(th, [0.05, 0.5, 0.95])],
        "t_half_sd": float(np.std(th)),
        "sd": {w: float(np.std(m[w])) for w in CHECK},
    }


def diagnose(seed: int, particles: int, employees: int, cache: Path, **options) -> dict:
    folder = cache / f"seed{seed}-{employees}"
    folder.mkdir(parents=True, exist_ok=True)
    scenario, observed, truth_curves = write_twin(folder, seed, employees)
    calibrated = folder / "fit" / "calibrated.yaml"
    if not calibrated.is_file():
        raise SystemExit(f"no calibration cached in {folder}: run benchmarks/assimilation.py")
    truth = truth_curves[:, USING]
    filt = assimilate(calibrated, observed, particles=particles, seed=seed, snapshot=0, **options)
    w = filt.weights
    out = {"seed": seed, "truth": {w_: float(truth[w_]) for w_ in (12, *CHECK, 52)}}
    out["truth_t_half"] = int(t_half(truth[:, None], 0.5 * truth[52])[0])
    out["ess"] = [float(x) for x in filt.table["ess"]]
    out["ancestors"] = [int(x) for x in filt.table["ancestors"]]
    out["resampled"] = [bool(x) for x in filt.table["resampled"]]
    prior = pd.read_csv(folder / "fit" / "posterior.csv")
    params = {}
    for path, v in filt.state.values.items():
        q = [weighted_quantile(v, w, p) for p in (0.05, 0.5, 0.95)]
        cal = [weighted_quantile(prior[path].to_numpy(), prior["weight"].to_numpy(), p)
               for p in (0.05, 0.5, 0.95)]  # fmt: skip
        params[path] = {"filter": q, "calibration": cal}
    out["parameters"] = params
    medians = {k: np.full(filt.particles, weighted_quantile(v, w, 0.5))
               for k, v in filt.state.values.items()}  # fmt: skip
    flat = replace(filt, state=filt.state.with_values(medians))
    best = np.zeros(filt.particles)
    best[int(np.argmax(w))] = 1.0
    variants = {
        "default": forecast_matrix(filt, w, "diag"),
        "no_parameter_spread": forecast_matrix(flat, w, "diag"),
        "one_particle": forecast_matrix(filt, best, "diag1"),
        "one_particle_new_traits": forecast_matrix(filt, best, "diag1", renew=True),
        "default_new_traits": forecast_matrix(filt, w, "diag", renew=True),
    }
    variants |= oracle(scenario, filt.org, seed, particles)
    out["variants"] = {k: describe(m, truth) for k, m in variants.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=41)
    ap.add_argument("--particles", type=int, default=500)
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--power", type=float, default=None)
    ap.add_argument("--renew-traits", choices=RENEW_CHOICES, default=RENEW_TRAITS)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "twc")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        row = diagnose(seed, args.particles, args.employees, args.cache, power=args.power,
                       renew_traits=args.renew_traits)  # fmt: skip
        rows.append(row)
        v = row["variants"]
        print(
            f"seed {seed}: truth t_half {row['truth_t_half']}, ancestors {row['ancestors'][-1]}"
            f", ess12 {row['ess'][-1]:.0f}; "
            + "; ".join(
                f"{k} cov {d['coverage']:.2f} w {d['width_mean']:.3f} "
                f"t_half {d['t_half'][0]:.0f}-{d['t_half'][2]:.0f}"
                for k, d in v.items()
            ),
            flush=True,
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")
    main()
