"""The commands of ``adoptsim``: one line each, the module that defines it and its summary.

A command's module is imported only when the command runs (or shows its own ``--help``):
``adoptsim --help`` lists this table without importing any of them, so it does not pay
for scipy, matplotlib, pandas or Solara. To add a command, define it in a module of
``adoptsim/cli/`` with ``@app.command("NAME")`` and add its lines here: its summary (the
first paragraph of the command's docstring) and its options (what
``adoptsim.cli.common.option_table(NAME)`` gives), which let an unknown option be refused
without importing the module; tests/test_cli_lazy.py checks that both agree.
"""

from __future__ import annotations

#: command name -> (defining module, summary shown by ``adoptsim --help``), in table order
COMMANDS: dict[str, tuple[str, str]] = {
    "calibrate": (
        "adoptsim.cli.calibrate",
        "Fit scenario parameters to a pilot's observed weeks (ABC-SMC) and write the posterior,\n"
        "the fit and a calibrated scenario.",
    ),
    "backtest": (
        "adoptsim.cli.backtest",
        "Judge the scenario's forecasts on a real series: calibrate on the periods up to each\n"
        "origin, forecast the rest, score (MAE, CRPS, band coverage) against Bass, logistic,\n"
        "Gompertz and the naive forecast.",
    ),
    "forecast": (
        "adoptsim.cli.calibrate",
        "Forecast the rollout from a calibrated scenario: each run draws its parameters from\n"
        "the posterior, so the band holds what the pilot left uncertain and chance. With\n"
        "--observed, a particle filter assimilates the observed weeks and the forecast continues\n"
        "from who has used the tool and where they sit, not from week 1.",
    ),
    "observe": (
        "adoptsim.cli.observe",
        "Turn usage exports into observed weeks: the per-person file (employee_id,week,active)\n"
        "keyed like the scenario's organization, its aggregate series (week,using_share) and a\n"
        "summary of who matched.",
    ),
    "pilot": (
        "adoptsim.cli.pilot",
        "Rank pilot designs by how much they narrow the rollout's forecast and how often\n"
        "they point to the right plan (preposterior simulation).",
    ),
    "replan": (
        "adoptsim.cli.replan",
        "Assimilate the observed weeks and re-plan the rest of the rollout within the budget\n"
        "left (robust over the filtered particles, common random numbers).",
    ),
    "compare": (
        "adoptsim.cli.compare",
        "Run plans on the same replicate seeds and compare them with the first (paired).",
    ),
    "plot": ("adoptsim.cli.compare", "Draw charts from saved results, without running anything."),
    "report": (
        "adoptsim.cli.compare",
        "Write a one-page, self-contained report (HTML or PDF) for a proposal.",
    ),
    "optimize": (
        "adoptsim.cli.optimize",
        "Search for the plans that get the most lasting adoption for the money (Optuna).",
    ),
    "run": (
        "adoptsim.cli.run",
        "Run a scenario's ensemble, print the summary and write the results folder.",
    ),
    "validate-scenario": (
        "adoptsim.cli.run",
        "Check a scenario file against the schema without running it.",
    ),
    "strategies": (
        "adoptsim.cli.run",
        "List the rollout strategies, or show one: mechanism, parameters, defaults, sources.",
    ),
    "validate": (
        "adoptsim.cli.validate",
        "Reproduce published results of the diffusion literature; exit 1 when a case fails.",
    ),
    "sweep": (
        "adoptsim.cli.sweep",
        "Run a parameter sweep; results stream into the folder as runs finish.",
    ),
    "analyze": (
        "adoptsim.cli.analyze",
        "Summarise a sweep: table per point, Sobol / Morris indices, charts.",
    ),
    "app": (
        "adoptsim.cli.workshop",
        "Open the workshop app: build a rollout plan on screen, run it, compare, download.",
    ),
}

#: command name -> (usage after its name, the options that take a value, the flags), the
#: lists separated by spaces: what the group reads to refuse an unknown option before it
#: imports the command's module (made by :func:`adoptsim.cli.common.option_table`;
#: tests/test_cli_lazy.py checks it)
OPTIONS: dict[str, tuple[str, str, str]] = {
    "calibrate": (
        "[OPTIONS] {scenario}",
        "--observed --through --period-weeks --fit --out -o --method -m --population "
        "--generations --trials --replicates --seed -s --executor -e --workers -w "
        "--scheduler --max-memory",
        "--help --overwrite",
    ),
    "backtest": (
        "[OPTIONS] {scenario}",
        "--observed --origins --seeds --fit --period-weeks --runs -n --population "
        "--generations --methods --through --executor -e --workers -w --scheduler --out "
        "-o",
        "--help --overwrite",
    ),
    "forecast": (
        "[OPTIONS] {scenario}",
        "--weeks --runs -n --seed -s --out -o --observed --through --max-memory "
        "--executor -e --workers -w --scheduler",
        "--help --overwrite",
    ),
    "observe": (
        "[OPTIONS] {paths}...",
        "--format -f --start --scenario --out -o --person-column --date-column --min-active-days",
        "--help --overwrite",
    ),
    "pilot": (
        "[OPTIONS] {pilots}",
        "--out -o --workers -w",
        "--help --overwrite",
    ),
    "replan": (
        "[OPTIONS] {calibrated}",
        "--observed --budget-left --through --trials --particles --runs --levers --out -o "
        "--workers -w",
        "--help --overwrite",
    ),
    "compare": (
        "[OPTIONS] {scenarios}...",
        "--runs -n --seed -s --out -o --rank-by --max-memory --executor -e --workers -w "
        "--scheduler",
        "--help --no-chart --overwrite",
    ),
    "plot": (
        "[OPTIONS] {folder}",
        "--kind -k --format -f --dpi --out -o --weeks --replicate --plan",
        "--help",
    ),
    "report": (
        "[OPTIONS] {folder}",
        "--format -f --out -o --question -q",
        "--help",
    ),
    "optimize": (
        "[OPTIONS] {optimization}",
        "--trials --out -o --executor -e --workers -w --scheduler",
        "--help --resume --overwrite",
    ),
    "run": (
        "[OPTIONS] {scenario}",
        "--runs -n --seed -s --out -o --max-memory --executor -e --workers -w --scheduler",
        "--help --new-org-per-replicate --no-chart --overwrite",
    ),
    "validate-scenario": (
        "[OPTIONS] {scenario}",
        "",
        "--help",
    ),
    "strategies": (
        "[OPTIONS] [name]",
        "",
        "--help",
    ),
    "validate": (
        "[OPTIONS]",
        "--case -c --out -o --seed -s --executor -e --workers -w --scheduler",
        "--help --quick",
    ),
    "sweep": (
        "[OPTIONS] {experiment}",
        "--out -o --executor -e --workers -w --scheduler --chunk --max-memory",
        "--help --resume --overwrite --retry-errors",
    ),
    "analyze": (
        "[OPTIONS] {folder}",
        "--metric -m --out -o --format -f",
        "--help --no-chart",
    ),
    "app": (
        "[OPTIONS] [scenario]",
        "--port --host",
        "--help",
    ),
}
