"""Judge forecasts as forecasters do: rolling-origin backtests against the curve models.

For each origin ``t`` and seed, adoptsim is calibrated on the observed periods up to ``t``
(the default fit set unless ``fit`` is given) and forecasts the rest, each replicate with
its parameters drawn from the posterior; the curve models of
:mod:`adoptsim.calibration.curves` are fitted on the same periods. Every forecast is scored
on the held-out periods (Gneiting & Raftery 2007, JASA 102:359, for the scores):

* ``mae``: mean absolute error of the median (of the point forecast for a curve);
* ``crps``: the continuous ranked probability score of the ensemble (``scoringrules``),
  equal to the absolute error for a point forecast;
* ``coverage_50``, ``coverage_90``: the share of held-out points inside the central 50 %
  and 90 % bands (none for a point forecast);
* ``interval_score``: the interval score of the 90 % band.

All scores are in shares (0..1), means over the held-out periods of a row.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.calibration.assimilate import assimilate
from adoptsim.calibration.curves import CURVES, fit_curve
from adoptsim.calibration.fit import (
    calibrate,
    check_period_weeks,
    department_sizes,
)
from adoptsim.calibration.observed import Observed, read_observed
from adoptsim.calibration.persons import PersonObserved, person_form, read_persons
from adoptsim.calibration.spec import FitParameter
from adoptsim.errors import InputError
from adoptsim.execute import SequentialEvaluator, as_evaluator
from adoptsim.execute.simulations import build_org
from adoptsim.runs.runner import run as run_ensemble
from adoptsim.scenario import Scenario, load_scenario
from adoptsim.scenario.sections import CalibrationRef

#: the assimilated forecast's method: calibrated as adoptsim is, then a particle filter
#: over the per-person weeks up to the origin (:mod:`adoptsim.calibration.assimilate`)
ASSIMILATED = "assimilated"

#: the methods of a backtest, adoptsim first; ``assimilated`` where per-person data exist
METHODS = ("adoptsim", ASSIMILATED, *CURVES)
#: the methods of an ensemble forecast (the rest are curves, point forecasts)
ENSEMBLES = ("adoptsim", ASSIMILATED)
#: the scores of a row
SCORES = ("mae", "crps", "coverage_50", "coverage_90", "interval_score")
#: the fewest observed periods before the first origin
MIN_FIT_PERIODS = 3
#: the bands' quantiles
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class Backtest:
    """The scores (``table``: one row per method, origin and seed) and the forecasts
    (``forecasts``: one row per method, origin, seed and held-out period)."""

    table: pd.DataFrame
    forecasts: pd.DataFrame
    series: str
    observed: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def overall(self) -> pd.DataFrame:
        """Each method's mean scores over origins and seeds, best MAE first."""
        g = self.table.groupby("method", sort=False)[list(SCORES)].mean()
        return g.sort_values("mae")

    def by_origin(self) -> pd.DataFrame:
        """Each method's mean MAE per origin (methods as columns)."""
        return self.table.pivot_table(index="origin", columns="method", values="mae").reindex(
            columns=[m for m in METHODS if m in set(self.table["method"])]
        )


def parse_origins(text: str, flag: str = "--origins") -> list[int]:
    """``A:B`` (the periods A..B), ``A:B:S`` (every S-th), ``A`` or a list ``a,b,c``."""
    text = str(text).strip()
    try:
        if "," in text:
            nums = sorted({int(p) for p in text.split(",")})
            ok = bool(nums) and nums[0] >= 1
        else:
            parts = [int(p) for p in text.split(":")]
            a, b, step = parts[0], parts[min(1, len(parts) - 1)], [*parts, 1, 1][2]
            nums = list(range(a, b + 1, step)) if step >= 1 else []
            ok = len(parts) <= 3 and a >= 1 and a <= b and step >= 1
    except ValueError:
        ok = False
    if not ok:
        raise InputError(
            f"{text!r} is not A:B, A:B:STEP or a list a,b,c of whole periods from 1 (e.g. 3:8)",
            source=flag,
        )
    return nums


