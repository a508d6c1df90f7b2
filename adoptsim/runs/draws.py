"""Each replicate's own parameters for a run: drawn from a calibration's posterior, or
read as they are from a table of draws (an optimization's uncertainty)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.errors import InputError
from adoptsim.scenario import Scenario


def replicate_parameters(
    scenario: Scenario, runs: int, seed: int, posterior: str | Path | pd.DataFrame | None
) -> dict[str, np.ndarray] | None:
    """Each replicate's parameters drawn from ``posterior`` or the scenario's own, or
    read from the scenario's ``calibration.draws``, if any."""
    section = scenario.calibration
    if posterior is None and section is not None and section.draws is not None:
        return replicate_draws(scenario, runs)
    named = section is not None and section.posterior is not None
    return (
        posterior_draws(scenario, runs, seed, posterior) if posterior is not None or named else None
    )


def replicate_draws(scenario: Scenario, runs: int) -> dict[str, np.ndarray]:
    """The first ``runs`` rows of the CSV the scenario's ``calibration.draws`` names: each
    replicate's own parameter values, as they are."""
    assert scenario.calibration is not None and scenario.calibration.draws is not None
    path = Path(scenario.calibration.draws)
    if not path.is_absolute() and scenario.source is not None:
        path = Path(scenario.source).parent / path
    try:
        table = pd.read_csv(path)
        values = {c: table[c].to_numpy(dtype=float) for c in table.columns}
        if not values or any(not np.all(np.isfinite(v)) for v in values.values()):
            raise ValueError("a column is empty or holds a value that is not a number")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            f"cannot read the replicates' draws ({type(exc).__name__}: {str(exc)[:200]})",
            source=str(path),
        ) from None
    if len(table) < runs:
        raise InputError(
            f"{len(table)} rows of draws for {runs} runs; give at most {len(table)} runs",
            source=str(path),
        )
    return {c: v[:runs] for c, v in values.items()}


def posterior_draws(
    scenario: Scenario, runs: int, seed: int, posterior: str | Path | pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Each replicate's fitted parameters, drawn by weight from ``posterior`` (default: the
    one the scenario names in ``calibration.posterior``, relative to the scenario file)."""
    if isinstance(posterior, pd.DataFrame):
        post, path = posterior.copy(), Path("posterior")
    else:
        if posterior is None:
            assert scenario.calibration is not None and scenario.calibration.posterior
            posterior = scenario.calibration.posterior
            if not Path(posterior).is_absolute() and scenario.source is not None:
                posterior = Path(scenario.source).parent / posterior
        path, post = Path(posterior), None
    try:
        if post is None:
            post = pd.read_csv(path)
        weights = post.pop("weight").to_numpy(dtype=float)
        post = post.drop(columns=["distance"], errors="ignore")
        if post.empty or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
            raise ValueError("no particles with positive weights")
    except (OSError, ValueError, KeyError, pd.errors.ParserError) as exc:
        raise InputError(
            f"cannot read the posterior ({type(exc).__name__}: {str(exc)[:200]})",
            source=str(path),
        ) from None
    rng = rngmod.stream(seed, rngmod.SHARED, "posterior")
    rows = rng.choice(len(post), size=runs, p=weights / weights.sum())
    return {col: post[col].to_numpy(dtype=float)[rows] for col in post.columns}
