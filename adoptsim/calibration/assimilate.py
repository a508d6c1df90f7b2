"""Data assimilation: a particle filter over whole simulated organizations.

Sequential importance resampling (Gordon, Salmond & Smith 1993, IEE Proceedings F 140:107;
for agent-based models Ward, Evans & Malleson 2016, R. Soc. Open Sci. 3:150703). Each
particle is one replicate of the calibrated scenario on the organization: a parameter draw
from the posterior plus the full state of its simulated organization. All particles run as
one batch (their parameters are the engine's per-replicate values). Each observed week:

1. every particle simulates the week with its choices set to what was observed
   (:mod:`adoptsim.model.conditioned`): who used the tool is the observation, the latent
   state (awareness, habits, learned usefulness, attitudes) is the particle's own;
2. its weight is multiplied by the probability it gave the observation before its own draw
   (per person, the logit choice probability times the chance of having heard of the tool),
   raised to a power (``POWER``): the observations of a week are not independent given a
   particle's parameters (they share its draws of every person's traits, which a few
   hundred particles cannot cover), and the whole likelihood made the filter confident and
   wrong (a power likelihood: Bissiri, Holmes & Walker 2016, JRSS B 78:1103);
3. when the effective sample size ``1 / sum w^2`` falls below ``threshold`` x particles,
   particles are resampled systematically (Kitagawa 1996, J. Comput. Graph. Stat. 5:1);
   copies get fresh random streams derived from the seed, the week and their row, and
   every particle's parameters are moved by the kernel shrinkage of Liu & West (2001, in
   Sequential Monte Carlo Methods in Practice, 197-223): ``a theta + (1 - a) mean + N(0,
   (1 - a^2) V)`` with ``a = (3 delta - 1) / (2 delta)``, which keeps the cloud's mean and
   variance while copies of one particle spread. The copies also draw again the traits of
   the employees who have not heard of the tool in that copy (``renew_traits``): traits
   are static and per particle, and without this every particle ends with the traits of
   a few week-0 ancestors, so the forecast lacks the spread of who will adopt next.
   Nothing observed depends on the traits of those not yet aware (awareness follows the
   peers' observed use and the parameters), so the prior is their conditional
   distribution; those aware who have not tried keep theirs, which their weeks without
   use informed (drawn again too, they made the forecast's take-off early:
   docs/calibration.md);
4. aggregate observations (a share per week, of the organization or of a department)
   weigh the particles by the binomial likelihood of the observed count given each
   particle's own share (:mod:`adoptsim.calibration.aggregate`), the weeks run freely.

After the last observed week of per-person observations, every employee's traits in every
particle move ``moves`` times by Metropolis-Hastings under that employee's own likelihood
of the observed weeks (:mod:`adoptsim.calibration.move`; resample-move, Gilks & Berzuini
2001, JRSS B 63:127): resampling leaves the copies of a particle with its people's traits,
and the move gives each copy its own draw of them given what each person was seen doing.

:func:`assimilate` returns an :class:`Assimilation` (the particles' state, parameters and
weights after the last observed week, and the filter's table); its :meth:`forecast`
continues it to a horizon, under the scenario or a changed one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.calibration.abc import weighted_quantile
from adoptsim.calibration.aggregate import ShareLikelihood, read_observations
from adoptsim.calibration.move import move_people
from adoptsim.calibration.observed import Observed
from adoptsim.calibration.persons import PersonObserved
from adoptsim.calibration.resampling import (
    copies,
    fresh_traits,
    liu_west,
    systematic,
)
from adoptsim.errors import InputError
from adoptsim.execute.budget import (
    BASE_BYTES,
    ORG_BYTES,
    SECONDS_PER_ELEMENT_WEEK,
    STATE_BYTES,
    Estimate,
    check_memory,
)
from adoptsim.execute.simulations import build_simulation
from adoptsim.model.conditioned import ConditionedSimulation
from adoptsim.model.engine import Simulation
from adoptsim.model.population import REPLICATE_PARAMETERS
from adoptsim.model.records import EventLog
from adoptsim.model.state import BatchState
from adoptsim.org import Organization
from adoptsim.runs.draws import posterior_draws
from adoptsim.runs.result import Result
from adoptsim.runs.runner import assemble, build_org, collect
from adoptsim.scenario import Scenario, load_scenario

#: resample when the effective sample size falls below this share of the particles
ESS_THRESHOLD = 0.5
#: Liu & West's discount factor delta (they recommend 0.95 to 0.99)
DISCOUNT = 0.98
#: the power of each week's likelihood, chosen on the twin experiment (docs/calibration.md):
#: the 90 % band covered 36 % of the true weeks at power 1; with the copies' traits of the
#: unaware drawn again it covered 98.6 % at 0.3 (too wide), 94.0 % at 0.4, 93.1 % at 0.425
#: and 88.1 % at 0.45 (seeds 1-20, 41-60 and 71-90: the closest to 90 % chosen), 84.6 % at
#: 0.5 (seeds 41-60: the particles collapsed onto a few ancestors)
POWER = 0.45
#: the organization's size at which ``POWER`` was chosen (the twin's 1,000 people); a larger
#: organization's weeks enter at ``LARGE_POWER x POWER_SIZE / employees``, so that its
#: per-person likelihood, a sum over more people sharing one particle's draws, does not
#: collapse the particles onto a few ancestors (chosen on the replan example's 2,000 people:
#: at 0.2 its 200 particles ended on 5-11 ancestors, at 0.15 on 10-24; docs/calibration.md)
POWER_SIZE, LARGE_POWER = 1000, 0.3


def power_for(employees: int) -> float:
    """The default power of a week's likelihood for an organization of ``employees``."""
    return POWER if employees <= POWER_SIZE else LARGE_POWER * POWER_SIZE / employees


