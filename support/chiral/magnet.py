"""Chiral magnet on the square lattice: energy, effective field, topological charge, skyrmions, lattice defects.

The Hamiltonian ``H = -J Σ S_i·S_j - Σ D_ij·(S_i × S_j) - B Σ S_i^z``, the DMI vectors of
``dmi="neel"`` and ``"bloch"``, the array layout, the chirality favoured by ``D > 0`` and the sign of
the skyrmion charge are those of "Heisenberg conventions" in the package docstring
(:mod:`support`); :func:`analytic_skyrmion` builds the favoured skyrmions, so ``D > 0`` lowers their
energy.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

DMI_KINDS = ("neel", "bloch")


def _check_spins(spins) -> np.ndarray:
    s = np.asarray(spins, dtype=np.float64)
    if s.ndim < 3 or s.shape[-3] != 3:
        raise ValueError(f"spins must have shape (..., 3, L, L), got {np.shape(spins)}")
    return s


def dmi_vectors(D: float, dmi: str = "neel") -> tuple[np.ndarray, np.ndarray]:
    """DMI vectors ``(D_x, D_y)`` of the bonds to the ``+x`` (``+j``) and ``+y`` (``+i``) neighbours.

    The bonds to ``-x``/``-y`` carry the negatives (``u_ij`` reversed).
    """
    if dmi == "neel":  # ẑ × x̂ = ŷ, ẑ × ŷ = -x̂
        return np.array([0.0, D, 0.0]), np.array([-D, 0.0, 0.0])
    if dmi == "bloch":
        return np.array([D, 0.0, 0.0]), np.array([0.0, D, 0.0])
    raise ValueError(f"dmi must be one of {DMI_KINDS}, got {dmi!r}")


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of channels-first fields (channel axis -3) or with a constant 3-vector."""
    return np.cross(a, b, axisa=-3, axisb=-3 if np.ndim(b) > 1 else -1, axisc=-3)


def _shift(s: np.ndarray, di: int, dj: int) -> np.ndarray:
    """Field of the neighbour at ``(i + di, j + dj)`` (periodic)."""
    return np.roll(s, shift=(-di, -dj), axis=(-2, -1))


def exchange_dmi_field(spins, J: float = 1.0, D: float = 0.0, dmi: str = "neel") -> np.ndarray:
    """``J Σ_j S_j + Σ_j S_j × D_ij`` over the four neighbours: the field without the Zeeman part."""
    s = _check_spins(spins)
    dx, dy = dmi_vectors(D, dmi)
    h = np.zeros_like(s)
    for (di, dj), dvec in (((0, 1), dx), ((0, -1), -dx), ((1, 0), dy), ((-1, 0), -dy)):
        sj = _shift(s, di, dj)
        h += J * sj
        if D != 0.0:
            h += _cross(sj, dvec)
    return h


def effective_field(spins, J: float = 1.0, D: float = 0.0, B: float = 0.0, dmi: str = "neel") -> np.ndarray:
    """Effective field ``h_i = -∂H/∂S_i`` of every site, shape ``(..., 3, L, L)``.

    ``h_i = J Σ_j S_j + Σ_j S_j × D_ij + B ẑ`` (sum over the four neighbours ``j``).
    """
    h = exchange_dmi_field(spins, J, D, dmi)
    h[..., 2, :, :] += B
    return h


def local_energy(spins, J: float = 1.0, D: float = 0.0, B: float = 0.0, dmi: str = "neel") -> np.ndarray:
    """Energy per site, ``(..., L, L)``: half of each bond to each end plus the site's Zeeman term.

    Sums to :func:`energy`.
    """
    s = _check_spins(spins)
    h = exchange_dmi_field(s, J, D, dmi)
    return -0.5 * np.sum(s * h, axis=-3) - B * s[..., 2, :, :]


def energy(spins, J: float = 1.0, D: float = 0.0, B: float = 0.0, dmi: str = "neel") -> np.ndarray:
    """Total energy ``H`` (each bond once), shape ``(...)``."""
    s = _check_spins(spins)
    dx, dy = dmi_vectors(D, dmi)
    e = np.zeros(s.shape[:-3])
    for (di, dj), dvec in (((0, 1), dx), ((1, 0), dy)):
        sj = _shift(s, di, dj)
        e -= J * np.sum(s * sj, axis=(-3, -2, -1))
        if D != 0.0:
            e -= np.einsum("...cij,c->...", _cross(s, sj), dvec)
    return e - B * np.sum(s[..., 2, :, :], axis=(-2, -1))


