"""Numba kernels of the XY sampler: constrained single-spin Metropolis and constrained over-relaxation.

Hot-loop design: spins are stored as unit vectors ``(cos, sin)``; a proposal rotates a spin by
an angle drawn from a per-chain table of ``K`` precomputed rotations (``cos d, sin d``),
symmetric about zero, so an update needs no trigonometry (only ``exp`` for uphill moves). One
xoshiro256+ draw per update serves both the proposal (its top 10 bits) and the acceptance test
(its remaining 43 bits), which are independent.
Sites are visited in typewriter order (each single-spin Metropolis step keeps the Boltzmann
distribution invariant, hence so does the sweep).

Vortex constraint (exact, cheap): rotating spin ``s`` by ``d`` (``|d| < pi``) changes the wrapped
difference of bond ``(s, n)`` by ``d`` except when ``S_s`` sweeps through ``-S_n``, where it jumps
by ``2 pi``. For a plaquette holding neighbours ``a`` and ``b`` of ``s`` the jumps of its two bonds
enter with opposite signs, so its charge changes by ``cross_b - cross_a``. The four plaquettes
around ``s`` chain the four neighbours in a cycle, so *no* charge changes if and only if the four
crossing flags are all equal. "Sweeps through ``-S_n``" is a sign test on two cross products.
Moves that would bring any bond within ``1e-5`` rad of ``pi`` are also rejected (a set of measure
~1e-5 that keeps the map exact after float32 storage).

Over-relaxation: a spin reflected about its local field (``theta -> 2 phi - theta``) keeps its energy;
the reflection is a rotation, so the same constraint test applies (:func:`_reflection_allowed` explains the
sense of the rotation and why the chain stays exact). It needs no random numbers and no trigonometry.
"""

from __future__ import annotations

import math

import numba as nb

from support.samplers.rng import uniform

N_TABLE = 1024             # proposal rotations per chain (a power of two, see _sweeps)
TARGET_ACCEPTANCE = 0.5
MAX_WIDTH = 0.999 * math.pi  # |rotation| < pi is required by the crossing test
_EDGE = 1e-5               # forbidden band below |bond angle| = pi (see module docstring)
BOND_EDGE = _EDGE          # the same band, for other moves that must keep the same target (support.cwgan.exact)
_RENORM_EVERY = 16         # sweeps between renormalisations of the unit vectors
_MIN_FIELD2 = 1e-12        # |local field|^2 below which a spin has no reflection axis (over-relaxation skips it)


@nb.njit(cache=True)
def _fill_table(table, width):
    K = table.shape[0]
    for m in range(K):
        d = width * (2.0 * (m + 0.5) / K - 1.0)   # symmetric: d_m = -d_{K-1-m}
        table[m, 0] = math.cos(d)
        table[m, 1] = math.sin(d)


@nb.njit(inline="always")
def _crosses(x0, x1, positive):
    """Does the rotation (in the sense ``positive``) sweep spin ``s`` through ``-S_b``?

    ``x0 = (S_old x S_b)_z = sin(theta_b - theta_old)`` and ``x1`` the same for the new spin;
    ``sin(theta_b - theta_s)`` changes sign from - to + (+ to -) exactly when a positive (negative)
    rotation passes the antipode of ``S_b``, because ``|rotation| < pi``.
    """
    if positive:
        return x0 < 0.0 and x1 >= 0.0
    return x0 > 0.0 and x1 <= 0.0


@nb.njit(inline="always")
def _allowed(c0, s0, cn, sn, ca, sa, cb, sb, cc, sc, cd, sd, positive):
    """Constraint test for a move of one spin with neighbours a, b, c, d (see module docstring)."""
    xa1 = cn * sa - sn * ca
    xb1 = cn * sb - sn * cb
    xc1 = cn * sc - sn * cc
    xd1 = cn * sd - sn * cd
    fa = _crosses(c0 * sa - s0 * ca, xa1, positive)
    if (_crosses(c0 * sb - s0 * cb, xb1, positive) != fa or _crosses(c0 * sc - s0 * cc, xc1, positive) != fa
            or _crosses(c0 * sd - s0 * cd, xd1, positive) != fa):
        return False
    # keep every bond angle at least _EDGE below pi (only evaluated when some |sin| is tiny)
    if min(min(abs(xa1), abs(xb1)), min(abs(xc1), abs(xd1))) < _EDGE:
        if ((abs(xa1) < _EDGE and cn * ca + sn * sa < 0.0) or (abs(xb1) < _EDGE and cn * cb + sn * sb < 0.0)
                or (abs(xc1) < _EDGE and cn * cc + sn * sc < 0.0) or (abs(xd1) < _EDGE and cn * cd + sn * sd < 0.0)):
            return False
    return True


