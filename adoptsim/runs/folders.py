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

import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adoptsim.errors import InputError
from adoptsim.files import confined, digest, read_text, writable_target

CHECKSUMS = "checksums.sha256"
#: charts and reports are drawn from the data again at will: not listed
UNLISTED_SUFFIXES = (".png", ".svg", ".pdf", ".html")
#: files that mark a folder as adoptsim's results (a run, a comparison, a sweep)
RESULT_MARKERS = ("manifest.json", "comparison.json")
INCOMPLETE = ".incomplete"
#: the largest checksums list read (a folder lists a few dozen files)
MAX_LISTING = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


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
    results. A file, a path under a file, a symbolic link or a folder holding other files is
    refused.
    """
    folder = writable_target(writable_folder(folder, flag), flag)
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
    tmp = folder.parent / f".{folder.name}{INCOMPLETE}-{uuid.uuid4().hex[:8]}"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except OSError as exc:
        raise _unwritable(folder, exc) from None
    try:
        yield tmp
        write_checksums(tmp)
        _replace(tmp, folder)
    except OSError as exc:  # a full disk, a folder made read-only meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
        raise _unwritable(folder, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _unwritable(folder: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot write the results in {folder} ({exc.strerror or type(exc).__name__}); "
        "nothing was written: free space or give another folder",
        source="--out",
    )


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
    return digest(path)


def write_checksums(folder: Path) -> None:
    """``checksums.sha256`` in ``folder`` and in each result folder below it."""
    for d in sorted({folder, *(p.parent for p in data_files(folder) if p.name == "manifest.json")}):
        files = data_files(d)
        lines = [f"{file_digest(p)}  {p.relative_to(d).as_posix()}\n" for p in files]
        (d / CHECKSUMS).write_text("".join(lines), encoding="utf-8")


def verify(folder: str | Path) -> None:
    """Check the files of a results folder against its ``checksums.sha256``.

    Every name listed must stay in the folder (no absolute path, no ``..``, no symbolic
    link), be a regular file and match its checksum; every data file in the folder must be
    listed (a file added later is not read as a result). A folder without the list
    (written by an earlier adoptsim) is accepted as it is. Raises an InputError naming the
    first file at fault.
    """
    folder = Path(folder)
    listing = folder / CHECKSUMS
    if not listing.exists() and not listing.is_symlink():
        return
    if listing.is_symlink():
        raise InputError("is a symbolic link, not a list of checksums", source=str(listing))
    text = read_text(listing, MAX_LISTING, source=str(listing))
    listed: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        digest_text, sep, name = line.partition("  ")
        if not sep or not _HEX64.fullmatch(digest_text):
            raise InputError(f"line {n} is not '<sha256>  <file>'", source=str(listing))
        path = confined(folder, name, source=str(listing), what=f"the file of line {n}")
        if path.is_symlink() or not path.is_file():
            raise InputError(
                f"{_shown(name)} is missing from this results folder (or not a regular file); "
                "rerun the command that wrote it",
                source=str(folder),
            )
        if file_digest(path) != digest_text:
            raise InputError(
                f"{_shown(name)} was changed or damaged after it was written (its checksum "
                "does not match checksums.sha256); rerun the command that wrote it",
                source=str(folder),
            )
        listed.add(path.relative_to(folder).as_posix())
    for path in data_files(folder):
        name = path.relative_to(folder).as_posix()
        if name not in listed:
            raise InputError(
                f"{_shown(name)} is not in checksums.sha256: it was added after the results "
                "were written; remove it or rerun the command",
                source=str(folder),
            )


def data_files(folder: Path) -> list[Path]:
    """The files of ``folder`` (and its sub-folders, symbolic links not followed) that its
    checksums list: all but charts, reports and the list itself."""
    out = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not (Path(top) / d).is_symlink()]
        for name in files:
            path = Path(top) / name
            if name != CHECKSUMS and path.suffix not in UNLISTED_SUFFIXES:
                out.append(path)
    return sorted(out)


def _shown(name: str) -> str:
    """A file name from a results folder, cut short for a message."""
    return name if len(name) <= 80 else name[:77] + "..."


def read_comparison(
    path: Path, metrics: Iterable[str], default: str
) -> tuple[list[tuple[str, str]], str]:
    """The plans (name, folder) and the ranking metric (one of ``metrics``, ``default`` when
    absent) of a ``comparison.json``; an InputError for anything else."""
    bad = InputError(
        "not a comparison file written by `adoptsim compare` (cut or changed); rerun the "
        "comparison",
        source=str(path),
    )
    try:
        info = json.loads(read_text(path, source=str(path)))
    except (json.JSONDecodeError, RecursionError):
        raise bad from None
    plans = info.get("plans") if isinstance(info, dict) else None
    if not isinstance(plans, list) or not plans:
        raise bad
    out = []
    for entry in plans:
        if not isinstance(entry, dict):
            raise bad
        name, sub = entry.get("name"), entry.get("folder")
        if not isinstance(name, str) or not isinstance(sub, str):
            raise bad
        out.append((name, sub))
    rank_by = info.get("rank_by", default)
    if rank_by not in set(metrics):
        raise bad
    return out, rank_by


def save_whole(write: Callable[[Path], Any], folder: str | Path, overwrite: bool) -> Path:
    """``write(tmp)`` into a temporary folder that then replaces ``folder`` (refused if it
    holds results, unless ``overwrite``): the folder is written whole or not at all."""
    with atomic_folder(folder, overwrite) as tmp:
        write(tmp)
    return Path(folder)