def alignment(spins, J: float = 1.0, D: float = 0.0, B: float = 0.0, dmi: str = "neel") -> np.ndarray:
    """Alignment map ``cos θ_i = S_i·h_i / |h_i|`` (thesis eq. 3.5), ``(..., L, L)``; 1 in a local minimum."""
    s = _check_spins(spins)
    h = effective_field(s, J, D, B, dmi)
    norm = np.linalg.norm(h, axis=-3)
    return np.sum(s * h, axis=-3) / np.where(norm > 0, norm, 1.0)


def magnetization_z(spins) -> np.ndarray:
    """Mean ``S^z`` per site, ``(...)``."""
    s = _check_spins(spins)
    return s[..., 2, :, :].mean(axis=(-2, -1))


def _solid_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Signed solid angle of the spherical triangle (a, b, c), channel axis -3 (Berg–Lüscher / van Oosterom)."""
    num = np.sum(a * _cross(b, c), axis=-3)
    den = 1.0 + np.sum(a * b, axis=-3) + np.sum(b * c, axis=-3) + np.sum(c * a, axis=-3)
    return 2.0 * np.arctan2(num, den)


def charge_density(spins) -> np.ndarray:
    """Berg–Lüscher topological charge per plaquette, ``(..., L, L)``; sums to :func:`topological_charge`.

    Plaquette ``[i, j]`` has corners ``(i,j) → (i,j+1) → (i+1,j+1) → (i+1,j)`` (counter-clockwise
    in x-y), split into the triangles ``(i,j),(i,j+1),(i+1,j+1)`` and ``(i,j),(i+1,j+1),(i+1,j)``.
    """
    s = _check_spins(spins)
    norm = np.linalg.norm(s, axis=-3, keepdims=True)
    s = s / np.where(norm > 0, norm, 1.0)
    s1, s2, s3 = _shift(s, 0, 1), _shift(s, 1, 1), _shift(s, 1, 0)
    return (_solid_angle(s, s1, s2) + _solid_angle(s, s2, s3)) / (4.0 * np.pi)


def topological_charge(spins) -> np.ndarray:
    """Berg–Lüscher lattice charge ``Q`` (float, integer up to rounding), ``(...)``.

    A skyrmion with core ``S^z = -1`` in an ``S^z = +1`` background has ``Q = -1``.
    """
    return charge_density(spins).sum(axis=(-2, -1))


def core_radius(spins) -> np.ndarray:
    """Mean skyrmion core radius per lattice (sites): ``sqrt(A / (π N))``, ``(...)``.

    ``N = max(1, round|Q|)`` is the number of skyrmions the charge counts and ``A`` the number of sites
    whose ``S^z`` has the sign of ``Q`` (a core points down where ``Q < 0``, see the conventions; with no
    charge, the sites against the mean magnetisation). For a lattice of round cores it is the radius
    of the ``S^z = 0`` contour.
    """
    s = _check_spins(spins)
    sz = s[..., 2, :, :]
    Q = topological_charge(s)
    against_mean = -np.where(sz.mean(axis=(-2, -1)) >= 0, 1.0, -1.0)
    core_sign = np.where(np.abs(Q) >= 0.5, np.sign(Q), against_mean)
    area = np.sum(sz * core_sign[..., None, None] > 0, axis=(-2, -1))
    return np.sqrt(area / (np.pi * np.maximum(1.0, np.rint(np.abs(Q)))))


# ----------------------------------------------------------------------------------------------
# Skyrmion detection and the skyrmion lattice
# ----------------------------------------------------------------------------------------------

def _periodic_labels(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Connected components (4-neighbour) of a 2-D boolean mask on the torus: labels 1..n, 0 = background."""
    from scipy import ndimage

    labels, n = ndimage.label(mask)
    if n == 0:
        return labels, 0
    parent = np.arange(n + 1)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    # Merge clusters that touch across the periodic edges.
    for a_arr, b_arr in ((labels[0, :], labels[-1, :]), (labels[:, 0], labels[:, -1])):
        for a, b in zip(a_arr, b_arr):
            if a and b:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(k) for k in range(n + 1)])
    uniq, relabel = np.unique(roots, return_inverse=True)  # root 0 (background) stays 0
    return relabel[labels], len(uniq) - 1


