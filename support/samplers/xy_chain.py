"""Compiled kernels of the exact fixed-map chain and of timed Monte Carlo cycles (numba, one core).

**Low-mode move** (:func:`low_mode_move`): a preconditioned Crank–Nicolson Metropolis–Hastings move of the
long-wavelength part of ``theta - mu`` (``mu`` a fixed field on the same vortex map). Its coordinates are the
coefficients ``a_m`` of the real Fourier modes ``cos(k.x)``, ``sin(k.x)`` (``k = 2 pi (qx, qy) / L``,
``0 < |q| <= modes``, one of ``+-q``) of ``psi``, the single-valued field whose lattice gradient is the difference
of the wrapped bond angles of ``theta`` and ``mu`` (both carry the same map and winding, so that difference is a
gradient); they come from a partial DFT, one axis then the other. The proposal adds
``delta = sum_m (a'_m - a_m) e_m`` with ``a' = rho a + sqrt(1 - rho^2) sigma z``, reversible for the Gaussian
``nu(a) ~ exp(-sum_m a_m^2 / (2 sigma_m^2))`` whatever ``sigma`` (the caller's choice: the spin-wave widths make it
fast), and is accepted with ``min(1, exp(-dE / T) nu(a) / nu(a'))``. It is refused when any bond's new angle,
``b + d(delta)`` with ``b`` the wrapped old one, reaches the band within ``BOND_EDGE`` of ``pi``: then no bond wraps,
so the map and the winding are kept and the proposal's coordinates are exactly ``a'`` (the reverse move is the same
move with ``-delta``); that condition is symmetric, so the move stays exact. No vortex map is computed, and the
angles come from a vectorised :func:`atan2` and sine/cosine series exact to rounding, so the move costs
``O(L^2 modes)``: 0.4 to 0.5 of one Metropolis + over-relaxation cycle at L = 32 to 128.

**Chain** (:func:`run_chain`): per step ``low_moves`` low-mode moves, ``sweeps`` constrained Metropolis sweeps
(each followed by ``overrelax`` constrained over-relaxation sweeps, :func:`support.samplers.xy_kernels._cycles`),
and a uniform global rotation; during the first ``n_adapt`` steps ``rho`` and the sweep width adapt, then freeze.

**Cycles** (:func:`run_cycles`): constrained Metropolis, one sweep and ``overrelax`` over-relaxation sweeps per
cycle, with nothing else in the loop, so their time is the sampler's alone. Both record, when asked, per state
``E``, ``|M|`` and the helicity term (:func:`support.xy.observables.helicity_terms`) from the unit vectors, no
trigonometry; :func:`chain_replicas` and :func:`cycle_replicas` run many short copies in parallel (burn-in studies).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from support.samplers.rng import uniform
from support.samplers.xy_kernels import BOND_EDGE, MAX_WIDTH, TARGET_ACCEPTANCE, _cycles, _fill_table, _renormalise

#: the chain's low-mode acceptance that ``rho`` is tuned to during burn-in
RHO_TARGET = 0.3
_TWO_PI = 2.0 * math.pi
_RENORM_EVERY = 16


#: atan(k / 4), k = 0..4: the anchors of :func:`atan2`'s argument reduction
_ATAN_QUARTERS = np.arctan(np.arange(5) / 4.0)


@nb.njit(inline="always")
def _wrap(x):
    """``x`` in ``[-pi, pi)`` for ``x`` in ``[-2 pi, 2 pi)`` (a difference of two ``atan2`` values)."""
    return x - _TWO_PI if x >= math.pi else (x + _TWO_PI if x < -math.pi else x)


@nb.njit(inline="always", fastmath=True)
def atan2(y, x):
    """``atan2(y, x)`` to within one unit in the last place of ``pi`` (tested against numpy), without a library call,
    so a loop over a lattice vectorises (several times faster than ``math.atan2``).

    ``t = min/max(|x|, |y|)`` in ``[0, 1]``; with ``c = k/4`` the nearest quarter, ``atan t = atan c + atan u``,
    ``u = (t - c) / (1 + t c)``, ``|u| <= 1/8``, whose Taylor series to ``u^17`` leaves less than ``1e-19``; then the
    octant. The low-mode move needs its angles exact to rounding (its coordinates must be linear in the field), which
    this keeps.
    """
    ax = abs(x)
    ay = abs(y)
    t = (ax / ay) if ay > ax else (ay / ax)
    k = np.floor(t * 4.0 + 0.5)
    c = 0.25 * k
    u = (t - c) / (1.0 + t * c)
    u2 = u * u
    p = u * (1.0 + u2 * (-1 / 3 + u2 * (1 / 5 + u2 * (-1 / 7 + u2 * (1 / 9 + u2 * (-1 / 11 + u2 * (
        1 / 13 + u2 * (-1 / 15 + u2 * (1 / 17)))))))))
    r = _ATAN_QUARTERS[int(k)] + p
    r = (0.5 * math.pi - r) if ay > ax else r
    r = (math.pi - r) if x < 0.0 else r
    return -r if y < 0.0 else r


@nb.njit(inline="always", fastmath=True)
def _sincos_small(x):
    """``(sin x, cos x)`` for ``|x| <= 1`` without a library call (Taylor series of ``x/2`` to order 14, error below
    ``1e-16``, then the double angle), so a loop vectorises."""
    h = 0.5 * x
    h2 = h * h
    s = h * (1.0 + h2 * (-1 / 6 + h2 * (1 / 120 + h2 * (-1 / 5040 + h2 * (1 / 362880 + h2 * (
        -1 / 39916800 + h2 * (1 / 6227020800)))))))
    c = 1.0 + h2 * (-0.5 + h2 * (1 / 24 + h2 * (-1 / 720 + h2 * (1 / 40320 + h2 * (-1 / 3628800 + h2 * (
        1 / 479001600 + h2 * (-1 / 87178291200)))))))
    return 2.0 * s * c, c * c - s * s


@nb.njit(cache=True, fastmath=True)
def lattice_atan2(s, c, out):
    """``out = atan2(s, c)`` elementwise with :func:`atan2` (for its test)."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = atan2(s[i, j], c[i, j])


