"""Shared fixtures: small scenarios that run fast."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adoptsim.scenario import Scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
#: the fixture exports of a small invented company (tests/data/exports/generate.py)
EXPORTS = Path(__file__).parent / "data" / "exports"
SCENARIOS = ROOT / "scenarios"

SMALL = {
    "name": "small",
    "weeks": 30,
    "runs": 8,
    "seed": 3,
    "organization": {
        "generate": {
            "employees": 300,
            "departments": {"Sales": 0.4, "Engineering": 0.4, "HR": 0.2},
            "span_of_control": 6,
        }
    },
}


def fresh_json(code: str, cwd: Path, env: dict | None = None, timeout: float = 120):
    """Run ``code`` in a new interpreter (in ``cwd``, with ``env`` if given); it must exit
    0, and the JSON on its last line of output is returned."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def deep_update(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_update(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def small_scenario(**over) -> Scenario:
    """A validated 300-employee scenario with ``over`` merged in."""
    return validate_scenario(deep_update(SMALL, over))


@pytest.fixture
def small() -> Scenario:
    return small_scenario()


@pytest.fixture
def wide_console():
    """A wide console for the CLI's output, so that no line wraps.

    The CLI's console reads COLUMNS when adoptsim.cli is imported; under pytest-xdist the
    workers have COLUMNS=80 by then, so passing COLUMNS to the runner would be ignored.
    """
    from adoptsim.cli import common

    saved = common.out._width
    common.out._width = 200
    yield common.out
    common.out._width = saved


@pytest.fixture
def rollout(tmp_path: Path) -> Path:
    """A copy of the fixture exports (the salt is written beside the scenario)."""
    folder = tmp_path / "northwind"
    shutil.copytree(EXPORTS, folder, ignore=shutil.ignore_patterns("*.salt", "generate.py"))
    return folder


def graph_users() -> list[dict]:
    """Every user of the fixture's Microsoft Graph pages, in page order."""
    return [
        u
        for f in sorted((EXPORTS / "entra").glob("*.json"))
        for u in json.loads(f.read_text())["value"]
    ]