def _periodic_mean(coords: np.ndarray, L: int) -> float:
    """Centre of points on a ring of length L (circular mean), in [0, L)."""
    ang = 2.0 * np.pi * coords / L
    c = float(np.mod(np.arctan2(np.sin(ang).mean(), np.cos(ang).mean()) * L / (2.0 * np.pi), L))
    return 0.0 if c >= L else c  # np.mod(-1e-17, L) rounds to L


#: The thesis's detection rule: a skyrmion is a cluster of at least 7 sites with ``S^z < -0.8``.
THESIS_RULE = {"threshold": -0.8, "min_size": 7, "min_fraction": 0.0}
#: The core rule: a skyrmion is a cluster of sites pointing against the up background (``S^z < 0``: inside the
#: ``θ = π/2`` contour that :func:`core_radius` measures) of at least 2 sites and at least a quarter of the
#: lattice's median cluster. The thesis's fixed floor of 7 sites below ``S^z = -0.8`` drops the small cores of large
#: ``D`` (at ``D = 1`` an annealed core has only a few sites below -0.8, though its centre reaches -1); a core's area
#: inside its own ``S^z = 0`` contour shrinks with the core, so this rule counts small and large cores alike. A
#: single site below 0 is no core (a core spans its contour); a cluster far smaller than the lattice's typical one
#: is a fragment, not a skyrmion.
CORE_RULE = {"threshold": 0.0, "min_size": 2, "min_fraction": 0.25}


def _check_rule(threshold: float, min_size: int, min_fraction: float) -> None:
    if not -1.0 <= threshold <= 1.0 or min_size < 1 or not 0.0 <= min_fraction <= 1.0:
        raise ValueError(f"bad detection rule: threshold={threshold} (in [-1, 1]), min_size={min_size} (>= 1), "
                         f"min_fraction={min_fraction} (in [0, 1])")


def _clusters(sz: np.ndarray, threshold: float, min_size: int, min_fraction: float = 0.0):
    """Per core cluster: (centre (i, j), site offsets from the centre unwrapped on the torus).

    A cluster counts with at least ``min_size`` sites and at least ``min_fraction`` of the median size of the
    lattice's clusters of ``min_size`` sites or more (a floor relative to the lattice's own cores).
    """
    _check_rule(threshold, min_size, min_fraction)
    labels, n = _periodic_labels(sz < threshold)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    floor = float(min_size)
    if min_fraction > 0 and np.any(sizes >= min_size):
        floor = max(floor, min_fraction * float(np.median(sizes[sizes >= min_size])))
    Ly, Lx = sz.shape
    for k in np.flatnonzero(sizes >= floor) + 1:
        ii, jj = np.nonzero(labels == k)
        ci, cj = _periodic_mean(ii, Ly), _periodic_mean(jj, Lx)
        yield (ci, cj), ((ii - ci + Ly / 2) % Ly - Ly / 2, (jj - cj + Lx / 2) % Lx - Lx / 2)


def _find_one(sz: np.ndarray, threshold: float, min_size: int, min_fraction: float = 0.0) -> np.ndarray:
    centres = [c for c, _ in _clusters(sz, threshold, min_size, min_fraction)]
    return np.array(centres, dtype=np.float64).reshape(-1, 2)


def skyrmion_aspect_ratios(spins, threshold: float = -0.8, min_size: int = 7, *,
                           min_fraction: float = 0.0) -> np.ndarray:
    """Elongation of every detected core of one lattice ``(3, L, L)``: sqrt of the ratio of the
    principal second moments of its sites (≈ 1 for a round skyrmion, ≳ 2 for a stretched one or
    a stripe fragment), in the order of :func:`find_skyrmions` (same rule arguments)."""
    s = _check_spins(spins)
    if s.ndim != 3:
        raise ValueError(f"skyrmion_aspect_ratios takes one lattice (3, L, L), got {s.shape}")
    out = []
    for _, (di, dj) in _clusters(s[2], threshold, min_size, min_fraction):
        ev = np.linalg.eigvalsh(np.cov(np.stack([di, dj])) + 1.0 / 12.0 * np.eye(2))  # + pixel's own extent
        out.append(np.sqrt(ev[1] / ev[0]))
    return np.array(out)


