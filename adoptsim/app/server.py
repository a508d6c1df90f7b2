"""Start the app: Solara's server (Starlette on uvicorn) with the page of
:mod:`adoptsim.app.page`, its front-end served from the installed ``solara-assets`` (no
outside network)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: the module holding the page (``Page``)
PAGE = "adoptsim.app.page"
#: environment variables through which the server tells the page what to open
ENV_SCENARIO = "ADOPTSIM_APP_SCENARIO"
ENV_FOLDER = "ADOPTSIM_APP_FOLDER"


def default_folder(scenario: Path | None) -> Path:
    """Where the app lists scenarios: the scenario's folder, else ``./scenarios`` when it
    exists, else the working directory."""
    if scenario is not None:
        return scenario.resolve().parent
    shipped = Path("scenarios")
    return shipped.resolve() if shipped.is_dir() else Path.cwd()


def configure(scenario: Path | None = None, folder: Path | None = None) -> None:
    """Set the environment the server and the page read (before Solara is imported):
    the page, the scenario to open and the folder to list, production mode, no telemetry."""
    os.environ["SOLARA_APP"] = PAGE
    os.environ["SOLARA_MODE"] = "production"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ[ENV_FOLDER] = str(folder or default_folder(scenario))
    if scenario is not None:
        os.environ[ENV_SCENARIO] = str(scenario.resolve())
    else:
        os.environ.pop(ENV_SCENARIO, None)


def serve(
    scenario: str | Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    folder: str | Path | None = None,
) -> None:
    """Serve the app on ``host:port`` until interrupted, opening ``scenario`` (or the first
    scenario of ``folder``)."""
    configure(
        Path(scenario) if scenario is not None else None,
        Path(folder) if folder is not None else None,
    )
    import uvicorn

    # Solara warns on every page load that a plain-http cookie cannot be samesite=none
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)

    uvicorn.run(
        "solara.server.starlette:app", host=host, port=int(port), log_level="warning", workers=1
    )
