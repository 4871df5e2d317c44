"""Exact sampling of a fixed vortex map with a generator inside a Metropolis–Hastings chain.

The generator's independent draws are approximate (its spin waves are Gaussian, its mean is learned).
:func:`sample_exact` makes it exact: its fields are consecutive states of a Markov chain whose
stationary law is ``exp(-E/T)`` restricted to the map, built from three moves, each of which leaves
that law invariant on its own:

* **long-wavelength redraw** (preconditioned Crank–Nicolson in the low Fourier modes): write the field
  as ``theta = mu + psi`` with ``mu`` the generator's mean field of the map (Villain field plus the
  learned correction; the Villain field alone for other generators) and ``psi`` a smooth periodic
  field, found by integrating the bond-angle differences (both fields carry the same map, so those
  are a gradient). Its low modes (``0 < |n| <= modes``, ``k = 2 pi n / L``) are moved to
  ``rho psi_low + sqrt(1 - rho^2) xi``, ``xi`` drawn from the spin-wave Gaussian of stiffness
  ``J_eff(T)`` (:func:`~support.cwgan.models.physics_layers.self_consistent_stiffness`), energy
  ``G = J_eff / 2 sum_bonds (grad psi_low)^2``. That proposal is reversible for the Gaussian, so
  Metropolis–Hastings accepts with ``min(1, exp(-(dE - dG) / T))``; a field on another map, or with a bond
  in the band within ``1e-5`` of ``pi`` that the local sweeps never enter, is rejected (never redrawn).
  ``rho = 0`` is an independence move in those modes.
* **local sweeps**: constrained single-spin Metropolis (:class:`support.samplers.xy.LocalChain`), which
  relaxes the short modes and the cores cheaply and never changes the map;
* **global rotation**: a uniform angle added to every spin (the energy and the map do not change).

Constrained Monte Carlo is slow in the long modes (their relaxation time under local moves grows like ``L^2``),
which are the ones a Gaussian describes best; the local sweeps do what the Gaussian cannot. The chain
starts from one generator draw on the map (so its burn-in is short), tunes ``rho`` and the sweep width
during burn-in only, then freezes them.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from support import xy
from support.cwgan.generator import generate
from support.cwgan.models.learned import LearnedGenerator, correction_numpy
from support.cwgan.models.physics_layers import self_consistent_stiffness
from support.samplers.xy import BOND_EDGE, LocalChain

#: defaults chosen by measurement at L = 64 (benchmarks/bench_exact.py prints the alternatives)
MODES, SWEEPS_PER_STEP, BURN_IN_STEPS = 3, 4, 50
TARGET_ACCEPTANCE = 0.3


def mean_field(generator: torch.nn.Module, charges: np.ndarray, T: float) -> np.ndarray:
    """The generator's deterministic field of one map ``(L, L)``: Villain + learned correction, float64 ``(L, L)``."""
    if isinstance(generator, LearnedGenerator):
        theta_v, delta = correction_numpy(generator, charges[None], np.array([T]))
        mu = theta_v[0] + delta[0]
        if xy.matches_map(mu[None], charges[None])[0]:
            return mu
    return xy.villain_field(charges[None])[0]