def find_skyrmions(spins, threshold: float = -0.8, min_size: int = 7, *, min_fraction: float = 0.0):
    """Skyrmion centres as in the thesis: periodic clusters of ``S^z < threshold`` with ≥ ``min_size`` sites.

    The defaults are the thesis's rule (:data:`THESIS_RULE`); ``find_skyrmions(spins, **CORE_RULE)`` (or
    :func:`find_skyrmion_cores`) counts the small cores of large ``D`` too (:data:`CORE_RULE`).

    Args:
        spins: ``(3, L, L)`` for one lattice or ``(n, 3, L, L)`` for several.
        threshold: ``S^z`` below which a site belongs to a core.
        min_size: smallest cluster (4-neighbour connectivity, periodic) counted as a skyrmion.
        min_fraction: a cluster also needs this fraction of the median size of the lattice's clusters of
            ``min_size`` sites or more (0: no relative floor, the thesis's rule).

    Returns:
        For one lattice an array ``(n_skyrmions, 2)`` of centres ``(i, j)`` = (row/y, column/x), in
        lattice units in ``[0, L)``, the periodic-aware (circular) mean of the core sites; for a
        batch, a list of such arrays.
    """
    s = _check_spins(spins)
    if s.ndim == 3:
        return _find_one(s[2], threshold, min_size, min_fraction)
    if s.ndim == 4:
        return [_find_one(x[2], threshold, min_size, min_fraction) for x in s]
    raise ValueError(f"find_skyrmions takes (3, L, L) or (n, 3, L, L), got {s.shape}")


def find_skyrmion_cores(spins):
    """Skyrmion centres by the core rule (:data:`CORE_RULE`): clusters of ``S^z < 0`` with a floor relative to
    the lattice's own cores; small cores count as large ones do. Same shapes as :func:`find_skyrmions`."""
    return find_skyrmions(spins, **CORE_RULE)


def skyrmion_lattice_defects(centres, L, periodic: bool = True) -> dict:
    """Delaunay triangulation of skyrmion centres and its defects (skyrmions with ≠ 6 neighbours).

    On the torus (``periodic=True``) the centres are triangulated together with their 8 periodic
    images and each original centre's neighbours are counted among all images, so the count is
    right across the boundary. With ``periodic=False`` (an open patch) centres within 1.5 typical
    bond lengths of the convex hull are never counted as defects.

    Args:
        centres: ``(n, 2)`` centres ``(i, j)`` as returned by :func:`find_skyrmions`.
        L: lattice size, an int or ``(L_i, L_j)``.
        periodic: triangulate on the torus.

    Returns:
        dict with ``n_neighbours`` (int array ``(n,)``), ``defects`` (indices with ≠ 6 neighbours),
        ``n_defects`` and ``edges`` (``(m, 2, 2)`` segment end points ``(i, j)`` for plotting, every
        bond once; on the torus one end is an original centre, the other possibly a periodic image
        outside ``[0, L)``). An open patch of fewer than 3 centres: all are defects, no edges.

    Note:
        A torus admits no triangulation with a single 5–7 pair and all other degrees 6
        (Izmestiev et al., Geom. Dedicata 2013), so periodic lattices have dislocations in pairs.
    """
    from scipy.spatial import Delaunay, QhullError

    c = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    n = len(c)
    Ly, Lx = (L, L) if np.ndim(L) == 0 else tuple(L)
    empty = {"n_neighbours": np.zeros(n, dtype=int), "defects": np.arange(n), "n_defects": n,
             "edges": np.zeros((0, 2, 2))}
    if n == 0 or (n < 3 and not periodic):
        return empty
    if periodic:
        c = np.mod(c, (Ly, Lx))
        shifts = [(a * Ly, b * Lx) for a in (0, -1, 1) for b in (0, -1, 1)]  # (0, 0) first
        pts = np.concatenate([c + np.array(sh) for sh in shifts])
    else:
        pts = c
    try:
        tri = Delaunay(pts)
    except QhullError:  # all collinear or too few distinct points
        return empty
    indptr, indices = tri.vertex_neighbor_vertices
    counts = np.array([indptr[k + 1] - indptr[k] for k in range(n)])
    edges, seen = [], set()
    for k in range(n):
        for m in indices[indptr[k]:indptr[k + 1]]:
            # Each bond once: on the torus the bond k-m' (m' an image of m) is also seen as m-k'.
            shift = tuple(np.rint(pts[m] - c[m % n]).astype(int))
            key = (k, m % n, shift)
            if (m % n, k, tuple(-x for x in shift)) not in seen:
                seen.add(key)
                edges.append((pts[k], pts[m]))
    is_defect = counts != 6
    if not periodic:
        # Open patch: the outer rows have fewer neighbours by construction (and qhull adds sliver
        # triangles along nearly straight rims), so sites closer than 1.5 typical bond lengths
        # to the convex hull are never defects.
        from scipy.spatial import ConvexHull

        bond = np.median([np.linalg.norm(a - b) for a, b in edges])
        eq = ConvexHull(pts).equations
        depth = -(pts @ eq[:, :2].T + eq[:, 2]).max(axis=1)
        is_defect[depth < 1.5 * bond] = False
    defects = np.nonzero(is_defect)[0]
    return {"n_neighbours": counts, "defects": defects, "n_defects": int(len(defects)),
            "edges": np.array(edges).reshape(-1, 2, 2)}


