"""`--method optimize` (an Optuna point fit) and calibration on other executors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from adoptsim.calibration import calibrate
from adoptsim.calibration.fit import particle_evaluator
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.execute import ProcessEvaluator, SequentialEvaluator, ThreadEvaluator
from adoptsim.execute import sequential_map as sequential_mapper
from adoptsim.runs.runner import build_org
from adoptsim.scenario import load_scenario
from tests.test_calibration import FIT, PILOT, TRUTH, observe

cli = CliRunner()


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("methods")
    (folder / "pilot.yaml").write_text(yaml.safe_dump(PILOT))
    observe(2, 30)[["week", "ever_tried_share", "active_share"]].to_csv(
        folder / "obs.csv", index=False
    )
    return folder


def optimize(pilot, seed: int = 2, **kw):
    return calibrate(pilot / "pilot.yaml", pilot / "obs.csv", FIT, method="optimize",
                     trials=100, replicates=2, seed=seed, **kw)  # fmt: skip


def test_optimize_recovers_a_synthetic_truth(pilot):
    """A synthetic pilot (30 weeks at known values): the point fit's external awareness is
    within a factor of 1.5 of the truth, and its distance (on fresh replicates) is no worse
    than the truth's own, give or take 10 %."""
    cal = optimize(pilot)
    best = cal.best
    assert 0.03 / 1.5 <= best["behavior.external_awareness"] <= 0.03 * 1.5, best
    assert len(cal.posterior) == 1 and cal.posterior["weight"].tolist() == [1.0]
    spec = load_scenario(pilot / "pilot.yaml")
    org = build_org(spec, 2)
    horizon = spec.with_changes(weeks=cal.observed.last_week)
    evaluate = particle_evaluator(horizon, org, cal.fit, cal.observed, 99, 2, sequential_mapper)
    truth = np.array([[p.to_unit(np.array(TRUTH[p.path])) for p in cal.fit]] * 10)
    truth_distance = evaluate(truth).mean()
    assert cal.smc.posterior.distances[0] <= 1.1 * truth_distance
    summary = cal.summary()
    assert summary["trials"] == 100 and "point fit" in summary["warnings"][0]


def test_optimize_same_seed_same_fit(pilot):
    a, b, c = optimize(pilot), optimize(pilot), optimize(pilot, seed=3)
    pd.testing.assert_frame_equal(a.posterior, b.posterior)
    assert not a.posterior.equals(c.posterior)


def test_unknown_method_is_refused(pilot, tmp_path):
    with pytest.raises(InputError, match="allowed: abc, optimize"):
        calibrate(pilot / "pilot.yaml", pilot / "obs.csv", FIT, method="bayes")
    base = ["calibrate", str(pilot / "pilot.yaml"), "--observed", str(pilot / "obs.csv"),
            "--fit", FIT[0], "--out", str(tmp_path / "o")]  # fmt: skip
    res = cli.invoke(app, [*base, "--method", "bayes"])
    assert res.exit_code == 2 and "--method" in res.output and "abc, optimize" in res.output
    res = cli.invoke(app, [*base, "--executor", "cloud"])
    assert res.exit_code == 2 and "threads, sequential, processes, dask" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


def test_cli_optimize_writes_a_one_row_posterior(pilot, tmp_path):
    out = tmp_path / "fit"
    res = cli.invoke(app, ["calibrate", str(pilot / "pilot.yaml"), "--observed",
                           str(pilot / "obs.csv"), "--fit", FIT[1], "--method", "optimize",
                           "--trials", "30", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns) == [FIT[1].split("=")[0], "weight", "distance"] and len(post) == 1
    assert (out / "posterior.png").exists() and (out / "calibrated.yaml").exists()


def test_the_posterior_does_not_depend_on_the_executor(pilot):
    """The same seed on threads, one batch after another, and two local processes."""
    kw = {"population": 24, "generations": 2, "seed": 5}
    args = (pilot / "pilot.yaml", pilot / "obs.csv", FIT)
    threads = calibrate(*args, **kw)
    seq = calibrate(*args, evaluator=SequentialEvaluator(), **kw)
    with ProcessEvaluator(2) as processes:
        procs = calibrate(*args, evaluator=processes, **kw)
    pd.testing.assert_frame_equal(threads.posterior, seq.posterior)
    pd.testing.assert_frame_equal(threads.posterior, procs.posterior)
    pool = calibrate(*args, evaluator=ThreadEvaluator(2), **kw)  # the sweeps' thread pool
    pd.testing.assert_frame_equal(threads.posterior, pool.posterior)
    assert (seq.executor, procs.executor, pool.executor) == ("sequential", "processes", "threads")


def test_the_posterior_on_a_dask_cluster_is_the_same(pilot):
    """A LocalCluster of two workers runs the batches; the posterior is the threads' one."""
    pytest.importorskip("distributed")
    from adoptsim.execute import DaskEvaluator

    kw = {"population": 24, "generations": 2, "seed": 5}
    args = (pilot / "pilot.yaml", pilot / "obs.csv", FIT)
    with DaskEvaluator(workers=2) as dask:
        on_dask = calibrate(*args, evaluator=dask, **kw)
    pd.testing.assert_frame_equal(calibrate(*args, **kw).posterior, on_dask.posterior)
    assert on_dask.executor == "dask"
