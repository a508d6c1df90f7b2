"""Centrality of employees in the organization's graph (degree, eigenvector, betweenness;
sampled above a size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # networkx is imported where graphs are read, written or converted
    pass
from adoptsim.org.organization import Organization, _readonly

#: betweenness is exact up to this many employees, estimated from sampled sources above
BETWEENNESS_EXACT_MAX = 2000


#: number of sampled source employees for estimated betweenness (at most)
BETWEENNESS_PIVOTS = 200
#: ties times sources an estimate may visit: fewer sources on larger graphs, so that the
#: estimate costs about as much as a few weeks of the run (200 sources up to about 250,000
#: ties, 10 at 1,000,000 employees, 5 from 2,000,000); at least BETWEENNESS_MIN_PIVOTS
BETWEENNESS_TIE_VISITS = 50_000_000
BETWEENNESS_MIN_PIVOTS = 5
#: above this many employees the eigenvector is solved to a relative tolerance of 1e-4
#: instead of 1e-8 (at 2,100,000 employees 4.4 s instead of 10.3 s, the same top 100)
EIGENVECTOR_COARSE_ABOVE = 100_000


def pivots(n: int, ties: int) -> int:
    """How many source employees estimate betweenness on ``n`` employees and ``ties`` ties
    (all ``n`` when exact)."""
    if n <= BETWEENNESS_EXACT_MAX:
        return n
    budget = BETWEENNESS_TIE_VISITS // max(ties, 1)
    return int(min(n, BETWEENNESS_PIVOTS, max(BETWEENNESS_MIN_PIVOTS, budget)))


def centrality(
    org: Organization,
    kind: Literal["degree", "betweenness", "eigenvector"],
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Centrality of every employee on the tie network (read-only, cached per organization).

    ``degree``: weighted degree (sum of tie strengths). ``eigenvector``: the leading
    eigenvector of the weighted adjacency (absolute values, unit length). ``betweenness``:
    normalised shortest-path betweenness counting hops, as ``networkx`` defines it; exact up
    to 2,000 employees, above that estimated from source employees drawn from ``rng`` (the
    first call's draw is cached): 200, fewer on graphs of more than 250,000 ties (see
    :func:`pivots`; pivot sampling, Brandes & Pich 2007, Int. J. Bifurcation and Chaos
    17(7), scaled by n / sources as networkx does with ``k``). The eigenvector is solved to a
    relative tolerance of 1e-8, 1e-4 above 100,000 employees.
    """
    key = ("centrality", kind)
    cache = org._cache
    if key in cache:
        return cache[key]
    a = org.adjacency
    if kind == "degree":
        value = np.asarray(a.sum(axis=1)).ravel()
    elif kind == "eigenvector":
        value = _eigenvector(a)
    elif kind == "betweenness":
        n = org.n
        k = pivots(n, a.nnz // 2)
        if k >= n:
            sources = np.arange(n)
        else:
            rng = rng if rng is not None else np.random.default_rng(0)
            sources = np.sort(rng.choice(n, size=k, replace=False))
        value = _betweenness(a, sources)
    else:
        raise ValueError(f'unknown centrality "{kind}"; allowed: degree, betweenness, eigenvector')
    value = _readonly(np.asarray(value, dtype=np.float64))
    cache[key] = value
    return value


def _eigenvector(a: sp.csr_matrix) -> np.ndarray:
    n = a.shape[0]
    if n == 0 or a.nnz == 0:
        return np.zeros(n)
    if n < 50:
        _, vecs = np.linalg.eigh(a.toarray())
        v = vecs[:, -1]
    else:
        from scipy.sparse.linalg import eigsh

        tol = 1e-4 if n > EIGENVECTOR_COARSE_ABOVE else 1e-8
        _, vecs = eigsh(a, k=1, which="LA", v0=np.ones(n), tol=tol)
        v = vecs[:, 0]
    v = np.abs(v)
    return v / np.linalg.norm(v)


def _betweenness(a: sp.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Brandes' betweenness (hop distances) accumulated from ``sources``, batched as matrices.

    Normalised like ``networkx.betweenness_centrality(normalized=True)`` and, for sampled
    sources, scaled by ``n / len(sources)`` as networkx does with ``k``.
    """
    n = a.shape[0]
    if n <= 2:
        return np.zeros(n)
    b = (a != 0).astype(np.float64).tocsr()
    total = np.zeros(n)
    batch = int(max(1, min(64, 8_000_000 // max(n, 1))))
    for c in range(0, len(sources), batch):
        s = sources[c : c + batch]
        m = len(s)
        cols = np.arange(m)
        dist = np.full((n, m), -1, dtype=np.int32)
        sigma = np.zeros((n, m))
        dist[s, cols] = 0
        sigma[s, cols] = 1.0
        frontier = np.zeros((n, m))
        frontier[s, cols] = 1.0
        d = 0
        while True:
            reach = b @ frontier
            new = (reach > 0) & (dist < 0)
            if not new.any():
                break
            d += 1
            dist[new] = d
            frontier = np.where(new, reach, 0.0)
            sigma += frontier
        delta = np.zeros((n, m))
        with np.errstate(divide="ignore", invalid="ignore"):
            for level in range(d, 0, -1):
                at = dist == level
                coef = np.where(at, (1.0 + delta) / sigma, 0.0)
                back = b @ coef
                up = dist == level - 1
                delta += np.where(up, sigma * back, 0.0)
        delta[s, cols] = 0.0
        total += delta.sum(axis=1)
    scale = 1.0 / ((n - 1) * (n - 2))
    if len(sources) < n:
        scale *= n / len(sources)
    return total * scale
