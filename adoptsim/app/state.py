"""The workshop app's state and actions, as plain Python (the page only shows them).

The YAML text is the plan's single source: opening a scenario shows its data (``extends``
resolved) as YAML; editing the text, the plan's widgets or the run settings produces new
text that goes through the same strict reader and schema as a file
(:func:`adoptsim.scenario.scenario_from_text`). A run is cached by the scenario's content
hash; plan A is a pinned result, and plan B is compared with it replicate by replicate
(the same runs and seed: common random numbers).
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from adoptsim import report
from adoptsim.app import charts, plan
from adoptsim.errors import AdoptsimError, InputError
from adoptsim.org import Organization
from adoptsim.runs.compare import METRICS, Comparison, format_difference, format_value
from adoptsim.runs.metrics import aggregate
from adoptsim.runs.result import Result
from adoptsim.runs.runner import build_org, run
from adoptsim.scenario import Scenario, read_scenario_data, scenario_from_text
from adoptsim.scenario.yaml_input import MAX_BYTES

#: the metrics of the run summary, with the unit they are shown in
SUMMARY_METRICS = {
    "final_active_share": ("final active share", "share"),
    "sustained_share": ("sustained (voluntary) share", "share"),
    "final_habitual_share": ("habitual share", "share"),
    "weeks_to_50": ("weeks to 50 % active", "weeks"),
    "lapses": ("lapses", "events"),
    "cost": ("cost", "cost"),
}
#: the run settings the page edits (keys of the scenario)
SETTINGS = ("runs", "weeks", "seed")
#: the plans' names in a comparison
PLAN_A, PLAN_B = "plan A", "plan B"


def scenario_files(folder: str | Path) -> dict[str, Path]:
    """The scenario files (``*.yaml``) of ``folder`` by file name, without descending."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml")) if p.is_file()}


