"""Physics prior of the prior-variant cWGAN: fixed-map minima of the map + thermal fluctuations at T.

To leading order at low T the constrained XY ensemble of a vortex map is a T = 0 field of the
map plus harmonic fluctuations at temperature T. Two versions of it (``ground_state=``):

* ``"relaxed"`` (the first version, kept so that old checkpoints keep their prior): the Villain /
  Coulomb-gas field on the torus (``support.xy.villain_field``, the minimum of the *quadratic*
  energy), relaxed towards the *cosine* energy by FFT-preconditioned gradient descent at fixed
  map (:func:`relaxed_field`), plus Gaussian spin waves of the uniform lattice. This is not the
  fixed-map ground state. At fixed map every bond angle must stay inside ``(-pi, pi)`` (a bond
  reaching ``pi`` is where a vortex hops), and the pair's attraction presses close vortices
  against that wall: the constrained minimum has bonds pinned at ``pi`` and is not a stationary
  point of the energy, so the descent stalls. On L = 16 the relaxed field lies 0.77 J above the
  minimum for the pair (0, 4), with static current ``sum sin(d_y theta)`` 16.3 versus 12.5
  ((0, 5): 0.65 J, 22.7 versus 15.7), and for the diagonal pair (1, 1) it is a mirror-symmetric
  saddle (current 0) between two mirror-image minima (current (-1.69, 1.69), 0.04 J lower). The
  static current dominates the helicity modulus at low T.
* ``"minima"``: the distinct minima of the cosine energy at fixed map (:func:`fixed_map_minima`:
  constrained Metropolis anneals from several seeds, :func:`support.samplers.xy.sample_xy_chains`
  with ``init_theta``, then an interior-point Newton minimisation, :func:`barrier_minimize`, plus
  the symmetry images of each minimum), each drawn with its Boltzmann weight
  (:func:`minimum_weights`). At ``T > 0`` each minimum is moved to its thermal mean position
  against the wall and dressed with Gaussian fluctuations of its own Hessian (:func:`thermal_basins`,
  a Laplace approximation). With ``self_consistent=True`` (the default prior) each bond's stiffness
  ``cos b`` is renormalised by its own thermal fluctuations, ``exp(-<delta b²> / 2) cos b``, solved
  to self-consistency (:func:`self_consistent_hessian`, the self-consistent harmonic approximation):
  the cosine is softer than its curvature, so the plain harmonic theory underestimates the bond-angle
  variance (at T = 0.1 by 2.5 %, at T = 0.5 by 13 %) and the large-angle tail. Everything is
  cached per map up to a lattice translation.

Conditioning on the map (redrawing a sample whose vortex map changed, as the constrained
Metropolis sampler rejects such moves) makes the prior the harmonic approximation of exactly the
ensemble the generator must learn. A random global angle is added (an exact symmetry).
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular

from support import xy
from support.data import chunk_seed

GROUND_STATES = ("relaxed", "minima")
#: constrained-Metropolis anneal of :func:`fixed_map_minima` (temperatures in J, sweeps per temperature)
ANNEAL = dict(n_seeds=6, temperatures=(0.3, 0.1, 0.03, 0.01), sweeps=150, energy_window=1.0)
DEFAULT_PRIOR = dict(spin_waves=True, condition_on_map=True, max_tries=64, relax_steps=80, ground_state="minima",
                     self_consistent=True)

_FIELD_CACHE: dict[tuple[int, int, bytes], np.ndarray] = {}
_MINIMA_CACHE: dict[tuple, "Minima"] = {}
_BASIN_CACHE: dict[tuple, "ThermalBasins"] = {}


def clear_caches() -> None:
    """Forget every cached per-map field, minimum and basin (to time the per-map set-up of the prior)."""
    for cache in (_FIELD_CACHE, _MINIMA_CACHE, _BASIN_CACHE):
        cache.clear()


class Minima(NamedTuple):
    """Distinct fixed-map minima of one charge map, sorted by energy."""

    fields: np.ndarray    #: ``(m, L, L)`` float64 angles
    energies: np.ndarray  #: ``(m,)`` total cosine energies (J)
    counts: np.ndarray    #: ``(m,)`` how many start fields (anneal seeds + the Villain field) ended in each


# ---------------------------------------------------------------------------------------------
# energy derivatives at fixed map
# ---------------------------------------------------------------------------------------------

def _gradient(theta: np.ndarray) -> np.ndarray:
    """``dH/dtheta`` of the cosine energy ``-sum_bonds cos(d theta)`` (J = 1), batched."""
    grad = np.zeros_like(theta)
    for ax in (-1, -2):
        s = np.sin(theta - np.roll(theta, -1, ax))
        grad += s - np.roll(s, 1, ax)
    return grad


def relax(theta: np.ndarray, charges: np.ndarray, steps: int) -> np.ndarray:
    """Preconditioned gradient descent of the cosine energy at fixed map, from given fields ``(n, L, L)``.

    Each step moves ``theta`` by ``-eta (-Laplacian)^{-1} dH/dtheta`` (the Laplacian preconditioner
    makes long wavelengths converge as fast as short ones); a sample whose map would change keeps
    its field and halves its ``eta``, a successful step grows ``eta`` by 1.2 (at most 1).
    The map of each start field must be ``charges``; it is exactly preserved.
    """
    theta = np.array(theta, dtype=np.float64).reshape(-1, *np.shape(theta)[-2:])
    kk = np.broadcast_to(np.asarray(charges), theta.shape)
    L = theta.shape[-1]
    lam = -xy._lattice_laplacian_eigs(L)
    lam[0, 0] = np.inf  # the zero mode is a global rotation: no force
    eta = np.ones(len(theta))
    for _ in range(int(steps)):
        new = theta - eta[:, None, None] * np.fft.ifft2(np.fft.fft2(_gradient(theta)) / lam).real
        ok = np.all(xy.vortices(new) == kk, axis=(-2, -1))
        theta[ok] = new[ok]
        eta[~ok] *= 0.5
        eta[ok] = np.minimum(1.0, eta[ok] * 1.2)
    return theta


def relaxed_field(charges: np.ndarray, steps: int = 80) -> np.ndarray:
    """T = 0 field of maps ``(n, L, L)`` in the cosine model, relaxed from the Villain field at fixed map.

    See :func:`relax`. ``steps=0`` gives the Villain field. The map is exactly preserved. This is
    a stationary point near the Villain field, not necessarily the fixed-map minimum (module docstring).
    """
    k = xy.check_charges(charges)
    theta = np.asarray(xy.villain_field(k), dtype=np.float64)
    return relax(theta.reshape(-1, *k.shape[-2:]), k.reshape(-1, *k.shape[-2:]), steps).reshape(k.shape)


def _bond_laplacian(wx: np.ndarray, wy: np.ndarray) -> np.ndarray:
    """``(N, N)`` Laplacian of the periodic lattice with bond weights ``wx``, ``wy`` ``(L, L)`` (x-, y-bonds)."""
    L = wx.shape[-1]
    N = L * L
    idx = np.arange(N).reshape(L, L)
    H = np.zeros((N, N))
    for w, nb in ((wx, np.roll(idx, -1, -1)), (wy, np.roll(idx, -1, -2))):
        a, b, w = idx.ravel(), nb.ravel(), w.ravel()
        H[a, b] -= w          # (a, b) pairs are distinct within one direction for L > 2
        H[b, a] -= w
        H[a, a] += w          # each site is the tail (and the head) of exactly one bond per direction
        H[b, b] += w
    return H


def _bonds(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wrapped bond angles ``theta[i, j+1] - theta[i, j]`` and ``theta[i+1, j] - theta[i, j]`` in ``[-pi, pi)``."""
    return xy.wrap_angle(np.roll(theta, -1, -1) - theta), xy.wrap_angle(np.roll(theta, -1, -2) - theta)