def target_series(observed: Observed) -> tuple[str, pd.DataFrame]:
    """The series a backtest scores, its name and its ``period`` and ``value``: the whole
    organization's ever-tried share if observed, else its first whole-organization series."""
    t = observed.table[observed.table["department"] == ""]
    if t.empty:
        raise InputError(
            "a backtest needs a series of the whole organization (no department column)",
            source=observed.source,
        )
    series = "ever_tried_share" if "ever_tried_share" in set(t["series"]) else t["series"].iloc[0]
    rows = t[t["series"] == series].sort_values("week")
    table = pd.DataFrame({"period": rows["week"].to_numpy(), "value": rows["value"].to_numpy()})
    return str(series), table


def check_origins(series: pd.DataFrame, origins: Sequence[int], source: str) -> None:
    """Every origin leaves at least MIN_FIT_PERIODS observed periods before it (at the first)
    and one after it (at the last)."""
    periods = series["period"].to_numpy()
    first, last = min(origins), max(origins)
    if first > periods.max() or last >= periods.max():
        raise InputError(
            f"origins {first}:{last} reach past the series: its last period is "
            f"{periods.max()}, and the last origin must leave one after it",
            source="--origins",
        )
    before = int(np.sum(periods <= first))
    if before < MIN_FIT_PERIODS:
        raise InputError(
            f"the series is too short for origin {first}: {before} observed period(s) up to "
            f"it, at least {MIN_FIT_PERIODS} needed (start the origins later)",
            source="--origins",
        )


def score(observed: np.ndarray, ensemble: np.ndarray | None, point: np.ndarray) -> dict:
    """The scores of one forecast of the held-out ``observed`` values: an ensemble
    (runs x periods) or a point forecast alone (``ensemble`` None)."""
    err = np.abs(point - observed)
    if ensemble is None:
        nan = float("nan")
        return {"mae": float(err.mean()), "crps": float(err.mean()), "coverage_50": nan,
                "coverage_90": nan, "interval_score": nan}  # fmt: skip
    import scoringrules as sr  # heavy (compiles its kernels): only a backtest scores

    q = np.quantile(ensemble, QUANTILES, axis=0)
    crps = sr.crps_ensemble(observed, ensemble.T)
    interval = sr.interval_score(observed, q[0], q[4], 0.1)
    return {
        "mae": float(err.mean()),
        "crps": float(np.mean(crps)),
        "coverage_50": float(np.mean((observed >= q[1]) & (observed <= q[3]))),
        "coverage_90": float(np.mean((observed >= q[0]) & (observed <= q[4]))),
        "interval_score": float(np.mean(interval)),
    }


@dataclass(frozen=True)
class OriginTask:
    """One adoptsim forecast of a backtest (picklable: it may run in another process)."""

    scenario: Scenario
    first: Observed
    periods: np.ndarray
    seed: int
    runs: int
    period_weeks: int
    fit: tuple[FitParameter | str, ...] | None
    options: tuple[tuple[str, Any], ...]
    persons: PersonObserved | None = None


def run_origin(task: OriginTask) -> tuple[np.ndarray, dict[str, Any], float, np.ndarray | None]:
    """Calibrate on the task's periods and forecast: the ensemble (runs x ``periods``) of
    the target series, the calibration's summary, the seconds it all took and, with the
    task's per-person weeks, the assimilated forecast's ensemble (else None)."""
    t0 = time.perf_counter()
    fit = list(task.fit) if task.fit else None
    cal = calibrate(task.scenario, task.first, fit, seed=task.seed,
                    period_weeks=task.period_weeks, evaluator=SequentialEvaluator(),
                    **dict(task.options))  # fmt: skip
    weeks = int(task.periods.max()) * task.period_weeks
    spec = cal.calibrated_scenario().with_changes(weeks=weeks)
    result = run_ensemble(spec, runs=task.runs, seed=task.seed, posterior=cal.posterior,
                          workers=1)  # fmt: skip
    series = str(task.first.table["series"].iloc[0])
    wide = result.curves.pivot(index="replicate", columns="week", values=series)
    ens = wide[task.periods * task.period_weeks].to_numpy()
    assimilated = None
    if task.persons is not None:
        filt = assimilate(spec, task.persons, particles=task.runs, seed=task.seed,
                          snapshot=0, posterior=cal.posterior)  # fmt: skip
        wide = filt.forecast(weeks).curves.pivot(index="replicate", columns="week", values=series)
        assimilated = wide[task.periods * task.period_weeks].to_numpy()
    return ens, cal.summary(), time.perf_counter() - t0, assimilated


