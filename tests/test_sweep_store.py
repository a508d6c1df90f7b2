"""A sweep's store: parts carry their checksum, damaged parts are named or set aside."""

from __future__ import annotations

import os

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.sweeps import Store, SweepStats, load_sweep, sweep
from tests.test_sweep import base_file, experiment  # noqa: F401 (fixture)

cli = CliRunner()


def altered(path) -> None:
    """The same part with one value changed: valid Parquet, wrong rows."""
    df = pd.read_parquet(path)
    df.loc[df.index[0], "final_active_share"] = 0.999
    df.to_parquet(path, index=False)


@pytest.fixture
def swept(tmp_path, base_file):  # noqa: F811
    exp = experiment(base_file)
    out = tmp_path / "out"
    full = sweep(exp, out=out, executor="sequential", chunk_size=1)
    (out / "results.parquet").unlink()  # as if interrupted before the merge
    return exp, out, full


@pytest.mark.parametrize("damage", ["altered", "corrupt"])
def test_a_damaged_part_is_named_on_read(swept, damage):
    _, out, _ = swept
    part = Store(out).part_files()[5]
    if damage == "altered":
        altered(part)
    else:
        part.write_bytes(os.urandom(500))
    with pytest.raises(InputError, match=part.name):
        load_sweep(out)
    res = cli.invoke(app, ["analyze", str(out)])
    assert res.exit_code == 2 and part.name in res.output.replace("\n", "")
    assert "Traceback" not in res.output


def test_resume_sets_damaged_parts_aside_and_redoes_their_runs(swept):
    exp, out, full = swept
    parts = Store(out).part_files()
    altered(parts[2])
    parts[7].write_bytes(b"PAR1 not really")
    stats = SweepStats()
    with pytest.warns(UserWarning, match="2 damaged part"):
        again = sweep(exp, out=out, executor="sequential", stats=stats)
    assert stats.ran == 2 and len(stats.damaged) == 2
    pd.testing.assert_frame_equal(again, full)
    assert sorted(p.name for p in (out / "parts" / "damaged").iterdir()) == sorted(
        [parts[2].name, parts[7].name]
    )


def test_an_altered_merged_table_is_refused(tmp_path, base_file):  # noqa: F811
    out = tmp_path / "out"
    sweep(experiment(base_file), out=out, executor="sequential")
    for part in Store(out).part_files():
        part.unlink()  # the merged table alone, as after a clean-up of parts
    pd.testing.assert_frame_equal(load_sweep(out)[2], Store(out).table())
    altered(out / "results.parquet")
    with pytest.raises(InputError, match=r"results\.parquet"):
        load_sweep(out)


def test_the_cli_says_where_a_sweep_stands_when_interrupted(tmp_path, base_file, monkeypatch):  # noqa: F811
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(experiment(base_file)))
    calls = {"n": 0}
    real = Store.write_part

    def stop_after_two(self, rows):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real(self, rows)

    monkeypatch.setattr(Store, "write_part", stop_after_two)
    out = tmp_path / "out"
    args = ["sweep", str(path), "--out", str(out), "--executor", "sequential", "--chunk", "1"]
    res = cli.invoke(app, args)
    assert res.exit_code == 130, res.output
    assert "2 of 12 runs are stored" in res.output and "again to resume" in res.output
    monkeypatch.setattr(Store, "write_part", real)
    res = cli.invoke(app, args)
    assert res.exit_code == 0 and "2 already stored" in res.output
