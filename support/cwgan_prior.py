"""Physics prior of the prior-variant cWGAN: T = 0 field of the map + Gaussian spin waves at T.

To leading order at low T the constrained XY ensemble of a vortex map is the T = 0 field of
the map plus independent harmonic spin waves at temperature T. The T = 0 field starts as the
Villain / Coulomb-gas solution on the torus (``support.xy.villain_field``, the minimum of the
*quadratic* energy) and is then relaxed towards the minimum of the *cosine* energy at fixed
map (FFT-preconditioned gradient descent, a step that would change the map is halved): the
cosine model concentrates the phase winding nearer the pair, so its far field is weaker and
``|M|`` higher than Villain's (at T = 0.1, d = 5 on L = 16: MC 0.85, Villain + spin waves 0.77). Conditioning the spin waves on the map (redrawing a sample whose vortex
map changed, as the constrained Metropolis sampler rejects such moves) makes the prior the
harmonic approximation of exactly the ensemble the generator must learn. A random global
angle is added (an exact symmetry of the model).
"""

from __future__ import annotations

import numpy as np

from support import xy

DEFAULT_PRIOR = dict(spin_waves=True, condition_on_map=True, max_tries=64, relax_steps=80)

_FIELD_CACHE: dict[tuple[int, int, bytes], np.ndarray] = {}


def relaxed_field(charges: np.ndarray, steps: int = 80) -> np.ndarray:
    """T = 0 field of maps ``(n, L, L)`` in the cosine model, relaxed from the Villain field at fixed map.

    Each step moves ``theta`` by ``-eta (-Laplacian)^{-1} dH/dtheta`` (the Laplacian preconditioner
    makes long wavelengths converge as fast as short ones); a sample whose map would change keeps
    its field and halves its ``eta``, a successful step grows ``eta`` by 1.2 (at most 1).
    ``steps=0`` gives the Villain field. The map is exactly preserved.
    """
    k = xy.check_charges(charges)
    theta = np.asarray(xy.villain_field(k), dtype=np.float64).reshape(-1, *k.shape[-2:])
    kk = k.reshape(theta.shape)
    L = k.shape[-1]
    lam = -xy._lattice_laplacian_eigs(L)
    lam[0, 0] = np.inf  # the zero mode is a global rotation: no force
    eta = np.ones(len(theta))
    for _ in range(int(steps)):
        grad = np.zeros_like(theta)
        for ax in (-1, -2):
            s = np.sin(theta - np.roll(theta, -1, ax))
            grad += s - np.roll(s, 1, ax)
        new = theta - eta[:, None, None] * np.fft.ifft2(np.fft.fft2(grad) / lam).real
        ok = np.all(xy.vortices(new) == kk, axis=(-2, -1))
        theta[ok] = new[ok]
        eta[~ok] *= 0.5
        eta[ok] = np.minimum(1.0, eta[ok] * 1.2)
    return theta.reshape(k.shape)


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


def prior_angles(charges: np.ndarray, T: np.ndarray, rng: np.random.Generator, *, spin_waves: bool = True,
                 condition_on_map: bool = True, max_tries: int = 64, relax_steps: int = 80, rotate: bool = True,
                 return_stats: bool = False):
    """Prior angles for each (map, T): T = 0 field + spin waves at T + a random global angle.

    Args:
        charges: vortex maps ``(n, L, L)`` (integers summing to zero per map).
        T: temperatures ``(n,)`` (>= 0).
        rng: numpy Generator (spin waves and global angles).
        spin_waves: add Gaussian spin waves at T (``support.xy.spin_waves``).
        condition_on_map: redraw the spin waves of samples whose vortex map changed, up to
            ``max_tries`` draws in all; samples still wrong after that are kept as they are.
        max_tries: see ``condition_on_map``.
        relax_steps: cosine-energy relaxation steps of the T = 0 field (0: the Villain field).
        rotate: add a uniform random global angle.
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
    n, L = charges.shape[0], charges.shape[-1]
    base = base_field_cached(charges, relax_steps)
    rot = rng.uniform(0.0, 2 * np.pi, size=(n, 1, 1)) if rotate else np.zeros((n, 1, 1))

    def finish(x, idx):  # the float32 angles returned; the map is checked on these exact values
        return np.mod(x + rot[idx], 2 * np.pi).astype(np.float32)

    theta = finish(base, slice(None))
    first_rate = 1.0
    if spin_waves and n:
        todo = np.arange(n)
        for attempt in range(max(1, max_tries if condition_on_map else 1)):
            for t in np.unique(T[todo]):
                idx = todo[T[todo] == t]
                theta[idx] = finish(base[idx] + (xy.spin_waves(L, float(t), len(idx), rng) if t > 0 else 0.0), idx)
            if not condition_on_map:
                break
            bad = np.any(xy.vortices(theta[todo]) != charges[todo], axis=(-2, -1))
            if attempt == 0:
                first_rate = 1.0 - bad.mean()
            todo = todo[bad]
            if not len(todo):
                break
    return (theta, float(first_rate)) if return_stats else theta
