"""Named random streams derived from one root seed through ``numpy.random.SeedSequence``.

Every stream is identified by the root seed, a replicate index and a name, so that

* replicate ``k`` of two scenarios draws the same numbers (common random numbers);
* adding a strategy (which draws from its own named stream) never shifts the draws of
  the organization, the employees' traits or the weekly choices;
* the organization has a stream of its own, shared by all replicates unless a new
  organization per replicate is asked for.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np

#: replicate slot used for streams that belong to no replicate (the shared organization)
SHARED = 2**31 - 1


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


#: a replicate's stream key: its index, or a label (a copy's own streams, e.g. a particle
#: filter's resampled copy: ``"resample@12/37"``)
StreamKey = int | str


def _label_key(label: str) -> tuple[int, ...]:
    """Four 32-bit words of the label's SHA-256: a spawn key of its own (keys of a
    different length than a replicate's never coincide with one)."""
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[k : k + 4], "little") for k in range(0, 16, 4))


def seed_sequence(seed: int, replicate: StreamKey, name: str) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` of replicate ``replicate`` (an index or a label)
    under root ``seed``."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if isinstance(replicate, str):
        key = (*_label_key(replicate), _name_key(name))
        return np.random.SeedSequence(entropy=int(seed), spawn_key=key)
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(replicate), _name_key(name)))


def stream(seed: int, replicate: StreamKey, name: str) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` for stream ``name`` of replicate ``replicate``
    (an index, or a label for streams of a copy's own)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, replicate, name)))


def org_stream(seed: int, replicate: int | None = None) -> np.random.Generator:
    """The organization's stream: shared by all replicates unless ``replicate`` is given."""
    return stream(seed, SHARED if replicate is None else replicate, "organization")
