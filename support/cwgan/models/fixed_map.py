"""The XY energy landscape at a fixed vortex map: its minima and the Gaussian basins around them.

The constrained ensemble that the cWGAN learns (and that constrained Metropolis samples) keeps the
vortex map fixed: every bond angle stays inside ``(-pi, pi)`` (a bond reaching ``pi`` is where a
vortex hops), a convex polytope in angle space. This module finds the low-lying states of the
cosine energy inside it and approximates the ensemble at low T around them; the cWGAN's physics
prior (:mod:`support.cwgan.models.prior`) draws from these. Bond angles follow the sign convention of
:mod:`support` (:func:`support.xy.bond_angles`).

* the Villain (Coulomb-gas) field relaxed towards the cosine energy by preconditioned gradient
  descent (:func:`support.cwgan.models.prior.relaxed_field`, the first prior's T = 0 field): a stationary
  point, *not* the fixed-map minimum. The pair's attraction presses close vortices against the wall at ``pi``: the constrained minimum has bonds
  pinned there and is not a stationary point of the energy, so the descent stalls. On L = 16 the
  relaxed field lies 0.77 J above the minimum for the pair (0, 4), with static current
  ``sum sin(d_y theta)`` 16.3 versus 12.5 ((0, 5): 0.65 J, 22.7 versus 15.7), and for the
  diagonal pair (1, 1) it is a mirror-symmetric saddle (current 0) between two mirror-image minima
  (current (-1.69, 1.69), 0.04 J lower).
* :func:`fixed_map_minima`: the distinct minima (constrained Metropolis anneals from several
  seeds, then the interior-point Newton minimisation :func:`barrier_minimize`, plus the symmetry
  images of each minimum) and their Boltzmann weights (:func:`minimum_weights`).
* :func:`thermal_basins`: at ``T > 0`` each minimum moved to its thermal mean position against
  the wall and dressed with Gaussian fluctuations of its own Hessian (a Laplace approximation),
  optionally with each bond's stiffness renormalised by its own fluctuations
  (:func:`self_consistent_hessian`, the self-consistent harmonic approximation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from support import xy
from support.store.data import chunk_seed

#: constrained-Metropolis anneal of :func:`fixed_map_minima` (temperatures in J, sweeps per temperature)
ANNEAL = dict(n_seeds=6, temperatures=(0.3, 0.1, 0.03, 0.01), sweeps=150, energy_window=1.0)


# ---------------------------------------------------------------------------------------------
# bonds at fixed map
# ---------------------------------------------------------------------------------------------


def _bond_pairs(L: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat site indices of every bond's tail and of its x- and y-heads, each ``(L*L,)``."""
    idx = np.arange(L * L).reshape(L, L)
    return idx.ravel(), np.roll(idx, -1, -1).ravel(), np.roll(idx, -1, -2).ravel()


def _bond_laplacian(wx: np.ndarray, wy: np.ndarray) -> np.ndarray:
    """``(N, N)`` Laplacian of the periodic lattice with bond weights ``wx``, ``wy`` ``(L, L)`` (x-, y-bonds)."""
    tail, head_x, head_y = _bond_pairs(wx.shape[-1])
    H = np.zeros((tail.size, tail.size))
    for w, head in ((wx.ravel(), head_x), (wy.ravel(), head_y)):
        H[tail, head] -= w    # (tail, head) pairs are distinct within one direction for L > 2
        H[head, tail] -= w
        H[tail, tail] += w    # each site is the tail (and the head) of exactly one bond per direction
        H[head, head] += w
    return H


