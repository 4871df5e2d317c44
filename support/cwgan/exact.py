"""Exact sampling of a fixed vortex map with a generator inside a Metropolis–Hastings chain.

The generator's independent draws are approximate (its spin waves are Gaussian, its mean is learned).
:func:`sample_exact` makes it exact: its fields are consecutive states of a Markov chain whose
stationary law is ``exp(-E/T)`` restricted to the map, built from moves each of which leaves that law
invariant on its own (compiled in :mod:`support.samplers.xy_chain`; one step runs them all):

* **long-wavelength redraw** (preconditioned Crank–Nicolson in the low Fourier modes): write the field
  as ``theta = mu + psi`` with ``mu`` the generator's mean field of the map (Villain field plus the
  learned correction; the Villain field alone for other generators) and ``psi`` a smooth periodic
  field, found by integrating the bond-angle differences (both fields carry the same map, so those
  are a gradient). Its low modes (``0 < |n| <= modes``, ``k = 2 pi n / L``) are moved to
  ``rho psi_low + sqrt(1 - rho^2) xi``, ``xi`` drawn from the spin-wave Gaussian of stiffness
  ``J_eff(T)`` (:func:`~support.cwgan.models.physics_layers.self_consistent_stiffness`), energy
  ``G = J_eff / 2 sum_bonds (grad psi_low)^2``. That proposal is reversible for the Gaussian, so
  Metropolis–Hastings accepts with ``min(1, exp(-(dE - dG) / T))``; a proposal that would wrap a bond
  or bring one within ``1e-5`` of ``pi`` (the band the local sweeps never enter) is rejected, never
  redrawn. That keeps the map and the winding without computing a vortex map, and makes the reverse
  move exactly the same move.
* **local sweeps**: constrained single-spin Metropolis (the kernel of :class:`support.samplers.xy.LocalChain`),
  each optionally followed by constrained over-relaxation sweeps; they relax the short modes and the
  cores cheaply and never change the map;
* **global rotation**: a uniform angle added to every spin (the energy and the map do not change).

Constrained Monte Carlo is slow in the long modes (their relaxation time under local moves grows like ``L^2``),
which are the ones a Gaussian describes best; the local sweeps do what the Gaussian cannot. The chain
starts from one generator draw on the map (so its burn-in is short), tunes ``rho`` and the sweep width
during burn-in only, then freezes them. :class:`ExactChain` exposes the phases (set-up, burn-in, timed
and recorded runs) to the cost comparison (:mod:`support.cwgan.evaluation.cost`).
"""

from __future__ import annotations

import functools
import math
import time

import numpy as np
import torch

from support import xy
from support.cwgan.generator import generate
from support.cwgan.models.learned import LearnedGenerator
from support.cwgan.models.physics_layers import self_consistent_stiffness, thermal_waves
from support.samplers.rng import make_states
from support.samplers.xy_kernels import N_TABLE, _fill_table
from support.samplers.xy_chain import chain_replicas, run_chain

