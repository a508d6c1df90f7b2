"""The package's architecture as tests: imports go one way, modules and functions stay small.

The layers are declared once, in ``pyproject.toml`` (``[tool.importlinter]``); see
``docs/architecture.md``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "adoptsim"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_import_contract_holds() -> None:
    """``lint-imports`` (import-linter) keeps the contract of pyproject.toml."""
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_a_module_stays_under_the_size_limit(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines (limit {MAX_MODULE_LINES})"


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_functions_stay_under_the_size_limit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{f.name} ({f.end_lineno - f.lineno + 1} lines, l.{f.lineno})"
        for f in _functions(tree)
        if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_name(path)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_adoptsim_import_inside_a_function(path: Path) -> None:
    """Imports of adoptsim's own modules sit at the top of a module (a cycle cannot hide)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner = []
    for f in _functions(tree):
        for node in ast.walk(f):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("adoptsim"):
                inner.append(f"{f.name} l.{node.lineno}: from {node.module}")
            elif isinstance(node, ast.Import):
                inner += [
                    f"{f.name} l.{node.lineno}: import {a.name}"
                    for a in node.names
                    if a.name.startswith("adoptsim")
                ]
    assert not inner, f"{_name(path)}: adoptsim imported inside functions: {inner}"
