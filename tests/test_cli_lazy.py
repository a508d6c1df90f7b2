"""The command line loads lazily: ``adoptsim --help`` lists every command without importing
their modules, and each command still shows its own help and runs."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.cli.commands import COMMANDS, OPTIONS
from adoptsim.cli.common import load_command, option_table, unknown_option

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "matplotlib", "solara", "pandas", "numba", "SALib", "optuna", "dask")


def _fresh(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "COLUMNS": "100"},
    )


def test_importing_the_cli_and_its_help_import_no_heavy_library(tmp_path):
    code = f"""
import io, json, sys, contextlib
import adoptsim.cli
after_import = sorted(m for m in {HEAVY!r} if m in sys.modules)
sys.argv = ["adoptsim", "--help"]
with contextlib.redirect_stdout(io.StringIO()) as shown:
    try:
        adoptsim.cli.main()
    except SystemExit:
        pass
after_help = sorted(m for m in {HEAVY!r} if m in sys.modules)
modules = sorted(m for m in sys.modules if m.startswith("adoptsim.cli."))
print(json.dumps([after_import, after_help, modules, shown.getvalue()]))
"""
    proc = _fresh(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    after_import, after_help, modules, shown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert after_import == [] and after_help == []
    assert modules == ["adoptsim.cli.commands", "adoptsim.cli.common"]
    for name in COMMANDS:
        assert f" {name} " in shown


def test_help_in_a_subprocess_lists_every_command_and_a_bad_flag_exits_2(tmp_path):
    shown = _fresh(
        "import sys; sys.argv = ['adoptsim', '--help']; from adoptsim.cli import main; main()",
        tmp_path,
    )
    assert shown.returncode == 0, shown.stderr
    assert "Commands" in shown.stdout and "validate-scenario" in shown.stdout
    bad = _fresh(
        "import sys; sys.argv = ['adoptsim', '--bogus']; from adoptsim.cli import main; main()",
        tmp_path,
    )
    assert bad.returncode == 2 and "No such option" in bad.stderr


def test_every_registered_command_exists_with_the_summary_the_table_shows():
    for name, (module, summary) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert importlib.import_module(module).__name__ == module
        first = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert first == summary, name


def test_every_command_shows_its_own_help_and_a_typo_is_suggested():
    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output and name in result.output
    typo = runner.invoke(app, ["rn"])
    assert typo.exit_code == 2
    assert "Did you mean 'run'" in typo.output


def test_every_command_defined_in_the_cli_modules_is_registered():
    """A command written with ``@app.command("NAME")`` and not listed in COMMANDS would be
    unreachable: the registry must name each one with its module."""
    defined = {}
    for path in (ROOT / "adoptsim" / "cli").glob("*.py"):
        for name in re.findall(r'^@app\.command\(\s*"([^"]+)"', path.read_text(), re.M):
            defined[name] = f"adoptsim.cli.{path.stem}"
    assert defined == {name: module for name, (module, _) in COMMANDS.items()}


def test_the_option_table_is_read_from_the_commands_themselves():
    for name in COMMANDS:
        assert OPTIONS[name] == option_table(name), (
            f"OPTIONS[{name!r}] in adoptsim/cli/commands.py is not the command's: make it "
            f"again with adoptsim.cli.common.option_table({name!r})"
        )


def test_unknown_option_reads_the_arguments_as_click_does():
    assert unknown_option("run", ["x.yaml", "--bogus"]) == "--bogus"
    assert unknown_option("run", ["--out", "--bogus", "x.yaml"]) is None  # --out's value
    assert unknown_option("run", ["-n", "--bogus"]) is None  # -n's value
    assert unknown_option("run", ["--runs=3", "--rns=4"]) == "--rns"
    assert unknown_option("run", ["--", "--bogus"]) is None  # an argument after --
    assert unknown_option("run", ["-x"]) is None  # short options are left to click
    assert unknown_option("run", ["--no-chart", "--help", "x.yaml"]) is None
    assert unknown_option("sweep", ["--overwrite", "--resume", "--chunk", "3"]) is None


def _cli(args: list[str], tmp_path: Path, *, precheck: bool = True):
    code = (
        "import json, sys\n"
        "import adoptsim.cli.common as common\n"
        + ("" if precheck else "common.unknown_option = lambda name, args: None\n")
        + f"sys.argv = ['adoptsim', *{args!r}]\n"
        "try:\n"
        "    common.app()\n"
        "except SystemExit as exc:\n"
        f"    heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "    cli = sorted(m for m in sys.modules if m.startswith('adoptsim.cli.'))\n"
        "    print(json.dumps([exc.code, heavy, cli]))\n"
    )
    proc = _fresh(code, tmp_path)
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_an_unknown_option_is_refused_before_importing_the_command_as_click_would(tmp_path):
    for args in (["run", "--bogus"], ["sweep", "x.yaml", "--chunk", "3", "--bogs"],
                 ["optimize", "--overwrite", "--reume"]):  # fmt: skip
        (code, heavy, cli), fast = _cli(args, tmp_path)
        assert code == 2 and heavy == [], args
        assert cli == ["adoptsim.cli.commands", "adoptsim.cli.common"], args
        (real_code, _, real_cli), real = _cli(args, tmp_path, precheck=False)
        assert real_code == 2 and len(real_cli) > 2  # the command's module was imported
        assert fast == real, args
        assert "No such option" in fast
