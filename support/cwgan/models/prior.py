"""Physics prior of the prior-variant cWGAN: a T = 0 field of the map plus thermal fluctuations at T.

To leading order at low T the constrained XY ensemble of a vortex map is a T = 0 field of the
map plus harmonic fluctuations at temperature T; the generator learns a residual on top of a draw
from it. Two versions (``ground_state=``), both built on :mod:`support.cwgan.models.fixed_map`:

* ``"minima"`` (:data:`DEFAULT_PRIOR`): the distinct fixed-map minima, each drawn with its Boltzmann
  weight, and at ``T > 0`` the Gaussian basin around each (:func:`support.cwgan.models.fixed_map.thermal_basins`).
  With ``self_consistent=True`` (the default) each bond's stiffness ``cos b`` is renormalised by
  its own thermal fluctuations, ``exp(-<delta b²> / 2) cos b``, solved to self-consistency
  (:func:`support.cwgan.models.fixed_map.self_consistent_hessian`): the cosine is softer than its curvature, so
  the plain harmonic theory underestimates the bond-angle variance (at T = 0.1 by 2.5 %, at T = 0.5
  by 13 %) and the large-angle tail.
* ``"relaxed"`` (the first version, for comparison): the Villain-relaxed field
  (:func:`relaxed_field`) plus Gaussian spin waves of the uniform lattice
  (``support.xy.spin_waves``). That field is not the fixed-map ground state of close pairs (see
  :mod:`support.cwgan.models.fixed_map`), and the static current it carries dominates the helicity
  modulus at low T.

Minima and basins are cached per map up to a lattice translation. Conditioning on the map
(redrawing a sample whose vortex map changed, as the constrained Metropolis sampler rejects such
moves) makes the prior the harmonic approximation of exactly the ensemble the generator must
learn. A random global angle is added (an exact symmetry).
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.linalg import solve_triangular

from support import xy
from support.cwgan.models.fixed_map import (
    ANNEAL,
    Minima,
    ThermalBasins,
    canonical_shift,
    fixed_map_minima,
    minimum_weights,
    thermal_basins,
)
from support.store.data import chunk_seed
from support.xy import fields as xy_fields

GROUND_STATES = ("relaxed", "minima")
#: the prior of the book; profiles override single keys (chapter 02's ``prior_settings``)
DEFAULT_PRIOR = dict(spin_waves=True, condition_on_map=True, max_tries=64, relax_steps=80, ground_state="minima",
                     self_consistent=True)
#: settings :func:`prior_settings` accepts beyond :data:`DEFAULT_PRIOR` (``anneal``: overrides of ``ANNEAL``)
_OPTIONAL_SETTINGS = ("anneal",)

_FIELD_CACHE: dict[tuple[int, int, bytes], np.ndarray] = {}
_MINIMA_CACHE: dict[tuple, "Minima"] = {}
_BASIN_CACHE: dict[tuple, "ThermalBasins"] = {}


def prior_settings(overrides: dict | None = None) -> dict:
    """The complete prior settings: :data:`DEFAULT_PRIOR` with ``overrides`` applied.

    Raises:
        ValueError: an unknown setting, an unknown ``ground_state``, or ``self_consistent`` without
            ``ground_state="minima"``.
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(DEFAULT_PRIOR) - set(_OPTIONAL_SETTINGS)
    if unknown:
        raise ValueError(f"unknown prior settings {sorted(unknown)}; known: {sorted(DEFAULT_PRIOR)} + {_OPTIONAL_SETTINGS}")
    cfg = {**DEFAULT_PRIOR, **overrides}
    _check_ground_state(cfg["ground_state"], cfg["self_consistent"])
    return cfg


def _check_ground_state(ground_state: str, self_consistent: bool) -> None:
    if ground_state not in GROUND_STATES:
        raise ValueError(f"unknown ground_state {ground_state!r}; choose from {GROUND_STATES}")
    if self_consistent and ground_state != "minima":
        raise ValueError("self_consistent fluctuations need ground_state='minima'")


def clear_caches() -> None:
    """Forget every cached per-map field, minimum and basin (to time the per-map set-up of the prior)."""
    for cache in (_FIELD_CACHE, _MINIMA_CACHE, _BASIN_CACHE):
        cache.clear()


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
        si, sj = canonical_shift(m)
        mins = _canonical_minima(np.ascontiguousarray(np.roll(m, (-si, -sj), axis=(0, 1))), cfg)
        out.append(mins._replace(fields=np.roll(mins.fields, (si, sj), axis=(1, 2))))
    return out


def _canonical_basins(can: np.ndarray, T: float, cfg: dict, self_consistent: bool) -> ThermalBasins:
    key = (round(float(T), 6), bool(self_consistent), _cfg_key(cfg), can.shape[-1], can.tobytes())
    if key not in _BASIN_CACHE:
        if len(_BASIN_CACHE) >= 2000:  # ~0.5 MB per basin at L = 16 (its Cholesky factor)
            _BASIN_CACHE.clear()
        _BASIN_CACHE[key] = thermal_basins(can, float(T), _canonical_minima(can, cfg), self_consistent=self_consistent)
    return _BASIN_CACHE[key]


# ---------------------------------------------------------------------------------------------
# the "relaxed" T = 0 field (the first prior, kept for comparison)
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
    lam = -xy_fields._lattice_laplacian_eigs(L)
    lam[0, 0] = np.inf  # the zero mode is a global rotation: no force
    eta = np.ones(len(theta))
    for _ in range(int(steps)):
        new = theta - eta[:, None, None] * np.fft.ifft2(np.fft.fft2(_gradient(theta)) / lam).real
        ok = xy.matches_map(new, kk)
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
    shifts = [canonical_shift(m) for m in charges]
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


def prior_angles(charges: np.ndarray, T: np.ndarray, rng: np.random.Generator, *,
                 spin_waves: bool = DEFAULT_PRIOR["spin_waves"], condition_on_map: bool = DEFAULT_PRIOR["condition_on_map"],
                 max_tries: int = DEFAULT_PRIOR["max_tries"], relax_steps: int = DEFAULT_PRIOR["relax_steps"],
                 rotate: bool = True, ground_state: str = DEFAULT_PRIOR["ground_state"], anneal: dict | None = None,
                 self_consistent: bool = DEFAULT_PRIOR["self_consistent"], return_stats: bool = False):
    """Prior angles for each (map, T): T = 0 field + thermal fluctuations at T + a random global angle.

    The defaults are :data:`DEFAULT_PRIOR`; a generator passes its stored ``config["prior"]``.

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
        ground_state: ``"minima"`` (the fixed-map minima and their Laplace approximation at T) or
            ``"relaxed"`` (the Villain-relaxed field + uniform spin waves); see the module docstring.
        anneal: overrides of :data:`ANNEAL` for ``"minima"``.
        self_consistent: ``"minima"`` only: renormalise each basin's bond stiffness by its own thermal
            fluctuations (:func:`support.cwgan.models.fixed_map.self_consistent_hessian`).
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
    _check_ground_state(ground_state, self_consistent)
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
            bad = ~xy.matches_map(theta[todo], charges[todo])
            if attempt == 0:
                first_rate = 1.0 - bad.mean()
            todo = todo[bad]
            if not len(todo) or not spin_waves:
                break
    return (theta, float(first_rate)) if return_stats else theta