#: defaults chosen by measurement (benchmarks/bench_exact.py prints the alternatives)
MODES, SWEEPS_PER_STEP, OVERRELAX, LOW_MOVES, BURN_IN_STEPS = 3, 2, 1, 1, 20
#: Metropolis–Hastings in the low-mode move; only the test that the checks catch a non-exact kernel turns it off
_METROPOLIS_HASTINGS = True
#: where the Gaussian is centred: the generator's mean field, or the Villain field (an ablation)
CENTRES = ("generator", "villain")


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
        self.L, self.T, self.modes = L, float(T), int(modes)

    def tables(self) -> tuple[tuple, np.ndarray, np.ndarray]:
        """The compiled move's view of the same Gaussian: ``(modes, sigma)``.

        ``modes = (qx, cos_i, sin_i, cos_j, sin_j)``: one entry per mode ``q`` of the half disc (``qx > 0``, or
        ``qx = 0 < qy``), ``cos_i[m, i] = cos(2 pi qy_m i / L)``, ``cos_j[q, j] = cos(2 pi q j / L)`` for
        ``q = 0..modes``; ``sigma = sqrt(2 T / (J lam L^2))`` (``lam`` the lattice Laplacian's eigenvalue) the
        standard deviation of each of the mode's coefficients of ``cos(k.x)`` and ``sin(k.x)`` under ``exp(-G/T)``.
        """
        q = [(a, b) for a in range(self.modes + 1) for b in range(-self.modes, self.modes + 1)
             if 0 < a * a + b * b <= self.modes ** 2 and (a > 0 or b > 0)]
        qx, qy = (np.array(v, np.int64) for v in zip(*q))
        x = 2 * np.pi * np.arange(self.L) / self.L
        lam = 4 - 2 * np.cos(2 * np.pi * qx / self.L) - 2 * np.cos(2 * np.pi * qy / self.L)
        sigma = np.sqrt(2 * self.T / (self.J * lam * self.L ** 2))
        jq = np.arange(self.modes + 1)[:, None] * x
        modes = (qx, np.cos(qy[:, None] * x), np.sin(qy[:, None] * x), np.cos(jq), np.sin(jq))
        return tuple(np.ascontiguousarray(a) for a in modes), sigma

    def project(self, psi: np.ndarray) -> np.ndarray:
        return np.fft.irfft2(np.fft.rfft2(psi) * self.mask, s=psi.shape)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        white = rng.standard_normal((self.L, self.L))
        return np.fft.irfft2(np.fft.rfft2(white) * self.scale, s=(self.L, self.L))

    def energy(self, psi_low: np.ndarray) -> float:
        """``G = J_eff / 2 * sum over bonds of (grad psi_low)^2``."""
        return 0.5 * self.J * float(((np.roll(psi_low, -1, 0) - psi_low) ** 2).sum()
                                    + ((np.roll(psi_low, -1, 1) - psi_low) ** 2).sum())




@functools.lru_cache(maxsize=64)
def _tables(L: int, T: float, modes: int) -> tuple:
    """:meth:`LowModes.tables`, kept per (L, T, modes): a new map at a size and temperature seen before reuses them."""
    return LowModes(L, T, modes).tables()


def _centre(generator, charges: np.ndarray, T: float, centre: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``(mu, base)``: the Gaussian's centre (the Villain field where the generator's mean misses the map) and the
    field the learned generator draws around (``None`` for other generators; the physics layers' Villain field
    with ``centre="villain"``)."""
    theta_v = xy.villain_field(charges[None])[0]
    if not isinstance(generator, LearnedGenerator):
        return theta_v, None
    if centre == "villain":
        return theta_v, theta_v
    # correction_numpy's forward pass, on this Villain field's bonds (it would solve the Villain field twice more)
    bx, by = (xy.wrap_angle(b) for b in xy.bond_angles(theta_v))
    device = next(generator.parameters()).device
    with torch.no_grad():
        args = [torch.as_tensor(np.asarray(a, np.float32)[None], device=device) for a in (charges, T, bx, by)]
        args[1] = args[1].reshape(1)
        base = theta_v + generator.correction(*args)[0].double().cpu().numpy()
    return (base if xy.matches_map(base[None], charges[None])[0] else theta_v), base


def _draw(generator, charges: np.ndarray, T: float, mu: np.ndarray, base: np.ndarray | None, seed: int) -> np.ndarray:
    """One generator draw on the map (the learned generator's reuses ``base``, the forward pass of its mean, with the
    draws of :func:`support.cwgan.models.learned.sample_learned`); ``mu`` where none hits the map within the
    generator's tries or the draw lies in another winding sector than ``mu``."""
    start = None
    if base is None:
        draw = generate(generator, charges[None].astype(np.int8), np.array([T]), seed=seed)[0].astype(np.float64)
        start = draw if xy.matches_map(draw[None], charges[None])[0] else None
    else:
        rng = np.random.default_rng(seed)
        for _ in range(generator.config["max_tries"]):
            waves = thermal_waves(charges.shape[-1], np.array([T]), rng,
                                  self_consistent=generator.config["self_consistent"])[0]
            draw = xy.wrap_angle(base + waves + rng.uniform(-np.pi, np.pi)).astype(np.float32).astype(np.float64)
            if xy.matches_map(draw[None], charges[None])[0]:
                start = draw
                break
    if start is not None:
        try:
            smooth_difference(start, mu)
        except ValueError:
            start = None
    return mu if start is None else start


