"""The app's page: the workshop (Solara components that show and edit an
:class:`AppState`, no model logic here; panels: scenario, plan, run, compare, watch, take
away) and the rollout page (:mod:`adoptsim.app.rollout_page`), switched at the top."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import solara

from adoptsim.app import plan
from adoptsim.app.rollout import RolloutState
from adoptsim.app.rollout_page import RolloutPage
from adoptsim.app.server import ENV_FOLDER, ENV_SCENARIO
from adoptsim.app.state import PLAN_A, AppState, scenario_files
from adoptsim.app.widgets import CSS, Download, Message, Note, markdown_table, use_background
from adoptsim.strategies import REGISTRY

Changed = Callable[[], None]
#: the report's formats and their media types
MIME = {"html": "text/html", "pdf": "application/pdf"}
#: seconds per week when the watch panel plays a run
PLAY_SECONDS = 0.5
#: an optional choice left unset
UNSET = "(none)"
#: the app's pages, switched at the top
PAGES = ("workshop", "rollout")


def new_state() -> AppState:
    """A session's state: the scenarios of the server's folder, its scenario opened."""
    folder = os.environ.get(ENV_FOLDER)
    initial = os.environ.get(ENV_SCENARIO)
    return AppState(
        scenario_files(folder) if folder else {},
        Path(initial) if initial else None,
        root=Path(folder) if folder else None,
    )


def new_rollout() -> RolloutState:
    """A session's rollout page: the scenarios of the server's folder (a calibrated one
    chosen)."""
    folder = os.environ.get(ENV_FOLDER)
    return RolloutState(
        scenario_files(folder) if folder else {}, root=Path(folder) if folder else None
    )


@solara.component
def Chart(state: AppState, kind: str, version: int, week: int | None = None):
    """A chart with its PNG download."""
    data = state.chart(kind, week)
    with solara.Column(classes=[f"chart-{kind}"]):
        solara.Image(data, width="100%")
        name = state.file_name(f"_{kind}.png" if week is None else f"_{kind}_week{week}.png")
        Download(data, name, f"{kind} chart (PNG)", "image/png")


@solara.component
def ScenarioPanel(state: AppState, version: int, changed: Changed):
    """Choose, upload or edit the scenario; its organization in one line."""

    def choose(name: str) -> None:
        state.open_choice(name)
        changed()

    def upload(info: dict[str, Any]) -> None:
        state.open_upload(info["data"])
        changed()

    def edit(text: str) -> None:
        state.edit_text(text)
        changed()

    chosen = state.source.stem if state.source and state.source.stem in state.choices else None
    with solara.Card("Scenario"):
        solara.Select(
            "shipped scenario",
            values=list(state.choices),
            value=chosen,
            on_value=choose,
            classes=["scenario-select"],
        )
        solara.FileDrop(
            label="… or drop a scenario file here (YAML: read as data, never executed)",
            on_file=upload,
            lazy=False,
        )
        with solara.Column(classes=["scenario-editor"]):
            solara.InputTextArea(
                "scenario (YAML): edit, then click outside to check it",
                value=state.text,
                on_value=edit,
                error=state.error is not None,
                rows=16,
                auto_grow=False,
            )
            if state.error:
                Message(state.error, "editor-error")
        if state.scenario is not None and state.error is None:
            org = state.organization_summary()
            depts = ", ".join(f"{escape(k)} {v:,}" for k, v in org["departments"].items())
            Note(
                f"**Organization:** {org['employees']:,} employees in "
                f"{len(org['departments'])} departments ({depts}) · {org['ties']:,} ties · "
                f"{org['levels']} levels",
                "organization",
            )


@solara.component
def Field(widget: plan.Widget, value: Any, on_value: Callable[[Any], None]):
    """One generated widget of a strategy's schema."""
    css = [f"field-{widget.path.replace('.', '-')}"]
    if widget.kind == "int":
        solara.InputInt(
            widget.label, value=value, on_value=on_value, optional=widget.optional, classes=css
        )
    elif widget.kind == "float":
        solara.InputFloat(
            widget.label, value=value, on_value=on_value, optional=widget.optional, classes=css
        )
    elif widget.kind == "bool":
        solara.Checkbox(label=widget.label, value=bool(value), on_value=on_value)
    else:
        values = [UNSET, *widget.choices] if widget.optional else list(widget.choices)
        solara.Select(
            widget.label,
            values=values,
            value=UNSET if value is None else str(value),
            on_value=lambda v: on_value(None if v == UNSET else v),
            classes=css,
        )


