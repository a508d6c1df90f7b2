"""A calibration's result: the posterior, its summary, the calibrated scenario, its files."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from adoptsim.calibration.abc import SMCResult, weighted_quantile
from adoptsim.calibration.observed import Observed
from adoptsim.calibration.point import PointFit
from adoptsim.calibration.spec import FitParameter
from adoptsim.runs.result import MANIFEST, make_manifest
from adoptsim.scenario import Scenario, locate, with_overrides

POSTERIOR = "posterior.csv"
FIT_TABLE = "fit.csv"
CALIBRATED = "calibrated.yaml"
SUMMARY = "summary.json"
#: two parameters whose posterior rank correlation exceeds this are reported as hard to
#: tell apart
CORRELATION_WARNING = 0.7
#: a 90 % interval wider than this share of its prior range is reported as uninformed
WIDTH_WARNING = 0.8
#: the calibration methods (``--method``)
METHODS = ("abc", "optimize")
METHOD_NAMES = {
    "abc": "ABC-SMC (population Monte Carlo ABC, Beaumont et al. 2009)",
    "optimize": "Optuna TPE point fit of the ABC distance",
}
POINT_WARNING = (
    "a point fit: the posterior is the best trial alone, so it says nothing about how "
    "uncertain the parameters are, and a forecast from it holds chance only (use --method "
    "abc for a posterior)"
)


@dataclass
class Calibration:
    """The outcome of :func:`adoptsim.calibrate`."""

    scenario: Scenario
    fit: list[FitParameter]
    observed: Observed
    smc: SMCResult
    seed: int
    replicates: int
    seconds: float
    method: str = "abc"
    search: PointFit | None = None
    executor: str = "threads"
    period_weeks: int = 1
    default_fit: bool = False
    #: the size of the organization fitted on (0: not known)
    employees: int = 0

    @property
    def posterior(self) -> pd.DataFrame:
        """One row per posterior particle: each fitted path, ``weight`` (sums to 1) and
        ``distance``."""
        g = self.smc.posterior
        data = self.scenario.model_dump()
        cols: dict[str, Any] = {}
        for j, p in enumerate(self.fit):
            values = p.from_unit(g.particles[:, j])
            container, key = locate(data, p.path)
            cols[p.path] = np.round(values) if isinstance(container[key], int) else values
        return pd.DataFrame({**cols, "weight": g.weights, "distance": g.distances})

    def interval(self, path: str) -> tuple[float, float, float]:
        """Weighted 5 %, 50 % and 95 % quantiles of one fitted path."""
        post = self.posterior
        w = post["weight"].to_numpy()
        return tuple(weighted_quantile(post[path].to_numpy(), w, q) for q in (0.05, 0.5, 0.95))

    @property
    def best(self) -> dict[str, float]:
        """The point estimate: each path's weighted posterior median."""
        return {p.path: self.interval(p.path)[1] for p in self.fit}

    def correlations(self) -> list[tuple[str, str, float]]:
        """Pairs of fitted paths whose weighted posterior rank correlation exceeds
        CORRELATION_WARNING."""
        post, out = self.posterior, []
        if len(self.fit) < 2 or len(post) < 3:
            return out
        w = post["weight"].to_numpy()
        ranks = post[[p.path for p in self.fit]].rank().T.to_numpy()
        cov = np.atleast_2d(np.cov(ranks, aweights=w))
        sd = np.sqrt(np.diag(cov))
        if not np.all(sd > 0):
            return out
        corr = cov / np.outer(sd, sd)
        for i in range(len(self.fit)):
            for j in range(i + 1, len(self.fit)):
                if abs(corr[i, j]) > CORRELATION_WARNING:
                    out.append((self.fit[i].path, self.fit[j].path, float(corr[i, j])))
        return out

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` particles (prior scale) drawn from the posterior by weight."""
        g = self.smc.posterior
        return g.particles[rng.choice(len(g.particles), size=n, p=g.weights)]

    def calibrated_scenario(self) -> Scenario:
        """The scenario with each fitted path at its posterior median."""
        data = self.scenario.model_dump()
        best = {}
        for path, v in self.best.items():
            container, key = locate(data, path)
            best[path] = round(v) if isinstance(container[key], int) else v
        return with_overrides(self.scenario, best)

    def summary(self) -> dict[str, Any]:
        """Method, seed, effort, time, point estimates and 90 % intervals, fit, warnings."""
        gens = self.smc.generations
        params = {}
        for p in self.fit:
            lo, med, hi = self.interval(p.path)
            params[p.path] = {
                "median": med,
                "low": lo,
                "high": hi,
                "prior": [p.low, p.high],
                "log_prior": p.log,
            }
            if p.normal:
                params[p.path]["normal_prior"] = [p.center, p.spread]
        warnings = [
            f"{a} and {b} are hard to tell apart in these data (posterior rank correlation "
            f"{c:+.2f}): their intervals are wide and move together"
            for a, b, c in self.correlations()
        ]
        for p in self.fit:
            lo, hi = params[p.path]["low"], params[p.path]["high"]
            share = (hi - lo) / (p.high - p.low)
            if p.log:
                share = (np.log(hi) - np.log(lo)) / (np.log(p.high) - np.log(p.low))
            if share > WIDTH_WARNING:
                warnings.append(
                    f"the observed weeks say little about {p.path}: its 90 % interval spans "
                    f"{100 * share:.0f} % of the prior range"
                )
        if self.method == "optimize":
            warnings.insert(0, POINT_WARNING)
        elif not self.smc.converged:
            warnings.insert(0, self._unconverged())
        out = {
            "method": METHOD_NAMES[self.method],
            "seed": self.seed,
            "executor": self.executor,
            "replicates_per_particle": self.replicates,
            "simulations": self.smc.simulations * self.replicates,
            "seconds": round(self.seconds, 2),
        }
        if self.method == "optimize" and self.search is not None:
            out["trials"] = len(self.search.trials)
            out["refined"] = {
                "trials": len(self.search.refined),
                "distances": [float(d) for d in self.search.refined_distances],
            }
        else:
            out |= {
                "population": len(gens[0].particles),
                "generations": len(gens) - 1,
                "converged": self.smc.converged,
                "stop": self.smc.reason,
                "tolerance": [g.tolerance for g in gens[1:]],
                "acceptance": [round(g.acceptance, 4) for g in gens[1:]],
            }
        return out | {
            "fit_set": "default (adoptsim.calibration.defaults)" if self.default_fit else "given",
            "period_weeks": self.period_weeks,
            "parameters": params,
            "distance": {
                "median": float(np.median(gens[-1].distances)),
                "measure": "mean absolute error of shares over observed weeks and series",
            },
            "observed": {
                "file": self.observed.source,
                "series": self.observed.series,
                "weeks": int(self.observed.last_week),
            },
            "warnings": warnings,
        }

    def _unconverged(self) -> str:
        """The warning of an ABC run that stopped before converging, with its figures."""
        gens = self.smc.generations
        tol = [g.tolerance for g in gens[1:]]
        drop = f"{100 * (tol[-2] - tol[-1]) / tol[-2]:.0f} %" if len(tol) >= 2 else "n/a"
        return (
            f"ABC stopped before converging: {self.smc.reason}, after {len(gens) - 1} "
            f"generations and {self.smc.simulations * self.replicates:,} simulations "
            f"(last tolerance {tol[-1] if tol else float('inf'):.4g}, its last drop {drop}, "
            f"acceptance {100 * gens[-1].acceptance:.1f} %); give more with --generations "
            "or calibration.max_simulations"
        )

    def calibrated_yaml(self, folder: Path) -> str:
        """``calibrated.yaml``: extends the original scenario (a path relative to ``folder``)
        and sets each fitted path to its median; names the posterior."""
        source = self.scenario.source
        data: dict[str, Any] = {}
        if source is not None:
            data["extends"] = os.path.relpath(Path(source).resolve(), folder.resolve())
        data["name"] = f"{self.scenario.name} calibrated"[:100]
        full = self.calibrated_scenario().model_dump(mode="json")
        for path in self.best:
            head = path.split(".")[0].split("[")[0]
            if head == "strategies":
                data["strategies"] = full["strategies"]
                continue
            container, key = locate(full, path)
            node = data
            for part in path.split(".")[:-1]:
                node = node.setdefault(part, {})
            node[key] = container[key]
        if source is None:
            data = {**full, **{k: v for k, v in data.items() if k != "extends"}}
        data["calibration"] = {"posterior": POSTERIOR}
        if self.period_weeks != 1:
            data["calibration"]["period_weeks"] = self.period_weeks
        return yaml.safe_dump(data, sort_keys=False)

    def write(self, folder: Path, fit_table: pd.DataFrame) -> None:
        """The data files into ``folder``."""
        self.posterior.to_csv(folder / POSTERIOR, index=False)
        fit_table.to_csv(folder / FIT_TABLE, index=False)
        (folder / CALIBRATED).write_text(self.calibrated_yaml(folder))
        summary = json.dumps(self.summary(), indent=2, default=float)
        (folder / SUMMARY).write_text(summary + "\n")
        manifest = make_manifest(self.scenario, self.replicates, self.seed, False)
        manifest["calibration"] = {
            "method": self.method,
            "executor": self.executor,
            "fit": [f.text() for f in self.fit],
            "observed_file": self.observed.source,
            "employees": int(self.employees),
        }
        if self.search is not None:
            manifest["calibration"]["trials"] = len(self.search.trials)
        else:
            manifest["calibration"]["population"] = len(self.smc.generations[0].particles)
            manifest["calibration"]["generations"] = len(self.smc.generations) - 1
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
