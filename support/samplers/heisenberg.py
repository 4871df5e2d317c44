"""Simulated annealing of the chiral magnet (Heisenberg + DMI + Zeeman): numba Metropolis + over-relaxation.

Each configuration starts from uniformly random unit spins and is cooled geometrically from
``T_start`` to ``T_final`` in ``n_temps`` steps. At every temperature the kernel alternates
single-spin Metropolis sweeps with over-relaxation sweeps. The Metropolis proposal is
``S' = normalize(S + σ u)`` with ``u`` uniform in the unit ball (isotropic around ``S``, hence
symmetric); ``σ`` adapts after every sweep towards 50 % acceptance, so the cone shrinks as the
temperature drops. Over-relaxation reflects ``S`` about its local field (``ΔE = 0``, always
accepted, no random numbers) and moves spins along the energy surface cheaply.

Spins are stored as unit vectors ``(L, L, 3)`` in float64 inside the kernel; configurations run
in parallel over cores (``numba.prange``) with one xoshiro256+ stream per configuration, so the
result does not depend on the number of threads.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from support.book.progress import tqdm
from support.chiral.magnet import dmi_vectors
from support.samplers.rng import make_states

SIGMA_MAX = 2.0  # a cone this wide is as good as a uniformly random new direction


_U64 = np.uint64
_INV_2_53 = 1.0 / 9007199254740992.0
_MASK20 = np.uint64((1 << 20) - 1)
_INV_2_19 = 1.0 / (1 << 19)


@nb.njit(inline="always", cache=True)
def _next(s0, s1, s2, s3):
    """xoshiro256+ step on register-held words (same stream as ``support.samplers.rng.uniform``)."""
    result = s0 + s3
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _U64(45)) | (s3 >> _U64(19))
    return result, s0, s1, s2, s3


@nb.njit(inline="always", cache=True)
def _ball(s0, s1, s2, s3):
    """A point uniform in the unit ball: three 20-bit coordinates from one 64-bit draw, rejection
    from the cube (~1.9 draws on average). The low 4 bits of xoshiro256+ (weak) are not used."""
    while True:
        r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
        x = float(r >> _U64(44)) * _INV_2_19 - 1.0
        y = float((r >> _U64(24)) & _MASK20) * _INV_2_19 - 1.0
        z = float((r >> _U64(4)) & _MASK20) * _INV_2_19 - 1.0
        r2 = x * x + y * y + z * z
        if r2 <= 1.0 and r2 > 1e-12:
            return x, y, z, r2, s0, s1, s2, s3


@nb.njit(inline="always", cache=True)
def _accept(x, u):
    """``u < exp(-x)`` for ``x > 0``, with exp evaluated only when cheap Taylor bounds cannot decide.

    For x ≥ 0 the partial sums of exp(-x) alternate around it: ``1 - x + x²/2 - x³/6 ≤ e^{-x} ≤
    1 - x + x²/2``, so most draws are settled by a polynomial (exact test, no approximation).
    """
    if x > 40.0:
        return False
    if x < 1.0:
        p2 = 1.0 - x + 0.5 * x * x
        if u >= p2:
            return False
        if u < p2 - x * x * x * (1.0 / 6.0):
            return True
    return u < math.exp(-x)


@nb.njit(inline="always", cache=True)
def _field(s, i, j, L, J, dx0, dx1, dx2, dy0, dy1, dy2, B):
    """Local field ``J Σ S_j + (S_{+x} - S_{-x}) × D_x + (S_{+y} - S_{-y}) × D_y + B ẑ``."""
    jp = j + 1 if j + 1 < L else 0
    jm = j - 1 if j > 0 else L - 1
    ip = i + 1 if i + 1 < L else 0
    im = i - 1 if i > 0 else L - 1
    ax = s[i, jp, 0] - s[i, jm, 0]
    ay = s[i, jp, 1] - s[i, jm, 1]
    az = s[i, jp, 2] - s[i, jm, 2]
    bx = s[ip, j, 0] - s[im, j, 0]
    by = s[ip, j, 1] - s[im, j, 1]
    bz = s[ip, j, 2] - s[im, j, 2]
    hx = J * (s[i, jp, 0] + s[i, jm, 0] + s[ip, j, 0] + s[im, j, 0]) \
        + (ay * dx2 - az * dx1) + (by * dy2 - bz * dy1)
    hy = J * (s[i, jp, 1] + s[i, jm, 1] + s[ip, j, 1] + s[im, j, 1]) \
        + (az * dx0 - ax * dx2) + (bz * dy0 - bx * dy2)
    hz = J * (s[i, jp, 2] + s[i, jm, 2] + s[ip, j, 2] + s[im, j, 2]) \
        + (ax * dx1 - ay * dx0) + (bx * dy1 - by * dy0) + B
    return hx, hy, hz


@nb.njit(cache=True)
def metropolis_sweep(s, J, dx, dy, B, T, sigma, state):
    """One typewriter sweep of L² Metropolis attempts; returns the number accepted.

    ``state`` (xoshiro256+ ``uint64[4]``) is read into registers and written back at the end.
    """
    L = s.shape[0]
    beta = 1.0 / T
    acc = 0
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    dx0, dx1, dx2, dy0, dy1, dy2 = dx[0], dx[1], dx[2], dy[0], dy[1], dy[2]
    for i in range(L):
        for j in range(L):
            hx, hy, hz = _field(s, i, j, L, J, dx0, dx1, dx2, dy0, dy1, dy2, B)
            ox = s[i, j, 0]
            oy = s[i, j, 1]
            oz = s[i, j, 2]
            ux, uy, uz, r2, s0, s1, s2, s3 = _ball(s0, s1, s2, s3)
            if sigma >= SIGMA_MAX:
                inv = 1.0 / math.sqrt(r2)
                nx = ux * inv
                ny = uy * inv
                nz = uz * inv
            else:
                nx = ox + sigma * ux
                ny = oy + sigma * uy
                nz = oz + sigma * uz
                inv = 1.0 / math.sqrt(nx * nx + ny * ny + nz * nz)
                nx *= inv
                ny *= inv
                nz *= inv
            dE = -((nx - ox) * hx + (ny - oy) * hy + (nz - oz) * hz)
            ok = dE <= 0.0
            if not ok:
                r, s0, s1, s2, s3 = _next(s0, s1, s2, s3)
                ok = _accept(beta * dE, float(r >> _U64(11)) * _INV_2_53)
            if ok:
                s[i, j, 0] = nx
                s[i, j, 1] = ny
                s[i, j, 2] = nz
                acc += 1
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return acc


@nb.njit(cache=True)
def overrelax_sweep(s, J, dx, dy, B):
    """One typewriter sweep of over-relaxation: ``S ← 2 (S·h) h / |h|² - S`` (energy conserving)."""
    L = s.shape[0]
    for i in range(L):
        for j in range(L):
            hx, hy, hz = _field(s, i, j, L, J, dx[0], dx[1], dx[2], dy[0], dy[1], dy[2], B)
            h2 = hx * hx + hy * hy + hz * hz
            if h2 > 1e-12:
                f = 2.0 * (s[i, j, 0] * hx + s[i, j, 1] * hy + s[i, j, 2] * hz) / h2
                s[i, j, 0] = f * hx - s[i, j, 0]
                s[i, j, 1] = f * hy - s[i, j, 1]
                s[i, j, 2] = f * hz - s[i, j, 2]


@nb.njit(cache=True)
def _random_unit(s, state):
    L = s.shape[0]
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(L):
        for j in range(L):
            x, y, z, r2, s0, s1, s2, s3 = _ball(s0, s1, s2, s3)
            inv = 1.0 / math.sqrt(r2)
            s[i, j, 0] = x * inv
            s[i, j, 1] = y * inv
            s[i, j, 2] = z * inv
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@nb.njit(cache=True)
def _anneal_one(s, J, dx, dy, B, temps, metro, overrelax, state):
    """Anneal one lattice in place over the temperature ladder ``temps``."""
    n = s.shape[0] * s.shape[1]
    sigma = SIGMA_MAX
    for t in range(temps.shape[0]):
        T = temps[t]
        for _ in range(metro):
            acc = metropolis_sweep(s, J, dx, dy, B, T, sigma, state)
            # Steer towards 50 % acceptance; the cone narrows as T falls.
            sigma *= 0.5 + acc / n
            sigma = min(max(sigma, 1e-4), SIGMA_MAX)
            for _ in range(overrelax):
                overrelax_sweep(s, J, dx, dy, B)
    # Renormalise once: over-relaxation keeps |S| = 1 only up to rounding.
    for i in range(s.shape[0]):
        for j in range(s.shape[1]):
            inv = 1.0 / math.sqrt(s[i, j, 0] ** 2 + s[i, j, 1] ** 2 + s[i, j, 2] ** 2)
            for c in range(3):
                s[i, j, c] *= inv


@nb.njit(parallel=True, cache=True)
def _anneal_many(out, J, dxs, dys, Bs, temps, metro, overrelax, states):
    for k in nb.prange(out.shape[0]):
        st = states[k]
        _random_unit(out[k], st)
        _anneal_one(out[k], J, dxs[k], dys[k], Bs[k], temps, metro, overrelax, st)


def temperature_ladder(T_start: float, T_final: float, n_temps: int) -> np.ndarray:
    """Geometric cooling schedule from ``T_start`` down to ``T_final`` (``n_temps`` values)."""
    if n_temps == 1:
        return np.array([float(T_final)])
    return np.geomspace(T_start, T_final, n_temps)


def anneal_points(L: int, D, B, *, T_start: float = 1.0, T_final: float = 0.006, sweeps: int = 2500,
                  n_temps: int = 50, overrelax: int = 1, dmi: str = "neel", J: float = 1.0, seed: int = 0,
                  progress: bool = False, desc: str = "anneal", first_stream: int = 0) -> np.ndarray:
    """Anneal one lattice per entry of the equal-length sequences ``D`` and ``B`` (all in parallel).

    Same schedule and arguments as :func:`anneal_heisenberg`; configuration ``k`` uses the
    ``first_stream + k``-th stream spawned from ``seed`` (a block of a larger batch, annealed
    elsewhere, is then the same bytes as in the whole batch). Returns float32 ``(len(D), 3, L, L)``.
    """
    D = np.atleast_1d(np.asarray(D, dtype=np.float64))
    B = np.atleast_1d(np.asarray(B, dtype=np.float64))
    if D.shape != B.shape or D.ndim != 1:
        raise ValueError(f"D and B must be 1-D and of equal length, got {D.shape} and {B.shape}")
    if L < 3:
        raise ValueError(f"L must be >= 3, got {L}")
    if not (T_start > 0 and T_final > 0):
        raise ValueError(f"temperatures must be > 0, got T_start={T_start}, T_final={T_final}")
    if n_temps < 1 or sweeps < n_temps:
        raise ValueError(f"need n_temps >= 1 and sweeps >= n_temps, got sweeps={sweeps}, n_temps={n_temps}")
    if overrelax < 0:
        raise ValueError(f"overrelax must be >= 0, got {overrelax}")
    n = len(D)
    vecs = [dmi_vectors(d, dmi) for d in D]
    dxs = np.array([v[0] for v in vecs]).reshape(n, 3)
    dys = np.array([v[1] for v in vecs]).reshape(n, 3)
    temps = temperature_ladder(float(T_start), float(T_final), int(n_temps))
    metro = int(round(sweeps / n_temps))
    if first_stream < 0:
        raise ValueError(f"first_stream must be >= 0, got {first_stream}")
    states = make_states(seed, first_stream + max(n, 1))[first_stream:]
    out = np.empty((n, L, L, 3), dtype=np.float64)
    # Batches of a few configurations per thread, only to let the progress bar move.
    batch = max(1, nb.get_num_threads()) * (4 if progress else 10**9)
    with tqdm(total=n, desc=desc, disable=not progress, leave=False) as bar:
        for a in range(0, n, batch):
            b = min(n, a + batch)
            _anneal_many(out[a:b], float(J), dxs[a:b], dys[a:b], B[a:b], temps, metro, int(overrelax),
                         states[a:b])
            bar.update(b - a)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2)).astype(np.float32)


def anneal_heisenberg(L: int, D: float, B: float, n_configs: int, *, T_start: float = 1.0,
                      T_final: float = 0.006, sweeps: int = 2500, n_temps: int = 50, overrelax: int = 1,
                      dmi: str = "neel", J: float = 1.0, seed: int = 0, progress: bool = False) -> np.ndarray:
    """Anneal ``n_configs`` independent lattices from random spins down to ``T_final``.

    Args:
        L: linear lattice size (periodic ``L × L``), ≥ 3.
        D: DMI strength (units of J).
        B: Zeeman field along ``+z`` (units of J).
        n_configs: number of independent configurations.
        T_start: first temperature of the geometric ladder (units of J).
        T_final: last temperature.
        sweeps: total Metropolis sweeps (each L² attempted single-spin updates), spread evenly
            over the ``n_temps`` temperatures.
        n_temps: number of cooling steps.
        overrelax: over-relaxation sweeps after each Metropolis sweep (0 disables them).
        dmi: ``"neel"`` (interfacial) or ``"bloch"`` (bulk).
        J: exchange (the contract fixes J = 1; other values for tests).
        seed: root seed; configuration ``k`` uses the ``k``-th spawned xoshiro stream, so the
            result is independent of the thread count.
        progress: show a progress bar (over batches of configurations).

    Returns:
        float32 array ``(n_configs, 3, L, L)`` of unit spins.
    """
    if n_configs < 0:
        raise ValueError(f"n_configs must be >= 0, got {n_configs}")
    return anneal_points(L, np.full(n_configs, float(D)), np.full(n_configs, float(B)), T_start=T_start,
                         T_final=T_final, sweeps=sweeps, n_temps=n_temps, overrelax=overrelax, dmi=dmi, J=J,
                         seed=seed, progress=progress, desc=f"anneal D={D:g} B={B:g}")
