"""The rollout page: Solara components that show a :class:`RolloutState` (no model logic
here). Drop the observed weeks of a calibrated scenario, re-plan, see the forecast narrow
week by week and the recommended next step, take ``next.yaml`` away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from adoptsim.app.rollout import FORMATS, LIMITS, RolloutState
from adoptsim.app.widgets import Download, Message, Note, markdown_table, use_background

Changed = Callable[[], None]
#: the re-plan settings' labels
LABELS = {"particles": "particles", "trials": "trials", "runs": "particles per trial"}


@solara.component
def Inputs(state: RolloutState, version: int, changed: Changed):
    """The scenario, the upload and its format, today's week and the re-plan settings."""

    def choose(name: str) -> None:
        state.choose(name)
        changed()

    def upload(files: list[Any]) -> None:
        state.upload_files([(f["name"], f["data"]) for f in files])
        changed()

    def setter(key: str) -> Callable[[Any], None]:
        def set_value(value: Any) -> None:
            state.set(key, value)
            changed()

        return set_value

    def set_fmt(value: str) -> None:
        state.fmt = value
        changed()

    def set_through(value: int | None) -> None:
        state.set_through(value)
        changed()

    def column(key: str) -> Callable[[str], None]:
        def set_value(value: str) -> None:
            setattr(state, key, value.strip())
            changed()

        return set_value

    def set_start(value: str) -> None:
        state.start = value.strip()
        changed()

    with solara.Card("Observed weeks", classes=["rollout-inputs"]):
        solara.Select(
            "calibrated scenario",
            values=list(state.choices),
            value=state.name,
            on_value=choose,
            classes=["rollout-select"],
        )
        solara.Select("the file is", values=list(FORMATS), value=state.fmt, on_value=set_fmt)
        with solara.Column(classes=["rollout-drop"]):
            solara.FileDropMultiple(
                label="drop the observed weeks here: employee_id,week,active or "
                "employee_id,first_week (with today's week); or a usage export's files",
                on_file=upload,
                lazy=False,
            )
        if state.upload_name:
            Note(f"**Observed:** {state.upload_name}", "rollout-upload")
        with solara.Row(classes=["fields"], style={"flex-wrap": "wrap"}):
            solara.InputInt(
                "today: last observed week", value=state.through, optional=True,
                on_value=set_through, classes=["set-through"],
            )  # fmt: skip
            if state.fmt != FORMATS[0]:
                solara.InputText("first day of week 1 (YYYY-MM-DD)", value=state.start,
                                 on_value=set_start, classes=["set-start"])  # fmt: skip
            if state.fmt == "activity":
                solara.InputText("person column", value=state.person_column,
                                 on_value=column("person_column"))  # fmt: skip
                solara.InputText("date column", value=state.date_column,
                                 on_value=column("date_column"))  # fmt: skip
            solara.InputFloat(
                "budget left", value=state.settings["budget_left"],
                on_value=setter("budget_left"), classes=["set-budget"],
            )  # fmt: skip
            for key in LIMITS:
                solara.InputInt(LABELS[key], value=state.settings[key], on_value=setter(key),
                                classes=[f"set-{key}"])  # fmt: skip


@solara.component
def Results(state: RolloutState, version: int):
    """The narrowing forecast, the recommendation, the forecast from today, next.yaml."""
    rp = state.result
    if rp is None:
        return
    with solara.Card("Recommended next step", classes=["rollout-recommendation"]):
        Note(state.recommendation_text(), "recommendation")
        Download(state.next_yaml(), "next.yaml", "re-planned scenario (next.yaml)", "text/yaml")
    with solara.Card("The forecast as the weeks came in", classes=["rollout-narrowing"]):
        solara.Image(state.pngs["narrowing"], width="100%")
        Download(state.pngs["narrowing"], "narrowing.png", "chart (PNG)", "image/png")
        Note(markdown_table(state.narrowing_rows()), "narrowing-table")
        Note(
            "**What each week taught** (the filter: particles left and each parameter's "
            "90 % interval, median in brackets)\n\n" + markdown_table(state.filter_rows()),
            "filter-table",
        )
    with solara.Card("From today: as planned and re-planned", classes=["rollout-forecast"]):
        solara.Image(state.pngs["replan"], width="100%")
        Download(state.pngs["replan"], "forecast.png", "chart (PNG)", "image/png")


@solara.component
def RolloutPage(state: RolloutState, version: int, changed: Changed):
    """The rollout page: inputs on the left, the re-plan on the right."""
    start, running, progress = use_background(state.run, lambda: state.progress, changed)
    with solara.Columns([5, 7], classes=["rollout"]):
        with solara.Column():
            Inputs(state, version, changed)
            with solara.Card("Re-plan"):
                solara.Button(
                    "re-plan from next week",
                    on_click=start,
                    disabled=running or not state.ready,
                    color="primary",
                    classes=["replan"],
                )
                if running:
                    solara.ProgressLinear(100 * progress)
                    solara.Text(state.stage or "working")
                if state.error:
                    Message(state.error, "run-error")
                solara.Markdown(
                    "The calibrated scenario's particles are filtered through the observed "
                    "weeks, then plans from next week on are searched within the budget left "
                    "(the same particles for every plan). The page's settings are small so "
                    "that it answers in seconds; `adoptsim replan` takes larger ones.",
                    style={"font-size": "13px"},
                )
        with solara.Column():
            if not running:
                Results(state, version)