def _div(fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """``dF/dtheta`` for ``F = sum_bonds f(b)`` given ``f'(b)`` per x- and y-bond (b = head - tail)."""
    return (np.roll(fx, 1, -1) - fx) + (np.roll(fy, 1, -2) - fy)


PI4 = np.pi ** 4


def _barrier_curvature(b: np.ndarray, mu: float) -> np.ndarray:
    """Second derivative of ``-cos b - mu log(pi^4 - b^4)`` per bond."""
    return np.cos(b) + 4 * mu * b ** 2 * (3 * PI4 + b ** 4) / (PI4 - b ** 4) ** 2


def _barrier_hessian(bx: np.ndarray, by: np.ndarray, mu: float) -> np.ndarray:
    """Hessian of ``sum_bonds [-cos b - mu log(pi^4 - b^4)]`` in the angles, zero mode lifted to eigenvalue 1."""
    return _bond_laplacian(_barrier_curvature(bx, mu), _barrier_curvature(by, mu)) + 1.0 / bx.size


def _bond_pairs(L: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat site indices of every bond's tail and of its x- and y-heads, each ``(L*L,)``."""
    idx = np.arange(L * L).reshape(L, L)
    return idx.ravel(), np.roll(idx, -1, -1).ravel(), np.roll(idx, -1, -2).ravel()


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
    N = L * L
    bx, by = _bonds(theta)
    if max(np.abs(bx).max(), np.abs(by).max()) >= np.pi:
        raise ValueError("the start field has a bond angle at pi")
    if not np.array_equal(xy.vortices(theta), charges):
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
            dx, dy = np.roll(d, -1, -1) - d, np.roll(d, -1, -2) - d
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
# fixed-map minima
# ---------------------------------------------------------------------------------------------

def _current(theta: np.ndarray) -> np.ndarray:
    """Static current ``(sum_bonds sin(d_x theta), sum_bonds sin(d_y theta))`` per field ``(..., 2)``."""
    return np.stack([np.sin(np.roll(theta, -1, a) - theta).sum(axis=(-2, -1)) for a in (-1, -2)], axis=-1)


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


def _symmetric_images(theta: np.ndarray, charges: np.ndarray) -> list[np.ndarray]:
    """Images of a field under the lattice symmetries (8 point operations, optionally ``theta -> -theta``,
    then the translation) that leave its vortex map unchanged; energies are unchanged too."""
    k0 = _canonical(charges)
    ti, tj = _canonical_shift(charges)
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
                si, sj = _canonical_shift(kk)
                img = np.roll(img, (ti - si, tj - sj), axis=(0, 1))
                if (rot or flip or sign < 0) and np.array_equal(xy.vortices(img), charges):
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


def _canonical_shift(k: np.ndarray) -> tuple[int, int]:
    """The translation that moves the first non-zero charge (raster order) to site (0, 0)."""
    nz = np.flatnonzero(k)
    if not len(nz):
        return 0, 0
    return int(nz[0] // k.shape[-1]), int(nz[0] % k.shape[-1])


def _canonical(k: np.ndarray) -> np.ndarray:
    si, sj = _canonical_shift(k)
    return np.ascontiguousarray(np.roll(k, (-si, -sj), axis=(0, 1)))


def _cfg_key(cfg: dict) -> tuple:
    return tuple(sorted((a, tuple(b) if isinstance(b, (list, tuple)) else b) for a, b in cfg.items()))


def _canonical_minima(can: np.ndarray, cfg: dict) -> Minima:
    key = (_cfg_key(cfg), can.shape[-1], can.tobytes())
    if key not in _MINIMA_CACHE:
        if len(_MINIMA_CACHE) > 5000:
            _MINIMA_CACHE.clear()
        _MINIMA_CACHE[key] = fixed_map_minima(can, seed=chunk_seed(0, zlib.crc32(can.tobytes())), **cfg)
    return _MINIMA_CACHE[key]


def minima_cached(charges: np.ndarray, **anneal) -> list[Minima]:
    """:func:`fixed_map_minima` of each map ``(n, L, L)``, memoised per map up to a lattice translation.

    A translated map has the translated minima, so maps are shifted to put their first charge at
    site (0, 0) before the search (a single pair has at most ~L²/2 displacements, whatever its
    position; the cpu dataset's 3100 maps are 136 up to translation); the search seed is derived
    from the shifted map, so results do not depend on the order of calls.
    """
    cfg = {**ANNEAL, **anneal}
    out = []
    for m in np.ascontiguousarray(charges, dtype=np.int8):
        si, sj = _canonical_shift(m)
        mins = _canonical_minima(np.ascontiguousarray(np.roll(m, (-si, -sj), axis=(0, 1))), cfg)
        out.append(mins._replace(fields=np.roll(mins.fields, (si, sj), axis=(1, 2))))
    return out


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
    mins = minima if minima is not None else minima_cached(k[None], **anneal)[0]
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


def _canonical_basins(can: np.ndarray, T: float, cfg: dict, self_consistent: bool) -> ThermalBasins:
    key = (round(float(T), 6), bool(self_consistent), _cfg_key(cfg), can.shape[-1], can.tobytes())
    if key not in _BASIN_CACHE:
        if len(_BASIN_CACHE) >= 2000:  # ~0.5 MB per basin at L = 16 (its Cholesky factor)
            _BASIN_CACHE.clear()
        _BASIN_CACHE[key] = thermal_basins(can, float(T), _canonical_minima(can, cfg), self_consistent=self_consistent)
    return _BASIN_CACHE[key]


def base_field_cached(charges: np.ndarray, relax_steps: int) -> np.ndarray:
    """The T = 0 field (``relaxed_field``) of each map ``(n, L, L)``, memoised per map."""
    k = np.ascontiguousarray(charges, dtype=np.int8)
    keys = [(k.shape[-1], int(relax_steps), m.tobytes()) for m in k]
    todo = [i for i, key in enumerate(keys) if key not in _FIELD_CACHE]
    if todo:
        uniq = {keys[i]: i for i in todo}
        if len(_FIELD_CACHE) + len(uniq) > 20000:
            _FIELD_CACHE.clear()
        fields = relaxed_field(k[list(uniq.values())], relax_steps)
        _FIELD_CACHE.update(zip(uniq.keys(), fields))
    return np.stack([_FIELD_CACHE[key] for key in keys]) if keys else np.zeros(k.shape)


def _draw_bases(minima: list[Minima], T: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One minimum per sample, drawn with :func:`minimum_weights` at its T."""
    out = np.empty((len(minima), *minima[0].fields.shape[-2:]))
    for i, (mins, t) in enumerate(zip(minima, T)):
        j = 0 if len(mins.energies) == 1 else rng.choice(len(mins.energies), p=minimum_weights(mins, float(t)))
        out[i] = mins.fields[j]
    return out


def _minima_draws(charges: np.ndarray, T: np.ndarray, rng: np.random.Generator, spin_waves: bool,
                  cfg: dict, self_consistent: bool) -> np.ndarray:
    """Angles of the ``"minima"`` prior (no global angle): per sample a basin, then its Gaussian at T."""
    n, L = charges.shape[0], charges.shape[-1]
    out = np.empty((n, L, L))
    shifts = [_canonical_shift(m) for m in charges]
    cans = [np.ascontiguousarray(np.roll(m, (-si, -sj), axis=(0, 1))) for m, (si, sj) in zip(charges, shifts)]
    groups: dict[tuple, list[int]] = {}
    for i, (c, t) in enumerate(zip(cans, T)):
        groups.setdefault((c.tobytes(), float(t)), []).append(i)
    for (_, t), idx in groups.items():
        can = cans[idx[0]]
        if t <= 0 or not spin_waves:
            mins = _canonical_minima(can, cfg)
            fields = _draw_bases([mins] * len(idx), np.full(len(idx), t), rng)
        else:
            b = _canonical_basins(can, t, cfg, self_consistent)
            j = rng.choice(len(b.weights), size=len(idx), p=b.weights)
            z = rng.standard_normal((len(idx), L * L))
            fields = np.empty((len(idx), L, L))
            for m in np.unique(j):
                sel = j == m   # x = sqrt(T) C^-T z has covariance T (C C^T)^-1 = T H^-1
                x = np.sqrt(t) * solve_triangular(b.chol[m], z[sel].T, lower=True, trans="T").T
                fields[sel] = b.fields[m] + x.reshape(-1, L, L)
        for i, f in zip(idx, fields):
            out[i] = np.roll(f, shifts[i], axis=(0, 1))
    return out


def prior_angles(charges: np.ndarray, T: np.ndarray, rng: np.random.Generator, *, spin_waves: bool = True,
                 condition_on_map: bool = True, max_tries: int = 64, relax_steps: int = 80, rotate: bool = True,
                 ground_state: str = "relaxed", anneal: dict | None = None, self_consistent: bool = False,
                 return_stats: bool = False):
    """Prior angles for each (map, T): T = 0 field + spin waves at T + a random global angle.

    Args:
        charges: vortex maps ``(n, L, L)`` (integers summing to zero per map).
        T: temperatures ``(n,)`` (>= 0).
        rng: numpy Generator (minimum choice, spin waves and global angles).
        spin_waves: add thermal fluctuations at T: for ``"relaxed"`` Gaussian spin waves of the
            uniform lattice (``support.xy.spin_waves``), for ``"minima"`` the Gaussian of each
            minimum's barrier Hessian around its thermal mean field (:func:`thermal_basins`).
        condition_on_map: redraw the samples whose vortex map changed (basin and fluctuation), up
            to ``max_tries`` draws in all; samples still wrong after that are kept as they are.
        max_tries: see ``condition_on_map``.
        relax_steps: gradient steps of the ``"relaxed"`` T = 0 field (0: the Villain field).
        rotate: add a uniform random global angle.
        ground_state: ``"relaxed"`` (the Villain-relaxed field + uniform spin waves; the default, so
            that checkpoints trained with it keep their prior) or ``"minima"`` (the fixed-map minima
            and their Laplace approximation at T; see the module docstring). ``DEFAULT_PRIOR`` uses
            ``"minima"``.
        anneal: overrides of :data:`ANNEAL` for ``"minima"``.
        self_consistent: ``"minima"`` only: renormalise each basin's bond stiffness by its own thermal
            fluctuations (:func:`self_consistent_hessian`; ``DEFAULT_PRIOR`` uses it).
        return_stats: also return the fraction of samples whose first draw already had the map.

    Returns:
        ``float32 (n, L, L)`` angles (and the first-draw match rate if ``return_stats``).
    """
    charges = np.asarray(charges)
    T = np.broadcast_to(np.asarray(T, dtype=np.float64), (charges.shape[0],))
    if charges.ndim != 3 or charges.shape[-1] != charges.shape[-2]:
        raise ValueError(f"charges must be (n, L, L), got {charges.shape}")
    if np.any(T < 0):
        raise ValueError("temperatures must be >= 0")
    if np.any(charges.reshape(len(charges), -1).sum(axis=1) != 0):
        raise ValueError("every charge map must sum to zero on a torus")
    if ground_state not in GROUND_STATES:
        raise ValueError(f"unknown ground_state {ground_state!r}; choose from {GROUND_STATES}")
    if self_consistent and ground_state != "minima":
        raise ValueError("self_consistent fluctuations need ground_state='minima'")
    n, L = charges.shape[0], charges.shape[-1]
    rot = rng.uniform(0.0, 2 * np.pi, size=(n, 1, 1)) if rotate else np.zeros((n, 1, 1))

    def finish(x, idx):  # the float32 angles returned; the map is checked on these exact values
        return np.mod(x + rot[idx], 2 * np.pi).astype(np.float32)

    if ground_state == "relaxed" or not n:
        base = base_field_cached(charges, relax_steps)

        def draw(idx):
            out = base[idx].copy()
            if spin_waves:
                for t in np.unique(T[idx]):
                    sel = T[idx] == t
                    if t > 0:
                        out[sel] += xy.spin_waves(L, float(t), int(sel.sum()), rng)
            return out
    else:
        cfg = {**ANNEAL, **(anneal or {})}
        k8 = np.ascontiguousarray(charges, dtype=np.int8)

        def draw(idx):
            return _minima_draws(k8[idx], T[idx], rng, spin_waves, cfg, self_consistent)

    theta = finish(draw(np.arange(n)), slice(None)) if n else np.zeros((0, L, L), np.float32)
    first_rate = 1.0
    if condition_on_map and n and (spin_waves or ground_state == "relaxed"):
        todo = np.arange(n)
        for attempt in range(max(1, max_tries)):
            if attempt:
                theta[todo] = finish(draw(todo), todo)
            bad = np.any(xy.vortices(theta[todo]) != charges[todo], axis=(-2, -1))
            if attempt == 0:
                first_rate = 1.0 - bad.mean()
            todo = todo[bad]
            if not len(todo) or not spin_waves:
                break
    return (theta, float(first_rate)) if return_stats else theta
