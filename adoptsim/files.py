"""The one input layer under every file a command reads: a regular file (a FIFO, a
device such as ``/dev/zero`` or a folder is refused without blocking), a size bound, an
encoding, confinement to a folder (symbolic links are not followed out of it) and, for
files read back from a results folder, their checksum.

Messages name the file and the problem, never the file's contents.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import math
import os
import re
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from adoptsim.errors import InputError

#: the default largest file read (a user's scenario, CSV or table fits in far less)
MAX_BYTES = 5 * 2**20
#: the largest results file read back (a run's curves or events of a large ensemble)
MAX_RESULT_BYTES = 2 * 2**30
#: the largest table of numbers (posterior, draws) read: rows, columns
MAX_ROWS, MAX_COLUMNS = 1_000_000, 200
_CHUNK = 1 << 20
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _open_regular(path: str | Path, limit: int, error: type[InputError], source: str) -> int:
    """A descriptor of the regular file ``path`` of at most ``limit`` bytes, opened
    without blocking (a FIFO is refused, not waited on); ``error`` otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error("file not found", source=source) from None
    except IsADirectoryError:
        raise error("a folder, not a regular file", source=source) from None
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror})", source=source) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a folder, not a regular file"
                if stat.S_ISDIR(info.st_mode)
                else "not a regular file (a FIFO, a device or a socket is not read)"
            )
            raise error(kind, source=source)
        if info.st_size > limit:
            raise error(f"larger than {limit:,} bytes", source=source)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(
    path: str | Path,
    limit: int = MAX_BYTES,
    error: type[InputError] = InputError,
    source: str | None = None,
) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``); ``error`` naming the file
    for a missing file, a FIFO or device, a folder, a larger file or a read error."""
    source = source or str(path)
    fd = _open_regular(path, limit, error, source)
    try:
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        if len(data) > limit:  # grew while it was read
            raise error(f"larger than {limit:,} bytes", source=source)
        return data
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror})", source=source) from None
    finally:
        os.close(fd)


@contextlib.contextmanager
def open_text(
    path: str | Path,
    limit: int = MAX_BYTES,
    error: type[InputError] = InputError,
    source: str | None = None,
) -> Iterator[io.TextIOBase]:
    """The regular file ``path`` (at most ``limit`` bytes) opened as UTF-8 text for
    reading line by line (a byte-order mark is dropped; CSV newlines kept); refused as
    :func:`read_bytes` refuses."""
    source = source or str(path)
    fd = _open_regular(path, limit, error, source)
    with os.fdopen(fd, "r", encoding="utf-8-sig", newline="") as f:
        yield f


def read_text(
    path: str | Path,
    limit: int = MAX_BYTES,
    error: type[InputError] = InputError,
    source: str | None = None,
) -> str:
    """The UTF-8 text (a byte-order mark is dropped) of the regular file ``path``, as
    :func:`read_bytes` reads it."""
    source = source or str(path)
    data = read_bytes(path, limit, error, source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start})", source=source) from None


def header_shown(header: list[str], expected: list[str] | tuple[str, ...]) -> str:
    """``"; the file has: ..."`` listing a CSV header's names (each cut to 40 characters,
    at most 12) when at least one ``expected`` name is among them; otherwise the file is not
    one of the kind expected and nothing of it is quoted."""
    known = {e.strip().lower() for e in expected}
    if not any(h.strip().lower() in known for h in header):
        return "; its first line names none of the columns expected (not shown)"
    names = [h if len(h) <= 40 else h[:39] + "…" for h in header[:12]]
    return "; the file has: " + ", ".join(names) + (", ..." if len(header) > 12 else "")


def inside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path``, with every symbolic link followed, lies in the folder ``root``."""
    try:
        real, base = Path(path).resolve(), Path(root).resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return real == base or base in real.parents