@nb.njit(inline="always")
def _renormalise(c, s):
    """Scale every ``(c, s)`` back to unit length (rounding drifts it by ~1e-16 per update)."""
    L = c.shape[0]
    for i in range(L):
        for j in range(L):
            r = 1.0 / math.sqrt(c[i, j] * c[i, j] + s[i, j] * s[i, j])
            c[i, j] *= r
            s[i, j] *= r


@nb.njit(inline="always")
def _metropolis_sweep(c, s, state, table, beta, J, constrained):
    """One typewriter sweep of single-spin Metropolis updates in place; returns the accepted moves."""
    L = c.shape[0]
    K = table.shape[0]
    accepted = 0
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        im = i - 1 if i > 0 else L - 1
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            jm = j - 1 if j > 0 else L - 1
            c0 = c[i, j]
            s0 = s[i, j]
            hx = c[i, jp] + c[ip, j] + c[i, jm] + c[im, j]
            hy = s[i, jp] + s[ip, j] + s[i, jm] + s[im, j]
            # one random number gives both the proposal (top bits) and the acceptance draw
            # (the remaining 43 bits): K is a power of two, so they are independent
            r = uniform(state) * K
            m = int(r)
            u = r - m
            ct = table[m, 0]
            st = table[m, 1]
            cn = c0 * ct - s0 * st
            sn = s0 * ct + c0 * st
            dE = -J * ((cn - c0) * hx + (sn - s0) * hy)
            if dE > 0.0:
                if u >= math.exp(-beta * dE):
                    continue
            if constrained:
                if not _allowed(c0, s0, cn, sn, c[i, jp], s[i, jp], c[ip, j], s[ip, j],
                                c[i, jm], s[i, jm], c[im, j], s[im, j], st > 0.0):
                    continue
            c[i, j] = cn
            s[i, j] = sn
            accepted += 1
    return accepted


@nb.njit(cache=True, fastmath=True)
def _sweeps(c, s, state, table, beta, J, n_sweeps, constrained):
    """``n_sweeps`` typewriter sweeps of one chain in place; returns the number of accepted moves."""
    accepted = 0
    for sweep in range(n_sweeps):
        accepted += _metropolis_sweep(c, s, state, table, beta, J, constrained)
        if (sweep + 1) % _RENORM_EVERY == 0:
            _renormalise(c, s)
    return accepted


@nb.njit(inline="always")
def _reflection(c0, s0, hx, hy):
    """Spin ``(c0, s0)`` reflected about its local field ``(hx, hy)`` (the sum of its four neighbours).

    ``n = 2 (S.H) H / |H|^2 - S`` is ``theta -> 2 phi - theta``: ``n.H = S.H`` keeps the energy, ``|n| = |S|``
    the length, and reflecting ``n`` again gives ``S`` back (an involution; no sqrt or trig needed).

    Returns:
        ``(cn, sn, ok)``; ``ok`` is False where the field is ~0 (no reflection axis: the site is left alone,
        a rule that is the same for a move and its reverse, which share the field).
    """
    h2 = hx * hx + hy * hy
    f = 2.0 * (c0 * hx + s0 * hy) / h2
    return f * hx - c0, f * hy - s0, h2 >= _MIN_FIELD2


