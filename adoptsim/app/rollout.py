"""The rollout page's state and actions, as plain Python: a calibrated scenario of the
app's folder, the observed weeks so far (an uploaded per-person file, or a Teams or Slack
usage export matched to the organization), and a re-plan (:func:`adoptsim.decide.replan.
replan`, with small settings so that the page answers in seconds).

What the page shows: the forecast as it was after observed weeks spread over the window
(from the filter's snapshots: the band narrowing as weeks come in), the forecast from today
as planned and re-planned, the recommended next step with its paired gain, and
``next.yaml`` (extends the calibrated scenario) to take away. An upload is written to a
private temporary folder and read by the same strict readers as on the command line; the
messages name the uploaded file, never that folder.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from adoptsim import observe
from adoptsim.calibration.assimilate import continue_state
from adoptsim.calibration.charts import narrowing_chart
from adoptsim.calibration.observed import Observed
from adoptsim.calibration.persons import PersonObserved
from adoptsim.decide.replan import Replan, replan
from adoptsim.decide.replan_files import forecast_chart, next_yaml, recommendation
from adoptsim.errors import AdoptsimError, InputError
from adoptsim.org import build_with_identities
from adoptsim.scenario import Scenario, load_scenario, read_scenario_data
from adoptsim.viz import style

#: how the dropped files are read: per-person weeks (one file), or a usage export (its
#: files: Teams reports, Slack's daily member analytics, activity CSVs; needs a start date)
FORMATS = ("per person", "teams", "slack", "activity")
#: the re-plan's settings on the page: small, so that it answers in seconds
DEFAULTS = {"particles": 40, "trials": 8, "runs": 10, "budget_left": 50_000.0}
#: limits of the settings the page accepts (the CLI's are wider)
LIMITS = {"particles": (2, 500), "trials": (1, 200), "runs": (1, 500)}
#: the largest observed file taken (52 weeks of 20,000 people in the per-person form)
MAX_UPLOAD = 50 * 2**20
#: observed weeks whose forecast the narrowing chart shows (spread over the window)
PANELS = 4
#: particles each of those forecasts continues (from the filter's snapshot of that week)
PANEL_RUNS = 20
#: file endings kept from an upload's name (the reader for exports looks at them)
SUFFIXES = (".csv", ".json", ".gz", ".zip")


def calibrated(choices: dict[str, Path], root: Path | None) -> list[str]:
    """The names of ``choices`` whose scenario names a posterior (``calibration.posterior``)."""
    out = []
    for name, path in choices.items():
        try:
            data = read_scenario_data(path, root=root)
        except AdoptsimError:
            continue
        section = data.get("calibration")
        if isinstance(section, dict) and section.get("posterior"):
            out.append(name)
    return out


def panel_weeks(last: int, panels: int = PANELS) -> list[int]:
    """Up to ``panels`` observed weeks spread over 1..``last``, the last one included."""
    if last < 1:
        return []
    return sorted({int(w + 0.5) for w in np.linspace(last / panels, last, panels)} - {0})


def band_at(curves: pd.DataFrame, week: int, column: str = "using_share") -> tuple[float, float]:
    """The 90 % band (5th and 95th percentiles over replicates) of ``column`` at ``week``."""
    values = curves.loc[curves["week"] == week, column]
    return float(values.quantile(0.05)), float(values.quantile(0.95))


def png(fig: Figure) -> bytes:
    """A figure as PNG bytes (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    style.close(fig)
    return buf.getvalue()


class RolloutState:
    """One user's rollout page: the scenario chosen, the upload, the settings, the re-plan
    and what it shows."""

    def __init__(self, choices: dict[str, Path], root: Path | None = None):
        self.choices = dict(choices)
        self.root = Path(root) if root is not None else None
        names = calibrated(self.choices, self.root)
        self.name: str | None = names[0] if names else next(iter(self.choices), None)
        self.settings: dict[str, Any] = dict(DEFAULTS)
        #: today, the last observed week (None: the file's last week)
        self.through: int | None = None
        self.fmt = FORMATS[0]
        #: the first day of week 1 (usage exports only), YYYY-MM-DD
        self.start = ""
        #: the activity format's columns: who, and when
        self.person_column = ""
        self.date_column = ""
        self.upload_name: str | None = None
        self.error: str | None = None
        self.stage = ""
        self.progress = 0.0
        self.result: Replan | None = None
        self.narrowing: dict[int, pd.DataFrame] = {}
        self.pngs: dict[str, bytes] = {}
        self._folder = Path(tempfile.mkdtemp(prefix="adoptsim-rollout-"))
        self._uploads: dict[Path, str] = {}
        self._lock = threading.Lock()

    def __del__(self) -> None:
        shutil.rmtree(getattr(self, "_folder", ""), ignore_errors=True)

    # ---- inputs ----------------------------------------------------------------------
    def choose(self, name: str) -> None:
        """Choose the calibrated scenario ``name`` of the folder."""
        if name in self.choices:
            self.name = name
            self._forget()

    def set(self, key: str, value: Any) -> str | None:
        """Set a re-plan setting (``particles``, ``trials``, ``runs``, ``budget_left``);
        the reason if refused (the setting is kept)."""
        if key == "budget_left":
            if value is None or not np.isfinite(value) or value < 0:
                self.error = "budget left: give an amount of 0 or more"
                return self.error
        else:
            low, high = LIMITS[key]
            if value is None or not low <= int(value) <= high:
                self.error = f"{key}: give {low} to {high} on this page (the CLI takes more)"
                return self.error
            value = int(value)
        self.settings[key] = value
        self.error = None
        return None

    def set_through(self, value: int | None) -> None:
        """Today, the last observed week (None: the file's last week)."""
        self.through = None if value is None or value < 1 else int(value)

    def upload(self, name: str, content: bytes) -> None:
        """Take one uploaded observed file (see :meth:`upload_files`)."""
        self.upload_files([(name, content)])

    def upload_files(self, files: list[tuple[str, bytes]]) -> None:
        """Take the dropped files (kept in this session's private folder, by their names)."""
        if self._lock.locked():
            self.error = "a re-plan is running: drop the files again when it has finished"
            return
        self._forget()
        for old in self._uploads:
            old.unlink(missing_ok=True)
        self._uploads, self.upload_name = {}, None
        total = sum(len(content) for _, content in files)
        if total > MAX_UPLOAD:
            self.error = f"the files hold more than {MAX_UPLOAD:,} bytes"
            return
        folder = self._folder / "uploads"
        folder.mkdir(exist_ok=True)
        for k, (name, content) in enumerate(files):
            label = re.sub(r"[^\w.\- ]", "_", Path(str(name)).name)[:100].strip(". ")
            label = label or f"file{k + 1}.csv"
            path = folder / label
            if path in self._uploads:
                path = folder / f"{k + 1}_{label}"
            path.write_bytes(content)
            self._uploads[path] = label
        labels = list(self._uploads.values())
        more = f" and {len(labels) - 3} more" if len(labels) > 3 else ""
        self.upload_name = ", ".join(labels[:3]) + more

    def _forget(self) -> None:
        self.result, self.narrowing, self.pngs, self.error = None, {}, {}, None

    def _clean(self, message: str) -> str:
        """A message with the private folder replaced by the uploads' names."""
        for path, label in self._uploads.items():
            message = message.replace(str(path), label)
        return message.replace(str(self._folder / "uploads"), "upload").replace(
            str(self._folder), "upload"
        )

    # ---- the re-plan -----------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Whether a re-plan can start (a scenario and an upload)."""
        return self.name is not None and bool(self._uploads)

    def scenario(self) -> Scenario:
        """The chosen scenario, read with the app's confinement."""
        if self.name is None:
            raise InputError("no scenario in the app's folder")
        return load_scenario(self.choices[self.name], root=self.root)

    def observed_file(self, spec: Scenario) -> Path:
        """The per-person file of the upload (a usage export turned into observed weeks
        against the scenario's organization)."""
        paths = list(self._uploads)
        if not paths:
            raise InputError("drop the observed weeks first")
        if self.fmt == FORMATS[0]:
            if len(paths) > 1:
                raise InputError(
                    f"{len(paths)} files dropped: the per-person weeks are one file "
                    "(employee_id,week,active or employee_id,first_week)"
                )
            return paths[0]
        try:
            start = pd.Timestamp(pd.to_datetime(self.start, format="%Y-%m-%d"))
        except (ValueError, TypeError):
            raise InputError(
                f"{self.start!r} is not a date; give YYYY-MM-DD (the first day of week 1)",
                source="start",
            ) from None
        if self.fmt == "activity":
            if not (self.person_column and self.date_column):
                raise InputError("the activity format needs the person and the date columns")
            usage = observe.read_activity(paths, start, self.person_column, self.date_column)
        else:
            reader = observe.read_teams if self.fmt == "teams" else observe.read_slack
            usage = reader(paths, start)
        org, identities = build_with_identities(spec.organization, spec.base_dir)
        weeks = observe.observed_weeks(usage, identities, org.ids, start, fmt=self.fmt)
        path = self._folder / "observed_weeks.csv"
        weeks.people.to_csv(path, index=False)
        return path

    def run(self, progress: Callable[[float], None] | None = None) -> Replan | None:
        """Assimilate, re-plan and draw (errors go to :attr:`error`, never raised)."""
        with self._lock:
            self._forget()
            try:
                self._run(progress)
            except AdoptsimError as exc:
                self.error = self._clean(str(exc))
                self.result = None
            finally:
                self.stage = ""
        return self.result

    def _run(self, progress: Callable[[float], None] | None) -> None:
        def tick(share: float, stage: str) -> None:
            self.progress, self.stage = share, stage
            if progress is not None:
                progress(share)

        spec = self.scenario()
        tick(0.0, "assimilating the observed weeks")
        path = self.observed_file(spec)
        s = self.settings

        def trials(done: int, total: int) -> None:
            tick(0.1 + 0.7 * done / max(total, 1), f"re-planning: trial {done} of {total}")

        rp = replan(
            spec, path, float(s["budget_left"]), through=self.through, trials=s["trials"],
            particles=s["particles"], runs=min(s["runs"], s["particles"]), progress=trials,
        )  # fmt: skip
        tick(0.8, "the forecast as it was week by week")
        filt = rp.assimilation
        narrowing = {}
        for week in panel_weeks(rp.today):
            state = filt.snapshots.get(week)
            if state is None:
                continue
            flat = np.full(state.R, 1.0 / state.R)
            runs = min(PANEL_RUNS, state.R)
            res = continue_state(state, flat, spec, filt.org, spec.weeks, runs, f"app@{week}")
            narrowing[week] = res.curves
        self.result, self.narrowing = rp, narrowing
        self.pngs = {
            "narrowing": png(narrowing_chart(narrowing, self.shares(), self.title())),
            "replan": png(forecast_chart(rp)),
        }
        tick(1.0, "")

    # ---- what the page shows ---------------------------------------------------------
    def shares(self) -> Observed | None:
        """The observed weekly shares (for the charts' points)."""
        if self.result is None:
            return None
        obs = self.result.assimilation.observed
        if isinstance(obs, PersonObserved):
            return obs.aggregate(self.result.assimilation.org)
        return obs if isinstance(obs, Observed) else None

    def title(self) -> str:
        """The narrowing chart's title."""
        rp = self.result
        if rp is None:
            return ""
        return f"{rp.scenario.name}: the forecast as weeks 1-{rp.today} came in"

    def narrowing_rows(self) -> list[dict[str, str]]:
        """After each shown week, the 90 % band of the share using the tool at the horizon."""
        if self.result is None:
            return []
        horizon = self.result.scenario.weeks
        rows = []
        for week, curves in sorted(self.narrowing.items()):
            low, high = band_at(curves, horizon)
            rows.append(
                {
                    "after week": str(week),
                    f"using the tool in week {horizon} (90 % band)": (
                        f"{100 * low:.0f} to {100 * high:.0f} %"
                    ),
                    "band width": f"{100 * (high - low):.0f} pp",
                }
            )
        return rows

    def filter_rows(self) -> list[dict[str, str]]:
        """The filter after every observed week: the effective sample size and each
        parameter's 90 % interval (its median in brackets)."""
        if self.result is None:
            return []
        table = self.result.assimilation.table
        params = [c[: -len(":median")] for c in table.columns if c.endswith(":median")]
        rows = []
        for _, r in table.iterrows():
            row = {"after week": str(int(r["week"])), "effective particles": f"{r['ess']:.0f}"}
            for p in params:
                row[p] = f"{r[p + ':low']:.3g} to {r[p + ':high']:.3g} ({r[p + ':median']:.3g})"
            rows.append(row)
        return rows

    def recommendation(self) -> dict[str, Any]:
        """``recommendation.json``'s content (empty before a re-plan)."""
        return recommendation(self.result) if self.result is not None else {}

    def recommendation_text(self) -> str:
        """The recommended next step and its gain, in words (Markdown)."""
        rec = self.recommendation()
        if not rec:
            return ""
        metric = rec["metric"]
        pct, unit = (100, " pp") if "share" in metric else (1, "")
        gain = rec["expected_gain"]
        low, high = gain["interval_90"]
        steps = "\n".join(f"- {c}" for c in rec["recommended_changes"]) or "- continue as planned"
        return (
            f"**Today: week {rec['today']}** · spent so far {rec['spent_so_far']:,.0f} · "
            f"budget left {rec['budget_left']:,.0f}\n\n**Recommended next step**\n\n{steps}\n\n"
            f"Expected gain in {metric.replace('_', ' ')} over continuing as planned: "
            f"**{pct * gain['mean']:+.1f}{unit}** (90 % paired interval {pct * low:+.1f} to "
            f"{pct * high:+.1f}{unit}, {gain['paired_over_particles']} particles); cost from "
            f"next week {rec['recommended']['cost_from_next_week']:,.0f} (as planned "
            f"{rec['as_planned']['cost_from_next_week']:,.0f})."
        )

    def next_yaml(self) -> str:
        """``next.yaml``: extends the calibrated scenario (by its file name in the folder)."""
        if self.result is None:
            raise InputError("re-plan first")
        folder = Path(self.choices[self.name]).resolve().parent if self.name else Path.cwd()
        return next_yaml(self.result, folder)


__all__ = ["FORMATS", "RolloutState", "calibrated", "panel_weeks"]
