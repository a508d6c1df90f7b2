"""Small helpers for the (R, N) state arrays the compiled loops read flat."""

from __future__ import annotations

import numpy as np


def flat_as(a, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` broadcast to ``shape``, as a writable C-contiguous flat array (a copy only if
    ``a`` is not one already). Kernels see one array type, so they compile once."""
    a = np.asarray(a)
    if a.shape == shape and a.flags.c_contiguous and a.flags.writeable:
        return a.reshape(-1)
    return np.array(np.broadcast_to(a, shape), order="C").reshape(-1)


def flat(a: np.ndarray) -> np.ndarray:
    """``a`` as a writable C-contiguous flat array (a copy only if it is not one)."""
    return flat_as(a, a.shape)


def writable(a: np.ndarray) -> np.ndarray:
    """``a`` itself if it can be updated in place through a flat view, else a copy."""
    return a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")


def gather(values: np.ndarray, shape: tuple[int, int], flat: np.ndarray) -> np.ndarray:
    """``broadcast_to(values, shape)`` at flat positions (without a full-size copy)."""
    values = np.asarray(values)
    if values.shape == shape:
        return values.reshape(-1)[flat] if values.flags.c_contiguous else values.flat[flat]
    return np.broadcast_to(values, shape)[np.divmod(flat, shape[1])]