@solara.component
def StrategyEditor(state: AppState, index: int, changed: Changed):
    """A strategy of the plan: its widgets and a remove button."""
    params = state.scenario.strategies[index]
    values = params.model_dump()

    def setter(path: str) -> Callable[[Any], None]:
        def set_value(value: Any) -> None:
            state.set_field(index, path, value)
            changed()

        return set_value

    def remove() -> None:
        state.remove_strategy(index)
        changed()

    with solara.Card(
        params.label, subtitle=REGISTRY[params.type].summary, classes=[f"strategy-{index}"]
    ):
        with solara.Row(classes=["fields"], style={"flex-wrap": "wrap"}):
            for widget in plan.widgets(params.type):
                Field(widget, plan.get_path(values, widget.path), setter(widget.path))
        with solara.Row(style={"align-items": "center"}):
            solara.Button("remove", on_click=remove, text=True, classes=["remove"])
            solara.Text(f"cost of this strategy: {state.strategy_cost(index):,.0f}")


@solara.component
def PlanPanel(state: AppState, version: int, changed: Changed):
    """The plan's strategies with their widgets, its cost, and the strategy library."""

    def adder(name: str) -> Callable[[], None]:
        def add() -> None:
            state.add_strategy(name)
            changed()

        return add

    with solara.Card("Plan"):
        if state.error or state.scenario is None:
            Message("The plan shows once the scenario in the editor is valid.")
            return
        Note(
            f"**Plan cost:** {state.plan_cost():,.0f} (before a run: targeted people "
            "estimated from each count or share)",
            "plan-cost",
        )
        if state.plan_error:
            Message(state.plan_error, "editor-error")
        if not state.scenario.strategies:
            solara.Markdown("*No strategy: add one from the library below.*")
        for i in range(len(state.scenario.strategies)):
            StrategyEditor(state, i, changed)
        solara.Markdown(
            "**Strategy library** (a strategy costs nothing until its cost items are set)"
        )
        with solara.Column(classes=["library"], gap="2px"):
            for card in plan.cards():
                with solara.Row(gap="8px", style={"align-items": "center"}):
                    solara.Button(
                        "add",
                        on_click=adder(card.name),
                        disabled=not card.addable,
                        small=True,
                        outlined=True,
                        classes=[f"add-{card.name}"],
                    )
                    solara.Markdown(
                        f"**{card.name}**: {card.mechanism}"
                        + (f" *Default cost: {card.cost}.*" if card.cost else "")
                        + ("" if card.addable else " *(needs settings: add it in the YAML)*"),
                        style={"font-size": "13px"},
                    )


@solara.component
def RunPanel(state: AppState, version: int, changed: Changed):
    """Run settings, the run button and progress, the summary, charts and attribution."""
    start, running, progress = use_background(state.run, lambda: state.progress, changed)

    def setting(key: str) -> Callable[[int], None]:
        def set_value(value: int) -> None:
            state.set_setting(key, value)
            changed()

        return set_value

    with solara.Card("Run"):
        if state.scenario is not None:
            with solara.Row(classes=["fields"]):
                for key in ("runs", "weeks", "seed"):
                    solara.InputInt(
                        key, value=state.setting(key), on_value=setting(key), classes=[f"set-{key}"]
                    )
        solara.Button(
            "run plan",
            on_click=start,
            disabled=running or not state.valid,
            color="primary",
            classes=["run"],
        )
        if running:
            solara.ProgressLinear(100 * progress)
            solara.Text(f"running: {100 * progress:.0f} %")
        if state.run_error:
            Message(state.run_error, "run-error")
        if state.result is None or running:
            return
        r = state.result
        Note(
            f"**Run {state.finished}: {r.name}**, {r.manifest['runs']} runs, "
            f"seed {r.manifest['seed']}, "
            f"{r.manifest['employees']:,} employees\n\n" + markdown_table(state.summary_rows()),
            "summary",
        )
        for kind in ("adoption", "departments", "funnel"):
            Chart(state, kind, version)
        Note(
            "**Which strategy caused the adoptions** (mean per run)\n\n"
            + markdown_table(state.attribution_rows()),
            "attribution",
        )