def to_yaml(data: dict[str, Any]) -> str:
    """Scenario data as YAML text (keys in the order given)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)


def _renamed(result: Result, name: str) -> Result:
    """A shallow copy of ``result`` that goes by plan name ``name`` in a comparison."""
    return dataclasses.replace(result, manifest={**result.manifest, "plan": name})


class AppState:
    """One user's session: the scenario text, the plan, runs, plan A and the comparison."""

    def __init__(
        self,
        choices: dict[str, Path] | None = None,
        initial: Path | None = None,
        root: Path | None = None,
    ):
        self.choices: dict[str, Path] = dict(choices or {})
        #: the folder every file a scenario names must lie in (None: anywhere)
        self.root: Path | None = Path(root) if root is not None else None
        self.source: Path | None = None
        self.text = ""
        self.data: dict[str, Any] = {}
        self.scenario: Scenario | None = None
        #: the editor's error (the text is not a valid scenario); None when valid
        self.error: str | None = None
        #: the last plan edit that was refused, and why
        self.plan_error: str | None = None
        self.run_error: str | None = None
        #: why the report could not be prepared
        self.report_error: str | None = None
        self.result: Result | None = None
        self.pinned: Result | None = None
        self.comparison: Comparison | None = None
        self.compare_note: str | None = None
        #: share of the current run done (0..1)
        self.progress = 0.0
        #: runs finished in this session (numbers the results on the page)
        self.finished = 0
        self._results: dict[str, Result] = {}
        self._orgs: dict[str, Organization] = {}
        self._pngs: dict[tuple[Any, ...], bytes] = {}
        self._lock = threading.Lock()
        if initial is not None:
            self.open_file(initial)
        elif self.choices:  # the baseline when the folder has one
            self.open_file(self.choices.get("baseline") or next(iter(self.choices.values())))

    # ---- the scenario ----------------------------------------------------------------
    def open_choice(self, name: str) -> None:
        """Open the listed scenario ``name``."""
        self.open_file(self.choices[name])

    def open_file(self, path: str | Path) -> None:
        """Open a scenario file: its data (``extends`` resolved) becomes the text."""
        path = Path(path)
        try:
            data = read_scenario_data(path, root=self.root)
        except AdoptsimError as exc:
            self.error = str(exc)
            return
        self.source = path
        self.edit_text(to_yaml(data))

    def open_upload(self, content: bytes) -> None:
        """Open an uploaded scenario file (read as text, never executed; no ``extends``)."""
        if len(content) > MAX_BYTES:
            self.error = f"the file is larger than {MAX_BYTES:,} bytes"
            return
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.error = f"the file is not UTF-8 text (byte {exc.start})"
            return
        self.source = None
        self.edit_text(text)

    def edit_text(self, text: str) -> None:
        """Take the editor's text: the scenario when it is valid, else the error."""
        self.text = text
        try:
            scenario = scenario_from_text(text, self.source, root=self.root)
        except AdoptsimError as exc:
            self.error = str(exc)
            return
        self.scenario = scenario
        self.data = yaml.safe_load(text)
        self.error = None
        self.plan_error = None

    def _apply(self, data: dict[str, Any]) -> str | None:
        """Make ``data`` the scenario if it is valid; else keep the plan and return why."""
        text = to_yaml(data)
        try:
            scenario = scenario_from_text(text, self.source, root=self.root)
        except AdoptsimError as exc:
            self.plan_error = str(exc)
            return self.plan_error
        self.text, self.data, self.scenario = text, data, scenario
        self.error = self.plan_error = None
        return None

    @property
    def valid(self) -> bool:
        """Whether the text is a valid scenario (a run takes it)."""
        return self.scenario is not None and self.error is None

    def setting(self, key: str) -> int:
        """A run setting (``runs``, ``weeks``, ``seed``) of the scenario."""
        if self.scenario is None:
            raise InputError("no scenario is open")
        return int(getattr(self.scenario, key))

    def set_setting(self, key: str, value: int) -> str | None:
        """Set a run setting (``runs``, ``weeks``, ``seed``); the reason if refused."""
        if key not in SETTINGS:
            raise ValueError(f"unknown setting {key!r}")
        return self._apply({**self.data, key: value})

    # ---- the organization ------------------------------------------------------------
    def organization(self) -> Organization:
        """The organization of the current scenario (the shared one of its seed)."""
        if self.scenario is None:
            raise InputError("no scenario is open")
        s = self.scenario
        key = f"{s.organization.model_dump_json()}|{s.seed}|{s.base_dir}"
        if key not in self._orgs:
            self._orgs[key] = build_org(s, s.seed)
        return self._orgs[key]

    def organization_summary(self) -> dict[str, Any]:
        """Size, departments (with head counts) and ties of the organization."""
        info = self.organization().summary()
        return {
            "employees": info["employees"],
            "departments": info["departments"],
            "ties": sum(info["edges"].values()),
            "levels": info["levels"],
        }

    # ---- the plan --------------------------------------------------------------------
    @property
    def strategies(self) -> list[dict[str, Any]]:
        """The plan's strategy entries as written in the scenario."""
        return list(self.data.get("strategies") or [])

    def add_strategy(self, name: str) -> str | None:
        """Add strategy ``name`` with its defaults (a numbered label if it is there)."""
        entries = self.strategies
        labels = {e.get("name") or e.get("type") for e in entries}
        entry: dict[str, Any] = {"type": name}
        k = 2
        while (entry.get("name") or name) in labels:
            entry["name"] = f"{name} {k}"
            k += 1
        return self._apply({**self.data, "strategies": [*entries, entry]})

    def remove_strategy(self, index: int) -> str | None:
        """Remove the plan's strategy at ``index``."""
        entries = self.strategies
        del entries[index]
        return self._apply({**self.data, "strategies": entries})

    def set_field(self, index: int, path: str, value: Any) -> str | None:
        """Set ``path`` (``start``, ``target.count``, ``platform``) of strategy ``index``;
        the reason if the scenario would not be valid (the plan is kept)."""
        entries = self.strategies
        entry = entries[index]
        if path.startswith("target.") and "target" not in entry and self.scenario is not None:
            default = self.scenario.strategies[index].target  # the strategy's own default
            entry = {**entry, "target": default.model_dump(exclude_defaults=True)}
        entries[index] = plan.set_path(entry, path, value)
        return self._apply({**self.data, "strategies": entries})

    def plan_cost(self) -> float:
        """The plan's cost before a run (targeted people estimated from the rules)."""
        if self.scenario is None:
            return 0.0
        return plan.plan_cost(self.scenario, self.organization().n)

    def strategy_cost(self, index: int) -> float:
        """Strategy ``index``'s cost before a run (as :meth:`plan_cost`)."""
        s = self.scenario
        return plan.strategy_cost(s.strategies[index], s.weeks, self.organization().n)

    # ---- runs and the comparison -----------------------------------------------------
    def run(self, progress: Callable[[float], None] | None = None) -> Result | None:
        """Run the current scenario (cached by its content hash) and compare it with plan
        A when one is pinned; errors go to :attr:`run_error`. :attr:`progress` (and
        ``progress(share)``) follow the share of replicate-weeks done."""
        if not self.valid:
            self.run_error = "the scenario has errors: fix them in the editor first"
            return None
        scenario = self.scenario
        key = scenario.content_hash()
        total = max(1, scenario.runs * scenario.weeks)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            self.progress = min(1.0, done / total)
            if progress is not None:
                progress(self.progress)

        with self._lock:
            self.progress = 0.0
            try:
                if key not in self._results:
                    self._results[key] = run(scenario, progress=tick)
                self.progress = 1.0
            except AdoptsimError as exc:
                self.run_error = str(exc)
                return None
        self.run_error = None
        self.result = self._results[key]
        self.finished += 1
        self._compare()
        return self.result

    def pin(self) -> None:
        """Pin the current result as plan A."""
        self.pinned = self.result
        self.comparison = None
        self.compare_note = None

    def unpin(self) -> None:
        """Forget plan A."""
        self.pinned = self.comparison = self.compare_note = None

    def _compare(self) -> None:
        self.comparison = self.compare_note = None
        a, b = self.pinned, self.result
        if a is None or b is None:
            return
        same = (a.manifest["runs"], a.manifest["seed"]) == (b.manifest["runs"], b.manifest["seed"])
        if not same:
            self.compare_note = "plan A ran with other runs or seed: run plan B with the same"
            return
        self.comparison = Comparison.from_results([_renamed(a, PLAN_A), _renamed(b, PLAN_B)])

    # ---- what the page shows ---------------------------------------------------------
    def summary_rows(self, result: Result | None = None) -> list[dict[str, str]]:
        """The run's summary: metric, mean (median for weeks) and 90 % interval."""
        result = result or self.result
        if result is None:
            return []
        agg = aggregate(result.summary)
        rows = []
        for metric, (label, unit) in SUMMARY_METRICS.items():
            value, interval = format_value({**agg.loc[metric].to_dict(), "unit": unit})
            rows.append({"metric": label, "value": value, "90 % of runs": interval})
        return rows

    def comparison_rows(self) -> list[dict[str, str]]:
        """Plan A and plan B per metric, and B's paired difference with its interval."""
        if self.comparison is None:
            return []
        table = self.comparison.table.set_index(["scenario", "metric"])
        runs = self.comparison.runs
        rows = []
        for metric, info in METRICS.items():
            a, b = table.loc[(PLAN_A, metric)], table.loc[(PLAN_B, metric)]
            diff, interval = format_difference(b, runs)
            ci = (
                f"{100 * b['diff_ci_low']:+.1f} to {100 * b['diff_ci_high']:+.1f} pp"
                if info.unit == "share" and pd.notna(b["diff_ci_low"])
                else ""
            )
            rows.append(
                {
                    "metric": info.label,
                    PLAN_A: format_value(a)[0],
                    PLAN_B: format_value(b)[0],
                    "B − A": diff,
                    "90 % of paired runs": interval,
                    "90 % CI of the mean": ci,
                }
            )
        return rows

    def attribution_rows(self) -> list[dict[str, str]]:
        """Adoptions per cause (strategy, own motivation, unresolved peers), mean per run."""
        if self.result is None:
            return []
        table = self.result.attribution()
        return [
            {
                "cause": str(cause),
                "direct": f"{row['direct']:.1f}",
                "through colleagues": f"{row['indirect']:.1f}",
                "share": f"{100 * row['share']:.0f} %",
            }
            for cause, row in table.iterrows()
        ]

    def chart(self, kind: str, week: int | None = None) -> bytes:
        """A chart of the current result or comparison as PNG (see :data:`charts.KINDS`)."""
        source = self.comparison if kind in charts.COMPARISON_KINDS else self.result
        if source is None:
            raise InputError(f"nothing to draw the {kind} chart from: run the plan first")
        key = (kind, week, id(source))
        if key not in self._pngs:
            self._pngs[key] = charts.png(source, kind, week)
        return self._pngs[key]

    def report(self, fmt: str) -> bytes:
        """The one-page report of the comparison (or of the run) as HTML or PDF."""
        source = self.comparison or self.result
        if source is None:
            raise InputError("run the plan first")
        if fmt == "html":
            return report.html(source).encode("utf-8")
        with tempfile.TemporaryDirectory() as folder:
            path = report.pdf(source, Path(folder) / "report.pdf")
            return path.read_bytes()

    def reports(self, formats: Iterable[str]) -> dict[str, bytes]:
        """The report in each format that can be made; :attr:`report_error` says why one
        could not (a PDF whose page the plan does not fit, ...)."""
        out: dict[str, bytes] = {}
        self.report_error = None
        for fmt in formats:
            try:
                out[fmt] = self.report(fmt)
            except AdoptsimError as exc:
                self.report_error = f"{fmt}: {exc}"
        return out

    def file_name(self, suffix: str) -> str:
        """A download's file name: the scenario's name with ``suffix``."""
        name = self.scenario.name if self.scenario is not None else "scenario"
        return f"{name.replace(' ', '_')}{suffix}"


__all__ = ["AppState", "scenario_files", "to_yaml"]
