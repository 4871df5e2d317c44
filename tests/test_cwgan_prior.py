"""Tests of the fixed-map landscape (support.fixed_map) and the physics prior built on it (support.cwgan_prior)."""

import numpy as np
import pytest

from support import cwgan_prior as cp
from support import fixed_map as fm
from support import xy

L = 16


def overlap(a, b):
    """|<exp(i (a - b))>|: 1 when two fields differ by a global rotation only."""
    return abs(np.mean(np.exp(1j * (a - b))))


@pytest.fixture(scope="module")
def straight():
    k = xy.pair_map(L, (0, 4), (4, 4))
    return k, fm.fixed_map_minima(k, seed=1)


@pytest.fixture(scope="module")
def diagonal():
    k = xy.pair_map(L, (1, 1), (4, 4))
    return k, fm.fixed_map_minima(k, seed=1)


def test_straight_pair_minimum_is_below_the_relaxed_field(straight):
    k, m = straight
    r = fm.relaxed_field(k[None], 400)[0]
    assert np.all(xy.vortices(m.fields) == k)                       # the map is kept exactly
    assert np.all(np.diff(m.energies) >= 0)                          # sorted
    assert m.energies[0] < xy.energy(r) - 0.5                        # measured: -497.60 vs -496.83
    # the static current of the true minimum is far below the relaxed field's (12.5 vs 16.3)
    assert fm._current(m.fields[0])[1] < fm._current(r)[1] - 2.0
    assert np.isclose(xy.energy(m.fields[0]), m.energies[0])


def test_diagonal_pair_relaxed_field_is_a_saddle_between_two_mirror_minima(diagonal):
    k, m = diagonal
    v = xy.villain_field(k)
    r = fm.relaxed_field(k[None], 400)[0]
    assert np.allclose(fm._current(r), 0.0, atol=1e-3)          # the mirror-symmetric field carries ~no current
    f_sym, is_min = fm.barrier_minimize(v, k)
    assert not is_min                                            # a start on the symmetry plane ends on a saddle
    assert np.all(xy.vortices(m.fields) == k)
    assert m.energies[0] < xy.energy(r) - 0.01                   # measured: -504.042 vs -504.000
    jx, jy = fm._current(m.fields[0])
    assert abs(jx + jy) < 1e-3 and abs(jx) > 1.0                 # current perpendicular to the pair, |J| ~ 1.7
    # the map is invariant under S: reflection about the pair axis (i <-> j) combined with theta -> -theta
    S = lambda t: -np.swapaxes(t, -1, -2)  # noqa: E731
    assert np.array_equal(xy.vortices(S(v)), k)
    # two minima of equal energy, mirror images under S (both found, the second by symmetry)
    assert len(m.energies) == 2 and np.isclose(m.energies[0], m.energies[1], atol=1e-9)
    assert overlap(S(m.fields[0]), m.fields[1]) > 1 - 1e-6 and overlap(m.fields[0], m.fields[1]) < 1 - 1e-4
    # leaving the saddle along its unstable direction ends in one of them, each way in the other
    bx, by = fm._bonds(f_sym)
    lam, vec = np.linalg.eigh(fm._barrier_hessian(bx, by, 1e-4))
    assert lam[0] < 0
    ends = []
    for sign in (1, -1):
        g, ok = fm.barrier_minimize(f_sym + sign * 1e-3 * vec[:, 0].reshape(L, L), k)
        assert ok and np.isclose(xy.energy(g), m.energies[0], atol=1e-6)
        ends.append(int(np.argmax([overlap(g, f) for f in m.fields])))
    assert sorted(ends) == [0, 1]


def test_barrier_minimize_keeps_the_map_and_descends():
    from support.samplers.xy import sample_xy_chains

    k = xy.pair_map(L, (2, 3), (7, 2))
    start = sample_xy_chains(L, 0.3, 1, n_chains=2, charges=k, burn_in=50, seed=2)[:, 0].astype(np.float64)
    for s in start:
        f, ok = fm.barrier_minimize(s, k)
        assert ok and np.array_equal(xy.vortices(f), k)
        assert xy.energy(f) < xy.energy(s) - 5.0                 # T = 0.3 carries ~ N T / 2 = 38 J of heat
    with pytest.raises(ValueError):
        fm.barrier_minimize(np.zeros((L, L)), k)                # a start field without the map


def test_no_pair_minimum_is_the_uniform_field():
    m = fm.fixed_map_minima(np.zeros((8, 8), np.int8), n_seeds=2, sweeps=20)
    assert len(m.energies) == 1 and np.isclose(m.energies[0], -2 * 64, atol=1e-8)


def test_minimum_weights():
    m = fm.Minima(np.zeros((3, 4, 4)), np.array([0.0, 0.1, 0.1]), np.array([1, 1, 1]))
    assert np.allclose(fm.minimum_weights(m, 0.0), [1, 0, 0])
    w = fm.minimum_weights(m, 0.1)
    assert np.isclose(w.sum(), 1) and np.allclose(w[1:] / w[0], np.exp(-1))


def test_draws_follow_the_weights():
    m = fm.Minima(np.stack([np.zeros((4, 4)), np.ones((4, 4))]), np.array([0.0, 0.1]), np.array([1, 1]))
    n, T = 4000, 0.1
    bases = cp._draw_bases([m] * n, np.full(n, T), np.random.default_rng(0))
    p = 1 / (1 + np.exp(-1))
    frac = np.mean(bases[:, 0, 0] == 0)
    assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / n)          # binomial, 4 sigma


