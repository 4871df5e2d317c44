"""Non-learned fields of a map that frame the generator's scores (chapter 04).

* ``villain``: the T = 0 field of the map (:func:`support.xy.villain_field`), one per map;
* ``grf``: a Gaussian random field of angles (Gaussian covariance, no knowledge of the map or T);
* ``prior``: the generator's physics prior, a fixed-map minimum of the cosine energy + its Gaussian
  basin at T, redrawn until the map is right (:func:`support.cwgan.models.prior.prior_angles`).
"""

from __future__ import annotations

import numpy as np

from support import xy
from support.cwgan.models.prior import prior_angles, prior_settings

BASELINES = ("villain", "grf", "prior")


def gaussian_random_field(L: int, n: int, rng: np.random.Generator, *, corr_length: float = 2.0,
                          amplitude: float = 1.0) -> np.ndarray:
    """Angles drawn as a stationary Gaussian field with covariance ``amplitude² exp(-r²/(2 ℓ²))``.

    Built by filtering white noise in Fourier space (periodic); it knows nothing of the map or of T.

    Returns:
        float64 ``(n, L, L)``.
    """
    if L < 2 or n < 0 or corr_length <= 0 or amplitude < 0:
        raise ValueError("need L >= 2, n >= 0, corr_length > 0, amplitude >= 0")
    q = 2 * np.pi * np.fft.fftfreq(L)
    q2 = q[:, None] ** 2 + q[None, :] ** 2
    filt = np.exp(-q2 * corr_length ** 2 / 4)          # sqrt of the Gaussian power spectrum
    filt *= amplitude / np.sqrt((filt ** 2).mean())    # unit-variance normalisation, then amplitude
    noise = rng.standard_normal((n, L, L))
    return np.fft.ifft2(np.fft.fft2(noise) * filt).real


def baseline_fields(kind: str, charges: np.ndarray, T: np.ndarray, rng: np.random.Generator, *,
                    grf_corr_length: float = 2.0, grf_amplitude: float = 1.0,
                    prior: dict | None = None) -> np.ndarray:
    """One baseline field per (map, T) row: ``"villain"``, ``"grf"`` or ``"prior"`` (module docstring).

    Every baseline gets a uniform random global angle (an exact symmetry; no observable changes).
    ``prior``: overrides of :data:`support.cwgan.models.prior.DEFAULT_PRIOR` for ``"prior"``; pass a
    generator's ``config["prior"]`` to compare with exactly its prior.

    Returns:
        float32 ``(n, L, L)`` angles in ``[-pi, pi)``.
    """
    charges = np.asarray(charges)
    n, L = charges.shape[0], charges.shape[-1]
    T = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,))
    if kind == "villain":
        if n:  # one Villain solve per distinct map
            uniq, inv = np.unique(charges.reshape(n, -1), axis=0, return_inverse=True)
            theta = xy.villain_field(uniq.reshape(-1, L, L))[inv.ravel()]
        else:
            theta = np.zeros((0, L, L))
    elif kind == "grf":
        theta = gaussian_random_field(L, n, rng, corr_length=grf_corr_length, amplitude=grf_amplitude)
    elif kind == "prior":  # the prior draws its own global angle
        theta = prior_angles(charges, T, rng, **prior_settings(prior)).astype(np.float64)
        return xy.wrap_angle(theta).astype(np.float32)
    else:
        raise ValueError(f"unknown baseline {kind!r}; choose from {BASELINES}")
    theta = theta + rng.uniform(0, 2 * np.pi, size=(n, 1, 1))
    return xy.wrap_angle(theta).astype(np.float32)


def all_baselines(charges: np.ndarray, T: np.ndarray, rng: np.random.Generator, **kwargs) -> dict[str, np.ndarray]:
    """``{kind: baseline_fields(kind, ...)}`` for every kind of :data:`BASELINES`, drawn in that order from ``rng``."""
    return {kind: baseline_fields(kind, charges, T, rng, **kwargs) for kind in BASELINES}