def count_defects(spins, threshold: float = -0.8, min_size: int = 7, *, min_fraction: float = 0.0):
    """Number of skyrmion-lattice defects (detected skyrmions with ≠ 6 Delaunay neighbours on the torus).

    Returns an int for one lattice ``(3, L, L)`` and an int array for a batch ``(n, 3, L, L)``. The rule
    arguments are those of :func:`find_skyrmions`.
    """
    s = _check_spins(spins)
    L = s.shape[-2:]
    found = find_skyrmions(s, threshold, min_size, min_fraction=min_fraction)
    if s.ndim == 3:
        return skyrmion_lattice_defects(found, L)["n_defects"]
    return np.array([skyrmion_lattice_defects(c, L)["n_defects"] for c in found])


def count_skyrmions(spins, threshold: float = -0.8, min_size: int = 7, *, min_fraction: float = 0.0):
    """Number of detected skyrmions (int, or int array for a batch); rule arguments of :func:`find_skyrmions`."""
    found = find_skyrmions(spins, threshold, min_size, min_fraction=min_fraction)
    return len(found) if isinstance(found, np.ndarray) else np.array([len(f) for f in found])


def analytic_skyrmion(L: int, radius: float, centre: Sequence[float] | None = None, kind: str = "neel",
                      width: float | None = None) -> np.ndarray:
    """One skyrmion (core ``S^z = -1``) in a ``S^z = +1`` background on an ``L × L`` torus, ``(3, L, L)``.

    Polar profile ``θ(r) = 2 atan(sinh(R/w) / sinh(r/w))`` (θ(0) = π, θ(R) = π/2, exponential
    tail), with ``r`` the minimum-image distance to ``centre = (i0, j0)`` (default: lattice centre).
    Helicity π (``"neel"``, in-plane spins pointing to the core) or +π/2 (``"bloch"``): the
    chiralities favoured by ``D > 0`` in this module's convention.
    """
    if kind not in DMI_KINDS:
        raise ValueError(f"kind must be one of {DMI_KINDS}, got {kind!r}")
    if radius <= 0:
        raise ValueError(f"radius must be > 0, got {radius}")
    w = float(width) if width is not None else max(1.0, radius / 2.0)
    i0, j0 = (L / 2.0, L / 2.0) if centre is None else centre
    ii, jj = np.meshgrid(np.arange(L, dtype=np.float64), np.arange(L, dtype=np.float64), indexing="ij")
    dy = (ii - i0 + L / 2.0) % L - L / 2.0
    dx = (jj - j0 + L / 2.0) % L - L / 2.0
    r = np.hypot(dx, dy)
    theta = 2.0 * np.arctan2(np.sinh(radius / w), np.sinh(r / w))
    phi = np.arctan2(dy, dx) + (np.pi if kind == "neel" else np.pi / 2.0)
    return np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])


def random_spins(shape: Sequence[int], rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Uniformly random unit spins for ``shape = (..., L, L)``, returned channels-first ``(..., 3, L, L)``."""
    rng = np.random.default_rng(rng)
    v = rng.normal(size=(*shape[:-2], 3, *shape[-2:]))
    return v / np.linalg.norm(v, axis=-3, keepdims=True)
