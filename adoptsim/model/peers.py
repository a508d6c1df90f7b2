"""The organization's ties as the weekly step reads them: sums over neighbours and the
neighbour with the strongest tie to a user (compiled loops, like :mod:`adoptsim.model.kernels`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

_jit = njit(nogil=True, cache=True, error_model="numpy")

#: below this share of non-zero values (divided by the number of value arrays), peer sums add
#: up the rows of the non-zero ones only; above it the full pass over the ties is faster
#: (docs/performance.md)
SPARSE_SUM_SHARE = 0.2


def spmm(W: sp.csr_matrix, X: np.ndarray) -> np.ndarray:
    """(W @ X.T).T for a sparse N x N matrix and an (R, N) array."""
    if X.shape[0] == 1:
        return (W @ X[0])[np.newaxis, :]
    # C order for the (N, R) operand and the result: later elementwise work stays contiguous
    return np.ascontiguousarray((W @ np.ascontiguousarray(X.T)).T)


def unsigned(a: np.ndarray) -> np.ndarray:
    """A non-negative integer array seen as unsigned (the same bytes, no copy)."""
    return a.view(np.dtype(a.dtype.str.replace("i", "u")))


def has_duplicates(W: sp.csr_matrix) -> bool:
    """Whether a row of ``W`` (with sorted indices) names a neighbour twice."""
    same = W.indices[1:] == W.indices[:-1]
    row_starts = np.zeros(W.indices.size, dtype=bool)
    inner = W.indptr[1:-1]
    row_starts[inner[inner < W.indices.size]] = True
    return bool(np.any(same & ~row_starts[1:]))


@_jit
def scatter_rows(indptr, indices, data, values, n, out):
    """``out[r, i] += W[j, i] * values[r, j]`` for every non-zero value, in increasing
    flat order of ``(r, j)``: the peer sums of a symmetric ``W`` from its users' rows."""
    for base in range(0, values.size, n):  # base = r * n
        for j in range(n):
            v = values[base + j]
            if v != 0.0:
                for k in range(indptr[j], indptr[j + 1]):
                    out[base + indices[k]] += data[k] * v


@_jit
def gather_rows(indptr, indices, data, first, second, n, out_first, out_second):
    """``out[r, i] = sum_j W[i, j] * values[r, j]`` for ``first`` and, when it is not
    empty, ``second`` in the same pass over the ties; each sum adds its terms in the order
    of row ``i`` of ``W``, starting from 0 (as SciPy's sparse product does)."""
    both = second.size > 0
    for base in range(0, first.size, n):  # base = r * n
        for i in range(n):
            s1 = 0.0
            s2 = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                j = base + indices[k]
                s1 += data[k] * first[j]
                if both:
                    s2 += data[k] * second[j]
            out_first[base + i] = s1
            if both:
                out_second[base + i] = s2


@_jit
def top_peer(indptr, indices, data, rep, emp, seen, n, out):
    """For each (replicate, employee): the neighbour with the largest tie weight x
    ``seen`` (lowest index among equals), or -1 when none is above 0."""
    for q in range(rep.size):
        base = rep[q] * n
        i = emp[q]
        best = -1
        top = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            v = data[k] * seen[base + j]
            if v > top:
                top = v
                best = j
            elif v == top and best >= 0 and j < best:
                best = j
        out[q] = best
