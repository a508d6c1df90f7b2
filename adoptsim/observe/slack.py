"""Slack member analytics (``admin.analytics.getFile``, type ``member``): one gzip file of
newline-delimited JSON per day."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from adoptsim.files import read_bytes
from adoptsim.observe.files import (
    MAX_FILE_BYTES,
    ObserveError,
    Usage,
    check_not_before,
    expand,
)

#: the keys read from each line
KEYS = ("date", "user_id", "email_address", "is_active")


def _decompress(path: Path) -> bytes:
    raw = read_bytes(path, MAX_FILE_BYTES, ObserveError)
    if raw[:2] != b"\x1f\x8b":
        hint = " (a CSV export? use --format teams or activity)" if b"," in raw[:200] else ""
        raise ObserveError(
            f"not a gzip file: Slack's member analytics come gzip-compressed{hint}",
            source=str(path),
        )
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            text = gz.read(MAX_FILE_BYTES + 1)
    except (EOFError, OSError, zlib.error) as exc:
        raise ObserveError(
            f"a truncated or damaged gzip file ({exc}); download it again", source=str(path)
        ) from None
    if len(text) > MAX_FILE_BYTES:
        raise ObserveError(
            f"expands to more than {MAX_FILE_BYTES:,} bytes once decompressed", source=str(path)
        )
    return text


def _diagnose(text: bytes, path: Path) -> ObserveError:
    """The first line that is not a JSON object with the keys read (only on failure)."""
    for n, line in enumerate(io.BytesIO(text), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            msg = getattr(exc, "msg", "not UTF-8")
            col = f", column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            return ObserveError(
                f"not JSON ({msg}): each line must be one JSON object",
                source=str(path),
                where=f"line {n}{col}",
            )
        if not isinstance(obj, dict):
            return ObserveError(
                f"a line is a JSON {type(obj).__name__}, not one object (newline-delimited "
                "JSON, one member per line)",
                source=str(path),
                where=f"line {n}",
            )
        missing = [k for k in KEYS if k not in obj]
        if missing:
            return ObserveError(
                f"missing key(s) {', '.join(missing)} of Slack member analytics "
                f"(the line has: {', '.join(list(obj)[:10])})",
                source=str(path),
                where=f"line {n}",
            )
    return ObserveError("not readable as newline-delimited JSON", source=str(path))


def _read_file(path: Path, start: pd.Timestamp) -> pd.DataFrame:
    text = _decompress(path)
    if not text.strip():
        return pd.DataFrame(
            {
                "identity": pd.Series(dtype=object),
                "date": pd.Series(dtype="datetime64[ns]"),
                "active": pd.Series(dtype=bool),
                "user": pd.Series(dtype=object),
            }
        )
    try:
        frame = pd.read_json(io.BytesIO(text), lines=True, dtype=False)
    except (ValueError, TypeError, AttributeError, KeyError):
        raise _diagnose(text, path) from None
    if any(k not in frame.columns for k in KEYS) or frame[
        ["date", "user_id", "is_active"]
    ].isna().any(axis=None):
        raise _diagnose(text, path)
    frame = frame[list(KEYS)]
    frame.index = pd.RangeIndex(1, 1 + len(frame))
    raw = frame["date"].astype(str).str.strip()
    dates = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        line = int(dates.index[dates.isna().to_numpy().argmax()])
        raise ObserveError(
            f'the date "{raw.loc[line]}" does not parse (expected YYYY-MM-DD)',
            source=str(path),
            where=f'line {line}, key "date"',
        )
    check_not_before(dates, start, path, "date", None)
    active = frame["is_active"]
    if active.dtype != bool:
        bad = ~active.map(lambda v: isinstance(v, bool))
        line = int(active.index[bad.to_numpy().argmax()])
        raise ObserveError(
            f"is_active is {active.loc[line]!r}, not true or false",
            source=str(path),
            where=f'line {line}, key "is_active"',
        )
    email = frame["email_address"].fillna("").astype(str).str.strip().str.lower()
    return pd.DataFrame(
        {"identity": email, "date": dates, "active": active.astype(bool), "user": frame["user_id"]}
    )


def read_slack(paths: Sequence[Path], start: pd.Timestamp) -> Usage:
    """Active days from Slack member analytics: a member's day with ``is_active`` true."""
    files = expand(paths, (".gz",), "Slack member analytics")
    frame = pd.concat([_read_file(p, start) for p in files], ignore_index=True)
    if frame.empty:
        raise ObserveError("the Slack files hold no members", source=str(files[0].parent))
    named = frame["identity"] != ""
    active = frame[named & frame["active"]]
    return Usage(
        days=active[["identity", "date"]].drop_duplicates(),
        people=frame.loc[named, "identity"].drop_duplicates(),
        last_date=frame["date"].max(),
        files=len(files),
        without_identity=int(frame.loc[~named, "user"].nunique()),
    )
