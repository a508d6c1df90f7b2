"""Every scenario shipped in scenarios/ loads and runs a few weeks (smoke test); the
scenarios cover every strategy of the library."""

from __future__ import annotations

import pytest

import adoptsim
from adoptsim.strategies.docs import ORDER
from tests.conftest import SCENARIOS

FILES = sorted(SCENARIOS.rglob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SCENARIOS)) for p in FILES])
def test_scenario_loads_and_runs(path):
    spec = adoptsim.load_scenario(path)
    result = adoptsim.run(spec.with_changes(weeks=min(spec.weeks, 4)), runs=2, seed=1)
    assert len(result.curves) == 2 * (min(spec.weeks, 4) + 1)


def test_every_strategy_has_an_example_scenario():
    used = set()
    for path in FILES:
        for s in adoptsim.load_scenario(path).strategies:
            used.add(s.type)
            then = getattr(s, "then", None)
            if then is not None:
                used.add(then.type)
    assert set(ORDER) <= used
    for name in ORDER:
        assert (SCENARIOS / f"{name}.yaml").exists()


@pytest.mark.parametrize(
    "name", ["playbook_culture_first", "playbook_less_control", "heavy_control"]
)
def test_playbooks_extend_the_baseline(name):
    text = (SCENARIOS / f"{name}.yaml").read_text()
    assert "extends: baseline.yaml" in text