@nb.njit(inline="always")
def _reflection_allowed(c0, s0, cn, sn, ca, sa, cb, sb, cc, sc, cd, sd):
    """Constraint test of the reflection ``(c0, s0) -> (cn, sn)`` of a spin with neighbours a, b, c, d (in order).

    The reflection is the rotation by ``d = 2 (phi - theta)`` wrapped to ``(-pi, pi]``; its sense is the sign of
    ``sin d = (S x n)_z``, which is what :func:`_allowed` needs (it follows the spin along the shorter arc,
    ``|d| < pi``). Where ``|sin d| < _EDGE`` the move is rejected: at ``d = pi`` exactly both arcs are valid
    paths but rounding picks a sense at random, and near ``d = 0`` a wrong rounded sign could miscount a
    neighbour passed in the same instant. That rule depends on ``|sin d|`` only, which is the same for the
    reverse move (``-d``), so it is symmetric. The rest is symmetric too: from a state ``x`` on the map and
    outside the band below ``pi`` (the set the chain lives in), the test accepts ``x -> y`` iff ``y`` has the
    same map and no bond in the band, i.e. iff ``y`` lies in that set, and then it accepts ``y -> x`` as well.
    With equal energies, an involution and a symmetric acceptance, each single-site reflection satisfies
    detailed balance for ``exp(-E/T)`` on the map, hence so does a sweep of them in a fixed order
    (reject = stay).

    Fast path (exact, most sites at low T): if the old and the new spin are both within 90 degrees of every
    neighbour, the shorter arc between them stays in each neighbour's open half-circle and crosses no
    antipode, and no bond can be in the band (that needs ``cos < 0``), so only the ``|sin d|`` rule remains.
    """
    sin_d = c0 * sn - s0 * cn
    if abs(sin_d) < _EDGE:
        return False
    if min(min(min(c0 * ca + s0 * sa, c0 * cb + s0 * sb), min(c0 * cc + s0 * sc, c0 * cd + s0 * sd)),
           min(min(cn * ca + sn * sa, cn * cb + sn * sb), min(cn * cc + sn * sc, cn * cd + sn * sd))) > 0.0:
        return True
    return _allowed(c0, s0, cn, sn, ca, sa, cb, sb, cc, sc, cd, sd, sin_d > 0.0)


@nb.njit(inline="always")
def _overrelax_sweep(c, s, constrained):
    """One typewriter sweep of reflections (:func:`_reflection`, tested by :func:`_reflection_allowed` with a
    map); returns the accepted ones. (The body is written out here, not in a per-site helper taking the
    arrays: numba made that helper 2.4x slower.)"""
    L = c.shape[0]
    accepted = 0
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        im = i - 1 if i > 0 else L - 1
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            jm = j - 1 if j > 0 else L - 1
            c0 = c[i, j]
            s0 = s[i, j]
            cn, sn, ok = _reflection(c0, s0, c[i, jp] + c[ip, j] + c[i, jm] + c[im, j],
                                     s[i, jp] + s[ip, j] + s[i, jm] + s[im, j])
            if not ok:
                continue
            if constrained:
                if not _reflection_allowed(c0, s0, cn, sn, c[i, jp], s[i, jp], c[ip, j], s[ip, j],
                                           c[i, jm], s[i, jm], c[im, j], s[im, j]):
                    continue
            c[i, j] = cn
            s[i, j] = sn
            accepted += 1
    return accepted


@nb.njit(cache=True, fastmath=True)
def _overrelax_sweeps(c, s, n_sweeps, constrained):
    """``n_sweeps`` over-relaxation sweeps of one chain in place; returns the number of accepted reflections.

    Deterministic (no random numbers) and energy-conserving: alone it is not ergodic; combined with
    Metropolis sweeps (:func:`_cycles`) it moves along the energy shell and shortens autocorrelations.
    """
    accepted = 0
    for sweep in range(n_sweeps):
        accepted += _overrelax_sweep(c, s, constrained)
        if (sweep + 1) % _RENORM_EVERY == 0:
            _renormalise(c, s)
    return accepted


@nb.njit(cache=True, fastmath=True)
def _cycles(c, s, state, table, beta, J, n_cycles, n_or, constrained):
    """``n_cycles`` cycles of one Metropolis sweep then ``n_or`` over-relaxation sweeps, in place.

    Returns ``(accepted Metropolis moves, accepted reflections)``. Renormalises about every
    ``_RENORM_EVERY`` sweeps of either kind, as :func:`_sweeps` does.
    """
    every = max(1, _RENORM_EVERY // (1 + n_or))
    acc_m = 0
    acc_or = 0
    for cycle in range(n_cycles):
        acc_m += _metropolis_sweep(c, s, state, table, beta, J, constrained)
        for _ in range(n_or):
            acc_or += _overrelax_sweep(c, s, constrained)
        if (cycle + 1) % every == 0:
            _renormalise(c, s)
    return acc_m, acc_or


@nb.njit(inline="always")
def _advance(c, s, state, table, beta, J, n, n_or, constrained):
    """``n`` Metropolis sweeps (``n_or == 0``, exactly :func:`_sweeps`) or ``n`` cycles of :func:`_cycles`.

    Returns ``(accepted Metropolis moves, accepted reflections)``.
    """
    if n_or == 0:
        return _sweeps(c, s, state, table, beta, J, n, constrained), 0
    return _cycles(c, s, state, table, beta, J, n, n_or, constrained)
