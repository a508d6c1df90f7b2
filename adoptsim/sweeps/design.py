"""Designs: the points of an experiment, from a full grid or sampled in the unit cube.

Sampled designs draw coordinates in [0, 1]^D (random, Latin hypercube, or SALib's Sobol
and Morris samplers) and map each to a parameter value through the inverse CDF of its
distribution; everything is deterministic in the experiment's seed.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.errors import ExperimentError, ScenarioError
from adoptsim.scenario import apply_overrides, validate_scenario
from adoptsim.sweeps.experiment import DESIGNS, Experiment, Parameter

#: quantile range kept for an untruncated normal, so that edge samples (Morris levels 0
#: and 1) stay finite: +-3.09 sd
NORMAL_QUANTILES = (0.001, 0.999)


@dataclass
class Design:
    """The points of an experiment: unit-cube coordinates and parameter values."""

    names: list[str]
    unit: np.ndarray  # (points, parameters) in [0, 1]; grid: NaN
    values: list[dict[str, Any]]  # per point: column name -> value
    paths: dict[str, str]  # column name -> scenario path

    def __len__(self) -> int:
        return len(self.values)

    def overrides(self, point: int) -> dict[str, Any]:
        """Path -> value of one point."""
        return {self.paths[n]: v for n, v in self.values[point].items()}

    def table(self) -> pd.DataFrame:
        """One row per point: ``point``, ``u:<name>`` coordinates, parameter values."""
        df = pd.DataFrame({"point": np.arange(len(self), dtype=np.int64)})
        for j, n in enumerate(self.names):
            df[f"u:{n}"] = self.unit[:, j] if len(self) else []
        for n in self.names:
            df[n] = _column([v[n] for v in self.values])
        return df


def _column(values: list[Any]) -> pd.Series:
    """Values of one parameter as a column of one type (text when types are mixed)."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int, np.int64} and None not in values:
        return pd.Series(values, dtype=np.int64)
    if kinds <= {int, float, np.int64, np.float64}:
        return pd.Series([np.nan if v is None else v for v in values], dtype=float)
    if kinds <= {bool, np.bool_} and None not in values:
        return pd.Series(values, dtype=bool)
    if kinds <= {str}:
        return pd.Series(values, dtype=object)
    return pd.Series([json.dumps(v, default=str) for v in values], dtype=object)


def _clean(v: Any) -> Any:
    """Plain Python scalars (numpy ones become int/float/bool)."""
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


#: the most points a design may have (each point is at least one run)
MAX_POINTS = 1_000_000


def _too_many(count: float, what: str, fix: str) -> ExperimentError:
    return ExperimentError(
        f"{what} makes {count:,.0f} points, more than the {MAX_POINTS:,} a sweep may have; {fix}"
    )


def grid_values(p: Parameter) -> list[Any]:
    """The values a grid takes for ``p``."""
    if p.values is not None:
        vals = [_clean(v) for v in p.values]
    else:
        lo, hi = float(p.low), float(p.high)
        if p.step is not None:
            n = math.floor((hi - lo) / p.step + 1e-9)
            if n + 1 > MAX_POINTS:
                raise _too_many(n + 1, f"parameter {p.path}: step {p.step:g}", "take a larger step")
            arr = lo + p.step * np.arange(n + 1)
        elif p.distribution == "loguniform":
            arr = np.geomspace(lo, hi, p.num)
        else:
            arr = np.linspace(lo, hi, p.num)
        arr = np.round(arr, 12)
        vals = [float(v) for v in arr]
        if p.integer:
            vals = sorted({round(v) for v in vals})
    return _unify(vals, p)


