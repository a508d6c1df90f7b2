"""People's keys: salted hashes of their directory identities, and the salt file that keeps
them stable (kept beside the user's scenario, never written into results).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

import pandas as pd

from adoptsim.errors import OrganizationError
from adoptsim.files import read_bytes

#: the salt's file name, in the folder of the scenario that names the directory export
SALT_FILE = "adoptsim.salt"
#: the salt's length in bytes (256 bits: the keys cannot be recomputed from a list of emails)
SALT_BYTES = 32
#: hex digits of a key after its "p": 64 bits, collisions below one in 10^9 at 100,000 people
KEY_DIGITS = 16


def read_salt(path: str | Path, create: bool = True) -> bytes:
    """The salt stored in ``path``; with ``create``, a new random one is written there first
    when the file does not exist (readable by its owner only)."""
    path = Path(path)
    if not path.exists() and create:
        _create_salt(path)
    if not path.exists():
        raise OrganizationError(
            "the salt file does not exist; run `adoptsim observe` or a run of the scenario "
            "to create it",
            source=str(path),
        )
    raw = read_bytes(path, 4096, OrganizationError)
    try:
        salt = bytes.fromhex(raw.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise OrganizationError(
            f"not a salt file (expected {2 * SALT_BYTES} hex digits); delete it to start "
            "over with new keys",
            source=str(path),
        ) from None
    if len(salt) < 16:
        raise OrganizationError(
            f"the salt is too short ({len(salt)} bytes, at least 16)", source=str(path)
        )
    return salt


def _create_salt(path: Path) -> None:
    """Write a new salt atomically: a concurrent creator's salt wins if it came first."""
    if not path.parent.is_dir():
        raise OrganizationError("the salt's folder does not exist", source=str(path))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(SALT_BYTES) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def normalize(values: pd.Series) -> pd.Series:
    """Identities as compared: text, trimmed, lower-case (emails and user principal names
    are case-insensitive); missing values become ''."""
    return values.fillna("").astype(str).str.strip().str.lower()


def hash_keys(values: pd.Series | list[str], salt: bytes) -> list[str]:
    """The key of each identity: ``p`` and the first hex digits of SHA-256(salt, identity)."""
    out = []
    for v in values:
        digest = hashlib.sha256(salt + b"\0" + str(v).encode("utf-8")).hexdigest()
        out.append("p" + digest[:KEY_DIGITS])
    return out