class ExactChain:
    """One exact chain on one (map, T), phase by phase: set-up here, then :meth:`burn_in` and :meth:`run`.

    Args: as :func:`sample_exact`, plus ``centre`` (``"generator"``: the generator's mean field; ``"villain"``:
    the Villain field, which shows what the learned correction buys); ``sweeps_per_step=0`` leaves the low-mode
    moves and rotations alone (not ergodic: for the test that they keep the target). :attr:`setup_seconds` is the
    wall time of the set-up (mean field, start draw, tables), the per-map cost before the first step.
    """

    def __init__(self, generator: torch.nn.Module, charges: np.ndarray, T: float, *, seed: int = 0,
                 modes: int = MODES, sweeps_per_step: int = SWEEPS_PER_STEP, overrelax: int = OVERRELAX,
                 low_moves: int = LOW_MOVES, centre: str = "generator"):
        t0 = time.perf_counter()
        charges = _check(charges, T, 1)
        for name, v, lo in (("modes", modes, 0), ("sweeps_per_step", sweeps_per_step, 0), ("overrelax", overrelax, 0),
                            ("low_moves", low_moves, 0)):
            if int(v) != v or v < lo:
                raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
        if centre not in CENTRES:
            raise ValueError(f"centre must be one of {CENTRES}, got {centre!r}")
        self.L, self.T, self.charges = charges.shape[0], float(T), charges
        self.sweeps, self.overrelax = int(sweeps_per_step), int(overrelax)
        self.low_moves = int(low_moves) if modes else 0
        self._generator = generator
        self._mu, self._base = _centre(generator, charges, self.T, centre)
        start = _draw(generator, charges, self.T, self._mu, self._base, seed)
        self.modes, self.sigma = _tables(self.L, self.T, int(modes) if modes else 1)
        self.n_modes = int(modes)
        self.wmx, self.wmy = (np.ascontiguousarray(xy.wrap_angle(b)) for b in xy.bond_angles(self._mu))
        self.c, self.s = np.cos(start), np.sin(start)
        self.state = make_states(seed + 1, 1)[0]
        self.width, self.rho = 1.0, 0.5
        self.table = np.empty((N_TABLE, 2))
        _fill_table(self.table, self.width)
        self.counts = np.zeros(4, np.int64)
        self.setup_seconds = time.perf_counter() - t0

    def _run(self, n_adapt: int, n: int, theta: np.ndarray | None, obs: np.ndarray | None) -> None:
        empty_t, empty_o = np.zeros((0, self.L, self.L), np.float32), np.zeros((0, 3))
        self.rho, self.width = run_chain(
            self.c, self.s, self.state, self.table, self.width, 1.0 / self.T, self.wmx, self.wmy, self.modes,
            self.sigma, self.rho, _METROPOLIS_HASTINGS, int(n_adapt), int(n_adapt + n),
            self.low_moves, self.sweeps, self.overrelax, empty_t if theta is None else theta,
            empty_o if obs is None else obs, self.counts)

    def burn_in(self, n_steps: int) -> None:
        """``n_steps`` steps during which ``rho`` (towards a low-mode acceptance of 0.3) and the sweep width (towards
        0.5) adapt; they are frozen afterwards (a kernel that keeps adapting would not be exact)."""
        self._run(int(n_steps), 0, None, None)

    def run(self, n_steps: int, *, store: bool = False, record: bool = False) -> tuple[np.ndarray | None, ...]:
        """``n_steps`` frozen steps: ``(theta float32 (n, L, L) or None, observables (n, 3) or None)``, the latter
        ``E``, ``|M|`` and the helicity term per state (:func:`support.samplers.xy_chain.observables`)."""
        theta = np.empty((int(n_steps), self.L, self.L), np.float32) if store else None
        obs = np.empty((int(n_steps), 3)) if record else None
        self._run(0, n_steps, theta, obs)
        return theta, obs

    @property
    def acceptance(self) -> tuple[float, float]:
        """Acceptance of the low-mode moves and of the Metropolis updates over the last :meth:`run`."""
        c = self.counts
        return float(c[0] / c[1]) if c[1] else 0.0, float(c[2] / c[3]) if c[3] else 0.0

    def draws(self, seeds) -> np.ndarray:
        """Generator draws on the chain's map, one per seed ``(R, L, L)`` (starts of replicas, as a new map's chain
        starts)."""
        return np.stack([_draw(self._generator, self.charges, self.T, self._mu, self._base, int(s)) for s in seeds])

    def replicas(self, starts: np.ndarray, n_steps: int, seed: int) -> np.ndarray:
        """Observables ``(R, n_steps + 1, 3)`` of ``R`` frozen copies of this chain from the fields ``starts (R, L, L)``
        (in parallel; index 0 is the start): the burn-in study of a new map."""
        out = np.empty((len(starts), int(n_steps) + 1, 3))
        chain_replicas(np.cos(starts), np.sin(starts), make_states(seed, len(starts)), self.table, self.width,
                       1.0 / self.T, self.wmx, self.wmy, self.modes, self.sigma, self.rho,
                       self.low_moves, self.sweeps, self.overrelax, out)
        return out


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
                 modes: int = MODES, sweeps_per_step: int = SWEEPS_PER_STEP, burn_in_steps: int = BURN_IN_STEPS,
                 overrelax: int = OVERRELAX, low_moves: int = LOW_MOVES) -> tuple[np.ndarray, dict]:
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
        sweeps_per_step: constrained Metropolis sweeps per step (a step: ``low_moves`` low-mode moves, the
            sweeps, a global rotation).
        burn_in_steps: steps before the first state, during which ``rho`` and the sweep width adapt.
        overrelax: constrained over-relaxation sweeps after each Metropolis sweep.
        low_moves: low-mode moves per step.

    Returns:
        ``theta`` float32 ``(n_samples, L, L)`` in ``[-pi, pi]``, and ``info`` with ``acceptance`` (of the
        low-mode moves after burn-in), ``local_acceptance``, ``rho``, ``seconds`` (set-up and burn-in included),
        ``burn_in_steps``, ``sweeps_per_step``, ``modes``, ``overrelax``, ``low_moves``.
    """
    charges = _check(charges, T, n_samples)
    if int(sweeps_per_step) != sweeps_per_step or sweeps_per_step < 1:
        raise ValueError(f"sweeps_per_step must be an integer >= 1 (the local sweeps make the chain ergodic), "
                         f"got {sweeps_per_step!r}")
    t0 = time.perf_counter()
    chain = ExactChain(generator, charges, float(T), seed=seed, modes=modes, sweeps_per_step=sweeps_per_step,
                       overrelax=overrelax, low_moves=low_moves)
    chain.burn_in(burn_in_steps)
    theta, _ = chain.run(n_samples, store=True)
    low, local = chain.acceptance
    info = dict(acceptance=low, local_acceptance=local, rho=float(chain.rho), seconds=time.perf_counter() - t0,
                burn_in_steps=int(burn_in_steps), sweeps_per_step=int(sweeps_per_step), modes=int(modes),
                overrelax=int(overrelax), low_moves=chain.low_moves)
    return theta, info