def backtest(
    scenario: Scenario | str | Path,
    observed: Observed | str | Path,
    origins: Sequence[int] | str,
    *,
    seeds: Sequence[int] = (1, 2, 3, 4, 5),
    fit: list[FitParameter | str] | None = None,
    runs: int = 200,
    period_weeks: int | None = None,
    methods: Sequence[str] | None = None,
    evaluator: Any = None,
    workers: int | None = None,
    through: int | None = None,
    **options: Any,
) -> Backtest:
    """Rolling-origin backtest of ``scenario`` on ``observed`` (a file or an
    :class:`Observed`): for every origin (periods, ``A:B`` text or a list) and seed, adoptsim
    calibrated on the periods up to the origin (``options``: more arguments of
    :func:`adoptsim.calibrate`, e.g. ``population``) against the curve models. The
    origins and seeds run as tasks of ``evaluator`` (:mod:`adoptsim.execute`; None:
    threads of this process, up to ``workers``); the numbers do not depend on it. A
    per-person file (either form; ``through`` for the first-use form) is scored on its
    ever-tried share, and adds the ``assimilated`` method (default ``methods``: all that
    apply)."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    section = scenario.calibration or CalibrationRef()
    k = check_period_weeks(section.period_weeks if period_weeks is None else period_weeks)
    origins = parse_origins(origins) if isinstance(origins, str) else list(origins)
    org = build_org(scenario, scenario.seed)
    observed, persons = _read(observed, org, scenario.weeks // k, through, k)
    methods = _check_methods(methods, persons)
    target, series = target_series(observed)
    check_origins(series, origins, observed.source)
    base = scenario.model_copy(update={"calibration": None})
    base._source = scenario._source
    rows, forecasts, tasks, held = [], [], [], []
    t_all, y_all = series["period"].to_numpy(), series["value"].to_numpy()
    for origin in origins:
        fit_mask = t_all <= origin
        held_t, held_y = t_all[~fit_mask], y_all[~fit_mask]
        table = pd.DataFrame({"week": t_all[fit_mask], "series": target, "department": "",
                              "value": y_all[fit_mask]})  # fmt: skip
        first = Observed(table, observed.source)
        curves = [m for m in methods if m not in ENSEMBLES]
        rows += _curve_rows(curves, origin, seeds, t_all[fit_mask], y_all[fit_mask], held_t,
                            held_y, forecasts)  # fmt: skip
        if "adoptsim" in methods or ASSIMILATED in methods:
            upto = None if ASSIMILATED not in methods else persons.until(origin * k)
            tasks += [OriginTask(base, first, held_t, seed, runs, k, tuple(fit) if fit else None,
                                 tuple(options.items()), upto) for seed in seeds]  # fmt: skip
            held += [(origin, seed, held_y) for seed in seeds]
    if tasks:
        runner = as_evaluator(evaluator, workers)
        with runner.session():
            done = runner.map(run_origin, tasks)
        for (origin, seed, held_y), task, out in zip(held, tasks, done, strict=True):
            rows += _ensemble_rows(methods, origin, seed, task.periods, held_y, out, forecasts)
    return Backtest(
        table=pd.DataFrame(rows),
        forecasts=pd.concat(forecasts, ignore_index=True),
        series=target,
        observed=series,
        settings={
            "origins": origins,
            "seeds": list(seeds),
            "runs": runs,
            "period_weeks": k,
            "fit": [str(f) if isinstance(f, str) else f.text() for f in fit or []] or "default",
            "source": observed.source,
        },
    )


def _read(
    observed: Observed | PersonObserved | str | Path,
    org,
    periods: int,
    through: int | None,
    period_weeks: int,
) -> tuple[Observed, PersonObserved | None]:
    """The observed series (aggregated, for a per-person file) and the per-person weeks."""
    if isinstance(observed, Observed):
        return observed, None
    if period_weeks != 1 and person_form(observed) is not None:
        raise InputError(
            f"per-person observations are weekly: --period-weeks {period_weeks} does not apply",
            source="--period-weeks",
        )
    if isinstance(observed, PersonObserved) or person_form(observed) is not None:
        persons = (
            observed
            if isinstance(observed, PersonObserved)
            else read_persons(observed, org, through, periods)
        )
        return persons.aggregate(org), persons
    return read_observed(observed, org.n, periods, department_sizes(org)), None


def _check_methods(methods: Sequence[str] | None, persons: PersonObserved | None) -> list[str]:
    """The methods asked for (default: every one that applies), checked."""
    if methods is None:
        return [m for m in METHODS if persons is not None or m != ASSIMILATED]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InputError(f"unknown method {unknown[0]!r}; allowed: {', '.join(METHODS)}")
    if ASSIMILATED in methods and persons is None:
        raise InputError(
            f"method {ASSIMILATED} needs per-person observations (employee_id,week,active or "
            "employee_id,first_week); this file is an aggregate series",
            source="--methods",
        )
    return list(methods)


def _ensemble_rows(
    methods: Sequence[str],
    origin: int,
    seed: int,
    periods: np.ndarray,
    held_y: np.ndarray,
    done: tuple,
    forecasts: list[pd.DataFrame],
) -> list[dict]:
    """The score rows of one origin task's ensembles (adoptsim's, the assimilated one's),
    their forecasts appended to ``forecasts``."""
    ens, summary, seconds, assimilated = done
    done_row = {"seconds": seconds, "converged": summary.get("converged", True)}
    rows = []
    for method, e in (("adoptsim", ens), (ASSIMILATED, assimilated)):
        if method not in methods or e is None:
            continue
        s = score(held_y, e, np.median(e, axis=0))
        rows.append({"method": method, "origin": origin, "seed": seed, **s, **done_row})
        forecasts.append(_forecast_rows(method, origin, seed, periods, held_y, e, None))
    return rows


def _curve_rows(
    methods: Sequence[str],
    origin: int,
    seeds: Sequence[int],
    fit_t: np.ndarray,
    fit_y: np.ndarray,
    held_t: np.ndarray,
    held_y: np.ndarray,
    forecasts: list[pd.DataFrame],
) -> list[dict]:
    """The curve models' score rows at one origin (the same for every seed), their
    forecasts appended to ``forecasts``."""
    rows = []
    for method in methods:
        t0 = time.perf_counter()
        curve = fit_curve(method, fit_t, fit_y)
        point = np.full(len(held_t), np.nan) if curve is None else curve(held_t)
        s = score(held_y, None, point) if curve is not None else dict.fromkeys(SCORES, np.nan)
        took = time.perf_counter() - t0
        rows += [{"method": method, "origin": origin, "seed": seed, **s, "seconds": took}
                 for seed in seeds]  # fmt: skip
        forecasts.append(_forecast_rows(method, origin, seeds[0], held_t, held_y, None, point))
    return rows


def _forecast_rows(
    method: str,
    origin: int,
    seed: int,
    periods: np.ndarray,
    observed: np.ndarray,
    ensemble: np.ndarray | None,
    point: np.ndarray | None,
) -> pd.DataFrame:
    out = pd.DataFrame({"method": method, "origin": origin, "seed": seed, "period": periods,
                        "observed": observed})  # fmt: skip
    if ensemble is None:
        out["median"] = point
        for q in QUANTILES:
            out[f"q{round(100 * q):02d}"] = np.nan
        return out
    qs = np.quantile(ensemble, QUANTILES, axis=0)
    out["median"] = qs[2]
    for q, row in zip(QUANTILES, qs, strict=True):
        out[f"q{round(100 * q):02d}"] = row
    return out
