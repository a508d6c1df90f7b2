"""The registry of validation cases, running them, and their results as tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from adoptsim.errors import InputError
from adoptsim.execute import Evaluator, SequentialEvaluator
from adoptsim.validation.bass import bass_case
from adoptsim.validation.common import CaseResult, Size
from adoptsim.validation.eckles import eckles_case
from adoptsim.validation.habit import habit_case
from adoptsim.validation.networks import centola_case, granovetter_case
from adoptsim.validation.rogers import rogers_case

#: the cases by name, in the order of the issue
CASES: dict[str, Callable[[Size, int], CaseResult]] = {
    "bass": bass_case,
    "granovetter": granovetter_case,
    "centola": centola_case,
    "eckles": eckles_case,
    "habit": habit_case,
    "rogers": rogers_case,
}


def check_cases(names: Sequence[str] | None) -> list[str]:
    """The case names to run (all when none given); an InputError names unknown ones."""
    if not names:
        return list(CASES)
    for name in names:
        if name not in CASES:
            raise InputError(f"unknown case {name!r}; allowed: {', '.join(CASES)}", source="--case")
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Case:
    """One case to run, as a task of an evaluator (picklable unless ``progress`` is set)."""

    index: int
    name: str
    size: Size
    seed: int
    progress: Callable[[str], None] | None = None

    def __call__(self) -> tuple[int, CaseResult]:
        if self.progress is not None:
            self.progress(self.name)
        return self.index, CASES[self.name](self.size, self.seed)


def run_cases(
    names: Sequence[str] | None = None,
    size: Size = "full",
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
    evaluator: Evaluator | None = None,
) -> list[CaseResult]:
    """Run the named cases (all by default) at ``size`` on ``evaluator`` (an
    :mod:`adoptsim.execute` evaluator; default: one after the other in this process);
    ``progress(name)`` before each case when they run in this process, else as each ends."""
    evaluator = evaluator or SequentialEvaluator()
    here = evaluator.in_process
    tasks = [
        Case(i, name, size, seed, progress if here else None)
        for i, name in enumerate(check_cases(names))
    ]
    out: dict[int, CaseResult] = {}

    def done(result: tuple[int, CaseResult]) -> None:
        out[result[0]] = result[1]
        if progress is not None and not here:
            progress(tasks[result[0]].name)

    evaluator.evaluate(tasks, done)
    return [out[i] for i in range(len(tasks))]


def results_table(results: Sequence[CaseResult]) -> pd.DataFrame:
    """Every check of the given case results, one row each."""
    return pd.concat([r.table() for r in results], ignore_index=True)


def markdown_table(results: Sequence[CaseResult]) -> str:
    """The checks as a Markdown table (for the README)."""
    lines = [
        "| case | check | published | simulated | tolerance | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for c in r.checks:
            verdict = "pass" if c.passed else "**fail**"
            lines.append(
                f"| {r.title} | {c.name} | {c.published} | {c.simulated} | {c.tolerance} "
                f"| {verdict} |"
            )
    return "\n".join(lines)