@nb.njit(cache=True, fastmath=True)
def observables(c, s, beta, out):
    """``out[:] = (E, |M|, helicity term)`` of one field of unit vectors (J = 1)."""
    L = c.shape[0]
    e = mx = my = cx = sx = cy = sy = 0.0
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            c0, s0 = c[i, j], s[i, j]
            mx += c0
            my += s0
            ax = c0 * c[i, jp] + s0 * s[i, jp]
            ay = c0 * c[ip, j] + s0 * s[ip, j]
            e -= ax + ay
            cx += ax
            cy += ay
            sx += c0 * s[i, jp] - s0 * c[i, jp]
            sy += c0 * s[ip, j] - s0 * c[ip, j]
    n = L * L
    out[0] = e
    out[1] = math.sqrt(mx * mx + my * my) / n
    out[2] = (cx - beta * sx * sx + cy - beta * sy * sy) / (2 * n)


@nb.njit(cache=True)
def _normal_pair(state):
    u1 = uniform(state)
    u2 = uniform(state)
    r = math.sqrt(-2.0 * math.log(1.0 - u1))
    return r * math.cos(_TWO_PI * u2), r * math.sin(_TWO_PI * u2)


def move_buffers(L: int, modes: tuple, sigma: np.ndarray) -> tuple:
    """Scratch arrays of :func:`low_mode_move` (what :func:`run_chain` allocates itself), for calling it alone."""
    nq, M = modes[3].shape[0], sigma.shape[0]
    return (*(np.zeros((L, L)) for _ in range(7)), np.zeros((L, nq)), np.zeros((L, nq)), np.zeros((M, 2)),
            np.zeros((M, 2)), np.zeros((nq, L)), np.zeros((nq, L)), np.zeros(1))


