"""The app's shared look: its style sheet and the small components every page uses
(messages, notes, Markdown tables, download links)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from html import escape

import solara

CSS = """
.message { white-space: pre-wrap; padding: 8px 12px; margin: 6px 0; border-radius: 4px;
  border: 1px solid #bbb; background: #f6f6f6; font-size: 14px; }
.editor-error, .run-error { border-color: #c62828; background: #fdecea; color: #8e1c1c; }
.warning { border-color: #e6a100; background: #fff7e0; }
a.download { margin-right: 16px; font-size: 14px; }
.scenario-editor textarea { font-family: monospace; font-size: 13px; line-height: 1.35; }
.fields > div { width: 170px; margin-right: 8px; }
.library .v-btn { min-width: 44px; }
.summary table, .comparison table { font-size: 14px; }
"""


def markdown_table(rows: list[dict[str, str]]) -> str:
    """Rows of strings as a Markdown table (columns from the first row)."""
    if not rows:
        return ""
    columns = list(rows[0])

    def cells(values: list[str]) -> str:
        return "| " + " | ".join(escape(str(v)).replace("|", "\\|") or " " for v in values) + " |"

    lines = [cells(columns), cells(["---"] * len(columns))]
    lines += [cells([row[c] for c in columns]) for row in rows]
    return "\n".join(lines)


@solara.component
def Note(text: str, css: str):
    """Markdown in a container of class ``css`` (for styles and tests)."""
    with solara.Column(classes=[css], gap="0px"):
        solara.Markdown(text)


@solara.component
def Message(text: str, css: str = "note"):
    """A message in a box: ``css`` is ``error``-ish (red) or ``note`` (grey)."""
    solara.HTML(tag="div", unsafe_innerHTML=escape(text), classes=["message", css])


@solara.component
def Download(data: bytes | str, filename: str, label: str, mime: str):
    """A link that saves ``data`` as ``filename`` (a data URL: no request to the server)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    href = f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'<a class="download" href="{href}" download="{escape(filename)}">'
            f"download {escape(label)}</a>"
        ),
    )


def use_background(
    run: Callable[[], None], progress_of: Callable[[], float], changed: Callable[[], None]
) -> tuple[Callable[[], None], bool, float]:
    """A page's long action run in a background thread (a hook: call it while rendering):
    ``start()`` runs ``run`` again, ``running`` says whether it runs, ``progress`` is
    ``progress_of()`` as last read (four times a second); ``changed()`` once it ends."""
    run_id, set_run_id = solara.use_state(0)
    progress, set_progress = solara.use_state(0.0)

    def work() -> None:
        if run_id == 0:
            return
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.25)
            set_progress(progress_of())
        changed()

    task = solara.use_thread(work, dependencies=[run_id], intrusive_cancel=False)
    running = run_id > 0 and task.state == solara.ResultState.RUNNING
    return (lambda: set_run_id(run_id + 1)), running, progress
