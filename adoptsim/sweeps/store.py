"""The store: a sweep's results folder, written as chunks finish and resumable.

* ``parts/*.parquet``: one file per finished chunk (a point's replicates), written
  atomically, so an interrupted sweep loses only the chunks in flight; rerunning resumes;
* ``results.parquet``: every part merged, once the sweep is complete;
* ``design.parquet``: the points (unit-cube coordinates and parameter values);
* ``experiment.yaml`` and ``scenario.yaml``: the experiment and base scenario as resolved;
* ``manifest.json``: hashes, seed, design, counts, sessions (evaluator, throughput), version.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from adoptsim.errors import InputError
from adoptsim.sweeps.design import Design
from adoptsim.sweeps.experiment import Experiment

PARTS = "parts"
RESULTS = "results.parquet"
DESIGN = "design.parquet"
EXPERIMENT = "experiment.yaml"
SCENARIO = "scenario.yaml"
MANIFEST = "manifest.json"
#: key columns of the results table, before the parameters and the metrics
KEYS = ("point", "replicate", "seed")
STATUS_COLUMNS = ("status", "error")


class Store:
    """A sweep's results folder: parts written as chunks finish, merged on read."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.parts = self.folder / PARTS

    def exists(self) -> bool:
        """Whether a sweep was started here."""
        return (self.folder / MANIFEST).exists()

    def manifest(self) -> dict[str, Any]:
        """The manifest (empty when none)."""
        path = self.folder / MANIFEST
        return json.loads(path.read_text()) if path.exists() else {}

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest atomically."""
        _atomic_text(self.folder / MANIFEST, json.dumps(manifest, indent=2, default=str) + "\n")

    def clear(self) -> None:
        """Remove the sweep's files (parts, merged table, manifest) to start over."""
        if self.parts.exists():
            shutil.rmtree(self.parts)
        for name in (RESULTS, DESIGN, EXPERIMENT, SCENARIO, MANIFEST):
            (self.folder / name).unlink(missing_ok=True)

    def start(self, exp: Experiment, design: Design, manifest: dict[str, Any]) -> None:
        """Create the folder and write the resolved experiment, scenario and design."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for stale in self.parts.glob(".tmp-*"):
            stale.unlink(missing_ok=True)
        _atomic_text(self.folder / EXPERIMENT, yaml.safe_dump(exp.resolved(), sort_keys=False))
        _atomic_text(
            self.folder / SCENARIO,
            yaml.safe_dump(exp.base.resolved(), sort_keys=False),
        )
        tmp = self.folder / f".tmp-{uuid.uuid4().hex}.parquet"
        design.table().to_parquet(tmp, index=False)
        os.replace(tmp, self.folder / DESIGN)
        self.write_manifest(manifest)

    def part_files(self) -> list[Path]:
        """The finished parts."""
        return sorted(self.parts.glob("part-*.parquet")) if self.parts.exists() else []

    def write_part(self, rows: pd.DataFrame) -> Path:
        """Write one finished chunk atomically (a part is visible only when complete)."""
        point = int(rows["point"].iloc[0])
        first, last = int(rows["replicate"].min()), int(rows["replicate"].max())
        name = f"part-{point:07d}-{first:06d}-{last:06d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = self.parts / f".tmp-{name}"
        rows.to_parquet(tmp, index=False)
        os.replace(tmp, self.parts / name)
        return self.parts / name

    def read_parts(self, files: Iterable[Path] | None = None) -> pd.DataFrame:
        """Every part's rows concatenated as written (no sorting, no de-duplication)."""
        frames = [pd.read_parquet(f) for f in (self.part_files() if files is None else files)]
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def table(self) -> pd.DataFrame:
        """The rows so far, one per (point, replicate), sorted."""
        df = self.read_parts()
        if df.empty:
            merged = self.folder / RESULTS
            return pd.read_parquet(merged) if merged.exists() else df
        df = df.drop_duplicates(["point", "replicate"], keep="last")
        return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)

    def done(self) -> tuple[set[tuple[int, int]], list[Path]]:
        """The (point, replicate) pairs stored, and the parts that hold error rows."""
        pairs: set[tuple[int, int]] = set()
        failed: list[Path] = []
        for f in self.part_files():
            df = pd.read_parquet(f, columns=["point", "replicate", "status"])
            pairs.update(zip(df["point"].tolist(), df["replicate"].tolist(), strict=True))
            if (df["status"] != "ok").any():
                failed.append(f)
        return pairs, failed


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def load_sweep(folder: str | Path) -> tuple[Experiment, pd.DataFrame, pd.DataFrame, dict]:
    """A sweep's experiment, design table, results table and manifest from its folder."""
    folder = Path(folder)
    st = Store(folder)
    if not st.exists() or not (folder / EXPERIMENT).exists():
        raise InputError(
            f"no {MANIFEST} / {EXPERIMENT} here: not a folder written by `adoptsim sweep`",
            source=str(folder),
        )
    data = yaml.safe_load((folder / EXPERIMENT).read_text())
    exp = Experiment.model_validate(data)
    exp._source = None
    design = pd.read_parquet(folder / DESIGN)
    return exp, design, st.table(), st.manifest()
