"""Each replicate's own parameters for a run: drawn from a calibration's posterior or
uniformly in a range (an optimization's uncertainty), or read as they are from a table.

A replicate's draw is a function of the root seed and the replicate's index alone (its own
random stream), so a run of more replicates repeats the draws of a shorter one in its first
rows and draws more for the rest: ``best.yaml`` of an optimization, run with ``--runs 200``,
repeats the search's 20 replicates and adds 180.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.errors import InputError
from adoptsim.files import number_table, read_text
from adoptsim.scenario import Scenario, locate, with_overrides

#: the stream names of a replicate's draws
POSTERIOR_STREAM, UNCERTAINTY_STREAM = "posterior", "uncertainty"


def replicate_parameters(
    scenario: Scenario, runs: int, seed: int, posterior: str | Path | pd.DataFrame | None
) -> dict[str, np.ndarray] | None:
    """Each replicate's parameters drawn from ``posterior`` or the scenario's own, and in
    the scenario's ``calibration.uncertainty`` ranges; or read from its
    ``calibration.draws``, if any."""
    section = scenario.calibration
    if posterior is None and section is not None and section.draws is not None:
        return replicate_draws(scenario, runs)
    named = section is not None and section.posterior is not None
    out: dict[str, np.ndarray] = {}
    if posterior is not None or named:
        out.update(posterior_draws(scenario, runs, seed, posterior))
    if section is not None and section.uncertainty:
        ranges = {p: (r.low, r.high) for p, r in section.uncertainty.items()}
        out.update(uniform_draws(ranges, runs, seed))
    return out or None


def scenario_file(scenario: Scenario, name: str | Path) -> Path:
    """A file the scenario names, relative to the scenario's folder."""
    path = Path(name)
    if not path.is_absolute() and scenario.source is not None:
        path = Path(scenario.source).parent / path
    return path


def read_numbers(path: str | Path, what: str) -> pd.DataFrame:
    """A CSV of finite numbers (a posterior, draws): through the input layer, with messages
    that name the row and the column's position, never a cell."""
    source = str(path)
    text = read_text(path, source=source)
    try:
        header, rows = number_table(text, source)
    except InputError as exc:
        raise InputError(f"cannot read {what}: {exc.message}", source=source) from None
    return pd.DataFrame(np.array(rows, dtype=float), columns=header)


def replicate_draws(scenario: Scenario, runs: int) -> dict[str, np.ndarray]:
    """The first ``runs`` rows of the CSV the scenario's ``calibration.draws`` names: each
    replicate's own parameter values, as they are."""
    assert scenario.calibration is not None and scenario.calibration.draws is not None
    path = scenario_file(scenario, scenario.calibration.draws)
    table = read_numbers(path, "the replicates' draws")
    check_values(scenario, table, str(path))
    if len(table) < runs:
        raise InputError(
            f"{len(table)} rows of draws for {runs} runs; give at most {len(table)} runs",
            source=str(path),
        )
    return {c: table[c].to_numpy()[:runs] for c in table.columns}


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, np.ndarray]:
    """A posterior CSV as ``adoptsim calibrate`` writes it: the parameters and the weights
    (a ``weight`` column of numbers at least 0, not all 0; ``distance``, if present, at
    least 0 and then dropped)."""
    post = read_numbers(path, "the posterior")
    return _split_weights(post, str(path))


def _split_weights(post: pd.DataFrame, source: str) -> tuple[pd.DataFrame, np.ndarray]:
    if "weight" not in post.columns:
        raise InputError("not a posterior: no `weight` column", source=source)
    weights = post.pop("weight").to_numpy(dtype=float)
    if "distance" in post.columns:
        distance = post.pop("distance").to_numpy(dtype=float)
        wrong = np.flatnonzero(~np.isfinite(distance) | (distance < 0))
        if wrong.size:
            raise InputError(
                f"row {wrong[0] + 2}: a distance must be a number of at least 0", source=source
            )
    if post.empty or len(post.columns) == 0:
        raise InputError("not a posterior: no parameter column or no row", source=source)
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        raise InputError(
            f"row {bad[0] + 2}: a weight must be a number of at least 0", source=source
        )
    if weights.sum() <= 0:
        raise InputError("not a posterior: every weight is 0", source=source)
    values = post.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise InputError("not a posterior: a value is not a finite number", source=source)
    return post, weights / weights.sum()


def posterior_draws(
    scenario: Scenario, runs: int, seed: int, posterior: str | Path | pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Each replicate's fitted parameters, drawn by weight from ``posterior`` (default: the
    one the scenario names in ``calibration.posterior``, relative to the scenario file);
    replicate ``r``'s draw depends on ``seed`` and ``r`` only."""
    if isinstance(posterior, pd.DataFrame):
        post, weights = _split_weights(posterior.copy(), "posterior")
    else:
        if posterior is None:
            assert scenario.calibration is not None and scenario.calibration.posterior
            posterior = scenario_file(scenario, scenario.calibration.posterior)
        post, weights = read_posterior(posterior)
    check_values(scenario, post, str(posterior) if posterior is not None else "posterior")
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    u = np.array([rngmod.stream(seed, r, POSTERIOR_STREAM).random() for r in range(runs)])
    rows = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
    return {col: post[col].to_numpy(dtype=float)[rows] for col in post.columns}


def check_values(scenario: Scenario, table: pd.DataFrame, source: str) -> None:
    """Every value of every row (not only the rows a run draws) is one the scenario allows
    at its path: a posterior or draws from another scenario is refused whole."""
    data = scenario.model_dump()
    for column in table.columns:
        values = table[column].to_numpy(dtype=float)
        try:
            container, key = locate(data, column)
            whole = isinstance(container[key], int) and not isinstance(container[key], bool)
            for end in (values.min(), values.max()):
                with_overrides(scenario, {column: round(end) if whole else float(end)})
        except InputError as exc:
            raise InputError(
                f"a value the scenario does not allow: {exc.message}", source
            ) from None


def uniform_draws(
    ranges: Mapping[str, tuple[float, float]], runs: int, seed: int
) -> dict[str, np.ndarray]:
    """Each replicate's value of each path, uniform in its (low, high) range; replicate
    ``r``'s values depend on ``seed``, ``r`` and the paths only."""
    paths = list(ranges)
    lows = np.array([ranges[p][0] for p in paths], dtype=float)
    highs = np.array([ranges[p][1] for p in paths], dtype=float)
    table = np.array(
        [rngmod.stream(seed, r, UNCERTAINTY_STREAM).uniform(lows, highs) for r in range(runs)]
    ).reshape(runs, len(paths))
    return {p: table[:, j] for j, p in enumerate(paths)}
