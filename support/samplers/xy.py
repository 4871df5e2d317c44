"""Metropolis sampler for the XY model, optionally constrained to a fixed vortex map (numba).

The kernels (typewriter sweeps of unit vectors, the exact vortex-constraint test, constrained
over-relaxation) live in :mod:`support.samplers.xy_kernels`; this module runs chains with them (numba
threads over chains) and stores samples. The rotation width is adapted during the first half of the
burn-in towards an acceptance of 0.5 and frozen afterwards.

Over-relaxation (``overrelax = k``): each Metropolis sweep is followed by ``k`` sweeps of reflections
of every spin about its local field (energy unchanged, same constraint; exact for ``exp(-E/T)`` on the
map). On large lattices at low T it cuts the autocorrelation time of ``|M|`` by an order of magnitude
(see ``benchmarks/bench_overrelax_tau.py``). ``burn_in`` and ``sweeps_between`` then count cycles.

Winding sectors: a single-spin move that keeps every plaquette charge also keeps the winding of every row and
column loop of the torus (the sum of the wrapped bond angles along a non-contractible loop changes by 2 pi only
when a vortex crosses it). A constrained chain, with or without over-relaxation, therefore samples ``exp(-E/T)``
on the map *within the winding sector of its start field* (the Villain field's, zero winding). A sector of winding
one costs about ``2 pi^2 J`` (a uniform twist of 2 pi across L bonds in each of L rows), so its weight
``exp(-2 pi^2 J / T)`` is below ``1e-8`` up to T = 1 and the restriction matters only near and above the BKT
temperature, and most on small lattices where the twist is not uniform.

Stored samples: ``theta = atan2(sin, cos) + phi`` with a fresh uniform global angle ``phi`` per
sample. The O(2) symmetry is exact, and at low T a Metropolis chain barely rotates globally, so
this samples the global angle of the true ensemble; it changes neither energy nor vortices.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from support import xy
from support.book.progress import tqdm
from support.samplers.rng import make_states, uniform
from support.samplers.xy_kernels import (  # noqa: F401  (kernel names re-exported for callers and benchmarks)
    BOND_EDGE, MAX_WIDTH, N_TABLE, TARGET_ACCEPTANCE, _advance, _cycles, _fill_table, _overrelax_sweeps,
    _reflection, _reflection_allowed, _sweeps)

@nb.njit(cache=True, parallel=True)
def _run_chains(c, s, states, tables, widths, betas, J, n_sweeps, adapt_block, constrained, acc, n_or, acc_or):
    """Advance every chain by ``n_sweeps`` sweeps, or cycles with ``n_or`` OR sweeps each (in parallel over chains).

    With ``adapt_block > 0`` the width is re-tuned after every block of that many sweeps (cycles), from the
    Metropolis acceptance. ``acc[k]`` receives chain ``k``'s Metropolis acceptance rate over these sweeps,
    ``acc_or[k]`` its rate of accepted reflections.
    """
    n = c.shape[0]
    L = c.shape[1]
    for k in nb.prange(n):
        done = 0
        total = 0
        total_or = 0
        while done < n_sweeps:
            block = n_sweeps - done
            if adapt_block > 0 and adapt_block < block:
                block = adapt_block
            a, a_or = _advance(c[k], s[k], states[k], tables[k], betas[k], J, block, n_or, constrained)
            total += a
            total_or += a_or
            done += block
            if adapt_block > 0:
                rate = a / (block * L * L)
                w = widths[k] * math.exp(2.0 * (rate - TARGET_ACCEPTANCE))
                w = min(max(w, 1e-3), MAX_WIDTH)
                widths[k] = w
                _fill_table(tables[k], w)
        acc[k] = total / max(1, n_sweeps * L * L)
        acc_or[k] = total_or / max(1, n_sweeps * n_or * L * L)


@nb.njit(cache=True)
def _record_one(c, s, state, out):
    """Store ``atan2`` of one chain, rotated by a fresh uniform global angle, into ``out`` (L, L)."""
    L = c.shape[0]
    phi = 2.0 * math.pi * uniform(state)
    cp = math.cos(phi)
    sp = math.sin(phi)
    for i in range(L):
        for j in range(L):
            x = c[i, j] * cp - s[i, j] * sp
            y = s[i, j] * cp + c[i, j] * sp
            out[i, j] = math.atan2(y, x)


@nb.njit(cache=True, parallel=True)
def _sample_chains(c, s, states, tables, betas, J, constrained, out, start, stop, sweeps_between, acc, n_or, acc_or):
    """For every chain (in parallel): ``sweeps_between`` sweeps (cycles with ``n_or`` OR sweeps each), then store
    sample ``m``, for ``start <= m < stop``.

    ``acc[k]`` receives chain ``k``'s Metropolis acceptance rate over these sweeps, ``acc_or[k]`` its rate of
    accepted reflections.
    """
    n = c.shape[0]
    L = c.shape[1]
    for k in nb.prange(n):
        total = 0
        total_or = 0
        for m in range(start, stop):
            a, a_or = _advance(c[k], s[k], states[k], tables[k], betas[k], J, sweeps_between, n_or, constrained)
            total += a
            total_or += a_or
            _record_one(c[k], s[k], states[k], out[k, m])
        acc[k] = total / max(1, (stop - start) * sweeps_between * L * L)
        acc_or[k] = total_or / max(1, (stop - start) * sweeps_between * n_or * L * L)


def _check_args(L, T, n_samples, burn_in, sweeps_between):
    if int(L) != L or L < 2:
        raise ValueError(f"L must be an integer >= 2, got {L}")
    T = np.asarray(T, dtype=np.float64)
    if not np.all(np.isfinite(T)) or np.any(T <= 0):
        raise ValueError(f"temperatures must be finite and > 0, got {T}")
    if int(n_samples) != n_samples or n_samples < 0:
        raise ValueError(f"n_samples must be a non-negative integer, got {n_samples}")
    if burn_in < 0 or sweeps_between < 1:
        raise ValueError(f"need burn_in >= 0 and sweeps_between >= 1, got {burn_in}, {sweeps_between}")
    return T


def check_overrelax(overrelax) -> int:
    """``overrelax`` as an int, after checking it is an integer >= 0 (OR sweeps after each Metropolis sweep).

    Raises:
        ValueError: a negative, fractional, boolean or non-numeric value.
    """
    ok = isinstance(overrelax, (int, np.integer)) and not isinstance(overrelax, (bool, np.bool_)) and overrelax >= 0
    if not ok:
        raise ValueError(f"overrelax (over-relaxation sweeps after each Metropolis sweep) must be an integer >= 0, "
                         f"got {overrelax!r}")
    return int(overrelax)


def initial_spins(L: int, charges: np.ndarray | None, n_chains: int) -> tuple[np.ndarray, np.ndarray]:
    """Start states ``(cos, sin)``, each ``(n_chains, L, L)`` float64.

    Without charges: the ordered state (close to equilibrium below T_KT; a burn-in removes it
    above). With charges: the T = 0 Villain field of each map, checked to carry exactly that map.
    """
    if charges is None:
        return np.ones((n_chains, L, L)), np.zeros((n_chains, L, L))
    theta = xy.villain_field(charges)
    theta = np.broadcast_to(theta, (n_chains, L, L))
    if not np.array_equal(xy.vortices(theta), np.broadcast_to(charges, theta.shape)):
        raise RuntimeError("could not build a start state with the requested vortex map")
    return np.ascontiguousarray(np.cos(theta)), np.ascontiguousarray(np.sin(theta))


def sample_xy_chains(L: int, T, n_samples: int, *, n_chains: int | None = None, charges: np.ndarray | None = None,
                     burn_in: int = 500, sweeps_between: int = 10, seed: int = 0, J: float = 1.0,
                     init_width: float = 1.0, init_theta: np.ndarray | None = None, progress: bool = False,
                     return_info: bool = False, overrelax: int = 0):
    """Many independent Metropolis chains at once (numba threads over chains).

    With ``overrelax = k > 0`` each Metropolis sweep is followed by ``k`` sweeps of constrained
    over-relaxation (each spin reflected about its local field, energy unchanged; see
    :func:`~support.samplers.xy_kernels._reflection_allowed`), and ``burn_in`` and ``sweeps_between`` count
    these *cycles* (one Metropolis sweep + ``k`` OR sweeps), not single sweeps. The chain stays exact for
    ``exp(-E/T)`` on the map (within the start field's winding sector, as without over-relaxation).

    Args:
        L: linear lattice size.
        T: temperature, a scalar or one per chain ``(n_chains,)``.
        n_samples: samples stored per chain.
        n_chains: number of chains (default: from ``T`` or ``charges``, else 1).
        charges: ``None`` (unconstrained), one map ``(L, L)`` for all chains, or ``(n_chains, L, L)``;
            with charges every chain keeps exactly its map (see module docstring).
        burn_in: sweeps before the first sample (the width adapts in the first half).
        sweeps_between: sweeps between stored samples.
        seed: root seed; chain ``k`` uses the ``k``-th state of ``make_states(seed, n_chains)``, so
            results do not depend on the number of threads.
        J: coupling.
        init_width: initial proposal half-width (radians); with ``burn_in < 2`` it is never adapted.
        init_theta: start angles, ``(L, L)`` for all chains or ``(n_chains, L, L)`` (default: see
            :func:`initial_spins`); with ``charges`` each start field must carry its chain's map exactly.
            Lets a caller continue chains (an anneal, a polish of given fields).
        progress: show a tqdm bar.
        return_info: also return ``{"acceptance": (n_chains,), "width": (n_chains,),
            "overrelax_acceptance": (n_chains,)}`` (sampling phase; the Metropolis acceptance, and the fraction
            of accepted reflections, 0 without over-relaxation).
        overrelax: over-relaxation sweeps after each Metropolis sweep (0: plain Metropolis, the same
            bytes as without the option).

    Returns:
        float32 angles ``(n_chains, n_samples, L, L)`` in ``[-pi, pi]`` (and the info dict).
    """
    L = int(L)
    T = _check_args(L, T, n_samples, burn_in, sweeps_between)
    n_or = check_overrelax(overrelax)
    if charges is not None:
        charges = xy.check_charges(charges)
        if charges.shape[-1] != L:
            raise ValueError(f"charges have size {charges.shape[-1]}, expected L={L}")
        if charges.ndim not in (2, 3):
            raise ValueError(f"charges must be (L, L) or (n_chains, L, L), got {charges.shape}")
    sizes = {int(T.size)} if T.ndim else set()
    if charges is not None and charges.ndim == 3:
        sizes.add(charges.shape[0])
    if init_theta is not None:
        init_theta = np.asarray(init_theta, dtype=np.float64)
        if init_theta.ndim not in (2, 3) or init_theta.shape[-2:] != (L, L):
            raise ValueError(f"init_theta must be (L, L) or (n_chains, L, L) with L={L}, got {init_theta.shape}")
        if not np.all(np.isfinite(init_theta)):
            raise ValueError("init_theta must be finite")
        if init_theta.ndim == 3:
            sizes.add(init_theta.shape[0])
    if n_chains is not None:
        sizes.add(int(n_chains))
    if len(sizes - {1}) > 1:
        raise ValueError(f"inconsistent numbers of chains from T, charges, n_chains: {sorted(sizes)}")
    n_chains = max(sizes) if sizes else 1
    betas = np.ascontiguousarray(np.broadcast_to(1.0 / T, (n_chains,)), dtype=np.float64)
    if charges is not None and charges.ndim == 3 and charges.shape[0] != n_chains:
        charges = np.broadcast_to(charges, (n_chains, L, L))

    if init_theta is None:
        c, s = initial_spins(L, charges, n_chains)
    else:
        init_theta = np.broadcast_to(init_theta, (n_chains, L, L))
        if charges is not None and not np.array_equal(xy.vortices(init_theta),
                                                      np.broadcast_to(charges, init_theta.shape)):
            raise ValueError("init_theta does not carry the requested vortex map")
        c, s = np.cos(init_theta), np.sin(init_theta)
    c, s = np.array(c), np.array(s)
    states = make_states(seed, n_chains)
    widths = np.full(n_chains, min(float(init_width), MAX_WIDTH))
    tables = np.empty((n_chains, N_TABLE, 2))
    for k in range(n_chains):
        _fill_table(tables[k], widths[k])
    acc, acc_or = np.zeros(n_chains), np.zeros(n_chains)
    constrained = charges is not None
    out = np.empty((n_chains, int(n_samples), L, L), np.float32)

    adapt = burn_in // 2
    block = max(1, min(10, adapt))
    bar = tqdm(total=burn_in + n_samples * sweeps_between, desc=f"XY L={L}", unit="cycle" if n_or else "sweep",
               disable=not progress)
    # burn-in in a few calls so the bar moves; adaptation in blocks of `block` sweeps
    for start, stop, ab in ((0, adapt, block), (adapt, burn_in, 0)):
        for a in range(start, stop, 100):
            n = min(100, stop - a)
            _run_chains(c, s, states, tables, widths, betas, float(J), n, ab, constrained, acc, n_or, acc_or)
            bar.update(n)
    acc_sum, acc_or_sum = np.zeros(n_chains), np.zeros(n_chains)
    per_call = max(1, min(int(n_samples), 20000 // max(1, int(sweeps_between))))   # ~20k sweeps per call
    for start in range(0, int(n_samples), per_call):
        stop = min(int(n_samples), start + per_call)
        _sample_chains(c, s, states, tables, betas, float(J), constrained, out, start, stop, int(sweeps_between), acc,
                       n_or, acc_or)
        acc_sum += acc * (stop - start)
        acc_or_sum += acc_or * (stop - start)
        bar.update((stop - start) * sweeps_between)
    bar.close()
    if constrained:
        _check_stored_maps(out, charges)
    if return_info:
        n = max(1, int(n_samples))
        return out, {"acceptance": acc_sum / n, "width": widths.copy(), "overrelax_acceptance": acc_or_sum / n}
    return out


def _check_stored_maps(out: np.ndarray, charges: np.ndarray, block: int = 1024) -> None:
    """Raise if any stored sample ``out (n_chains, n, L, L)`` lost its chain's vortex map. In blocks of samples:
    the float64 temporaries of one call over a long series (48000 sweeps at L = 64) would need ~24 GB."""
    maps = np.broadcast_to(charges, (out.shape[0],) + out.shape[-2:])
    for k in range(out.shape[0]):
        for s0 in range(0, out.shape[1], block):
            got = xy.vortices(out[k, s0:s0 + block])
            if not np.array_equal(got, np.broadcast_to(maps[k], got.shape)):
                raise RuntimeError("a stored sample lost its vortex map (constraint bug)")


def sample_xy(L: int, T: float, n_samples: int, *, charges: np.ndarray | None = None, burn_in: int = 500,
              sweeps_between: int = 10, seed: int = 0, progress: bool = False, J: float = 1.0,
              overrelax: int = 0) -> np.ndarray:
    """Metropolis samples of one XY chain (public contract; conventions in :mod:`support`).

    After ``burn_in`` sweeps (a sweep is ``L^2`` attempted single-spin updates), ``n_samples``
    configurations ``sweeps_between`` sweeps apart are stored. With ``charges`` (an int map
    ``(L, L)`` with entries in ``{-1, 0, 1}`` summing to zero) every move that would change a
    plaquette charge is rejected, so every sample has exactly that vortex map. Each stored
    sample is rotated by a uniform random global angle (exact O(2) symmetry; see module docstring).

    ``overrelax = k > 0`` follows each Metropolis sweep by ``k`` sweeps of constrained over-relaxation
    (reflections about the local field, energy-conserving, same constraint); ``burn_in`` and
    ``sweeps_between`` then count cycles of ``1 + k`` sweeps. The default 0 is plain Metropolis.

    Returns:
        float32 ``(n_samples, L, L)`` angles.

    Raises:
        ValueError: bad sizes, ``T <= 0``, an impossible charge map, or ``overrelax`` not an integer >= 0.
    """
    if charges is not None and np.ndim(charges) != 2:
        raise ValueError(f"charges must be one map (L, L), got shape {np.shape(charges)}")
    if np.ndim(T) != 0:
        raise ValueError("sample_xy takes one temperature; use sample_xy_chains for several")
    return sample_xy_chains(L, float(T), n_samples, n_chains=1, charges=charges, burn_in=burn_in,
                            sweeps_between=sweeps_between, seed=seed, J=J, progress=progress,
                            overrelax=overrelax)[0]


class LocalChain:
    """One constrained Metropolis chain that a caller advances block by block (the local part of a mixture kernel).

    The chain holds its spins as unit vectors and its own xoshiro state; :meth:`sweeps` runs the same
    typewriter sweeps as :func:`sample_xy_chains` (each exactly invariant for ``exp(-E/T)`` on the map),
    and :attr:`theta` / :meth:`set_theta` let another move change the field between blocks.

    Args:
        theta: start angles ``(L, L)``; with ``charges`` it must carry that map exactly.
        T: temperature (> 0).
        charges: the vortex map every move keeps, or ``None`` (unconstrained).
        seed: seed of the chain's random numbers.
        width: initial proposal half-width (radians), adapted only by ``sweeps(..., adapt=True)``.
    """

    def __init__(self, theta: np.ndarray, T: float, *, charges: np.ndarray | None, seed: int, width: float = 1.0):
        theta = np.asarray(theta, np.float64)
        _check_args(theta.shape[-1], T, 0, 0, 1)
        if charges is not None and not xy.matches_map(theta[None], np.asarray(charges)[None])[0]:
            raise ValueError("the start field does not carry the requested vortex map")
        self.beta, self.constrained = 1.0 / float(T), charges is not None
        self.state = make_states(seed, 1)[0]
        self.table = np.empty((N_TABLE, 2))
        self.width = min(float(width), MAX_WIDTH)
        self.overrelax_acceptance = float("nan")   # of the last sweeps(..., overrelax=k > 0)
        _fill_table(self.table, self.width)
        self.set_theta(theta)

    @property
    def theta(self) -> np.ndarray:
        """The current angles, float64 ``(L, L)`` in ``[-pi, pi]``."""
        return np.arctan2(self.s, self.c)

    def set_theta(self, theta: np.ndarray) -> None:
        """Replace the field (the caller keeps the map; a mixture move accepted by its own MH test)."""
        self.c, self.s = np.cos(theta), np.sin(theta)

    def sweeps(self, n_sweeps: int, *, adapt: bool = False, overrelax: int = 0) -> float:
        """``n_sweeps`` sweeps in place; returns their Metropolis acceptance.

        ``adapt`` re-tunes the width towards 0.5 after them (burn-in only: a width that depends on the chain's
        past breaks exactness). With ``overrelax = k > 0`` each Metropolis sweep is followed by ``k``
        constrained over-relaxation sweeps (``n_sweeps`` then counts these cycles; each cycle is exactly
        invariant for ``exp(-E/T)`` on the map); the fraction of accepted reflections is kept in
        :attr:`overrelax_acceptance`.
        """
        L = self.c.shape[0]
        n_or = check_overrelax(overrelax)
        if n_or:
            accepted, acc_or = _cycles(self.c, self.s, self.state, self.table, self.beta, 1.0, int(n_sweeps), n_or,
                                       self.constrained)
            self.overrelax_acceptance = acc_or / max(1, int(n_sweeps) * n_or * L * L)
        else:
            accepted = _sweeps(self.c, self.s, self.state, self.table, self.beta, 1.0, int(n_sweeps), self.constrained)
        rate = accepted / max(1, int(n_sweeps) * L * L)
        if adapt:
            self.width = min(max(self.width * math.exp(2.0 * (rate - TARGET_ACCEPTANCE)), 1e-3), MAX_WIDTH)
            _fill_table(self.table, self.width)
        return rate
