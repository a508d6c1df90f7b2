"""The state of a batch as a value: take it out, index it by replicates, save it, continue.

How do I save a simulation at week 12 and continue it? ::

    from adoptsim.model.engine import Simulation
    from adoptsim.model.state import BatchState

    sim = Simulation(scenario, org, seed, range(8))
    sim.run(until=12)                        # weeks 1..12, then stop
    sim.state().save("pilot-week12")         # pilot-week12.npz + pilot-week12.json

    state = BatchState.load("pilot-week12")  # later, in another process
    later = Simulation.resume(scenario, org, state)
    later.run()                              # weeks 13.. as if it had never stopped

The continued weeks are, to the last digit, those of the run that never stopped (curves,
events, costs), also under a longer horizon (``scenario.with_changes(weeks=52)``).
Strategies are matched by label: a strategy the state does not know starts fresh, so a
plan can be changed from the saved week on.

A :class:`BatchState` holds every (replicates, employees) array of the batch and the
employees' traits, the strategies' per-replicate state (their ``get_state`` hook), each
replicate's random streams (bit generator states and the weeks of draws taken ahead), its
own parameters (``values``), the week and what was recorded so far (curves, and events
unless left out). It is indexed by replicates: :meth:`BatchState.take` selects, repeats
and reorders rows (a selected replicate continues exactly as it would have in its batch:
particle resampling), and :meth:`BatchState.renew` gives rows new random streams derived
from the seed and a label, so that copies diverge reproducibly. Files are a NumPy ``.npz``
(arrays) and a ``.json`` (the rest); nothing is pickled.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adoptsim import rng as rngmod
from adoptsim.errors import InputError
from adoptsim.files import MAX_RESULT_BYTES, read_bytes, read_text
from adoptsim.model.people import Traits
from adoptsim.model.records import EventLog, Tally
from adoptsim.org import ROLES

if TYPE_CHECKING:
    from adoptsim.model.engine import Simulation

#: the (replicates, employees) state arrays of a batch (and ``stock``, (replicates, 1))
STATE_ARRAYS = (
    "stage",
    "usefulness",
    "habit",
    "legacy_habit",
    "experience",
    "effort",
    "resentment",
    "crowding",
    "used",
    "compliant",
    "use_streak",
    "idle_streak",
    "ever_tried",
    "habitual",
    "lapses",
    "stock",
)
#: what was recorded week by week: (weeks + 1, replicates, ...) arrays
HISTORY = ("curves", "dept_curves", "role_curves")
#: the version of the file layout
FORMAT = 1


@dataclass
class BatchState:
    """The state of a batch of replicates at the end of ``week`` (see the module)."""

    seed: int
    week: int
    employees: int
    replicates: list[int]
    stream_keys: list[rngmod.StreamKey]
    values: dict[str, np.ndarray]
    arrays: dict[str, np.ndarray]
    history: dict[str, np.ndarray]
    whole_weeks: bool
    streams: dict[str, list[dict]]
    ahead: dict[str, list]
    strategies: dict[str, dict]
    rule: dict | None
    causes: list[str]
    events: dict[str, np.ndarray] | None
    strategy_events: list[dict] = field(default_factory=list)

    @property
    def R(self) -> int:
        """The number of replicates (rows)."""
        return len(self.replicates)

    # --- indexing by replicates -----------------------------------------------------------
    def take(self, rows, labels: list[int] | None = None) -> BatchState:
        """The state of rows ``rows`` of this batch, in that order (repeats allowed),
        labelled ``labels`` (default: the rows' own replicate labels)."""
        idx = np.asarray(rows, dtype=np.intp).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= self.R):
            raise IndexError(f"rows must be in 0..{self.R - 1}")
        labels = [self.replicates[i] for i in idx] if labels is None else list(labels)
        if len(labels) != idx.size:
            raise ValueError("labels needs one label per row taken")
        events = None if self.events is None else _take_events(self.events, idx, self.R)
        logged = []
        for i_new, i_old in enumerate(idx):
            for e in self.strategy_events:
                if e["row"] == i_old:
                    logged.append(e | {"row": i_new, "replicate": labels[i_new]})
        return replace(
            self,
            replicates=labels,
            stream_keys=[self.stream_keys[i] for i in idx],
            values={k: v[idx] for k, v in self.values.items()},
            arrays={k: v[idx] for k, v in self.arrays.items()},
            history={k: v[:, idx] for k, v in self.history.items()},
            # bit generator states are read, never changed in place: shared, not copied
            streams={k: [v[i] for i in idx] for k, v in self.streams.items()},
            ahead={k: [first, block[idx]] for k, (first, block) in self.ahead.items()},
            strategies={k: take_rows(v, idx) for k, v in self.strategies.items()},
            rule=None if self.rule is None else take_rows(self.rule, idx),
            events=events,
            strategy_events=logged,
        )

    def renew(self, rows, label: str) -> BatchState:
        """This state with rows ``rows`` on new random streams, keyed ``f"{label}/{row}"``
        under the same seed: copies of one replicate diverge from here on, the same way
        for the same seed and label."""
        out = replace(
            self,
            stream_keys=list(self.stream_keys),
            streams={k: list(v) for k, v in self.streams.items()},
            ahead={k: [first, block.copy()] for k, (first, block) in self.ahead.items()},
        )
        for row in np.asarray(rows, dtype=np.intp).reshape(-1):
            key = f"{label}/{int(row)}"
            out.stream_keys[row] = key
            for name, states in out.streams.items():
                g = rngmod.stream(self.seed, key, name)
                if name in out.ahead:  # the weeks drawn ahead, drawn again from the new stream
                    g.random(out=out.ahead[name][1][row])
                states[row] = g.bit_generator.state
        return out

    def with_values(self, values: dict[str, np.ndarray]) -> BatchState:
        """This state with the replicates' own parameters replaced by ``values`` (one per
        row each; the paths of ``adoptsim.model.population.REPLICATE_PARAMETERS``)."""
        own = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in values.items()}
        if any(v.size != self.R for v in own.values()):
            raise ValueError(f"values need one number per replicate ({self.R})")
        return replace(self, values=own)

    # --- files ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``PATH.npz`` (the arrays) and ``PATH.json`` (the rest); returns both."""
        npz, meta = _paths(path)
        arrays: dict[str, np.ndarray] = {}
        tree = {f.name: _pack(getattr(self, f.name), arrays) for f in fields(self)}
        tree["format"] = FORMAT
        for target, write in (
            (npz, lambda f: np.savez_compressed(f, **arrays)),
            (meta, lambda f: f.write(json.dumps(tree).encode())),
        ):
            tmp = target.with_name(f".{target.name}.tmp")
            with open(tmp, "wb") as f:
                write(f)
            os.replace(tmp, target)
        return npz, meta

    @classmethod
    def load(cls, path: str | Path) -> BatchState:
        """The state saved at ``path`` (``PATH.npz`` and ``PATH.json``)."""
        npz, meta = _paths(path)
        try:
            tree = json.loads(read_text(meta, MAX_RESULT_BYTES))
            raw = read_bytes(npz, MAX_RESULT_BYTES)
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            if tree.pop("format", None) != FORMAT:
                raise ValueError(f"not a batch state of format {FORMAT}")
            return cls(**{f.name: _unpack(tree[f.name], arrays) for f in fields(cls)})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"cannot read the saved state ({type(exc).__name__}: {str(exc)[:200]})",
                source=str(meta),
            ) from None


