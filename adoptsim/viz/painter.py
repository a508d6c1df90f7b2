"""A process that draws charts beside a command's own work.

``adoptsim run`` starts a :class:`Painter` before it simulates: the painter's process
imports matplotlib (about a third of a second) while the command imports the engine and
runs, then draws the adoption chart from plain numbers (:mod:`adoptsim.viz.numbers`)
while the command writes its files. The chart is the one :func:`adoptsim.viz.save_charts`
draws in-process, byte for byte. This module imports neither matplotlib nor the results.

    with Painter() as painter:          # starts the process
        result = run(...)
        painter.paint("adoption", adoption_numbers(result), folder / "adoption.png")
        painter.close()                 # nothing more to draw
        result.write(folder)
        painter.finish()                # waits; PaintError if a chart was not drawn
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from adoptsim.errors import AdoptsimError

#: the module the painter's process runs (``python -m``)
WORKER = "adoptsim.viz.paint"
#: how long :meth:`Painter.finish` waits for the charts, in seconds
TIMEOUT = 120.0
#: where the ``adoptsim`` package is imported from: the painter's process finds it there if
#: its own path does not have it (added last, so that nothing else is shadowed)
_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import runpy, sys; sys.path.append({root!r}); "
    "runpy.run_module({worker!r}, run_name='__main__', alter_sys=True)"
)


class PaintError(AdoptsimError):
    """A chart the painter's process was asked for was not drawn."""


class Painter:
    """A process that draws charts from plain numbers; a context manager that ends it."""

    def __init__(self, timeout: float = TIMEOUT, active: bool = True) -> None:
        """``active=False``: a painter that starts no process and is asked for nothing."""
        self.timeout = timeout
        self.active = active
        self._proc: subprocess.Popen | None = None
        self._paths: list[Path] = []
        self._error: str | None = None
        self._stderr = None

    def __enter__(self) -> Painter:
        if not self.active:
            return self
        self._stderr = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT.format(root=_ROOT, worker=WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._error = f"the chart process did not start ({exc.strerror or exc})"
        return self

    def paint(self, kind: str, numbers: dict[str, Any], path: str | Path, dpi: int = 150) -> None:
        """Ask for chart ``kind`` (a name of :data:`adoptsim.viz.paint.KINDS`) drawn from
        ``numbers`` into ``path``; it is drawn while the caller goes on."""
        if self._proc is None or self._proc.stdin is None or self._error:
            return
        try:
            pickle.dump((kind, numbers, str(path), dpi), self._proc.stdin)
            self._proc.stdin.flush()
        except OSError:
            self._error = "the chart process ended early"
        self._paths.append(Path(path))

    def close(self) -> None:
        """Tell the process that nothing more will be asked for (it ends once it has drawn
        what was); :meth:`finish` does it too."""
        if self._proc is not None and self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                self._error = self._error or "the chart process ended early"

    def finish(self) -> list[Path]:
        """Wait for the charts asked for and return their paths; :class:`PaintError`
        naming the first one not drawn, and why, if any was not."""
        self.close()
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self._error = f"the chart process took longer than {self.timeout:g} s"
            if proc.returncode != 0 and not self._error:
                self._error = self._last_error_line() or f"exit status {proc.returncode}"
        self._close_stderr()
        missing = [p for p in self._paths if not p.is_file()]
        if self._paths and (self._error or missing):
            why = self._error or "no file was written"
            raise PaintError(f"{missing[0].name if missing else 'a chart'} was not drawn: {why}")
        return self._paths

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            proc.kill()
            proc.wait()
        self._close_stderr()

    def _last_error_line(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else ""

    def _close_stderr(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
