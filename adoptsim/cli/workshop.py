"""``adoptsim app``: the workshop app in the browser (Solara)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from adoptsim.app.server import DEFAULT_HOST, DEFAULT_PORT, serve
from adoptsim.cli.common import app, err, fail, out
from adoptsim.errors import AdoptsimError
from adoptsim.scenario import load_scenario

#: hosts that only this machine reaches
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _assets_problem() -> str | None:
    """Why the page would need the internet for its front-end (None when it does not)."""
    try:
        solara = importlib.metadata.version("solara")
    except importlib.metadata.PackageNotFoundError:
        solara = importlib.metadata.version("solara-ui")
    try:
        assets = importlib.metadata.version("solara-assets")
    except importlib.metadata.PackageNotFoundError:
        return (
            "solara-assets is not installed: the page loads its front-end from the internet "
            f"(pip install solara-assets=={solara})"
        )
    if assets != solara:
        return (
            f"solara-assets {assets} does not match solara {solara}: the page may stay blank "
            f"without the internet (pip install solara-assets=={solara})"
        )
    return None


@app.command("app")
def app_cmd(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario to open (default: the first of ./scenarios)."),
    ] = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on (default: this machine only, 127.0.0.1)."
        ),
    ] = DEFAULT_HOST,
) -> None:
    """Open the workshop app: build a rollout plan on screen, run it, compare, download."""
    if importlib.util.find_spec("solara") is None:
        err.print(
            "error: the app needs Solara: pip install solara==1.58.2 "
            "solara-assets==1.58.2 (the versions adoptsim pins)",
            highlight=False,
        )
        raise typer.Exit(code=1)
    assets = _assets_problem()
    if assets:
        err.print(f"[bold yellow]warning:[/] {escape(assets)}", highlight=False)
    if scenario is not None:
        try:
            load_scenario(scenario)
        except AdoptsimError as exc:
            raise fail(exc) from None
    if host not in LOCAL_HOSTS:
        err.print(
            f"[bold yellow]warning:[/] listening on {escape(host)}: anyone who reaches this "
            "address can use the app and run simulations on this machine",
            highlight=False,
        )
    out.print(f"adoptsim app at http://{escape(host)}:{port} (Ctrl-C to stop)", highlight=False)
    serve(scenario, host=host, port=port)