def test_minima_are_translation_covariant_and_cached(straight):
    k, m = straight
    shifted = np.roll(k, (5, -3), axis=(0, 1))
    a, b = cp.minima_cached(np.stack([k, shifted]))
    assert np.allclose(a.energies, b.energies)
    assert overlap(np.roll(a.fields[0], (5, -3), axis=(0, 1)), b.fields[0]) > 1 - 1e-9
    assert np.isclose(a.energies[0], m.energies[0], atol=1e-3)  # another seed finds the same ground state
    assert np.all(xy.vortices(b.fields) == shifted)


def test_prior_angles_with_minima(straight):
    k, m = straight
    rng = np.random.default_rng(3)
    ks = np.stack([k] * 40)
    t0 = cp.prior_angles(ks, np.zeros(40), rng, ground_state="minima")
    assert all(overlap(t, m.fields[0]) > 1 - 1e-3 for t in t0)  # T = 0: the ground state, globally rotated
    th = cp.prior_angles(ks, np.full(40, 0.1), rng, ground_state="minima")
    assert th.dtype == np.float32 and np.all(xy.vortices(th) == ks)
    with pytest.raises(ValueError):
        cp.prior_angles(ks, np.zeros(40), rng, ground_state="nope")
    assert cp.DEFAULT_PRIOR["ground_state"] == "minima"


def test_thermal_basins_move_pinned_bonds_off_the_wall(straight):
    k, m = straight
    T = 0.1
    b = fm.thermal_basins(k, T, m)
    assert np.isclose(b.weights.sum(), 1) and np.all(xy.vortices(b.fields) == k)
    pinned = lambda f: max(np.abs(x).max() for x in fm._bonds(f))  # noqa: E731
    assert np.pi - pinned(m.fields[0]) < 1e-3                    # T = 0: a bond pinned at pi (vortex pushed)
    assert 0.02 < np.pi - pinned(b.fields[0]) < 0.5              # T = 0.1: about T / force away from it
    # the Cholesky factor is that of the barrier Hessian: C C^T = H
    bx, by = fm._bonds(b.fields[0])
    H = fm._barrier_hessian(bx, by, T)
    assert np.allclose(b.chol[0] @ b.chol[0].T, H, atol=1e-9)
    # the samples' covariance is T H^-1: check the variance of one soft and one stiff direction
    rng = np.random.default_rng(5)
    n = 4000
    th = cp.prior_angles(np.stack([k] * n), np.full(n, T), rng, ground_state="minima", condition_on_map=False,
                         rotate=False).astype(np.float64)
    d = th - b.fields[0]                                         # remove each sample's global angle (zero mode)
    dev = xy.wrap_angle(d - np.angle(np.exp(1j * d).mean(axis=(-2, -1)))[:, None, None]).reshape(n, -1)
    dev -= dev.mean(axis=1, keepdims=True)
    lam, vec = np.linalg.eigh(H)
    for q in (1, len(lam) - 1):                                  # softest non-zero mode, stiffest mode
        var = np.var(dev @ vec[:, q])
        assert abs(var / (T / lam[q]) - 1) < 5 * np.sqrt(2 / n)  # chi² variance of a Gaussian, 5 sigma


@pytest.mark.parametrize("T", [0.1, 0.5])
def test_self_consistent_hessian_of_the_uniform_lattice(T):
    from scipy.optimize import brentq

    N = L * L
    z = np.zeros((L, L))
    H, vx, vy = fm.self_consistent_hessian(z, z, T, T)
    # every bond alike: v = T (N - 1) / (2 N J_eff) with J_eff = exp(-v / 2) (equipartition over N - 1 modes)
    v = brentq(lambda v: v - T * (N - 1) / (2 * N * np.exp(-v / 2)), 0.0, 2.0)
    assert np.allclose(vx, v, atol=1e-8) and np.allclose(vy, v, atol=1e-8)
    w = np.full((L, L), np.exp(-v / 2))
    assert np.allclose(H, fm._bond_laplacian(w, w) + 1.0 / N, atol=1e-8)
    # softer than the T = 0 curvature: the harmonic theory's variance is T (N - 1) / (2 N)
    assert v > T * (N - 1) / (2 * N)


def test_self_consistent_prior_samples_have_the_renormalised_bond_variance():
    T, n = 0.5, 2000
    rng = np.random.default_rng(11)
    k = np.zeros((n, L, L), dtype=np.int8)
    th = cp.prior_angles(k, np.full(n, T), rng, ground_state="minima", self_consistent=True,
                         condition_on_map=False).astype(np.float64)
    bx, by = fm._bonds(th)
    per_field = 0.5 * (np.mean(bx ** 2, axis=(1, 2)) + np.mean(by ** 2, axis=(1, 2)))
    _, vx, _ = fm.self_consistent_hessian(np.zeros((L, L)), np.zeros((L, L)), T, T)
    # wrapping into [-pi, pi) is negligible at this variance (~0.29); 5 standard errors over fields
    assert abs(per_field.mean() - vx.mean()) < 5 * per_field.std(ddof=1) / np.sqrt(n)
    with pytest.raises(ValueError, match="self_consistent"):
        cp.prior_angles(k[:2], np.full(2, T), rng, ground_state="relaxed", self_consistent=True)
