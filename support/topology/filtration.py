"""Topology of XY fields: the Θ-threshold cell complex, its Minkowski functionals and cluster sizes.

The cell complex (one per field and threshold Θ) lives on the periodic L×L lattice:

* **vertices**: all L² sites, present for every Θ ≥ 0;
* **edges**: nearest-neighbour bonds ``(i, j)–(i, j+1)`` ("horizontal", index ``h``) and
  ``(i, j)–(i+1, j)`` ("vertical", index ``v``); a bond enters at its weight
  ``w = |Δθ|`` wrapped to ``[0, π]`` and is present when ``w ≤ Θ``;
* **plaquettes**: the square ``[i, j]`` with corners ``(i,j), (i,j+1), (i+1,j+1), (i+1,j)``
  (the plaquette of :func:`support.xy.charges`) enters when its last edge does, at the
  largest of its four edge weights, so it is present exactly when all four edges are.

This is a filtration (cells only appear as Θ grows, every face precedes its coface); it is the
lower-star-like cubical filtration with the weights on edges rather than on sites. Per Θ:

* ``area`` = number of present plaquettes;
* ``perimeter`` = number of edges bounding exactly one present plaquette (the boundary of the
  union of closed squares; free edges that bound no plaquette do not count);
* ``euler`` = V − E + F (the three 2D Minkowski functionals are area, perimeter and χ);
* ``radius`` / ``diameter``: graph distances (in bonds) inside the clusters (connected
  components) of the edge graph; each site gets the eccentricity-based radius (min eccentricity)
  and diameter (max eccentricity) of the cluster it belongs to, and the field's value is the
  mean over sites ("the cluster a random site belongs to"; an isolated site counts 0). All
  eccentricities are exact, from a bit-parallel breadth-first search from every site at once.

Persistent homology of the same filtration is in :mod:`support.topology.persistence`.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from support.xy.charges import bond_angles, wrap_angle

MEASURES = ("area", "perimeter", "euler", "radius", "diameter")


def edge_weights(theta) -> tuple[np.ndarray, np.ndarray]:
    """Bond weights ``|Δθ|`` wrapped to ``[0, π]``.

    Args:
        theta: angles ``(..., L, L)``.

    Returns:
        ``(wh, wv)`` of shape ``(..., L, L)``: ``wh[..., i, j]`` for the bond ``(i,j)–(i,j+1)``,
        ``wv[..., i, j]`` for ``(i,j)–(i+1,j)`` (indices mod L).
    """
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim < 2 or theta.shape[-1] != theta.shape[-2]:
        raise ValueError(f"theta must have shape (..., L, L), got {theta.shape}")
    dh, dv = bond_angles(theta)
    return np.abs(wrap_angle(dh)), np.abs(wrap_angle(dv))


def plaquette_weights(wh: np.ndarray, wv: np.ndarray) -> np.ndarray:
    """Entry value of each plaquette ``[i, j]``: the largest weight of its four edges."""
    return np.maximum(np.maximum(wh, np.roll(wh, -1, axis=-2)), np.maximum(wv, np.roll(wv, -1, axis=-1)))


def _check_thresholds(thresholds) -> np.ndarray:
    t = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if t.ndim != 1 or t.size == 0 or np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("thresholds must be a non-empty 1D array of finite values >= 0")
    return t


def minkowski(theta, thresholds) -> dict[str, np.ndarray]:
    """Area, perimeter, Euler characteristic and edge count of the Θ-complex.

    Args:
        theta: angles ``(..., L, L)``.
        thresholds: Θ values ``(m,)``, each ≥ 0.

    Returns:
        dict with ``area``, ``perimeter``, ``euler``, ``edges``, each ``(..., m)`` (int64).
    """
    t = _check_thresholds(thresholds)
    wh, wv = edge_weights(theta)
    wp = plaquette_weights(wh, wv)
    L = wh.shape[-1]
    # (..., L, L, m) booleans; the flattened spatial sums keep the batch axes
    ph = wh[..., None] <= t
    pv = wv[..., None] <= t
    pp = wp[..., None] <= t
    n_edges = ph.sum(axis=(-3, -2)) + pv.sum(axis=(-3, -2))
    area = pp.sum(axis=(-3, -2))
    # a horizontal edge (i,j)-(i,j+1) bounds plaquettes [i,j] and [i-1,j]; a vertical edge
    # (i,j)-(i+1,j) bounds [i,j] and [i,j-1]: it is on the boundary iff exactly one is present
    perim = (pp ^ np.roll(pp, 1, axis=-3)).sum(axis=(-3, -2)) + (pp ^ np.roll(pp, 1, axis=-2)).sum(axis=(-3, -2))
    return {"area": area.astype(np.int64), "perimeter": perim.astype(np.int64),
            "euler": (L * L - n_edges + area).astype(np.int64), "edges": n_edges.astype(np.int64)}


@nb.njit(cache=True)
def _eccentricities(adj, deg, ecc, R, Rn):
    """Exact eccentricity of every site by bit-parallel BFS from all sites at once.

    ``R[v]`` is the bitset of sources within graph distance ``k`` of ``v``; one level ORs in the
    neighbours' sets. A source first reaching some site at level ``k`` has eccentricity >= k,
    so the last such level is its eccentricity (0 for an isolated site).
    """
    N, W = R.shape
    R[:, :] = 0
    for v in range(N):
        R[v, v >> 6] |= np.uint64(1) << np.uint64(v & 63)
        ecc[v] = 0
    anynew = np.zeros(W, np.uint64)
    level = 0
    while True:
        level += 1
        changed = False
        anynew[:] = 0
        for v in range(N):
            for w in range(W):
                x = R[v, w]
                for q in range(deg[v]):
                    x |= R[adj[v, q], w]
                Rn[v, w] = x
                new = x & ~R[v, w]
                if new != 0:
                    anynew[w] |= new
                    changed = True
        if not changed:
            break
        for w in range(W):
            bits = anynew[w]
            if bits != 0:
                for b in range(64):
                    if (bits >> np.uint64(b)) & np.uint64(1):
                        ecc[w * 64 + b] = level
        R[:, :] = Rn


@nb.njit(cache=True)
def _radius_diameter_one(wh, wv, thresholds, out):
    """Site-averaged cluster radius and diameter per threshold; writes out[m, 2]."""
    L = wh.shape[0]
    N = L * L
    W = (N + 63) // 64
    # neighbour table with bond weights: no modulo arithmetic in the inner loops
    nbr = np.empty((N, 4), np.int64)
    nw = np.empty((N, 4), np.float64)
    for i in range(L):
        for j in range(L):
            s = i * L + j
            nbr[s, 0] = i * L + (j + 1) % L
            nw[s, 0] = wh[i, j]
            nbr[s, 1] = i * L + (j - 1 + L) % L
            nw[s, 1] = wh[i, (j - 1 + L) % L]
            nbr[s, 2] = ((i + 1) % L) * L + j
            nw[s, 2] = wv[i, j]
            nbr[s, 3] = ((i - 1 + L) % L) * L + j
            nw[s, 3] = wv[(i - 1 + L) % L, j]
    adj = np.empty((N, 4), np.int64)
    deg = np.empty(N, np.int64)
    ecc = np.zeros(N, np.int64)
    R = np.zeros((N, W), np.uint64)
    Rn = np.zeros((N, W), np.uint64)
    queue = np.empty(N, np.int64)
    comp = np.empty(N, np.int64)
    n_prev = -1
    for k in range(thresholds.shape[0]):
        th = thresholds[k]
        n_present = 0
        for s in range(N):
            d = 0
            for q in range(4):
                if nw[s, q] <= th:
                    adj[s, d] = nbr[s, q]
                    d += 1
            deg[s] = d
            n_present += d
        if n_present == n_prev:  # same graph as at the previous threshold
            out[k, 0] = out[k - 1, 0]
            out[k, 1] = out[k - 1, 1]
            continue
        n_prev = n_present
        _eccentricities(adj, deg, ecc, R, Rn)
        # cluster labels by BFS
        comp[:] = -1
        n_comp = 0
        for s in range(N):
            if comp[s] >= 0:
                continue
            comp[s] = n_comp
            head = 0
            tail = 1
            queue[0] = s
            while head < tail:
                u = queue[head]
                head += 1
                for q in range(deg[u]):
                    v = adj[u, q]
                    if comp[v] < 0:
                        comp[v] = n_comp
                        queue[tail] = v
                        tail += 1
            n_comp += 1
        rad = np.full(n_comp, N, np.int64)
        dia = np.zeros(n_comp, np.int64)
        for s in range(N):
            c = comp[s]
            if ecc[s] < rad[c]:
                rad[c] = ecc[s]
            if ecc[s] > dia[c]:
                dia[c] = ecc[s]
        r_sum = 0.0
        d_sum = 0.0
        for s in range(N):
            r_sum += rad[comp[s]]
            d_sum += dia[comp[s]]
        out[k, 0] = r_sum / N
        out[k, 1] = d_sum / N


@nb.njit(parallel=True, cache=True)
def _radius_diameter_batch(wh, wv, thresholds, out):
    for b in nb.prange(wh.shape[0]):
        _radius_diameter_one(wh[b], wv[b], thresholds, out[b])


def cluster_radius_diameter(theta, thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Site-averaged radius and diameter (in bonds) of the edge-graph clusters per Θ.

    Args:
        theta: angles ``(..., L, L)``.
        thresholds: Θ values ``(m,)``.

    Returns:
        ``(radius, diameter)``, each ``(..., m)`` float64. On a fully connected L×L torus
        (L even) both are ``L``; an isolated site contributes 0.
    """
    t = _check_thresholds(thresholds)
    wh, wv = edge_weights(theta)
    batch = wh.shape[:-2]
    L = wh.shape[-1]
    wh = np.ascontiguousarray(wh.reshape(-1, L, L))
    wv = np.ascontiguousarray(wv.reshape(-1, L, L))
    out = np.zeros((wh.shape[0], t.size, 2))
    _radius_diameter_batch(wh, wv, t, out)
    out = out.reshape(*batch, t.size, 2)
    return out[..., 0], out[..., 1]


def topo_measures(theta, thresholds) -> dict[str, np.ndarray]:
    """All five measures of :data:`MEASURES` per field and Θ, each ``(..., m)`` float64."""
    mk = minkowski(theta, thresholds)
    radius, diameter = cluster_radius_diameter(theta, thresholds)
    return {"area": mk["area"].astype(float), "perimeter": mk["perimeter"].astype(float),
            "euler": mk["euler"].astype(float), "radius": radius, "diameter": diameter}
