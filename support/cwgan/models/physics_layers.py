"""Physics layers of the learned generator: the FFT Villain field of a map, Fourier spin waves at T, the barrier energy.

All three cost at most ``N log N`` per sample and involve nothing optimised or sampled per map:

* :func:`villain_bonds`: the bond angles of the Villain (Coulomb-gas) T = 0 field of the map,
  :func:`support.xy.villain_field` (an FFT Poisson solve; each bond strictly inside ``(-pi, pi)``, so
  the field carries exactly the map);
* :func:`thermal_waves`: Gaussian spin waves of the uniform lattice drawn in Fourier space, with the
  bond stiffness renormalised self-consistently (:func:`self_consistent_stiffness`);
* :func:`barrier_energy`: the smooth fixed-map free energy that trains the learned correction
  without data, ``e^{-T/4} E_cos - T sum_b log Phi((pi - |b|) / sqrt(T/2))``. The first term is the
  cosine energy with its stiffness softened by Gaussian bond fluctuations of variance ``T/2``; the
  second is ``-T log`` of the probability that such a fluctuation keeps the bond below ``pi`` (where
  a vortex would hop), which holds vortices off the plaquette walls by about ``T/f``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from support import xy


def villain_bonds(charges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimal bond angles ``(b_x, b_y)`` of the Villain field of each map, float64 ``(n, L, L)`` in ``(-pi, pi)``."""
    theta = xy.villain_field(charges)
    bx, by = xy.bond_angles(theta)
    return xy.wrap_angle(bx), xy.wrap_angle(by)


def self_consistent_stiffness(T: np.ndarray | float, iterations: int = 60) -> np.ndarray:
    """Stiffness ``J_eff`` solving ``J_eff = exp(-<delta b^2>/2)``, ``<delta b^2> = T / (2 J_eff)`` (uniform lattice).

    The cosine is softer than its curvature: Gaussian bond fluctuations of variance ``v`` reduce
    ``<cos b>`` by ``exp(-v/2)``, and on the square lattice each bond of a harmonic field of
    stiffness ``J`` has ``v = T / (2J)``. The fixed point is reached by iteration (a contraction
    for ``T < 4/e``, the whole XY range of interest; ``J_eff`` is ``1 - T/4 + O(T^2)``).
    """
    T = np.asarray(T, dtype=np.float64)
    if np.any(T < 0) or np.any(T > 4 / math.e):
        raise ValueError("self-consistent stiffness needs 0 <= T <= 4/e")
    J = np.ones_like(T)
    for _ in range(iterations):
        J = np.exp(-T / (4 * J))
    return J


def thermal_waves(L: int, T: np.ndarray, rng: np.random.Generator, *, self_consistent: bool = True) -> np.ndarray:
    """Gaussian spin waves, one per temperature of ``T`` ``(n,)``, drawn in Fourier space: float64 ``(n, L, L)``.

    :func:`support.xy.spin_waves` with stiffness ``J_eff(T)`` (:func:`self_consistent_stiffness`) or
    ``1``; the same white noise is used for every sample's filter, so a seed fixes all draws at once.
    """
    T = np.asarray(T, dtype=np.float64).reshape(-1)
    J = self_consistent_stiffness(T) if self_consistent else np.ones_like(T)
    unit = xy.spin_waves(L, 1.0, len(T), rng)          # stiffness 1 at T = 1: scale by sqrt(T / J)
    return unit * np.sqrt(T / J)[:, None, None]


def barrier_energy(bx: torch.Tensor, by: torch.Tensor, T: torch.Tensor) -> torch.Tensor:
    """Smooth fixed-map free energy of unwrapped bond angles ``(n, L, L)`` at temperatures ``T`` ``(n,)``: ``(n,)``.

    ``e^{-T/4} * (-sum_b cos b) - T * sum_b log Phi((pi - |b|) / sqrt(T/2))``, ``Phi`` the standard normal
    CDF (evaluated in log space, so a bond beyond ``pi`` costs a smooth, quadratically growing penalty).

    Raises:
        ValueError: a temperature ``<= 0`` (the barrier is a hard wall there).
    """
    if torch.any(T <= 0):
        raise ValueError("the barrier energy needs T > 0")
    t = T.view(-1, 1, 1).to(bx.dtype)
    sigma = torch.sqrt(t / 2)
    e_cos = -(torch.cos(bx) + torch.cos(by)).sum(dim=(-2, -1))
    wall = (torch.special.log_ndtr((math.pi - bx.abs()) / sigma)
            + torch.special.log_ndtr((math.pi - by.abs()) / sigma)).sum(dim=(-2, -1))
    return torch.exp(-T.to(bx.dtype) / 4) * e_cos - T.to(bx.dtype) * wall
