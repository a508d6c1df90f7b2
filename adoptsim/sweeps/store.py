"""The store: a sweep's results folder, written as chunks finish and resumable.

* ``parts/*.parquet``: one file per finished chunk (a point's replicates), written
  atomically, so an interrupted sweep loses only the chunks in flight; rerunning resumes.
  A part's name ends with the start of its SHA-256: a changed or damaged part is named
  when read, and set aside into ``parts/damaged/`` (its runs done again) when resuming;
* ``results.parquet``: every part merged, once the sweep is complete (its SHA-256 in the
  manifest);
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
from pydantic import ValidationError

from adoptsim.errors import InputError
from adoptsim.files import read_text
from adoptsim.runs.folders import file_digest
from adoptsim.scenario.yaml_input import read_yaml
from adoptsim.sweeps.design import Design
from adoptsim.sweeps.experiment import Experiment

PARTS = "parts"
RESULTS = "results.parquet"
DESIGN = "design.parquet"
EXPERIMENT = "experiment.yaml"
SCENARIO = "scenario.yaml"
MANIFEST = "manifest.json"
DAMAGED = "damaged"
#: hex digits of a part's SHA-256 kept in its name
PART_DIGEST = 32
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
        if not path.exists():
            return {}
        try:
            data = json.loads(read_text(path))
        except (json.JSONDecodeError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise InputError(
                f"{MANIFEST} is cut or damaged; resume or rerun the sweep", source=str(path)
            )
        return data

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
        tmp = self.parts / f".tmp-{uuid.uuid4().hex}.parquet"
        rows.to_parquet(tmp, index=False)
        digest = file_digest(tmp)[:PART_DIGEST]
        name = f"part-{point:07d}-{first:06d}-{last:06d}-{digest}.parquet"
        os.replace(tmp, self.parts / name)
        return self.parts / name

    def damaged_parts(self) -> list[Path]:
        """The parts whose bytes no longer match the checksum in their name."""
        return [f for f in self.part_files() if not _part_intact(f)]

    def set_aside_damaged(self) -> list[Path]:
        """Move damaged parts into ``parts/damaged/`` (their runs are then done again)."""
        damaged = self.damaged_parts()
        if damaged:
            (self.parts / DAMAGED).mkdir(exist_ok=True)
            for f in damaged:
                os.replace(f, self.parts / DAMAGED / f.name)
        return damaged

    def read_parts(self, files: Iterable[Path] | None = None) -> pd.DataFrame:
        """Every part's rows concatenated as written (no sorting, no de-duplication)."""
        frames = [_read_part(f) for f in (self.part_files() if files is None else files)]
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def table(self) -> pd.DataFrame:
        """The rows so far, one per (point, replicate), sorted."""
        df = self.read_parts()
        if df.empty:
            merged = self.folder / RESULTS
            if not merged.exists():
                return df
            expected = self.manifest().get("results_sha256")
            if expected is not None and file_digest(merged) != expected:
                raise InputError(
                    "was changed or damaged after the sweep wrote it (its checksum does not "
                    "match the manifest's); run the sweep again with --overwrite",
                    source=str(merged),
                )
            return _read_parquet(merged)
        df = df.drop_duplicates(["point", "replicate"], keep="last")
        return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)

    def done(self) -> tuple[set[tuple[int, int]], list[Path]]:
        """The (point, replicate) pairs stored, and the parts that hold error rows."""
        pairs: set[tuple[int, int]] = set()
        failed: list[Path] = []
        for f in self.part_files():
            df = _read_part(f)[["point", "replicate", "status"]]
            pairs.update(zip(df["point"].tolist(), df["replicate"].tolist(), strict=True))
            if (df["status"] != "ok").any():
                failed.append(f)
        return pairs, failed


def _part_intact(path: Path) -> bool:
    digest = path.stem.rsplit("-", 1)[-1]
    if len(digest) != PART_DIGEST:  # parts written before their names held a checksum
        return True
    return file_digest(path).startswith(digest)


def _read_part(path: Path) -> pd.DataFrame:
    if not _part_intact(path):
        raise InputError(
            "was changed or damaged after the sweep wrote it (its checksum does not match "
            "the one in its name); run the sweep again: resuming sets it aside and redoes "
            "its runs",
            source=str(path),
        )
    return _read_parquet(path)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow's complaint about a damaged file
        raise InputError(
            f"cannot be read ({type(exc).__name__}); run the sweep again", source=str(path)
        ) from None


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
    data = read_yaml(folder / EXPERIMENT, InputError, "an experiment is a mapping of keys")
    try:
        exp = Experiment.model_validate(data)
    except ValidationError:
        raise InputError(
            f"{EXPERIMENT} was changed after the sweep wrote it; rerun the sweep",
            source=str(folder / EXPERIMENT),
        ) from None
    exp._source = None
    design = _read_parquet(folder / DESIGN)
    return exp, design, st.table(), st.manifest()


def first_error(table: pd.DataFrame) -> str | None:
    """The first error message of the table's error rows (None without errors)."""
    bad = table[table["status"] != "ok"]
    return None if bad.empty else str(bad["error"].iloc[0])