def _unify(vals: list[Any], p: Parameter) -> list[Any]:
    if p.integer:
        return [
            round(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in vals
        ]
    numeric = [v for v in vals if isinstance(v, int | float) and not isinstance(v, bool)]
    if numeric and any(isinstance(v, float) for v in numeric):
        return [float(v) if v in numeric else v for v in vals]
    return vals


def from_unit(p: Parameter, u: np.ndarray) -> list[Any]:
    """Map unit-cube coordinates ``u`` to values of ``p`` (inverse CDF of its distribution)."""
    from scipy import stats

    u = np.asarray(u, dtype=float)
    if p.values is not None:
        k = len(p.values)
        idx = np.minimum((u * k).astype(int), k - 1)
        return _unify([_clean(p.values[i]) for i in idx], p)
    if p.distribution == "normal":
        lo = -np.inf if p.low is None else p.low
        hi = np.inf if p.high is None else p.high
        a, b = (lo - p.mean) / p.sd, (hi - p.mean) / p.sd
        q = np.clip(u, *NORMAL_QUANTILES) if np.isinf(a) or np.isinf(b) else u
        x = stats.truncnorm(a, b, loc=p.mean, scale=p.sd).ppf(q)
        if p.integer:
            return [int(v) for v in np.round(x)]
        return [float(v) for v in x]
    lo, hi = float(p.low), float(p.high)
    if p.integer and p.distribution == "uniform":
        # every whole number in [low, high] equally likely
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        x = np.minimum(lo_i + np.floor(u * (hi_i - lo_i + 1)), hi_i)
        return [int(v) for v in x]
    if p.distribution == "loguniform":
        x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    else:
        x = lo + u * (hi - lo)
    x = np.clip(x, lo, hi)
    if p.integer:
        return [int(v) for v in np.round(x)]
    return [float(v) for v in x]


def salib_problem(names: Sequence[str]) -> dict[str, Any]:
    """The SALib problem over the unit cube (values are mapped by :func:`from_unit`)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def unit_sample(
    design: str,
    dims: int,
    samples: int,
    rng: np.random.Generator,
    *,
    second_order: bool = False,
    levels: int = 4,
) -> np.ndarray:
    """Points of a sampled design in the unit cube [0, 1]^dims."""
    if design == "random":
        return rng.random((samples, dims))
    if design == "latin_hypercube":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=dims, rng=rng).random(samples)
    names = [f"x{i}" for i in range(dims)]
    if design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(salib_problem(names), samples, calc_second_order=second_order, seed=rng)
    if design == "morris":
        from SALib.sample import morris

        return morris.sample(salib_problem(names), samples, num_levels=levels, seed=rng)
    raise ValueError(f"unknown design {design!r}; known: {', '.join(DESIGNS)}")


def make_design(exp: Experiment) -> Design:
    """The experiment's points (deterministic in its seed)."""
    try:
        return _make_design(exp)
    except ExperimentError as exc:
        exc.source = exc.source or (str(exp.source) if exp.source else None)
        raise


def _make_design(exp: Experiment) -> Design:
    params = exp.parameters
    names = exp.names
    paths = {p.name: p.path for p in params}
    if exp.design == "grid":
        axes = [grid_values(p) for p in params]
        count = math.prod(len(a) for a in axes)
        if count > MAX_POINTS:
            raise _too_many(count, "the grid", "give fewer values per parameter")
        combos = list(itertools.product(*axes))
        values = [dict(zip(names, c, strict=True)) for c in combos]
        unit = np.full((len(values), len(params)), np.nan)
        return Design(names, unit, values, paths)
    d, n = len(params), int(exp.samples)
    count = {"sobol": n * (2 * d + 2 if exp.second_order else d + 2), "morris": n * (d + 1)}
    if count.get(exp.design, n) > MAX_POINTS:
        raise _too_many(count.get(exp.design, n), f"design {exp.design}", "lower `samples`")
    rng = rngmod.stream(exp.seed, rngmod.SHARED, f"design:{exp.design}")
    unit = unit_sample(
        exp.design,
        len(params),
        int(exp.samples),
        rng,
        second_order=exp.second_order,
        levels=exp.levels,
    )
    cols = [from_unit(p, unit[:, j]) for j, p in enumerate(params)]
    values = [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]
    return Design(names, unit, values, paths)


def check_points(exp: Experiment, design: Design, limit: int = 50) -> None:
    """Raise an ExperimentError when none of the first ``limit`` points makes a valid
    scenario (a mistake in ``fixed`` or in every value); single failing points are only
    recorded as error rows when the sweep runs."""
    data = exp.base_data()
    first: ScenarioError | None = None
    for point in range(min(limit, len(design))):
        try:
            validate_scenario(apply_overrides(data, design.overrides(point)))
            return
        except ScenarioError as exc:
            first = first or exc
    if first is not None:
        raise ExperimentError(
            f"no point makes a valid scenario (checked {min(limit, len(design))}); "
            f"point 0 with {design.overrides(0)}: {first.message}",
            source=str(exp.source) if exp.source else None,
        )


def point_seed(exp: Experiment, point: int) -> int:
    """The root seed of a point: the experiment's (common random numbers) or its own."""
    if exp.common_random_numbers:
        return int(exp.seed)
    ss = rngmod.seed_sequence(exp.seed, point, "sweep-point")
    return int(ss.generate_state(1, np.uint32)[0])
