"""The chart painter's process (``python -m adoptsim.viz.paint``, started by
:class:`adoptsim.viz.painter.Painter`): reads pickled requests ``(kind, numbers, path,
dpi)`` from its standard input until it is closed, and draws each with matplotlib. A request
it cannot draw ends it with status 1 and one line on standard error."""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import BinaryIO

from matplotlib.figure import Figure

from adoptsim.viz import theme
from adoptsim.viz.adoption_figure import draw_adoption

#: the charts the painter draws, by name
KINDS: dict[str, Callable[..., Figure]] = {"adoption": draw_adoption}


def serve(requests: BinaryIO) -> int:
    """Draw every request read from ``requests``; the process's exit status."""
    while True:
        try:
            kind, numbers, path, dpi = pickle.load(requests)
        except EOFError:
            return 0
        except pickle.UnpicklingError as exc:
            print(f"unreadable request: {exc}", file=sys.stderr)
            return 1
        try:
            theme.save(KINDS[kind](**numbers), path, dpi)
        except (KeyError, TypeError, ValueError, OSError) as exc:
            print(f"{kind} chart: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    status = serve(sys.stdin.buffer)
    sys.stderr.flush()
    os._exit(status)  # the charts are saved and closed: no teardown of matplotlib to wait for
