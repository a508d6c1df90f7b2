"""Results folders written whole or not at all, with a checksum for every file.

A result is written into a hidden sibling folder ``.NAME.incomplete-XXXX`` and renamed to
``NAME`` once every file is in place, so a folder named ``NAME`` is always complete; an
interrupted write leaves either nothing (the partial folder is removed) or, after a hard
kill, the hidden ``.incomplete`` folder, which no reader takes for a result. When the write
completes, ``checksums.sha256`` (the format of ``sha256sum``: ``sha256sum -c`` checks it) is
written in the folder and in every result folder inside it (the plans of a comparison),
listing the data files (charts and reports are drawn again from them at will); readers
check it with :func:`verify` and name any file that is missing or changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adoptsim.errors import InputError

CHECKSUMS = "checksums.sha256"
#: charts and reports are drawn from the data again at will: not listed
UNLISTED_SUFFIXES = (".png", ".svg", ".pdf", ".html")
#: files that mark a folder as adoptsim's results (a run, a comparison, a sweep)
RESULT_MARKERS = ("manifest.json", "comparison.json")
INCOMPLETE = ".incomplete"
_CHUNK = 1 << 20


def is_result_folder(folder: Path) -> bool:
    """Whether ``folder`` holds results written by adoptsim."""
    return any((folder / m).is_file() for m in RESULT_MARKERS)


def writable_folder(path: str | Path, flag: str = "--out") -> Path:
    """``path`` as an output folder: an InputError (naming ``flag``) when it, or a folder
    above it, is an existing file."""
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists() and not p.is_dir():
            where = "is a file" if p == path else f"lies under the file {p}"
            raise InputError(
                f"{path} {where}; give a folder (new or existing) for the results",
                source=flag,
            )
    return path


def check_target(folder: str | Path, overwrite: bool = False, flag: str = "--out") -> Path:
    """``folder`` as the destination of a new result, or an InputError that says why not.

    Allowed: a new folder, an empty one, or (with ``overwrite``) one that holds adoptsim
    results. A file, a path under a file, or a folder holding other files is refused.
    """
    folder = writable_folder(folder, flag)
    if not folder.exists() or not any(folder.iterdir()):
        return folder
    if not is_result_folder(folder):
        raise InputError(
            f"{folder} holds files that are not adoptsim results; give a new or empty folder",
            source=flag,
        )
    if not overwrite:
        raise InputError(
            f"{folder} already holds results; add --overwrite to replace them, or give "
            f"another folder with {flag}",
            source=flag,
        )
    return folder


@contextmanager
def atomic_folder(folder: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder to write a result into, renamed to ``folder`` when the block ends.

    If the block raises (or is interrupted), the temporary folder is removed and ``folder``
    is left as it was.
    """
    folder = check_target(folder, overwrite)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}{INCOMPLETE}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        write_checksums(tmp)
        _replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace(tmp: Path, folder: Path) -> None:
    if folder.exists() and not any(folder.iterdir()):
        folder.rmdir()
    if not folder.exists():
        os.rename(tmp, folder)
        return
    old = folder.parent / f".{folder.name}.replaced-{uuid.uuid4().hex[:8]}"
    os.rename(folder, old)
    os.rename(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def write_checksums(folder: Path) -> None:
    """``checksums.sha256`` in ``folder`` and in each result folder below it."""
    for d in sorted({folder, *(p.parent for p in folder.rglob("manifest.json"))}):
        files = sorted(
            p
            for p in d.rglob("*")
            if p.is_file() and p.name != CHECKSUMS and p.suffix not in UNLISTED_SUFFIXES
        )
        lines = [f"{file_digest(p)}  {p.relative_to(d).as_posix()}\n" for p in files]
        (d / CHECKSUMS).write_text("".join(lines), encoding="utf-8")


def verify(folder: str | Path) -> None:
    """Check the files of a results folder against its ``checksums.sha256``.

    A folder without the file (written by an earlier adoptsim) is accepted as it is.
    Raises an InputError naming the first missing or changed file.
    """
    folder = Path(folder)
    listing = folder / CHECKSUMS
    if not listing.is_file():
        return
    try:
        lines = listing.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError("is not a list of checksums (not text)", source=str(listing)) from None
    for n, line in enumerate(lines, start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise InputError(f"line {n} is not '<sha256>  <file>'", source=str(listing))
        path = folder / name
        if not path.is_file():
            raise InputError(
                f"{name} is missing from this results folder; rerun the command that wrote it",
                source=str(folder),
            )
        if file_digest(path) != digest:
            raise InputError(
                f"{name} was changed or damaged after it was written (its checksum does not "
                "match checksums.sha256); rerun the command that wrote it",
                source=str(folder),
            )


def save_whole(write: Callable[[Path], Any], folder: str | Path, overwrite: bool) -> Path:
    """``write(tmp)`` into a temporary folder that then replaces ``folder`` (refused if it
    holds results, unless ``overwrite``): the folder is written whole or not at all."""
    with atomic_folder(folder, overwrite) as tmp:
        write(tmp)
    return Path(folder)
