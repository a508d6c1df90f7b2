"""Result.save / Result.load keep every table, the strategy log included; seed_adopters takes
long lists of employee ids."""

from __future__ import annotations

import pandas as pd
import pytest

import adoptsim
from adoptsim.errors import ScenarioError
from adoptsim.model.engine import Simulation
from adoptsim.runs.result import STRATEGY_LOG, Result
from adoptsim.runs.runner import build_org
from tests.conftest import small_scenario

SEED = 11
RUNS = 3
LOG_COLUMNS = ["replicate", "week", "strategy", "detail"]


def adapt_rule(**over) -> dict:
    """A rule checking active share at the end of weeks 3 and 6."""
    rule = {
        "type": "adapt",
        "metric": "active_share",
        "at": [3, 6],
        "once": False,
        # a name with a comma and a quote: the CSV must quote it
        "then": {"type": "executive_reminders", "name": 'reminders, "round 2"'},
        "duration": 2,
    }
    return rule | over


def run_with(strategies: list[dict]) -> Result:
    spec = small_scenario(weeks=8, strategies=strategies)
    return adoptsim.run(spec, runs=RUNS, seed=SEED)


def test_strategy_log_round_trips(tmp_path):
    # the active share is never 1.01 or more: the rule fires at both checks in every run
    result = run_with([adapt_rule(below=1.01)])
    log = result.strategy_log
    assert len(log) == 2 * RUNS
    assert sorted(log.replicate.unique()) == list(range(RUNS))
    assert sorted(log.week.unique()) == [4, 7]  # the week after each check
    assert log.detail.str.contains('reminders, "round 2" on from week').all()

    folder = result.save(tmp_path / "out")
    on_disk = pd.read_csv(folder / STRATEGY_LOG)
    assert list(on_disk.columns) == LOG_COLUMNS and len(on_disk) == 2 * RUNS
    loaded = Result.load(folder)
    pd.testing.assert_frame_equal(loaded.strategy_log, log)
    pd.testing.assert_frame_equal(loaded.curves, result.curves)


def test_empty_strategy_log_round_trips(tmp_path):
    # the active share is never above 1: the rule never fires
    result = run_with([adapt_rule(above=1.0)])
    assert result.strategy_log.empty
    assert list(result.strategy_log.columns) == LOG_COLUMNS
    folder = result.save(tmp_path / "out")
    assert (folder / STRATEGY_LOG).exists()
    loaded = Result.load(folder)
    assert loaded.strategy_log.empty
    pd.testing.assert_frame_equal(loaded.strategy_log, result.strategy_log)


def test_results_saved_without_a_strategy_log_still_load(tmp_path):
    result = run_with([adapt_rule(below=1.01)])
    folder = result.save(tmp_path / "old")
    (folder / STRATEGY_LOG).unlink()  # as written by versions before the log was saved
    (folder / "checksums.sha256").unlink()
    loaded = Result.load(folder)
    assert loaded.strategy_log.empty
    assert list(loaded.strategy_log.columns) == LOG_COLUMNS
    pd.testing.assert_frame_equal(loaded.curves, result.curves)
    assert loaded.name == result.name


def test_a_result_built_without_a_log_has_an_empty_one_with_its_columns():
    result = run_with([])
    bare = Result(
        curves=result.curves,
        curves_by_department=result.curves_by_department,
        curves_by_role=result.curves_by_role,
        events=result.events,
        summary=result.summary,
        manifest=result.manifest,
    )
    assert bare.strategy_log.empty and list(bare.strategy_log.columns) == LOG_COLUMNS
    pd.testing.assert_frame_equal(bare.strategy_log, result.strategy_log)


# --- seed_adopters with many ids ---------------------------------------------------------
def big_org_scenario(employees: list[str]):
    return small_scenario(
        weeks=1,
        organization={"generate": {"employees": 5000}},
        strategies=[{"type": "seed_adopters", "employees": employees}],
    )


def test_seeding_thousands_of_ids_seeds_exactly_those_employees():
    ids = [str(x) for x in build_org(big_org_scenario(["E0000"]), SEED).ids]
    assert len(ids) == 5000
    chosen = ids[::5] + ids[3::5]  # 2,000 ids, given in no particular order
    result = adoptsim.run(big_org_scenario(chosen), runs=1, seed=SEED)
    seeded = result.events[
        (result.events.cause == "seed_adopters") & (result.events.event == "adoption")
    ]
    assert set(seeded.employee.astype(str)) == set(chosen)
    assert len(seeded) == len(chosen)
    assert (seeded.week == 1).all()


def test_unknown_ids_in_a_long_seed_list_are_named():
    spec = big_org_scenario(["E0000"])
    org = build_org(spec, SEED)
    ids = [str(x) for x in org.ids]
    unknown = ["E00007", "nobody", "x1", "x2", "x3", "x4", "x5"]
    bad = big_org_scenario(ids[:2000] + unknown)
    with pytest.raises(ScenarioError) as info:
        Simulation(bad, org, SEED, [0])
    message = str(info.value)
    assert "'E00007', 'nobody', 'x1', 'x2', 'x3' and 2 more" in message
    assert 'did you mean "E0007"?' in message
    assert "seed_adopters.employees" in message


def test_events_with_large_label_tables_are_stored_plain_and_read_back(tmp_path, monkeypatch):
    """Label tables above PLAIN_ABOVE entries go to events.parquet without a dictionary
    (fast at millions of employees); the events read back the same either way."""
    import pyarrow.parquet as pq

    import adoptsim.runs.result as result_module

    res = run_with([])
    res.save(tmp_path / "dictionary")
    monkeypatch.setattr(result_module, "PLAIN_ABOVE", 10)
    res.save(tmp_path / "plain")
    encodings = {
        name: pq.ParquetFile(tmp_path / name / "events.parquet").metadata.row_group(0)
        for name in ("dictionary", "plain")
    }
    column = list(res.events.columns).index("employee")
    assert "RLE_DICTIONARY" in encodings["dictionary"].column(column).encodings
    assert "RLE_DICTIONARY" not in encodings["plain"].column(column).encodings
    for name in ("dictionary", "plain"):
        back = Result.load(tmp_path / name).events
        for col in res.events.columns:
            assert (
                back[col].astype(str).to_numpy() == res.events[col].astype(str).to_numpy()
            ).all()
