"""Parameter sweeps: experiment files, designs, the store and analysis (the evaluators are
:mod:`adoptsim.execute`'s and the jobs :mod:`adoptsim.runs.jobs`', re-exported here).

``adoptsim.sweep`` is the function :func:`adoptsim.sweeps.sweep`.
"""

from __future__ import annotations

from adoptsim.errors import ExperimentError
from adoptsim.execute import (
    EVALUATORS,
    EXECUTORS,
    FAST_MALLOC,
    DaskEvaluator,
    Evaluator,
    ProcessEvaluator,
    SequentialEvaluator,
    ThreadEvaluator,
    cores,
    make_evaluator,
)
from adoptsim.runs.jobs import Job, chunks, run_job
from adoptsim.scenario.paths import (
    Item,
    PathError,
    apply_overrides,
    format_path,
    get_value,
    locate,
    parse_path,
    with_overrides,
)
from adoptsim.sweeps.design import (
    NORMAL_QUANTILES,
    Design,
    check_points,
    from_unit,
    grid_values,
    make_design,
    point_seed,
    salib_problem,
    unit_sample,
)
from adoptsim.sweeps.experiment import (
    DESIGNS,
    DISTRIBUTIONS,
    Experiment,
    Parameter,
    experiment_from_data,
    known_metrics,
    load_experiment,
)
from adoptsim.sweeps.store import (
    DESIGN,
    EXPERIMENT,
    KEYS,
    MANIFEST,
    PARTS,
    RESULTS,
    SCENARIO,
    STATUS_COLUMNS,
    Store,
    load_sweep,
)
from adoptsim.sweeps.sweep import (
    Progress,
    SweepStats,
    auto_executor,
    default_folder,
    estimate_sweep,
    sweep,
)

__all__ = [
    "DESIGN",
    "DESIGNS",
    "DISTRIBUTIONS",
    "EVALUATORS",
    "EXECUTORS",
    "EXPERIMENT",
    "FAST_MALLOC",
    "KEYS",
    "MANIFEST",
    "NORMAL_QUANTILES",
    "PARTS",
    "RESULTS",
    "SCENARIO",
    "STATUS_COLUMNS",
    "DaskEvaluator",
    "Design",
    "Evaluator",
    "Experiment",
    "ExperimentError",
    "Item",
    "Job",
    "Parameter",
    "PathError",
    "ProcessEvaluator",
    "Progress",
    "SequentialEvaluator",
    "Store",
    "SweepStats",
    "ThreadEvaluator",
    "apply_overrides",
    "auto_executor",
    "check_points",
    "chunks",
    "cores",
    "default_folder",
    "estimate_sweep",
    "experiment_from_data",
    "format_path",
    "from_unit",
    "get_value",
    "grid_values",
    "known_metrics",
    "load_experiment",
    "load_sweep",
    "locate",
    "make_design",
    "make_evaluator",
    "parse_path",
    "point_seed",
    "run_job",
    "salib_problem",
    "sweep",
    "unit_sample",
    "with_overrides",
]
