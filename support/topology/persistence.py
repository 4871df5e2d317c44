"""Persistent homology of the Θ-threshold cell complex (:mod:`support.topology.filtration`): diagrams, Betti curves, distances.

Persistent homology of the filtration is computed exactly (Z/2 column reduction of the
cubical boundary matrix, ties broken by cell index): H0 pairs are ``(0, w)`` for the edges
that merge clusters (all sites are born at Θ = 0), H1 pairs ``(w_edge, w_plaquette)`` for the
loops that close before they are filled — around a vortex core, whose plaquette enters late,
such a loop lives for a long Θ range. Essential classes (one in H0, two in H1 on the torus)
are returned with death ``inf``; zero-length pairs are dropped. We do not use ripser on a
sparse distance matrix because its Rips complex has no 2-cells on a square grid, so every
plaquette loop would be an (unfilled) H1 class; its H0 agrees with ours and is used as a check.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from support.topology.filtration import _check_thresholds, edge_weights, plaquette_weights


@nb.njit(cache=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@nb.njit(cache=True)
def _persistence_core(ew, e_u, e_v, pw, p_edges):
    """Exact persistence pairs of a 2-complex whose vertices all enter at 0.

    ew: edge weights (nE,), e_u/e_v: endpoints, pw: plaquette weights (nP,), p_edges: (nP, 4)
    edge indices. Returns (h0_deaths, h1_pairs (k,2), h1_essential_births, n_h2).
    """
    nE = ew.shape[0]
    nP = pw.shape[0]
    nV = 0
    for e in range(nE):
        nV = max(nV, e_u[e] + 1, e_v[e] + 1)
    e_order = np.argsort(ew, kind="mergesort")
    rank = np.empty(nE, np.int64)
    for r in range(nE):
        rank[e_order[r]] = r
    # H0 by union-find (all births 0, so the elder rule needs no bookkeeping)
    parent = np.arange(nV)
    h0 = np.empty(nE, np.float64)
    n0 = 0
    negative = np.zeros(nE, np.bool_)
    for r in range(nE):
        e = e_order[r]
        a = _find(parent, e_u[e])
        b = _find(parent, e_v[e])
        if a != b:
            parent[a] = b
            h0[n0] = ew[e]
            n0 += 1
            negative[r] = True
    # H1/H2: reduce plaquette columns (rows = edge ranks) in filtration order
    p_order = np.argsort(pw, kind="mergesort")
    cols = np.zeros((nP, nE), np.bool_)
    pivot_owner = np.full(nE, -1, np.int64)
    paired = np.zeros(nE, np.bool_)
    h1 = np.empty((nP, 2), np.float64)
    n1 = 0
    n2 = 0
    for c in range(nP):
        p = p_order[c]
        col = cols[c]
        low = -1
        for q in range(4):
            r = rank[p_edges[p, q]]
            col[r] = not col[r]
        for r in range(nE - 1, -1, -1):
            if col[r]:
                low = r
                break
        while low >= 0 and pivot_owner[low] >= 0:
            other = cols[pivot_owner[low]]
            for r in range(low + 1):
                if other[r]:
                    col[r] = not col[r]
            new_low = -1
            for r in range(low, -1, -1):
                if col[r]:
                    new_low = r
                    break
            low = new_low
        if low < 0:
            n2 += 1  # the plaquette closes a 2-cycle (the torus itself)
        else:
            pivot_owner[low] = c
            paired[low] = True
            h1[n1, 0] = ew[e_order[low]]
            h1[n1, 1] = pw[p]
            n1 += 1
    ess = np.empty(nE, np.float64)
    n_ess = 0
    for r in range(nE):
        if not negative[r] and not paired[r]:
            ess[n_ess] = ew[e_order[r]]
            n_ess += 1
    return h0[:n0], h1[:n1], ess[:n_ess], n2


def lattice_complex(L: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge endpoints ``(e_u, e_v)`` (2L²,) and plaquette edges ``(L², 4)`` of the periodic lattice.

    Edge ``s = i*L + j`` is horizontal ``(i,j)–(i,j+1)``, edge ``L² + s`` vertical ``(i,j)–(i+1,j)``,
    matching ``np.concatenate([wh.ravel(), wv.ravel()])``.
    """
    if L < 3:
        raise ValueError("L must be >= 3 for a simple periodic lattice")
    i, j = np.divmod(np.arange(L * L), L)
    s = i * L + j
    e_u = np.concatenate([s, s])
    e_v = np.concatenate([i * L + (j + 1) % L, ((i + 1) % L) * L + j])
    p_edges = np.stack([s, ((i + 1) % L) * L + j, L * L + s, L * L + i * L + (j + 1) % L], axis=1)
    return e_u.astype(np.int64), e_v.astype(np.int64), p_edges.astype(np.int64)