def confined(
    root: str | Path,
    name: str,
    error: type[InputError] = InputError,
    source: str | None = None,
    what: str = "a path",
) -> Path:
    """``root / name`` when ``name`` is a relative path that stays in ``root`` once every
    symbolic link is followed; else ``error`` (``what``: what the path names, for the
    message). The message does not repeat ``name``."""
    source = source or str(root)
    text = str(name)
    if not text or "\0" in text or len(text) > 1024:
        raise error(f"{what} is not a file name", source=source)
    rel = Path(text)
    if rel.is_absolute() or ".." in rel.parts:
        raise error(f"{what} leads out of the folder (absolute, or with ..)", source=source)
    path = Path(root) / rel
    if not inside(path, root):
        raise error(f"{what} leads out of the folder (a symbolic link)", source=source)
    return path


def digest(path: str | Path, limit: int = MAX_RESULT_BYTES) -> str:
    """The SHA-256 of a regular file's bytes, in hex (an InputError for a FIFO, a device or
    a file over ``limit`` bytes)."""
    path = Path(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file", source=str(path))
        if info.st_size > limit:
            raise InputError(f"larger than {limit:,} bytes", source=str(path))
        h = hashlib.sha256()
        with os.fdopen(fd, "rb", closefd=False) as f:
            while block := f.read(_CHUNK):
                h.update(block)
        return h.hexdigest()
    finally:
        os.close(fd)


def writable_target(path: str | Path, flag: str = "--out") -> Path:
    """``path`` as a file or folder to write: an InputError when it or a folder above it is
    a symbolic link (what is written would land elsewhere)."""
    path = Path(path)
    if path.is_symlink():
        raise InputError(
            f"{path} is a symbolic link; give the folder it points to, or a new one",
            source=flag,
        )
    return path


def check_writable(path: str | Path, flag: str = "--out") -> None:
    """An InputError when nothing can be written beside ``path`` (a results folder is
    written beside itself, then renamed): in its folder or, if that does not exist yet,
    the nearest existing folder above it; read-only or full. The probe file is removed."""
    path = Path(path)
    existing = next((p for p in path.parents if p.exists()), Path("."))
    probe = existing / f".adoptsim-write-check-{os.getpid()}"
    try:
        with open(probe, "wb") as f:
            f.write(b"\0" * 4096)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise InputError(
            f"cannot write in {existing} ({exc.strerror}); free space or give another folder",
            source=flag,
        ) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def number_table(
    text: str, source: str, error: type[InputError] = InputError
) -> tuple[list[str], list[list[float]]]:
    """A CSV of numbers: the header and one list of finite numbers per row. Errors name the
    row and the column's position, never a cell's or a column's text."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise error("not a readable CSV file", source=source) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise error("the file is empty", source=source)
    header = [h.strip() for h in rows[0]]
    if len(header) > MAX_COLUMNS or len(rows) - 1 > MAX_ROWS:
        raise error(f"more than {MAX_COLUMNS} columns or {MAX_ROWS:,} rows", source=source)
    if len(set(header)) != len(header) or not all(header):
        raise error("the header has an empty or repeated column name", source=source)
    body: list[list[float]] = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise error(f"row {n} has {len(row)} cells for {len(header)} columns", source=source)
        values = []
        for j, cell in enumerate(row, start=1):
            cell = cell.strip()
            value = float(cell) if _DECIMAL.fullmatch(cell) else math.nan
            if not math.isfinite(value):
                raise error(f"row {n}, column {j}: not a finite number", source=source)
            values.append(value)
        body.append(values)
    if not body:
        raise error("the file has a header and no rows", source=source)
    return header, body


def write_file(path: str | Path, write: Callable[[Path], Any], flag: str = "--out") -> Path:
    """Write ``path`` whole: ``write`` fills a temporary file beside it, which then replaces
    ``path`` (a symbolic link planted at ``path`` is replaced, never followed). A path under
    a file, a folder or a symbolic link at ``path``, a full disk or a read-only folder is an
    InputError naming ``flag``."""
    path = Path(path)
    for p in path.parents:
        if p.exists() and not p.is_dir():
            raise InputError(f"{path} lies under the file {p}; give a path in a folder", flag)
    if path.is_dir() and not path.is_symlink():
        raise InputError(f"{path} is a folder; give a file name", source=flag)
    tmp = path.parent / f".{path.stem}-{uuid.uuid4().hex[:8]}{path.suffix}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(
            f"cannot write {path} ({exc.strerror or type(exc).__name__})", source=flag
        ) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return path
