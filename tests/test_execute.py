"""adoptsim.execute: every evaluator maps tasks in order with the same results, a failing
task fails in the caller, what a caller passes becomes an evaluator, and the batch size is
decided in one place."""

from __future__ import annotations

import math
import os

import pytest

from adoptsim.errors import AdoptsimError, InputError
from adoptsim.execute import (
    BATCH_ELEMENTS,
    MapperEvaluator,
    ProcessEvaluator,
    SequentialEvaluator,
    ThreadEvaluator,
    as_evaluator,
    batch_size,
    make_evaluator,
    sequential_map,
)


def square_root(x: int) -> float:
    if x < 0:
        raise ValueError(f"negative: {x}")
    return math.sqrt(x)


TASKS = list(range(25))
EXPECTED = [math.sqrt(x) for x in TASKS]


@pytest.mark.parametrize(
    "evaluator",
    [SequentialEvaluator(), ThreadEvaluator(2), ProcessEvaluator(2), ThreadEvaluator(1)],
    ids=["sequential", "threads", "processes", "one-thread"],
)
def test_every_evaluator_maps_in_task_order(evaluator):
    assert evaluator.map(square_root, TASKS) == EXPECTED
    with evaluator:  # one pool for several maps
        assert evaluator.map(square_root, TASKS[::-1]) == EXPECTED[::-1]
        assert evaluator.map(square_root, []) == []


@pytest.mark.parametrize("evaluator", [SequentialEvaluator(), ThreadEvaluator(2)])
def test_a_failing_task_raises_in_the_caller(evaluator):
    with pytest.raises(ValueError, match="negative: -1"):
        evaluator.map(square_root, [4, -1, 9])


def test_what_a_caller_passes_becomes_an_evaluator():
    default = as_evaluator(None, workers=3)
    assert isinstance(default, ThreadEvaluator) and default.workers == 3
    seq = SequentialEvaluator()
    assert as_evaluator(seq) is seq
    wrapped = as_evaluator(sequential_map)
    assert isinstance(wrapped, MapperEvaluator) and wrapped.name == "mapper"
    assert wrapped.map(square_root, [1, 4]) == [1.0, 2.0]
    with pytest.raises(InputError, match="not an evaluator"):
        as_evaluator(42)
    with pytest.raises(InputError, match="allowed: sequential, threads, processes, dask"):
        make_evaluator("gpu")
    with pytest.raises(InputError, match="at least 1"):
        ThreadEvaluator(0)


def test_a_broken_process_pool_is_a_user_error():
    with pytest.raises(AdoptsimError, match="worker process died"):
        ProcessEvaluator(2).map(_die, [1, 2, 3])


def _die(_: int) -> None:
    os._exit(3)


def test_the_batch_size_comes_from_the_element_budget():
    assert batch_size(2_000) == BATCH_ELEMENTS // 2_000
    assert batch_size(2_000, 5) == BATCH_ELEMENTS // 10_000
    assert batch_size(10 * BATCH_ELEMENTS) == 1
    assert batch_size(0) == BATCH_ELEMENTS
