"""The ensemble runner: organizations per replicate, saving and loading results."""

import numpy as np
import pandas as pd

import adoptsim
from adoptsim.runs.result import Result
from adoptsim.runs.runner import build_org


def test_org_is_shared_by_default_and_new_per_replicate_on_request(small):
    shared_a = build_org(small, 3)
    shared_b = build_org(small, 3)
    assert np.array_equal(shared_a.edge_src, shared_b.edge_src)
    r0 = build_org(small, 3, replicate=0)
    r1 = build_org(small, 3, replicate=1)
    assert r0.edge_src.size != r1.edge_src.size or not np.array_equal(r0.edge_src, r1.edge_src)
    res = adoptsim.run(small, runs=2, seed=3, new_org_per_replicate=True)
    assert res.manifest["new_org_per_replicate"] is True
    again = adoptsim.run(small, runs=2, seed=3, new_org_per_replicate=True)
    pd.testing.assert_frame_equal(res.curves, again.curves)
    shared = adoptsim.run(small, runs=2, seed=3)
    assert not res.curves["aware_share"].equals(shared.curves["aware_share"])


def test_save_and_load_roundtrip(small, tmp_path):
    res = adoptsim.run(small, runs=2, seed=1)
    res.save(tmp_path / "out")
    back = Result.load(tmp_path / "out")
    pd.testing.assert_frame_equal(back.curves, res.curves, check_dtype=False)
    assert len(back.events) == len(res.events)
    assert set(back.events.columns) == {"replicate", "week", "employee", "event", "cause"}
    assert back.manifest["scenario_hash"] == res.manifest["scenario_hash"]
    assert np.allclose(
        back.summary["final_active_share"].to_numpy(),
        res.summary["final_active_share"].to_numpy(),
    )


def test_imported_org_runs(tmp_path):
    from tests.conftest import SCENARIOS

    scen = tmp_path / "imported.yaml"
    data = SCENARIOS / "data"
    scen.write_text(
        f"name: imported\nweeks: 10\nruns: 2\norganization:\n"
        f"  employees: {data / 'example_employees.csv'}\n  ties: {data / 'example_ties.csv'}\n"
    )
    res = adoptsim.run(adoptsim.load_scenario(scen))
    assert res.manifest["employees"] == 60
    assert res.curves["aware_share"].iloc[-1] > 0


def test_event_labels_are_categories_unless_a_label_repeats():
    from adoptsim.runs.runner import _labels

    table = pd.CategoricalDtype(pd.Index(["a", "b", "c"], dtype=object))
    codes = np.array([2, 0, 0, 1], dtype=np.int8)
    got = _labels(codes, table)
    assert isinstance(got, pd.Categorical) and list(got) == ["c", "a", "a", "b"]
    repeated = pd.Index(["a", "b", "a"], dtype=object)  # e.g. a cause named like a peer
    assert list(_labels(codes, repeated)) == ["a", "a", "a", "b"]


def test_events_of_batches_share_their_label_tables(small):
    """Batches of one organization give the same categories, so the combined table keeps
    them as categoricals (no per-event strings)."""
    whole = adoptsim.run(small, runs=4, seed=2, batch_size=4)
    split = adoptsim.run(small, runs=4, seed=2, batch_size=1)
    for col in ("employee", "event", "cause"):
        assert isinstance(split.events[col].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(whole.events, split.events)
