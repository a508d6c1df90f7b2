"""Run an ensemble: ``run(scenario, runs, seed) -> Result``.

A single replicate is a function of (scenario, root seed, replicate index). Replicates are
advanced in batches (state as replicates x employees arrays), each with its own random
streams, so the numbers do not depend on the batch size or on which process runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim import metrics
from adoptsim import rng as rngmod
from adoptsim.engine import CURVE_COLUMNS, EVENT_NAMES, GROUP_COLUMNS, Simulation
from adoptsim.org import ROLES, Organization, build
from adoptsim.result import Result, make_manifest
from adoptsim.scenario import Scenario, load_scenario

#: replicates x employees per batch (memory: about 200 bytes per element of state)
BATCH_ELEMENTS = 1_000_000

Progress = Callable[[int], None]


def build_org(scenario: Scenario, seed: int, replicate: int | None = None) -> Organization:
    """The scenario's organization from its own random stream (shared unless ``replicate``)."""
    return build(scenario.organization, rngmod.org_stream(seed, replicate), scenario.base_dir)


def simulate(
    scenario: Scenario,
    seed: int,
    replicates: list[int],
    org: Organization | None = None,
    progress: Progress | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the given replicates on one organization (built if not given) as one batch.

    Returns the raw tables: curves, by department, by role, events, costs, strategy log.
    """
    if org is None:
        org = build_org(scenario, seed)
    source = str(scenario.source) if scenario.source else None
    sim = Simulation(scenario, org, seed, replicates, source=source)
    sim.run(progress)
    return collect(sim)


def collect(sim: Simulation) -> dict[str, pd.DataFrame]:
    """The simulation's recorded curves and events as DataFrames."""
    weeks = sim.weeks + 1
    reps = np.asarray(sim.replicates)
    R = sim.R
    rep_col = np.tile(reps, weeks)
    week_col = np.repeat(np.arange(weeks), R)
    curves = pd.DataFrame(sim.curves.reshape(weeks * R, -1), columns=list(CURVE_COLUMNS))
    curves.insert(0, "week", week_col)
    curves.insert(0, "replicate", rep_col)

    def groups(arr: np.ndarray, names, label: str) -> pd.DataFrame:
        G = len(names)
        flat = arr.reshape(weeks * R * G, -1)
        df = pd.DataFrame(flat, columns=list(GROUP_COLUMNS))
        df.insert(0, label, np.tile(np.asarray(names, dtype=object), weeks * R))
        df.insert(0, "week", np.repeat(np.arange(weeks), R * G))
        df.insert(0, "replicate", np.tile(np.repeat(reps, G), weeks))
        return df

    by_dept = groups(sim.dept_curves, sim.org.departments, "department")
    by_role = groups(sim.role_curves, ROLES, "role")

    ev = sim.events.arrays()
    ids = np.asarray(sim.org.ids, dtype=object)
    causes = np.asarray(sim.causes, dtype=object)[ev["cause"]]
    has_peer = ev["peer"] >= 0
    if has_peer.any():
        causes[has_peer] = "peer:" + ids[ev["peer"][has_peer]].astype(str).astype(object)
    employee = np.where(ev["employee"] >= 0, ids[np.maximum(ev["employee"], 0)], "")
    names = np.asarray([EVENT_NAMES[k] for k in sorted(EVENT_NAMES)], dtype=object)
    events = pd.DataFrame(
        {
            "replicate": reps[ev["replicate"]],
            "week": ev["week"].astype(np.int32),
            "employee": employee.astype(str),
            "event": names[ev["event"]],
            "cause": causes.astype(str),
        }
    )
    costs = pd.Series(sim.total_cost(), index=pd.Index(reps, name="replicate"), name="cost")
    return {
        "curves": curves,
        "by_department": by_dept,
        "by_role": by_role,
        "events": events,
        "costs": costs,
        "strategy_log": pd.DataFrame(sim.strategy_events),
    }


def batches(runs: int, employees: int, batch_size: int | None = None) -> list[list[int]]:
    """Replicate indices 0..runs-1 split into batches that fit the memory budget."""
    size = batch_size or max(1, BATCH_ELEMENTS // max(employees, 1))
    return [list(range(i, min(i + size, runs))) for i in range(0, runs, size)]


def run(
    scenario: Scenario | str | Path,
    runs: int | None = None,
    seed: int | None = None,
    *,
    new_org_per_replicate: bool | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """Run an ensemble of a scenario and return its :class:`Result`.

    ``runs`` and ``seed`` default to the scenario's. ``progress(n)`` is called with the
    number of replicate-weeks just completed (for a progress bar of ``runs * weeks``).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    new_org = (
        scenario.organization.new_per_replicate
        if new_org_per_replicate is None
        else new_org_per_replicate
    )
    parts: list[dict[str, pd.DataFrame]] = []
    if new_org:
        for r in range(runs):
            org = build_org(scenario, seed, r)
            parts.append(simulate(scenario, seed, [r], org, progress))
    else:
        org = build_org(scenario, seed)
        for reps in batches(runs, org.n, batch_size):
            parts.append(simulate(scenario, seed, reps, org, progress))
    return assemble(scenario, parts, runs, seed, new_org, org.n)


def assemble(
    scenario: Scenario,
    parts: list[dict[str, pd.DataFrame]],
    runs: int,
    seed: int,
    new_org: bool,
    employees: int,
) -> Result:
    """Combine the raw tables of several batches into one Result."""

    def cat(key: str) -> pd.DataFrame:
        frames = [p[key] for p in parts if len(p[key])]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def ordered(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        if df.empty:
            return df
        return df.sort_values(keys, kind="stable").reset_index(drop=True)

    # a canonical order, whatever the batches were
    curves = ordered(cat("curves"), ["replicate", "week"])
    events = ordered(cat("events"), ["replicate", "week"])
    costs = pd.concat([p["costs"] for p in parts]).sort_index()
    summary = metrics.per_replicate(curves, events, costs, employees)
    manifest = make_manifest(scenario, runs, seed, new_org)
    manifest["employees"] = int(employees)
    return Result(
        curves=curves,
        curves_by_department=ordered(cat("by_department"), ["replicate", "week"]),
        curves_by_role=ordered(cat("by_role"), ["replicate", "week"]),
        events=events,
        summary=summary,
        manifest=manifest,
        strategy_log=cat("strategy_log"),
    )
