"""The floor: a bare sparse-matrix NumPy/SciPy kernel of the linear threshold rule.

Each week a non-adopter adopts when the adopted share of its tie weight reaches its
threshold (Granovetter 1978), exactly the rule of adoptsim's ``behavior.mode: threshold``
(same comparison, same tolerance) and, on 0/1 tie weights, of NDlib's ``ThresholdModel``.
Nothing else: no events, no curves, no strategies.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

#: as adoptsim.model.modes.THRESHOLD_EPS
EPS = 1e-9


def threshold_kernel(
    A: sp.csr_matrix, thresholds: np.ndarray, seeds: np.ndarray, weeks: int
) -> tuple[list[int], list[float]]:
    """Adopter counts after each week and the seconds each week took."""
    degree = np.asarray(A.sum(axis=1)).ravel()
    inv_degree = np.where(degree > 0, 1.0 / np.maximum(degree, 1e-300), 0.0)
    need = thresholds - EPS
    adopted = seeds.astype(np.float64)
    counts, seconds = [], []
    for _ in range(weeks):
        t0 = time.perf_counter()
        share = A @ adopted
        share *= inv_degree
        adopted[share >= need] = 1.0
        seconds.append(time.perf_counter() - t0)
        counts.append(int(adopted.sum()))
    return counts, seconds