def _paths(path: str | Path) -> tuple[Path, Path]:
    base = Path(path)
    if base.suffix in (".npz", ".json"):
        base = base.with_suffix("")
    return Path(f"{base}.npz"), Path(f"{base}.json")


def _pack(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """``value`` as JSON, its arrays moved to ``arrays`` (named a0, a1, ...)."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"__npz__": key}
    if isinstance(value, dict):
        return {"__dict__": [[k, _pack(v, arrays)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_pack(v, arrays) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _unpack(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, dict):
        if "__npz__" in value:
            return arrays[value["__npz__"]]
        return {k: _unpack(v, arrays) for k, v in value["__dict__"]}
    if isinstance(value, list):
        return [_unpack(v, arrays) for v in value]
    return value


def take_rows(tree: dict, idx: np.ndarray) -> dict:
    """A strategy's (or rule's) state with its per-replicate parts (``rows``, an array or
    a list of arrays each, or None) at rows ``idx``; children likewise."""
    out = dict(tree)
    out["rows"] = {k: _take(v, idx) for k, v in tree.get("rows", {}).items()}
    if "children" in tree:
        out["children"] = [take_rows(c, idx) for c in tree["children"]]
    return out


def _take(value, idx: np.ndarray):
    if value is None:
        return None
    if isinstance(value, list):
        return [np.asarray(v)[idx] for v in value]
    return np.asarray(value)[idx]


def _take_events(ev: dict[str, np.ndarray], idx: np.ndarray, R: int) -> dict[str, np.ndarray]:
    """The events of rows ``idx`` (each row's in logging order), renumbered, by week."""
    rep = ev["replicate"].astype(np.intp)
    order = np.argsort(rep, kind="stable")
    counts = np.bincount(rep, minlength=R)
    starts = np.concatenate([[0], np.cumsum(counts)])
    sizes = counts[idx]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    pos = np.repeat(starts[idx] - offsets[:-1], sizes) + np.arange(offsets[-1])
    sel = order[pos]
    out = {k: v[sel] for k, v in ev.items()}
    out["replicate"] = np.repeat(np.arange(idx.size, dtype=ev["replicate"].dtype), sizes)
    by_week = np.argsort(out["week"], kind="stable")  # logging order within each row stays
    return {k: v[by_week] for k, v in out.items()}


# --- taking out of a simulation and putting back ---------------------------------------------
def capture(sim: Simulation, events: bool = True, copy: bool = True) -> BatchState:
    """The state of ``sim`` as a value (``events=False`` leaves the activity stream so
    far out, which a continued run then lacks; ``copy=False``: the arrays themselves, for
    a state taken at once, as :meth:`BatchState.take` copies)."""
    own = np.array if copy else np.asarray
    arrays = {n: own(getattr(sim, n)) for n in STATE_ARRAYS}
    for f in fields(Traits):
        arrays[f"traits.{f.name}"] = own(getattr(sim.traits, f.name))
    if sim.in_market is not None:
        arrays["in_market"] = own(sim.in_market)
    week = sim.week
    rule = getattr(sim, "rule", None)
    thresholds = getattr(rule, "thresholds", None)
    logged = [e | {"row": r} for e, r in zip(sim.strategy_events, sim.strategy_rows, strict=True)]
    return BatchState(
        seed=sim.seed,
        week=week,
        employees=sim.N,
        replicates=list(sim.replicates),
        stream_keys=list(sim._stream_keys),
        values={k: v.copy() for k, v in sim.values.items()},
        arrays=arrays,
        history={n: own(getattr(sim, n)[: week + 1]) for n in HISTORY},
        whole_weeks=bool(sim._whole_weeks),
        streams={k: [g.bit_generator.state for g in v] for k, v in sim._streams.items()},
        ahead={k: [first, own(block)] for k, (block, first) in sim._ahead.items()},
        strategies={s.label: s.get_state() for s in sim.strategies},
        rule=None if thresholds is None else {"rows": {"thresholds": thresholds.copy()}},
        causes=list(sim.causes),
        events=sim.events.arrays() if events else None,
        strategy_events=logged,
    )


def restore(sim: Simulation, state: BatchState, copy: bool = True) -> None:
    """Put ``state`` into ``sim`` (built on the same organization; its scenario may differ
    in horizon and strategies): ``sim`` continues from the state's week. ``copy=False``
    hands the state's arrays over (a state used once, e.g. just taken)."""
    own = np.array if copy else np.asarray
    if state.employees != sim.N:
        raise ValueError(f"the state has {state.employees} employees, the simulation {sim.N}")
    if state.week > sim.weeks:
        raise ValueError(f"the state is at week {state.week}, past the horizon {sim.weeks}")
    R = state.R
    if R != sim.R:
        sim.R = R
        sim._work.clear()
        sim._zero_cache.clear()
        org = sim.org
        sim._tally = Tally(org.department, len(org.departments), org.role, len(ROLES), R)
    sim.replicates = list(state.replicates)
    sim._stream_keys = list(state.stream_keys)
    sim.values = {k: np.array(v, dtype=float) for k, v in state.values.items()}
    sim.week = state.week
    for name in STATE_ARRAYS:
        setattr(sim, name, own(state.arrays[name]))
    traits = {f.name: own(state.arrays[f"traits.{f.name}"]) for f in fields(Traits)}
    sim.traits = Traits(**traits)
    market = state.arrays.get("in_market")
    sim.in_market = None if market is None else own(market)
    sim._whole_weeks = state.whole_weeks
    sim._resentful = bool(sim.resentment.any())
    sim._crowded = bool(sim.crowding.any())
    for name in HISTORY:
        past = state.history[name]
        full = np.zeros((sim.weeks + 1, *past.shape[1:]))
        full[: state.week + 1] = past
        setattr(sim, name, full)
    _restore_records(sim, state)
    for s in sim.strategies:
        if s.label in state.strategies:
            s.set_state(sim, state.strategies[s.label])
    if state.rule is not None and getattr(sim, "rule", None) is not None:
        sim.rule.thresholds = np.array(state.rule["rows"]["thresholds"])
    _restore_streams(sim, state, own)


def _restore_records(sim: Simulation, state: BatchState) -> None:
    """Causes, events and strategy events so far."""
    known = list(state.causes)
    for c in sim.causes:
        if c not in known:
            known.append(c)
    sim.causes = known
    sim._cause_index = {c: i for i, c in enumerate(known)}
    sim.events = EventLog()
    if state.events is not None:
        sim.events.extend(state.events)
    sim.strategy_events = [
        {k: v for k, v in e.items() if k != "row"} for e in state.strategy_events
    ]
    sim.strategy_rows = [int(e["row"]) for e in state.strategy_events]


def _restore_streams(sim: Simulation, state: BatchState, own=np.array) -> None:
    """The replicates' streams where the state left them (last: strategies' hooks may draw);
    streams the state does not know start from the replicates' keys."""
    kept = {k: v for k, v in sim._streams.items() if k not in state.streams and len(v) == sim.R}
    for name, states in state.streams.items():
        gens = []
        for st in states:
            g = np.random.Generator(np.random.PCG64(0))
            g.bit_generator.state = st
            gens.append(g)
        kept[name] = gens
    sim._streams = kept
    sim._ahead = {k: (own(block), int(first)) for k, (first, block) in state.ahead.items()}