def _bonds(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bond angles (:func:`support.xy.bond_angles`) wrapped to ``[-pi, pi)``."""
    bx, by = xy.bond_angles(theta)
    return xy.wrap_angle(bx), xy.wrap_angle(by)


def _div(fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """``dF/dtheta`` for ``F = sum_bonds f(b)`` given ``f'(b)`` per x- and y-bond (b = head - tail)."""
    return (np.roll(fx, 1, -1) - fx) + (np.roll(fy, 1, -2) - fy)


# ---------------------------------------------------------------------------------------------
# interior-point minimisation and the Hessians
# ---------------------------------------------------------------------------------------------

PI4 = np.pi ** 4


def _barrier_curvature(b: np.ndarray, mu: float) -> np.ndarray:
    """Second derivative of ``-cos b - mu log(pi^4 - b^4)`` per bond."""
    return np.cos(b) + 4 * mu * b ** 2 * (3 * PI4 + b ** 4) / (PI4 - b ** 4) ** 2


def _barrier_hessian(bx: np.ndarray, by: np.ndarray, mu: float) -> np.ndarray:
    """Hessian of ``sum_bonds [-cos b - mu log(pi^4 - b^4)]`` in the angles, zero mode lifted to eigenvalue 1."""
    return _bond_laplacian(_barrier_curvature(bx, mu), _barrier_curvature(by, mu)) + 1.0 / bx.size


def self_consistent_hessian(bx: np.ndarray, by: np.ndarray, T: float, mu: float, *, tol: float = 1e-9,
                            max_iter: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The barrier Hessian with every bond's cosine stiffness renormalised by its own fluctuations (SCHA).

    A Gaussian fluctuation ``delta`` of variance ``v`` on a bond at mean angle ``b`` gives
    ``<-cos(b + delta)> = -exp(-v / 2) cos b``: the bond is softer by ``exp(-v / 2)`` than its
    T = 0 curvature says. The self-consistent harmonic approximation iterates
    ``H = Laplacian(exp(-v / 2) cos b + wall curvature)`` and ``v = T (e_i - e_j)^T H^-1 (e_i - e_j)``
    to a fixed point. It is the spin-wave theory of the constrained (vortex-free) XY model to
    the next order in T: for the uniform lattice ``v = T / (2 J_eff)`` with ``J_eff = exp(-v / 2)``,
    bond variance ``T / 2 (1 + T / 4 + ...)`` and energy ``-2 + T / 2 + T² / 16 + ...`` per site,
    where the plain harmonic theory stops at ``T / 2``. Returns ``(H, vx, vy)``: the Hessian (zero
    mode lifted as in :func:`_barrier_hessian`) and the bond variances ``(L, L)``.
    """
    L = bx.shape[-1]
    tail, head_x, head_y = _bond_pairs(L)
    wall_x, wall_y = _barrier_curvature(bx, mu) - np.cos(bx), _barrier_curvature(by, mu) - np.cos(by)
    vx, vy = np.zeros_like(bx), np.zeros_like(by)
    for _ in range(int(max_iter)):
        H = _bond_laplacian(np.exp(-vx / 2) * np.cos(bx) + wall_x, np.exp(-vy / 2) * np.cos(by) + wall_y) + 1.0 / bx.size
        C = float(T) * cho_solve(cho_factor(H, lower=True), np.eye(bx.size))
        d = np.diag(C)
        nx = (d[tail] + d[head_x] - 2 * C[tail, head_x]).reshape(L, L)
        ny = (d[tail] + d[head_y] - 2 * C[tail, head_y]).reshape(L, L)
        done = max(np.abs(nx - vx).max(), np.abs(ny - vy).max()) < tol
        vx, vy = nx, ny
        if done:
            return H, vx, vy
    raise RuntimeError(f"self-consistent harmonic approximation did not converge in {max_iter} iterations at T = {T}")


def barrier_minimize(theta: np.ndarray, charges: np.ndarray, *, mus=(1e-2, 1e-3, 1e-4), max_steps: int = 25,
                     gtol: float = 1e-8) -> tuple[np.ndarray, bool]:
    """The local minimum of the cosine energy at fixed map nearest to one start field ``(L, L)`` (interior point).

    At fixed vortex map every bond angle must stay in ``(-pi, pi)`` (a bond reaching ``pi`` is where a
    vortex hops), a convex polytope in angle space, and the cosine energy pushes close pairs against
    its faces: the constrained minimum is not a stationary point of the energy (gradient descent
    stalls there). We minimise ``E - mu sum_bonds log(pi^4 - b^4)`` by damped Newton steps for a
    decreasing ``mu`` (the last ``mu`` sets how far a pinned bond stays from ``pi``: ``mu / f``
    for a bond pushed with force ``f``), keeping every bond strictly inside, so the map is kept
    exactly. Near ``pi`` the barrier is ``-mu log(pi - |b|)``; for small ``b`` it only adds
    ``12 mu b² / pi^4`` to the bond stiffness. With ``mu = T`` a pinned bond sits at ``T / f``
    from ``pi``, the mean distance of a coordinate held by force ``f`` against a hard wall at
    temperature ``T`` (exponential distribution). Where the Hessian is not positive the step
    uses ``|eigenvalues|`` (a descent direction); steps stop at 95 % of the way
    to the nearest face and backtrack until the barrier energy drops (Armijo). A stage ends when
    the Newton decrement is below ``gtol²`` or after ``max_steps``. Returns the field and whether
    it is a minimum (positive Hessian of the barrier energy; ``False``: a saddle such as the
    mirror-symmetric field of a diagonal pair, where a start on the symmetry plane stays).
    """
    theta = np.array(theta, dtype=np.float64)
    L = theta.shape[-1]
    bx, by = _bonds(theta)
    if max(np.abs(bx).max(), np.abs(by).max()) >= np.pi:
        raise ValueError("the start field has a bond angle at pi")
    if not xy.matches_map(theta, charges):
        raise ValueError("the start field does not carry the requested vortex map")

    def dF(bx, by, nx, ny, mu):  # F(new) - F(old) as a sum of per-bond differences (no cancellation of ~N)
        return float(np.sum(np.cos(bx) - np.cos(nx)) + np.sum(np.cos(by) - np.cos(ny))
                     - mu * (np.sum(np.log((PI4 - nx ** 4) / (PI4 - bx ** 4)))
                             + np.sum(np.log((PI4 - ny ** 4) / (PI4 - by ** 4)))))

    def room(b, db):  # largest t with |b + t db| < pi, per bond
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(db > 0, (np.pi - b) / db, np.where(db < 0, (-np.pi - b) / db, np.inf)).min()

    ok = False
    for mu in mus:
        for _ in range(int(max_steps)):
            g = _div(np.sin(bx) + 4 * mu * bx ** 3 / (PI4 - bx ** 4),
                     np.sin(by) + 4 * mu * by ** 3 / (PI4 - by ** 4)).ravel()
            H = _barrier_hessian(bx, by, mu)
            try:
                d = -cho_solve(cho_factor(H, lower=True), g)
            except np.linalg.LinAlgError:
                lam, v = np.linalg.eigh(H)
                d = -(v @ ((v.T @ g) / np.maximum(np.abs(lam), 1e-2)))
            dec = -float(g @ d)  # Newton decrement squared: the predicted decrease is dec / 2
            ok = dec < gtol ** 2 or np.abs(g).max() < gtol
            if ok:
                break
            d = d.reshape(L, L)
            dx, dy = xy.bond_angles(d)
            step = min(1.0, 0.95 * min(room(bx, dx), room(by, dy)))  # fraction to the boundary
            for _half in range(40):
                nx, ny = bx + step * dx, by + step * dy
                if dF(bx, by, nx, ny, mu) <= -0.1 * step * dec:
                    break
                step *= 0.5
            else:
                break
            theta, bx, by = theta + step * d, nx, ny
    try:  # a minimum of the barrier energy has a positive Hessian; a saddle (e.g. a symmetric field) has not
        cho_factor(_barrier_hessian(bx, by, mus[-1]), lower=True)
        return theta, True
    except np.linalg.LinAlgError:
        return theta, False


# ---------------------------------------------------------------------------------------------
# distinct minima of a map and their weights
# ---------------------------------------------------------------------------------------------


class Minima(NamedTuple):
    """Distinct fixed-map minima of one charge map, sorted by energy."""

    fields: np.ndarray    #: ``(m, L, L)`` float64 angles
    energies: np.ndarray  #: ``(m,)`` total cosine energies (J)
    counts: np.ndarray    #: ``(m,)`` how many start fields (anneal seeds + the Villain field) ended in each


def _current(theta: np.ndarray) -> np.ndarray:
    """Static current ``(sum_bonds sin(d_x theta), sum_bonds sin(d_y theta))`` per field ``(..., 2)``."""
    return np.stack([np.sin(b).sum(axis=(-2, -1)) for b in xy.bond_angles(theta)], axis=-1)


def fixed_map_minima(charges: np.ndarray, *, n_seeds: int = ANNEAL["n_seeds"],
                     temperatures=ANNEAL["temperatures"], sweeps: int = ANNEAL["sweeps"],
                     energy_window: float = ANNEAL["energy_window"], seed: int = 0) -> Minima:
    """Distinct local minima of the cosine energy at fixed vortex map, within ``energy_window`` of the lowest.

    ``n_seeds`` constrained Metropolis chains start from the Villain field and are annealed down
    the ``temperatures`` ladder (``sweeps`` sweeps each; every chain keeps the map exactly). The
    annealed fields and the Villain field itself are grouped by their static current (fields
    whose currents differ by less than 0.5 fall into one basin; the lowest energy of each group
    is kept) and each group's field is minimised by :func:`barrier_minimize`; saddles are dropped
    and minima that differ by a global rotation only (overlap above ``1 - 1e-4``) are merged.
    Finally the images of every minimum under the lattice symmetries that keep the map (e.g. for
    a diagonal pair the reflection about the pair axis combined with ``theta -> -theta``) are
    added: they are minima of the same energy that an anneal may miss.
    Cost on L = 16 with the defaults: about 0.2-1 s per map on one core (mostly the Newton steps).

    Args:
        charges: one map ``(L, L)`` (integers summing to zero).
        n_seeds: independent anneals (0: only the Villain field is minimised).
        temperatures: decreasing anneal ladder (J), all > 0.
        sweeps: sweeps per temperature (the proposal width adapts in the first half of each).
        energy_window: keep minima with ``E - E_min <= energy_window`` (J, total energy).
        seed: root seed of the chains.

    Returns:
        :class:`Minima`, sorted by energy.
    """
    from support.samplers.xy import sample_xy_chains

    k = xy.check_charges(charges)
    if k.ndim != 2:
        raise ValueError(f"fixed_map_minima takes one map (L, L), got {k.shape}")
    temperatures = [float(t) for t in np.atleast_1d(temperatures)]
    if n_seeds < 0 or sweeps < 1 or not temperatures or min(temperatures) <= 0 or energy_window < 0:
        raise ValueError("need n_seeds >= 0, sweeps >= 1, temperatures > 0 and energy_window >= 0")
    L = k.shape[-1]
    villain = np.asarray(xy.villain_field(k), dtype=np.float64)
    cands = [villain[None]]
    if n_seeds:
        theta = np.broadcast_to(villain, (n_seeds, L, L))
        for i, t in enumerate(temperatures):
            theta = sample_xy_chains(L, t, 1, n_chains=n_seeds, charges=k, burn_in=sweeps, sweeps_between=1,
                                     seed=chunk_seed(seed, i), init_width=min(3.0, 2.0 * np.sqrt(t)),
                                     init_theta=theta)[:, 0]
        cands.append(theta.astype(np.float64))
    cands = np.concatenate(cands)
    e0, cur = xy.energy(cands), _current(cands)
    groups: list[list[int]] = []
    for i in np.argsort(e0, kind="stable"):
        g = next((g for g in groups if np.abs(cur[g[0]] - cur[i]).max() < 0.5), None)
        if g is None:
            groups.append([i])
        else:
            g.append(i)
    fields, energies, counts = [], [], []
    for g in groups:
        f, is_min = barrier_minimize(cands[g[0]], k)
        if not is_min and (fields or g is not groups[-1]):  # a saddle: drop it unless nothing else is left
            continue
        z = np.exp(1j * f)
        same = next((m for m, h in enumerate(fields) if 1.0 - abs(np.mean(z * np.exp(-1j * h))) < 1e-4), None)
        if same is not None:
            counts[same] += len(g)
            continue
        fields.append(f)
        energies.append(float(xy.energy(f)))
        counts.append(len(g))
    for f, e_f in list(zip(fields, energies)):  # symmetry images of each minimum are minima too
        for img in _symmetric_images(f, k):
            z = np.exp(1j * img)
            if all(1.0 - abs(np.mean(z * np.exp(-1j * h))) >= 1e-4 for h in fields):
                fields.append(img)
                energies.append(e_f)
                counts.append(0)
    order = np.argsort(energies, kind="stable")
    e = np.asarray(energies)[order]
    keep = order[e - e[0] <= energy_window]
    return Minima(np.stack([fields[i] for i in keep]), np.asarray(energies)[keep], np.asarray(counts)[keep])


def canonical_shift(k: np.ndarray) -> tuple[int, int]:
    """The translation that moves the first non-zero charge (raster order) to site (0, 0)."""
    nz = np.flatnonzero(k)
    if not len(nz):
        return 0, 0
    return int(nz[0] // k.shape[-1]), int(nz[0] % k.shape[-1])


def _canonical(k: np.ndarray) -> np.ndarray:
    si, sj = canonical_shift(k)
    return np.ascontiguousarray(np.roll(k, (-si, -sj), axis=(0, 1)))


def _symmetric_images(theta: np.ndarray, charges: np.ndarray) -> list[np.ndarray]:
    """Images of a field under the lattice symmetries (8 point operations, optionally ``theta -> -theta``,
    then the translation) that leave its vortex map unchanged; energies are unchanged too."""
    k0 = _canonical(charges)
    ti, tj = canonical_shift(charges)
    out = []
    for rot in range(4):
        for flip in (False, True):
            t = np.rot90(theta, rot)
            t = t.T if flip else t
            for sign in (1.0, -1.0):
                img = sign * t
                kk = xy.vortices(img)
                if not np.array_equal(_canonical(kk), k0):
                    continue
                si, sj = canonical_shift(kk)
                img = np.roll(img, (ti - si, tj - sj), axis=(0, 1))
                if (rot or flip or sign < 0) and xy.matches_map(img, charges):
                    out.append(np.ascontiguousarray(img))
    return out


def minimum_weights(minima: Minima, T: float) -> np.ndarray:
    """Boltzmann weights ``p_i ~ exp(-(E_i - E_min) / T)`` of the minima at ``T`` (``T = 0``: the lowest).

    Basin entropies are left out: most minima of close pairs lie on a face of the fixed-map
    polytope (a bond pinned at ``pi``), where the harmonic basin volume is not defined.
    """
    e = minima.energies - minima.energies.min()
    w = (e <= 1e-9).astype(float) if T <= 0 else np.exp(-e / T)
    return w / w.sum()


# ---------------------------------------------------------------------------------------------
# the ensemble at T > 0: one Gaussian basin per minimum
# ---------------------------------------------------------------------------------------------


class ThermalBasins(NamedTuple):
    """Laplace approximation of the fixed-map ensemble at T > 0 around each minimum (one map)."""

    fields: np.ndarray   #: ``(m, L, L)`` mean fields: minima of ``E - T sum log(pi^4 - b^4)``
    chol: np.ndarray     #: ``(m, N, N)`` lower Cholesky factors of that barrier energy's Hessian
    weights: np.ndarray  #: ``(m,)`` Boltzmann weights of the T = 0 minima they come from


def thermal_basins(charges: np.ndarray, T: float, minima: Minima | None = None, *, self_consistent: bool = False,
                   **anneal) -> ThermalBasins:
    """The fixed-map ensemble of one map ``(L, L)`` at ``T > 0`` as a mixture of Gaussians, one per minimum.

    A close pair's minimum has bonds pinned at ``pi`` (a vortex pushed against its plaquette's
    edge). At ``T > 0`` a coordinate held against a hard wall by a force ``f`` is exponentially
    distributed with mean ``T / f``, which is where the barrier ``-T log(pi - |b|)`` puts it:
    each T = 0 minimum is moved to the minimum of ``E - T sum_bonds log(pi^4 - b^4)``
    (:func:`barrier_minimize` with ``mu = T``), and the fluctuations are Gaussian with covariance
    ``T H^-1``, ``H`` that barrier energy's Hessian (bond stiffness ``cos b`` — soft near the
    pair — plus the wall's curvature), instead of the uniform lattice's spin waves. With
    ``self_consistent=True`` each bond's stiffness is renormalised by its own fluctuations
    (:func:`self_consistent_hessian`), the next order in T. Minima that end in the same mean field
    are merged (weights added).
    """
    k = xy.check_charges(charges)
    if not T > 0:
        raise ValueError("thermal_basins needs T > 0")
    mins = minima if minima is not None else fixed_map_minima(k, **anneal)
    w0 = minimum_weights(mins, T)
    fields, chols, weights = [], [], []
    for f, w in zip(mins.fields, w0):
        if w < 1e-6:
            continue
        g, _ = barrier_minimize(f, k, mus=(float(T),))
        z = np.exp(1j * g)
        same = next((m for m, h in enumerate(fields) if 1.0 - abs(np.mean(z * np.exp(-1j * h))) < 1e-4), None)
        if same is not None:
            weights[same] += w
            continue
        bx, by = _bonds(g)
        fields.append(g)
        H = self_consistent_hessian(bx, by, T, T)[0] if self_consistent else _barrier_hessian(bx, by, float(T))
        chols.append(cho_factor(H, lower=True)[0])
        weights.append(w)
    c = np.stack(chols)
    return ThermalBasins(np.stack(fields), np.tril(c), np.asarray(weights) / np.sum(weights))
