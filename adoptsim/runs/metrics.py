"""Summary metrics: pure functions from curves and events to figures per replicate and
aggregated over an ensemble."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: shares of employees whose first reaching is reported as "weeks to X % active"
MILESTONES = (0.25, 0.50, 0.75)
#: weeks at the end of a run over which sustained (voluntary) adoption is averaged
SUSTAIN_WINDOW = 4
#: the ensemble interval reported everywhere (90 %)
INTERVAL = (0.05, 0.95)
#: the events counted per replicate (as lapses, adoptions, readoptions)
COUNTED_EVENTS = ("lapse", "adoption", "readoption")


def weeks_to(curves: pd.DataFrame, share: float, column: str = "active_share") -> pd.Series:
    """Per replicate, the first week ``column`` reaches ``share`` (NaN when never)."""
    reached = curves[curves[column] >= share - 1e-12]
    first = reached.groupby("replicate")["week"].min()
    reps = pd.Index(sorted(curves["replicate"].unique()), name="replicate")
    return first.reindex(reps).astype(float)


def per_replicate(
    curves: pd.DataFrame,
    events: pd.DataFrame,
    costs: pd.Series,
    employees: int,
    window: int = SUSTAIN_WINDOW,
) -> pd.DataFrame:
    """One row of summary metrics per replicate (the replicates with a row at the last week).

    * ``final_*_share``: at the last week;
    * ``sustained_share``: voluntary active share averaged over the last ``window`` weeks;
    * ``peak_active_share``: the largest active share of the run;
    * ``weeks_to_25/50/75``: first week with that active share (NaN = not reached);
    * ``lapses``, ``adoptions``, ``readoptions``: counts of those events;
    * ``cost`` and ``cost_per_sustained_adopter``.
    """
    week = curves["week"].to_numpy()
    last = week.max()
    reps = np.unique(curves["replicate"].to_numpy()[week == last])
    index = pd.Index(reps, name="replicate")
    # each curve row's position in `reps` (-1: a replicate without the last week)
    row = _positions(reps, curves["replicate"].to_numpy())
    at_last = (week == last) & (row >= 0)

    def final(column: str) -> np.ndarray:
        out = np.full(reps.size, np.nan)
        out[row[at_last]] = curves[column].to_numpy()[at_last]
        return out

    out = {
        f"final_{k}_share": final(f"{k}_share")
        for k in ("active", "habitual", "voluntary", "aware")
    }
    in_tail = week > last - window
    voluntary = curves["voluntary_share"][in_tail]
    tail = voluntary.groupby(curves["replicate"][in_tail]).mean()
    out["sustained_share"] = tail.reindex(index).to_numpy()
    active = curves["active_share"].to_numpy()
    counted = row >= 0
    peak = np.full(reps.size, -np.inf)
    np.maximum.at(peak, row[counted], active[counted])
    out["peak_active_share"] = peak
    for m in MILESTONES:
        reached = counted & (active >= m - 1e-12)
        first = np.full(reps.size, np.inf)
        np.minimum.at(first, row[reached], week[reached].astype(float))
        out[f"weeks_to_{round(m * 100)}"] = np.where(np.isinf(first), np.nan, first)
    counts = _event_counts(events, reps, COUNTED_EVENTS)
    for j, name in enumerate(("lapses", "adoptions", "readoptions")):
        out[name] = counts[:, j]
    cost = costs.reindex(index).fillna(0.0).astype(float).to_numpy()
    out["cost"] = cost
    sustained_people = out["sustained_share"] * employees
    with np.errstate(divide="ignore", invalid="ignore"):
        per_adopter = cost / sustained_people
    out["cost_per_sustained_adopter"] = np.where(sustained_people > 0, per_adopter, np.nan)
    return pd.DataFrame(out, index=index)


def _positions(table: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each value in the sorted, unique ``table`` (-1 where absent)."""
    if table.size == 0:
        return np.full(len(values), -1, dtype=np.int64)
    if table.dtype.kind in "iu" and values.dtype.kind in "iu" and table[0] >= 0:
        top = int(max(table[-1], values.max(initial=0)))
        if top <= 4 * (table.size + values.size):  # small integers: a lookup table
            lookup = np.full(top + 2, -1, dtype=np.int64)  # the last entry: negative values
            lookup[table] = np.arange(table.size)
            return lookup[np.where(values >= 0, values, top + 1)]
    at = np.minimum(np.searchsorted(table, values), table.size - 1)
    return np.where(table[at] == values, at, -1)


def _event_counts(events: pd.DataFrame, reps: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    """Counts of events of each kind (columns) per replicate of ``reps`` (rows)."""
    counts = np.zeros((reps.size, len(kinds)), dtype=np.int64)
    if len(events) == 0:
        return counts
    column = events["event"]
    if isinstance(column.dtype, pd.CategoricalDtype):  # by codes: no string per event
        wanted = pd.Index(column.cat.categories).get_indexer(list(kinds))  # -1: absent
        lookup = np.full(len(column.cat.categories) + 1, -1, dtype=np.int8)  # last: code -1
        for j, code in enumerate(wanted):
            if code >= 0:
                lookup[code] = j
        kind = lookup[column.cat.codes.to_numpy()]
    else:
        kind = pd.Index(kinds).get_indexer(column)
    ok = np.flatnonzero(kind >= 0)
    row = _positions(reps, events["replicate"].to_numpy()[ok])
    ok, row = ok[row >= 0], row[row >= 0]
    flat = np.bincount(row * len(kinds) + kind[ok], minlength=counts.size)
    counts[:] = flat.reshape(counts.shape)
    return counts


def aggregate(summary: pd.DataFrame, interval: tuple[float, float] = INTERVAL) -> pd.DataFrame:
    """Mean, median and interval of every metric over replicates.

    For ``weeks_to_*`` a replicate that never reached the share counts as +inf, so a
    quantile is "not reached" (inf) when enough replicates did not reach it; ``reached``
    gives the share of replicates that did.
    """
    rows = {}
    lo, hi = interval
    for col in summary.columns:
        x = summary[col].astype(float)
        if col.startswith("weeks_to_"):
            filled = x.fillna(np.inf).to_numpy()
            rows[col] = {
                "mean": float(x.mean()) if x.notna().all() else np.inf,
                "median": float(np.quantile(filled, 0.5, method="inverted_cdf")),
                "low": float(np.quantile(filled, lo, method="inverted_cdf")),
                "high": float(np.quantile(filled, hi, method="inverted_cdf")),
                "reached": float(x.notna().mean()),
            }
        else:
            v = x.dropna()
            rows[col] = {
                "mean": float(v.mean()) if len(v) else np.nan,
                "median": float(v.median()) if len(v) else np.nan,
                "low": float(v.quantile(lo)) if len(v) else np.nan,
                "high": float(v.quantile(hi)) if len(v) else np.nan,
                "reached": float(x.notna().mean()),
            }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "metric"
    return out


def band(curves: pd.DataFrame, column: str, interval=INTERVAL) -> pd.DataFrame:
    """Per week: mean, low and high quantile of ``column`` over replicates."""
    g = curves.groupby("week")[column]
    return pd.DataFrame(
        {"mean": g.mean(), "low": g.quantile(interval[0]), "high": g.quantile(interval[1])}
    )