def smooth_difference(theta: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``psi`` with ``theta = mu + psi (mod 2 pi)`` and ``psi`` single-valued on the torus, up to a constant.

    Integrates the differences of the wrapped bond angles; they form a gradient when both fields carry
    the same vortex map and the same winding around the torus.

    Raises:
        ValueError: the differences are not a gradient (another map or winding sector).
    """
    bt, bm = xy.bond_angles(theta), xy.bond_angles(mu)
    dx, dy = (xy.wrap_angle(t) - xy.wrap_angle(m) for t, m in zip(bt, bm))
    psi = np.cumsum(np.concatenate([[0.0], dy[:-1, 0]]))[:, None] + np.cumsum(
        np.concatenate([np.zeros((theta.shape[0], 1)), dx[:, :-1]], axis=1), axis=1)
    if not (np.allclose(np.roll(psi, -1, axis=1) - psi, dx, atol=1e-6)
            and np.allclose(np.roll(psi, -1, axis=0) - psi, dy, atol=1e-6)):
        raise ValueError("the field and the mean differ in vortex map or winding sector")
    return psi


class LowModes:
    """The long-wavelength subspace ``0 < |n| <= modes`` of an ``L x L`` torus and its spin-wave Gaussian at ``T``."""

    def __init__(self, L: int, T: float, modes: int):
        if not 1 <= modes < L // 2:
            raise ValueError(f"modes must be in [1, L/2), got {modes} for L={L}")
        n = np.fft.fftfreq(L, 1.0 / L)
        ny, nx = np.meshgrid(n, np.fft.rfftfreq(L, 1.0 / L), indexing="ij")
        self.mask = ((nx ** 2 + ny ** 2) <= modes ** 2) & ((nx != 0) | (ny != 0))
        lam = 4 - 2 * np.cos(2 * np.pi * nx / L) - 2 * np.cos(2 * np.pi * ny / L)
        # any stiffness keeps the chain exact; the self-consistent one (defined up to T = 4/e) makes it fast
        self.J = float(self_consistent_stiffness(min(T, 1.4)))
        self.scale = np.where(self.mask, np.sqrt(T / (self.J * np.where(self.mask, lam, 1.0))), 0.0)
        self.L = L

    def project(self, psi: np.ndarray) -> np.ndarray:
        return np.fft.irfft2(np.fft.rfft2(psi) * self.mask, s=psi.shape)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        white = rng.standard_normal((self.L, self.L))
        return np.fft.irfft2(np.fft.rfft2(white) * self.scale, s=(self.L, self.L))

    def energy(self, psi_low: np.ndarray) -> float:
        """``G = J_eff / 2 * sum over bonds of (grad psi_low)^2``."""
        return 0.5 * self.J * float(((np.roll(psi_low, -1, 0) - psi_low) ** 2).sum()
                                    + ((np.roll(psi_low, -1, 1) - psi_low) ** 2).sum())


def _in_forbidden_band(theta: np.ndarray) -> bool:
    """Does a bond lie within ``BOND_EDGE`` of ``pi``? The local sweeps never enter that band (it keeps maps exact
    in float32), so this move refuses it too and both moves keep the same law."""
    return any(np.abs(xy.wrap_angle(b)).max() >= np.pi - BOND_EDGE for b in xy.bond_angles(theta))


def low_mode_move(theta: np.ndarray, mu: np.ndarray, charges: np.ndarray, T: float, low: LowModes, rho: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """One pCN Metropolis–Hastings move of the low modes (module docstring): ``(new field, accepted)``."""
    psi_low = low.project(smooth_difference(theta, mu))
    new_low = rho * psi_low + math.sqrt(1.0 - rho ** 2) * low.draw(rng)
    proposal = theta + new_low - psi_low
    if not xy.matches_map(proposal[None], charges[None])[0] or _in_forbidden_band(proposal):
        return theta, False
    log_ratio = (-(float(xy.energy(proposal)) - float(xy.energy(theta)))
                 + low.energy(new_low) - low.energy(psi_low)) / T
    if log_ratio >= 0 or rng.random() < math.exp(log_ratio):
        return proposal, True
    return theta, False


def _start_field(generator, charges: np.ndarray, T: float, mu: np.ndarray, seed: int) -> np.ndarray:
    """One generator draw on the map, else the mean field, else the Villain field (both carry the map)."""
    theta = generate(generator, charges[None].astype(np.int8), np.array([T]), seed=seed)[0].astype(np.float64)
    if xy.matches_map(theta[None], charges[None])[0]:
        return theta
    return mu


def _check(charges, T: float, n_samples: int) -> np.ndarray:
    charges = xy.check_charges(charges)
    if charges.ndim != 2:
        raise ValueError(f"charges must be one map (L, L), got {charges.shape}")
    if not (isinstance(T, (int, float, np.floating, np.integer)) and math.isfinite(T) and T > 0):
        raise ValueError(f"T must be a finite number > 0, got {T!r}")
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    return charges


def sample_exact(generator: torch.nn.Module, charges: np.ndarray, T: float, n_samples: int, *, seed: int = 0,
                 modes: int = MODES, sweeps_per_step: int = SWEEPS_PER_STEP,
                 burn_in_steps: int = BURN_IN_STEPS) -> tuple[np.ndarray, dict]:
    """Consecutive states of an exact Markov chain on one vortex map (public contract; module docstring).

    Args:
        generator: a generator of :func:`support.cwgan.load_generator` (the learned one gives the mean field).
        charges: one int map ``(L, L)``, entries in ``{-1, 0, 1}`` summing to zero; ``L`` any size the
            generator admits.
        T: temperature (finite, > 0).
        n_samples: states returned, one per step after burn-in.
        seed: fixes every draw (the generator's start, the Gaussian modes, the local sweeps, the angles).
        modes: radius of the redrawn low-mode disc in units of ``2 pi / L`` (0: no low-mode moves, which leaves
            constrained Metropolis with global rotations, for comparison).
        sweeps_per_step: local sweeps per step (a step: one low-mode move, the sweeps, a global rotation).
        burn_in_steps: steps before the first state, during which ``rho`` and the sweep width adapt.

    Returns:
        ``theta`` float32 ``(n_samples, L, L)`` in ``[-pi, pi]``, and ``info`` with ``acceptance`` (of the
        low-mode moves after burn-in), ``local_acceptance``, ``rho``, ``seconds`` (burn-in included),
        ``burn_in_steps``, ``sweeps_per_step``, ``modes``.
    """
    charges = _check(charges, T, n_samples)
    L, T = charges.shape[0], float(T)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    mu = mean_field(generator, charges, T)
    low = LowModes(L, T, modes) if modes else None
    chain = LocalChain(_start_field(generator, charges, T, mu, seed), T, charges=charges, seed=seed + 1)
    rho, accepted, local = 0.5, [], []
    out = np.empty((int(n_samples), L, L), np.float32)
    for step in range(burn_in_steps + int(n_samples)):
        burning = step < burn_in_steps
        ok = False
        if low is not None:
            theta, ok = low_mode_move(chain.theta, mu, charges, T, low, rho, rng)
            if ok:
                chain.set_theta(theta)
        local.append(chain.sweeps(sweeps_per_step, adapt=burning))
        if burning:   # Robbins–Monro on rho towards the target acceptance, frozen afterwards
            rho = min(max(rho + (TARGET_ACCEPTANCE - ok) * 2.0 / (step + 2) ** 0.6, 0.0), 0.99)
            continue
        accepted.append(ok)
        rotated = xy.wrap_angle(chain.theta + rng.uniform(-np.pi, np.pi))
        chain.set_theta(rotated)
        out[step - burn_in_steps] = rotated
    info = dict(acceptance=float(np.mean(accepted)) if low is not None else 0.0,
                local_acceptance=float(np.mean(local[burn_in_steps:])),
                rho=float(rho), seconds=time.perf_counter() - t0, burn_in_steps=int(burn_in_steps),
                sweeps_per_step=int(sweeps_per_step), modes=int(modes))
    return out, info