@nb.njit(cache=True, fastmath=True)
def low_coefficients(c, s, wmx, wmy, modes, work):
    """Fill ``work``'s coefficient array with ``a_m`` (cos, sin) of the chain's ``psi``; returns it ``(M, 2)``.

    Also leaves ``theta`` and the wrapped bond angles of the field in ``work`` for :func:`low_mode_move`.
    """
    qx, cosi, sini, cosj, sinj = modes[0], modes[1], modes[2], modes[3], modes[4]
    th, bx, by, psi, Ac, As, a = work[0], work[1], work[2], work[3], work[7], work[8], work[9]
    L = c.shape[0]
    nq = cosj.shape[0]
    for i in range(L):
        for j in range(L):
            th[i, j] = atan2(s[i, j], c[i, j])
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            bx[i, j] = _wrap(th[i, jp] - th[i, j])
            by[i, j] = _wrap(th[ip, j] - th[i, j])
    psi[0, 0] = 0.0
    for i in range(1, L):
        psi[i, 0] = psi[i - 1, 0] + by[i - 1, 0] - wmy[i - 1, 0]
    for i in range(L):
        for j in range(1, L):
            psi[i, j] = psi[i, j - 1] + bx[i, j - 1] - wmx[i, j - 1]
    for i in range(L):
        for q in range(nq):
            sc = 0.0
            ss = 0.0
            for j in range(L):
                sc += psi[i, j] * cosj[q, j]
                ss += psi[i, j] * sinj[q, j]
            Ac[i, q] = sc
            As[i, q] = ss
    norm = 2.0 / (L * L)
    for m in range(qx.shape[0]):
        q = qx[m]
        sc = 0.0
        ss = 0.0
        for i in range(L):
            sc += Ac[i, q] * cosi[m, i] - As[i, q] * sini[m, i]
            ss += As[i, q] * cosi[m, i] + Ac[i, q] * sini[m, i]
        a[m, 0] = sc * norm
        a[m, 1] = ss * norm
    return a


@nb.njit(cache=True, fastmath=True)
def _delta_field(d, modes, work):
    """``work[4] = sum_m d[m, 0] cos(k_m.x) + d[m, 1] sin(k_m.x)`` by the partial DFT in reverse."""
    qx, cosi, sini, cosj, sinj = modes[0], modes[1], modes[2], modes[3], modes[4]
    delta, P, Q = work[4], work[11], work[12]
    nq, L = P.shape[0], P.shape[1]
    P[:, :] = 0.0
    Q[:, :] = 0.0
    for m in range(qx.shape[0]):
        q = qx[m]
        for i in range(L):
            P[q, i] += d[m, 0] * cosi[m, i] + d[m, 1] * sini[m, i]
            Q[q, i] += d[m, 1] * cosi[m, i] - d[m, 0] * sini[m, i]
    for i in range(L):
        for j in range(L):
            acc = 0.0
            for q in range(nq):
                acc += cosj[q, j] * P[q, i] + sinj[q, j] * Q[q, i]
            delta[i, j] = acc


