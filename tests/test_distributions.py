"""The ensemble distributions of key metrics, against a reference from an earlier engine.

``tests/test_performance_pins.py`` pins results per seed; this test guards what matters
when an optimisation deliberately changes the order or the kind of the random draws: the
distribution over replicates of the key metrics must stay the same. The reference sample
(``tests/data/reference_distributions.json``) was produced by the engine named in the
file with seed REFERENCE_SEED; the current engine is run with another seed, so the two
samples are independent, and every metric is compared with a two-sample
Kolmogorov-Smirnov test and a Cramer-von Mises test (SciPy).

The same tests are shown to detect a small real change (the new tool's value 1.2 -> 1.25),
so they can fail.

Regenerate the reference only for a deliberate change of the model:
``python -m tests.test_distributions`` (and say why in the change). Regenerated once since
it was made (engine a3b971a): the legacy habit's plateau per person (engine 26ed394).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import adoptsim
from tests.conftest import small_scenario

REFERENCE = Path(__file__).parent / "data" / "reference_distributions.json"
REFERENCE_SEED = 777
SEED = 778
RUNS = 300
WEEKS = 40
#: per-replicate metrics compared (columns of Result.summary, plus two from the curves)
METRICS = (
    "final_aware_share",
    "final_active_share",
    "final_habitual_share",
    "sustained_share",
    "adoptions",
    "lapses",
    "mean_habit",
    "mean_legacy_habit",
)
#: family-wise level over all metrics and scenarios (Bonferroni)
ALPHA = 0.01

STRATEGIES = [
    {"type": "evangelists", "start": 2, "end": 30},
    {"type": "senior_sponsor", "start": 4, "renew_every": 6},
    {"type": "heavy_control", "start": 6, "end": 20, "target": {"departments": ["Sales"]}},
    {"type": "remove_alternatives", "start": 16, "target": {"departments": ["Engineering"]}},
]


def _scenarios(**tool) -> dict[str, adoptsim.Scenario]:
    extra = {"tool": tool} if tool else {}
    return {
        "none": small_scenario(weeks=WEEKS, **extra),
        "core4": small_scenario(weeks=WEEKS, strategies=STRATEGIES, **extra),
    }


def _sample(spec: adoptsim.Scenario, seed: int) -> dict[str, list[float]]:
    result = adoptsim.run(spec, runs=RUNS, seed=seed)
    s = result.summary.sort_index()
    last = result.curves[result.curves.week == WEEKS].set_index("replicate").sort_index()
    out = {}
    for m in METRICS:
        values = s[m] if m in s.columns else last[m]
        out[m] = [float(v) for v in values]
    return out


def _p_values(a: list[float], b: list[float]) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov and Cramer-von Mises p-values."""
    a, b = np.asarray(a), np.asarray(b)
    if np.all(a == a[0]) and np.all(b == b[0]):
        return (1.0, 1.0) if a[0] == b[0] else (0.0, 0.0)
    ks = stats.ks_2samp(a, b).pvalue
    cvm = stats.cramervonmises_2samp(a, b).pvalue
    return float(ks), float(cvm)


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.fixture(scope="module")
def current() -> dict[str, dict[str, list[float]]]:
    return {name: _sample(spec, SEED) for name, spec in _scenarios().items()}


def _level(reference: dict) -> float:
    return ALPHA / (2 * len(METRICS) * len(reference["scenarios"]))


@pytest.mark.parametrize("name", ["none", "core4"])
def test_distributions_match_the_reference_engine(name, reference, current):
    level = _level(reference)
    failed = []
    for m in METRICS:
        ks, cvm = _p_values(reference["scenarios"][name][m], current[name][m])
        if min(ks, cvm) < level:
            failed.append(f"{m}: KS p={ks:.2g}, CvM p={cvm:.2g}")
    assert not failed, f"{name}: distributions moved ({'; '.join(failed)})"


def test_the_comparison_detects_a_small_real_change(reference):
    """A 0.05 higher value of the new tool is detected in the final active share."""
    changed = _sample(_scenarios(value=1.25)["none"], SEED)
    level = _level(reference)
    ref = reference["scenarios"]["none"]["final_active_share"]
    ks, cvm = _p_values(ref, changed["final_active_share"])
    assert ks < level and cvm < level


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":  # regenerate the reference sample
    data = {
        "engine": _commit(),
        "seed": REFERENCE_SEED,
        "runs": RUNS,
        "weeks": WEEKS,
        "scenarios": {name: _sample(spec, REFERENCE_SEED) for name, spec in _scenarios().items()},
    }
    REFERENCE.write_text(json.dumps(data, indent=0) + "\n")
    print(f"wrote {REFERENCE}")
