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
    """One row of summary metrics per replicate.

    * ``final_*_share``: at the last week;
    * ``sustained_share``: voluntary active share averaged over the last ``window`` weeks;
    * ``weeks_to_25/50/75``: first week with that active share (NaN = not reached);
    * ``lapses``: lapse events; ``adopters``: employees who ever became active;
    * ``cost`` and ``cost_per_sustained_adopter``.
    """
    last = curves["week"].max()
    by = curves.set_index(["replicate", "week"]).sort_index()
    final = by.xs(last, level="week")
    tail = curves[curves["week"] > last - window].groupby("replicate")["voluntary_share"].mean()
    out = pd.DataFrame(index=final.index)
    out["final_active_share"] = final["active_share"]
    out["final_habitual_share"] = final["habitual_share"]
    out["final_voluntary_share"] = final["voluntary_share"]
    out["final_aware_share"] = final["aware_share"]
    out["sustained_share"] = tail
    out["peak_active_share"] = by["active_share"].groupby(level="replicate").max()
    for m in MILESTONES:
        out[f"weeks_to_{round(m * 100)}"] = weeks_to(curves, m)
    ev = events[events["event"].isin(["lapse", "adoption", "readoption"])]
    counts = ev.groupby(["replicate", "event"], observed=True).size().unstack(fill_value=0)
    counts = counts.reindex(index=out.index, columns=["lapse", "adoption", "readoption"])
    out["lapses"] = counts["lapse"].fillna(0).astype(int)
    out["adoptions"] = counts["adoption"].fillna(0).astype(int)
    out["readoptions"] = counts["readoption"].fillna(0).astype(int)
    out["cost"] = costs.reindex(out.index).fillna(0.0).astype(float)
    sustained_people = out["sustained_share"] * employees
    out["cost_per_sustained_adopter"] = np.where(
        sustained_people > 0, out["cost"] / sustained_people.where(sustained_people > 0), np.nan
    )
    out.index.name = "replicate"
    return out


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