@solara.component
def ComparePanel(state: AppState, version: int, changed: Changed):
    """Pin plan A; once plan B has run, both curves and the paired differences."""

    def pin() -> None:
        state.pin()
        changed()

    def unpin() -> None:
        state.unpin()
        changed()

    with solara.Card("Compare"):
        with solara.Row():
            solara.Button(
                "pin as plan A", on_click=pin, disabled=state.result is None, classes=["pin"]
            )
            solara.Button("forget plan A", on_click=unpin, disabled=state.pinned is None)
        a = state.pinned
        if a is None:
            solara.Markdown("Run a plan and pin it as plan A; then change the plan and run it.")
            return
        solara.Markdown(
            f"**{PLAN_A}:** {a.name}, {a.manifest['runs']} runs, seed {a.manifest['seed']}. "
            "Plan B (the next run) uses the same seeds: the differences are paired run by run."
        )
        if state.compare_note:
            Message(state.compare_note, "warning")
        if state.comparison is None:
            return
        Note(markdown_table(state.comparison_rows()), "comparison")
        Chart(state, "compare", version)
        Chart(state, "differences", version)


@solara.component
def WatchPanel(state: AppState, version: int):
    """One run replayed week by week: the organization coloured by stage; "play" steps
    through the weeks."""
    result = state.result
    weeks = int(result.curves["week"].max()) if result is not None else 0
    week, set_week = solara.use_state(None)  # None: the last week
    playing, set_playing = solara.use_state(False)
    shown = weeks if week is None else min(week, weeks)

    def play(cancel: threading.Event) -> None:
        if not playing:
            return
        for w in range(0 if shown >= weeks else shown, weeks + 1):
            if cancel.wait(PLAY_SECONDS):
                return
            set_week(w)
        set_playing(False)

    solara.use_thread(play, dependencies=[playing])
    with solara.Card("Watch"):
        if result is None:
            solara.Markdown("Run a plan to replay one of its runs here.")
            return
        with solara.Row(style={"align-items": "center"}):
            solara.Button(
                "pause" if playing else "play",
                on_click=lambda: set_playing(not playing),
                classes=["play"],
            )
            solara.SliderInt("week", value=shown, min=0, max=weeks, on_value=set_week)
        Chart(state, "watch", version, week=shown)


@solara.component
def TakeAwayPanel(state: AppState, version: int):
    """Downloads: the scenario of the current plan and the one-page report."""
    prepared, set_prepared = solara.use_state((-1, {}))
    reports = prepared[1] if prepared[0] == version else {}  # the plan or run changed

    def prepare() -> None:
        set_prepared((version, state.reports(MIME)))

    with solara.Card("Take away", classes=["take-away"]):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            Download(state.text, state.file_name(".yaml"), "scenario (YAML)", "text/yaml")
            if state.result is not None and not reports:
                solara.Button("prepare the report", on_click=prepare, classes=["prepare"])
            for fmt, data in reports.items():
                Download(data, state.file_name(f"_report.{fmt}"), f"report ({fmt})", MIME[fmt])
        if state.report_error and prepared[0] == version:
            Message(f"The report could not be prepared: {state.report_error}", "error")
        solara.Markdown("Each chart has its PNG download below it.")


@solara.component
def Page():
    """The app: the workshop page or the rollout page."""
    state = solara.use_memo(new_state, [])
    rollout = solara.use_memo(new_rollout, [])
    version, set_version = solara.use_state(0)
    shown, set_shown = solara.use_state(PAGES[0])

    def changed() -> None:
        set_version(lambda v: v + 1)

    solara.Title("adoptsim workshop" if shown == PAGES[0] else "adoptsim rollout")
    solara.Style(CSS)
    solara.ToggleButtonsSingle(value=shown, values=list(PAGES), on_value=set_shown,
                               classes=["pages"])  # fmt: skip
    if shown == PAGES[1]:
        RolloutPage(rollout, version, changed)
        return
    with solara.Columns([5, 7]):
        with solara.Column():
            ScenarioPanel(state, version, changed)
            PlanPanel(state, version, changed)
        with solara.Column():
            RunPanel(state, version, changed)
            ComparePanel(state, version, changed)
            WatchPanel(state, version)
            TakeAwayPanel(state, version)