def persistence_from_weights(wh: np.ndarray, wv: np.ndarray) -> list[np.ndarray]:
    """Persistence diagrams ``[H0, H1]`` (ripser layout: ``(k, 2)`` birth/death, ``inf`` = essential).

    Args:
        wh, wv: edge weights ``(L, L)`` as from :func:`edge_weights` (any values ≥ 0 allowed,
            which is how the tests build complexes by hand).
    """
    wh = np.asarray(wh, dtype=np.float64)
    wv = np.asarray(wv, dtype=np.float64)
    L = wh.shape[-1]
    if wh.shape != (L, L) or wv.shape != (L, L):
        raise ValueError("wh and wv must both have shape (L, L)")
    e_u, e_v, p_edges = lattice_complex(L)
    ew = np.concatenate([wh.ravel(), wv.ravel()])
    pw = plaquette_weights(wh, wv).ravel()
    h0, h1, ess, _ = _persistence_core(ew, e_u, e_v, pw, p_edges)
    h0 = h0[h0 > 0]
    dgm0 = np.concatenate([np.stack([np.zeros_like(h0), h0], axis=1), [[0.0, np.inf]]])
    h1 = h1[h1[:, 1] > h1[:, 0]]
    dgm1 = np.concatenate([h1, np.stack([ess, np.full_like(ess, np.inf)], axis=1)])
    return [dgm0, dgm1.reshape(-1, 2)]


def persistence(theta) -> list[list[np.ndarray]]:
    """Persistence diagrams ``[H0, H1]`` of the Θ-filtration for each field of ``(n, L, L)`` (or one ``(L, L)``)."""
    theta = np.asarray(theta)
    single = theta.ndim == 2
    wh, wv = edge_weights(theta.reshape(-1, *theta.shape[-2:]))
    dgms = [persistence_from_weights(a, b) for a, b in zip(wh, wv)]
    return dgms[0] if single else dgms


def finite(dgm: np.ndarray) -> np.ndarray:
    """The finite points of a diagram (essential classes removed)."""
    dgm = np.asarray(dgm, dtype=float).reshape(-1, 2)
    return dgm[np.isfinite(dgm[:, 1])]


def betti_curves(dgms: list[list[np.ndarray]], thresholds) -> np.ndarray:
    """Betti numbers ``β_k(Θ)`` (features alive at Θ: birth ≤ Θ < death), shape ``(n, 2, m)``."""
    t = _check_thresholds(thresholds)
    out = np.zeros((len(dgms), 2, t.size))
    for a, field in enumerate(dgms):
        for k in range(2):
            d = np.asarray(field[k]).reshape(-1, 2)
            out[a, k] = ((d[:, :1] <= t) & (t < d[:, 1:])).sum(axis=0)
    return out


def ensemble_distance(dgms_a, dgms_b, *, dim: int = 1, metric: str = "wasserstein", n_pairs: int = 50,
                      seed: int = 0) -> float:
    """Mean persim distance between diagrams of two ensembles, over random (a, b) pairs.

    Only finite points are compared (both ensembles have the same essential classes on the
    torus). Comparing an ensemble with a disjoint half of itself gives the noise floor.

    Args:
        dgms_a, dgms_b: lists of per-field diagram lists as from :func:`persistence`.
        dim: homology dimension (0 or 1).
        metric: ``"wasserstein"`` (persim's, order 1 sum of matched distances) or ``"bottleneck"``.
        n_pairs: number of random pairs averaged.
        seed: seed of the pair choice.
    """
    import persim

    if metric not in ("wasserstein", "bottleneck"):
        raise ValueError(f"metric must be 'wasserstein' or 'bottleneck', got {metric!r}")
    if dim not in (0, 1):
        raise ValueError("dim must be 0 or 1")
    if len(dgms_a) == 0 or len(dgms_b) == 0:
        raise ValueError("empty ensemble")
    fn = persim.wasserstein if metric == "wasserstein" else persim.bottleneck
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(dgms_a), n_pairs)
    ib = rng.integers(0, len(dgms_b), n_pairs)
    vals = []
    for a, b in zip(ia, ib):
        da, db = finite(dgms_a[a][dim]), finite(dgms_b[b][dim])
        if len(da) == 0 and len(db) == 0:
            vals.append(0.0)
            continue
        # persim does not accept an empty diagram: a point on the diagonal is free to match
        da = da if len(da) else np.zeros((1, 2))
        db = db if len(db) else np.zeros((1, 2))
        vals.append(float(fn(da, db)))
    return float(np.mean(vals))