@nb.njit(cache=True, fastmath=True)
def low_mode_move(c, s, wmx, wmy, modes, sigma, beta, rho, mh, state, work, fresh):
    """One pCN Metropolis–Hastings move of the low modes in place (module docstring); returns whether accepted.

    ``work``: :func:`move_buffers`; after the call ``work[9]`` holds the coefficients of the (new) field and
    ``work[13][0]`` the proposal's log acceptance ratio (``-inf`` if it reached the band).
    ``fresh``: the field changed since the last move (recompute its coefficients); after an accepted move the
    coefficients and bond angles in ``work`` are updated exactly (``a' = a + d``, ``b' = b + d(delta)``), so a
    second move in a row costs no ``atan2``. ``mh=False`` accepts every proposal that keeps the bonds out of the
    band: not exact, only for the test that the chapter's checks catch a kernel that skips Metropolis–Hastings.
    """
    L = c.shape[0]
    if fresh:
        low_coefficients(c, s, wmx, wmy, modes, work)
    bx, by, delta, cn, sn, a, d = work[1], work[2], work[4], work[5], work[6], work[9], work[10]
    sq = math.sqrt(max(0.0, 1.0 - rho * rho))
    log_nu = 0.0   # log nu(a) - log nu(a'), nu ~ exp(-sum a^2 / (2 sigma^2)): the proposal is reversible for nu
    for m in range(a.shape[0]):
        z0, z1 = _normal_pair(state)
        n0 = rho * a[m, 0] + sq * sigma[m] * z0
        n1 = rho * a[m, 1] + sq * sigma[m] * z1
        log_nu += (n0 * n0 + n1 * n1 - a[m, 0] * a[m, 0] - a[m, 1] * a[m, 1]) / (2.0 * sigma[m] * sigma[m])
        d[m, 0] = n0 - a[m, 0]
        d[m, 1] = n1 - a[m, 1]
    _delta_field(d, modes, work)
    work[13][0] = -math.inf
    worst = 0.0
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            worst = max(worst, abs(bx[i, j] + delta[i, jp] - delta[i, j]), abs(by[i, j] + delta[ip, j] - delta[i, j]))
    if worst >= math.pi - BOND_EDGE:
        return False
    big = 0.0
    for i in range(L):
        for j in range(L):
            big = max(big, abs(delta[i, j]))
    for i in range(L):
        for j in range(L):
            if big <= 1.0:
                sd, cd = _sincos_small(delta[i, j])
            else:
                sd, cd = math.sin(delta[i, j]), math.cos(delta[i, j])
            cn[i, j] = c[i, j] * cd - s[i, j] * sd
            sn[i, j] = s[i, j] * cd + c[i, j] * sd
    dE = 0.0
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            dE -= (cn[i, j] * (cn[i, jp] + cn[ip, j]) + sn[i, j] * (sn[i, jp] + sn[ip, j])
                   - c[i, j] * (c[i, jp] + c[ip, j]) - s[i, j] * (s[i, jp] + s[ip, j]))
    log_ratio = log_nu - beta * dE
    work[13][0] = log_ratio
    if mh and log_ratio < 0.0 and uniform(state) >= math.exp(log_ratio):
        return False
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            bx[i, j] += delta[i, jp] - delta[i, j]
            by[i, j] += delta[ip, j] - delta[i, j]
            c[i, j] = cn[i, j]
            s[i, j] = sn[i, j]
    for m in range(a.shape[0]):
        a[m, 0] += d[m, 0]
        a[m, 1] += d[m, 1]
    return True


@nb.njit(cache=True)
def _rotate(c, s, state):
    phi = _TWO_PI * uniform(state)
    cp, sp = math.cos(phi), math.sin(phi)
    L = c.shape[0]
    for i in range(L):
        for j in range(L):
            x = c[i, j]
            c[i, j] = x * cp - s[i, j] * sp
            s[i, j] = s[i, j] * cp + x * sp


