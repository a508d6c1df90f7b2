"""Named random streams derived from one root seed through ``numpy.random.SeedSequence``.

Every stream is identified by the root seed, a replicate index and a name, so that

* replicate ``k`` of two scenarios draws the same numbers (common random numbers);
* adding a strategy (which draws from its own named stream) never shifts the draws of
  the organization, the employees' traits or the weekly choices;
* the organization has a stream of its own, shared by all replicates unless a new
  organization per replicate is asked for.
"""

from __future__ import annotations

import zlib

import numpy as np

#: replicate slot used for streams that belong to no replicate (the shared organization)
SHARED = 2**31 - 1


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def seed_sequence(seed: int, replicate: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` of replicate ``replicate`` under root ``seed``."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(replicate), _name_key(name)))


def stream(seed: int, replicate: int, name: str) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` for stream ``name`` of replicate ``replicate``."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, replicate, name)))


def org_stream(seed: int, replicate: int | None = None) -> np.random.Generator:
    """The organization's stream: shared by all replicates unless ``replicate`` is given."""
    return stream(seed, SHARED if replicate is None else replicate, "organization")