#: whose traits the copies of a resampling draw again (docs/calibration.md), of the choices
RENEW_TRAITS, RENEW_CHOICES = "unaware", ("unaware", "untried", "none")
#: Metropolis-Hastings sweeps of every employee's traits after the last observed week
#: (:mod:`adoptsim.calibration.move`), chosen on the twin (docs/calibration.md): with 3
#: the 90 % band missed a quarter of the true weeks or more on 6 of 60 seeds, without 11
MOVES = 3
#: a replayed week of a move costs this many plain simulated weeks per particle (measured
#: in benchmarks/assimilation.py: 1.9 s a sweep of 12 weeks, 500 particles, 1,000 people)
MOVE_COST = 4.0
#: particles kept at each observed week for the chart of the forecast as it was then
SNAPSHOT = 50
#: the most memory those kept particles take (fewer are kept per week in big organizations)
SNAPSHOT_BYTES = 2**30
#: a filter's week costs this many plain simulated weeks (the likelihood, the copies of
#: resampling; measured in benchmarks/assimilation.py)
FILTER_COST = 6.0


@dataclass
class Assimilation:
    """The filter after the last observed week: ``state`` (one row per particle, weights
    ``weights``), each particle's parameters (``state.values``), the filter's ``table``
    (one row per observed week) and a few particles' state at each observed week."""

    scenario: Scenario
    org: Organization
    seed: int
    observed: PersonObserved | Observed | None
    state: BatchState
    weights: np.ndarray
    table: pd.DataFrame
    snapshots: dict[int, BatchState] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def particles(self) -> int:
        """The number of particles."""
        return self.state.R

    @property
    def parameters(self) -> pd.DataFrame:
        """Each particle's parameters and its weight."""
        return pd.DataFrame(self.state.values | {"weight": self.weights})

    def forecast(
        self,
        weeks: int,
        runs: int | None = None,
        scenario: Scenario | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Result:
        """Continue the particles to week ``weeks`` (under ``scenario``, default the
        calibrated one: a changed plan may start after the last observed week): ``runs``
        replicates drawn systematically by weight (default: one per particle), copies on
        streams of their own. Weeks up to the last observed one are as the filter saw them."""
        return continue_state(
            self.state, self.weights, self.scenario if scenario is None else scenario,
            self.org, weeks, runs, f"forecast@{self.state.week}", progress,
        )  # fmt: skip

    def save(self, folder: str | Path) -> Path:
        """Write the particles' state (``particles.npz`` and ``.json``), their weights
        (``weights.csv``) and the filter's table (``filter.csv``) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.state.save(folder / "particles")
        pd.DataFrame({"weight": self.weights}).to_csv(folder / "weights.csv", index=False)
        self.table.to_csv(folder / "filter.csv", index=False)
        return folder

    @classmethod
    def load(cls, folder: str | Path, calibration: Scenario | str | Path) -> Assimilation:
        """An assimilation saved by :meth:`save`, on the organization of ``calibration``
        (the scenario it was made from; no snapshots, no observations)."""
        folder = Path(folder)
        spec = calibration if isinstance(calibration, Scenario) else load_scenario(calibration)
        state = BatchState.load(folder / "particles")
        try:
            weights = pd.read_csv(folder / "weights.csv")["weight"].to_numpy(dtype=float)
            table = pd.read_csv(folder / "filter.csv")
        except (OSError, KeyError, ValueError, pd.errors.ParserError) as exc:
            raise InputError(f"cannot read the assimilation ({exc})", source=str(folder)) from None
        if weights.size != state.R:
            raise InputError("weights.csv does not match the particles", source=str(folder))
        org = build_org(spec, state.seed)
        return cls(spec, org, state.seed, None, state, weights / weights.sum(), table)

    def forecast_from(self, week: int, weeks: int, scenario: Scenario | None = None) -> Result:
        """The forecast as it was after observed week ``week`` (from its snapshot)."""
        state = self.snapshots[week]
        spec = self.scenario if scenario is None else scenario
        flat = np.full(state.R, 1.0 / state.R)
        return continue_state(state, flat, spec, self.org, weeks, None, f"snapshot@{week}")


def assimilate(
    calibration: Scenario | str | Path,
    observed: PersonObserved | Observed | str | Path,
    *,
    particles: int = 500,
    seed: int | None = None,
    through: int | None = None,
    threshold: float = ESS_THRESHOLD,
    discount: float = DISCOUNT,
    power: float | None = None,
    temper: float | None = None,
    snapshot: int = SNAPSHOT,
    max_memory: int | None = None,
    progress: Callable[[int, float], None] | None = None,
    org: Organization | None = None,
    renew_traits: str = RENEW_TRAITS,
    posterior: pd.DataFrame | None = None,
    moves: int = MOVES,
) -> Assimilation:
    """Assimilate observations (per person, or an aggregate series of shares) into a
    calibrated scenario (one that names its posterior, or ``posterior``; without one every
    particle has the scenario's parameters): see the module. ``power``: each week's
    likelihood's power (default :func:`power_for` the organization's size); ``temper``: if
    given, a week's power is lowered where needed to keep the effective sample size at
    ``temper`` x particles; ``snapshot``: particles kept after each week for
    :meth:`Assimilation.forecast_from`; ``progress(week, ess)`` after each week; ``org``:
    the scenario's organization, if built; ``renew_traits``: whose traits copies draw
    again (of RENEW_CHOICES); ``moves``: sweeps of the move step after the last week."""
    spec = calibration if isinstance(calibration, Scenario) else load_scenario(calibration)
    seed = spec.seed if seed is None else int(seed)
    org = build_org(spec, seed) if org is None else org
    power = power_for(org.n) if power is None else power
    observed, shares = _observations(spec, org, observed, through, renew_traits)
    snapshot = snapshot_size(snapshot, particles, org.n, observed.last_week)
    moves = moves if shares is None else 0
    check_particles(particles, org.n, observed.last_week, max_memory, snapshot, moves)
    values = _draws(spec, particles, seed, posterior)
    horizon = spec.with_changes(weeks=max(observed.last_week, 1))
    rng, kept = (rngmod.stream(seed, rngmod.SHARED, f"assimilation{s}") for s in ("", " snapshots"))
    t0 = time.perf_counter()
    sim = build_simulation(
        horizon, seed, range(particles), org, values=values, kind=ConditionedSimulation
    )
    bounds = {k: (float(v.min()), float(v.max())) for k, v in values.items()}
    logw, rows, snapshots = np.zeros(particles), [], {}
    origin = np.arange(particles)  # each particle's ancestor at week 0
    for week in range(1, observed.last_week + 1):
        sim.observe(None if shares is not None else observed.codes[week])
        sim.step()
        sim.events = EventLog()  # the filter keeps no activity stream
        loglik = sim.loglik if shares is None else shares(sim.curves, sim.dept_curves, week)
        logw, w, row = _weigh(logw, loglik, power, temper)
        ess, resample = row["ess"], row["ess"] < threshold * particles or row["power"] < power
        rows.append(
            {"week": week, "ess": ess, "resampled": resample} | row | _summary(sim.values, w)
        )
        if snapshot:
            snapshots[week] = _snapshot(sim, w, snapshot, kept, week)
        if resample:
            label = f"resample@{week}"
            idx = _resample(sim, w, rng, label, discount, bounds, (spec, renew_traits))
            origin, logw = origin[idx], np.zeros(particles)
        rows[-1]["ancestors"] = int(np.unique(origin).size)
        if progress is not None:
            progress(week, ess)
    if moves:
        rows[-1]["moves_accepted"] = _move(sim, spec, observed, moves)
        if snapshot:  # the chart's last week shows the particles after the move
            snapshots[week] = _snapshot(sim, _normalised(logw), snapshot, kept, week)
    return Assimilation(
        scenario=spec,
        org=org,
        seed=seed,
        observed=observed,
        state=sim.state(events=False),
        weights=_normalised(logw),
        table=pd.DataFrame(rows),
        snapshots=snapshots,
        seconds=time.perf_counter() - t0,
    )


def _observations(
    spec: Scenario,
    org: Organization,
    observed: PersonObserved | Observed | str | Path,
    through: int | None,
    renew_traits: str,
) -> tuple[PersonObserved | Observed, ShareLikelihood | None]:
    """The observations read against ``org`` and, for an aggregate series, its likelihood
    (a ValueError for an unknown ``renew_traits``)."""
    if renew_traits not in RENEW_CHOICES:
        raise ValueError(f"renew_traits is one of {RENEW_CHOICES}")
    if not isinstance(observed, PersonObserved | Observed):
        k = spec.calibration.period_weeks if spec.calibration is not None else 1
        observed = read_observations(observed, org, through, None, k)
    shares = None if isinstance(observed, PersonObserved) else ShareLikelihood(observed, org)
    return observed, shares


def _snapshot(
    sim: ConditionedSimulation, w: np.ndarray, n: int, rng: np.random.Generator, week: int
) -> BatchState:
    """``n`` of ``sim``'s particles drawn by ``w`` (at most all), as copies."""
    keep = systematic(w, min(n, sim.R), rng)
    return copies(sim.state(False, copy=False), keep, f"snapshot@{week}")


def _move(
    sim: ConditionedSimulation, spec: Scenario, observed: PersonObserved, moves: int
) -> float:
    """``moves`` sweeps of the move step on ``sim``'s particles in place
    (:mod:`adoptsim.calibration.move`); the share of the moves accepted."""
    accepted = []
    for k in range(moves):
        label = f"move@{observed.last_week}/{k}"
        now = sim.state(events=False, copy=False)
        moved, aware, share = move_people(now, spec, sim.org, observed.codes, label)
        sim.restore(moved, copy=False)
        sim.aware = aware
        accepted.append(share)
    return float(np.mean(accepted))


def _weigh(
    logw: np.ndarray, loglik: np.ndarray, power: float, temper: float | None
) -> tuple[np.ndarray, np.ndarray, dict]:
    """The log-weights after a week's likelihood at ``power`` (lowered by tempering if
    asked), the normalised weights and the week's row: ess, power, log_likelihood (the
    likelihood averaged by the weights before the week)."""
    step = power
    if temper is not None:
        step *= tempering(logw, power * loglik, temper * logw.size)
    before = logw - _logsumexp(logw)
    logw = logw + step * loglik
    w = _normalised(logw)
    ess = float(1.0 / np.sum(w * w))
    return (
        logw,
        w,
        {"ess": ess, "power": step, "log_likelihood": _logsumexp(before + step * loglik)},
    )


def _resample(
    sim: ConditionedSimulation,
    w: np.ndarray,
    rng: np.random.Generator,
    label: str,
    discount: float,
    bounds: dict[str, tuple[float, float]],
    renew: tuple[Scenario, str],
) -> np.ndarray:
    """Resample ``sim``'s particles by ``w`` in place (copies on new streams, parameters
    moved by Liu & West's kernel, and with ``renew`` (the scenario, whose traits) the
    traits of the unaware or untried drawn again); returns the rows taken."""
    idx = systematic(w, sim.R, rng)
    state = copies(sim.state(False, copy=False), idx, label)
    if renew[1] != "none":
        state = fresh_traits(state, idx, label, renew[0], sim.org, renew[1])
    moved = liu_west(sim.values, w, idx, discount, bounds, rng)
    aware = sim.aware[idx]
    sim.restore(state.with_values(moved), copy=False)
    sim.aware = aware
    return idx


def tempering(logw: np.ndarray, loglik: np.ndarray, floor: float) -> float:
    """The largest power in (0, 1] of this week's likelihood that keeps the effective
    sample size at ``floor`` or above (1 if the whole likelihood does)."""

    def ess(power: float) -> float:
        w = _normalised(logw + power * loglik)
        return float(1.0 / np.sum(w * w))

    if ess(1.0) >= floor:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ess(mid) >= floor else (lo, mid)
    return max(lo, 1e-12)


def snapshot_size(snapshot: int, particles: int, employees: int, weeks: int) -> int:
    """The particles kept at each observed week: ``snapshot`` at most, fewer (2 at least)
    where their state would take more than SNAPSHOT_BYTES, none if ``snapshot`` is 0."""
    if snapshot <= 0:
        return 0
    fits = SNAPSHOT_BYTES // (STATE_BYTES * employees * max(weeks, 1))
    return int(max(2, min(snapshot, particles, fits)))


def filter_estimate(
    particles: int, employees: int, weeks: int, snapshot: int = 0, moves: int = 0
) -> Estimate:
    """The memory and time of a filter: its batch, the copy a resampling takes and the
    state it puts back (three batches' state; no events are kept), with ``moves`` the move
    step's replay of twice the particles and what it keeps (five batches' state), and the
    ``snapshot`` particles kept at each week."""
    batches = 5 if moves else 3
    memory = BASE_BYTES + ORG_BYTES * employees + batches * STATE_BYTES * particles * employees
    memory += STATE_BYTES * snapshot * employees * weeks
    element_weeks = employees * particles * weeks
    seconds = SECONDS_PER_ELEMENT_WEEK * element_weeks * (FILTER_COST + 2 * moves * MOVE_COST)
    what = f"a filter of {particles:,} particles x {employees:,} employees x {weeks} weeks"
    return Estimate(int(memory), seconds, what)


def check_particles(
    particles: int,
    employees: int,
    weeks: int,
    limit: int | None,
    snapshot: int = 0,
    moves: int = 0,
) -> None:
    """An InputError for fewer than 2 particles or more than the memory holds."""
    if particles < 2:
        raise InputError(f"{particles} particles: a filter needs at least 2", source="--runs")
    est = filter_estimate(particles, employees, weeks, snapshot, moves)
    check_memory(est, limit, knobs="--runs (particles)")


def _draws(
    spec: Scenario, particles: int, seed: int, posterior: pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Each particle's parameters from ``posterior`` or the scenario's (none without)."""
    if posterior is None and (spec.calibration is None or spec.calibration.posterior is None):
        return {}
    values = posterior_draws(spec, particles, seed, posterior)
    other = sorted(set(values) - set(REPLICATE_PARAMETERS))
    if other:
        raise InputError(
            f"the posterior holds {', '.join(other)}, which particles cannot hold each their "
            f"own of; assimilation takes {', '.join(REPLICATE_PARAMETERS)}",
            source=str(spec.calibration.posterior),
        )
    return values


def _logsumexp(x: np.ndarray) -> float:
    top = float(x.max())
    return top + float(np.log(np.exp(x - top).sum()))


def _normalised(logw: np.ndarray) -> np.ndarray:
    w = np.exp(logw - logw.max())
    return w / w.sum()


def _summary(values: dict[str, np.ndarray], w: np.ndarray) -> dict[str, float]:
    """Each parameter's weighted median and 90 % interval."""
    out = {}
    for path, v in values.items():
        for name, q in (("median", 0.5), ("low", 0.05), ("high", 0.95)):
            out[f"{path}:{name}"] = weighted_quantile(v, w, q)
    return out


def continue_state(
    state: BatchState,
    weights: np.ndarray,
    scenario: Scenario,
    org: Organization,
    weeks: int,
    runs: int | None,
    label: str,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """``runs`` replicates drawn by ``weights`` from ``state`` (copies on streams keyed
    by ``label``), continued to week ``weeks`` under ``scenario``, as a Result."""
    if weeks < state.week:
        raise InputError(
            f"the observations reach week {state.week}, after the horizon {weeks}",
            source="--weeks",
        )
    runs = state.R if runs is None else int(runs)
    pick = rngmod.stream(state.seed, rngmod.SHARED, label)
    idx = systematic(weights, runs, pick)
    spec = scenario.with_changes(weeks=int(weeks))
    sim = Simulation.resume(spec, org, copies(state, idx, label))
    sim.run(progress)
    result = assemble(spec, [collect(sim)], runs, state.seed, False, org.n, organizations=[org])
    result.manifest["per_replicate"] = {k: [float(x) for x in v] for k, v in sim.values.items()}
    return result