@nb.njit(cache=True)
def run_chain(c, s, state, table, width, beta, wmx, wmy, modes, sigma, rho, mh, n_adapt, n_steps,
              low_moves, sweeps, overrelax, out_theta, out_obs, counts):
    """``n_steps`` steps of the chain in place (module docstring); the first ``n_adapt`` tune ``rho`` (Robbins–Monro,
    then the mean of its second half, which is steadier than the last iterate) and the width.

    Stores each later state's angles in ``out_theta[t - n_adapt]`` and its observables in ``out_obs[...]`` when
    those arrays have room (pass zero-length arrays to store nothing). ``counts`` receives (low-mode moves accepted,
    low-mode moves tried, Metropolis updates accepted, tried), after adaptation only. Returns ``(rho, width)``.
    """
    L = c.shape[0]
    work = (np.zeros((L, L)), np.zeros((L, L)), np.zeros((L, L)), np.zeros((L, L)), np.zeros((L, L)),
            np.zeros((L, L)), np.zeros((L, L)), np.zeros((L, modes[3].shape[0])), np.zeros((L, modes[3].shape[0])),
            np.zeros((sigma.shape[0], 2)), np.zeros((sigma.shape[0], 2)), np.zeros((modes[3].shape[0], L)),
            np.zeros((modes[3].shape[0], L)), np.zeros(1))
    counts[:] = 0
    rho_sum, rho_n = 0.0, 0
    for t in range(n_steps):
        adapting = t < n_adapt
        ok = 0
        for r in range(low_moves):
            ok += low_mode_move(c, s, wmx, wmy, modes, sigma, beta, rho, mh, state, work, r == 0)
        acc = _cycles(c, s, state, table, beta, 1.0, sweeps, overrelax, True)[0]
        if adapting:
            if low_moves > 0:   # Robbins–Monro towards RHO_TARGET; the average over the second half is kept
                rho = min(max(rho + (RHO_TARGET - ok / low_moves) * 2.0 / (t + 2) ** 0.6, 0.0), 0.99)
                if 2 * t >= n_adapt:
                    rho_sum += rho
                    rho_n += 1
                if t == n_adapt - 1:
                    rho = rho_sum / rho_n
            if sweeps > 0:
                rate = acc / (sweeps * L * L)
                width = min(max(width * math.exp(2.0 * (rate - TARGET_ACCEPTANCE)), 1e-3), MAX_WIDTH)
                _fill_table(table, width)
        else:
            counts[0] += ok
            counts[1] += low_moves
            counts[2] += acc
            counts[3] += sweeps * L * L
        _rotate(c, s, state)
        if (t + 1) % _RENORM_EVERY == 0:
            _renormalise(c, s)
        k = t - n_adapt
        if k >= 0:
            if k < out_theta.shape[0]:
                for i in range(L):
                    for j in range(L):
                        out_theta[k, i, j] = atan2(s[i, j], c[i, j])
            if k < out_obs.shape[0]:
                observables(c, s, beta, out_obs[k])
    return rho, width


@nb.njit(cache=True)
def run_cycles(c, s, state, table, beta, n_cycles, overrelax, out_obs):
    """``n_cycles`` cycles of constrained Metropolis (one sweep + ``overrelax`` OR sweeps) in place; records each
    state's observables in ``out_obs[t]`` while it has room. Returns the Metropolis acceptance count."""
    if out_obs.shape[0] == 0:
        return _cycles(c, s, state, table, beta, 1.0, n_cycles, overrelax, True)[0]
    acc = 0
    for t in range(n_cycles):
        acc += _cycles(c, s, state, table, beta, 1.0, 1, overrelax, True)[0]
        if (t + 1) % _RENORM_EVERY == 0:
            _renormalise(c, s)
        if t < out_obs.shape[0]:
            observables(c, s, beta, out_obs[t])
    return acc


@nb.njit(cache=True, parallel=True)
def cycle_replicas(c0, s0, states, table, beta, overrelax, out_obs):
    """Replica ``r`` starts at ``(c0, s0)`` with ``states[r]`` and records ``out_obs[r, t]`` after each of its
    ``out_obs.shape[1]`` cycles (index 0: the start)."""
    for r in nb.prange(states.shape[0]):
        c, s = c0.copy(), s0.copy()
        observables(c, s, beta, out_obs[r, 0])
        run_cycles(c, s, states[r], table.copy(), beta, out_obs.shape[1] - 1, overrelax, out_obs[r, 1:])


@nb.njit(cache=True, parallel=True)
def chain_replicas(c0, s0, states, table, width, beta, wmx, wmy, modes, sigma, rho, low_moves, sweeps,
                   overrelax, out_obs):
    """Replica ``r`` starts at ``(c0[r], s0[r])`` with ``states[r]`` and frozen ``rho`` and width, and records
    ``out_obs[r, t]`` after each of its steps (index 0: the start)."""
    empty = np.zeros((0, c0.shape[1], c0.shape[2]), np.float32)
    counts = np.zeros((states.shape[0], 4), np.int64)
    for r in nb.prange(states.shape[0]):
        c, s = c0[r].copy(), s0[r].copy()
        observables(c, s, beta, out_obs[r, 0])
        run_chain(c, s, states[r], table.copy(), width, beta, wmx, wmy, modes, sigma, rho, True, 0,
                  out_obs.shape[1] - 1, low_moves, sweeps, overrelax, empty, out_obs[r, 1:], counts[r])
