"""An optimization's folder: one search at a time (a lock), and the files a resumed search
reads back (the manifest, Optuna's journal) checked before they are trusted."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from adoptsim.errors import InputError
from adoptsim.files import MAX_BYTES, read_text
from adoptsim.optimize.spec import OptimizeError

#: the lock file of a search in progress (hidden; not a result)
LOCK = ".optimize.lock"
#: the largest journal read back (about 2 kB a trial)
MAX_JOURNAL_BYTES = 2 * 2**30
#: the operations of Optuna's journal (optuna.storages.journal JournalOperation: 0-10)
JOURNAL_OPERATIONS = range(0, 11)


@contextlib.contextmanager
def search_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's lock for the block: a second search on the same folder is refused
    at once (a lock, not a file's presence: a killed search leaves none held)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OptimizeError(
                "another `adoptsim optimize` is running on this folder; wait for it to end, "
                "or give another folder with --out",
                source=str(folder),
            ) from None
        yield
    finally:
        os.close(fd)


def read_manifest(path: Path) -> dict[str, Any]:
    """An optimization folder's manifest, or an OptimizeError when it is cut or changed."""
    try:
        data = json.loads(read_text(path, MAX_BYTES, OptimizeError))
    except (json.JSONDecodeError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise OptimizeError(
            "manifest.json is cut or damaged; use --overwrite to start the search over",
            source=str(path.parent),
        )
    return data


def check_journal(path: Path) -> None:
    """Every line of the journal is one of Optuna's operations (a cut last line is repaired
    before); an OptimizeError naming the line otherwise."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_file():
        raise OptimizeError("the journal is not a regular file", source=str(path))
    if path.stat().st_size > MAX_JOURNAL_BYTES:
        raise OptimizeError(
            f"the journal is larger than {MAX_JOURNAL_BYTES:,} bytes", source=str(path)
        )
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                op = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                op = None
            ok = isinstance(op, dict) and isinstance(op.get("worker_id"), str)
            if not ok or op.get("op_code") not in JOURNAL_OPERATIONS:
                raise damaged_journal(path, f"line {n} is not an operation of an Optuna journal")


def damaged_journal(path: Path, what: str) -> InputError:
    """The error of a journal a search cannot resume from."""
    return OptimizeError(
        f"{what}: the search cannot resume from it; use --overwrite to start over, or "
        "--out for another folder",
        source=str(path),
    )
