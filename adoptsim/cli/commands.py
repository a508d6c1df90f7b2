"""The commands of ``adoptsim``: one line each, the module that defines it and its summary.

A command's module is imported only when the command runs (or shows its own ``--help``):
``adoptsim --help`` lists this table without importing any of them, so it does not pay
for scipy, matplotlib, pandas or Solara. To add a command, define it in a module of
``adoptsim/cli/`` with ``@app.command("NAME")`` and add its line here (the summary is the
first paragraph of the command's docstring; tests/test_cli_lazy.py checks they agree).
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
