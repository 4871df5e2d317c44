"""support.cwgan.models.fixed_map: the fixed-map landscape's minima, saddles, basins, self-consistent Hessian."""

import numpy as np
import pytest
from fixed_map_pairs import L, overlap, straight_pair

from support import xy
from support.cwgan.models import fixed_map as fm
from support.cwgan.models import prior as cp


@pytest.fixture(scope="module")
def diagonal():
    k = xy.pair_map(L, (1, 1), (4, 4))
    return k, fm.fixed_map_minima(k, seed=1)


def test_straight_pair_minimum_is_below_the_relaxed_field():
    k, m = straight_pair()
    r = cp.relaxed_field(k[None], 400)[0]
    assert np.all(xy.vortices(m.fields) == k)                       # the map is kept exactly
    assert np.all(np.diff(m.energies) >= 0)                          # sorted
    assert m.energies[0] < xy.energy(r) - 0.5                        # measured: -497.60 vs -496.83
    # the static current of the true minimum is far below the relaxed field's (12.5 vs 16.3)
    assert fm._current(m.fields[0])[1] < fm._current(r)[1] - 2.0
    assert np.isclose(xy.energy(m.fields[0]), m.energies[0])


def test_diagonal_pair_relaxed_field_is_a_saddle_between_two_mirror_minima(diagonal):
    k, m = diagonal
    v = xy.villain_field(k)
    r = cp.relaxed_field(k[None], 400)[0]
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


def test_thermal_basins_move_pinned_bonds_off_the_wall():
    k, m = straight_pair()
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


def test_bonds_follow_the_package_sign_convention():
    theta = np.zeros((4, 4))
    theta[1, 2] = 3.0                       # bond (1,1)->(1,2) is +3, bond (1,2)->(1,3) is -3; (0,2)->(1,2) is +3
    bx, by = fm._bonds(theta)
    assert bx[1, 1] == 3.0 and bx[1, 2] == -3.0 and by[0, 2] == 3.0 and by[1, 2] == -3.0
    assert fm._bonds(np.array([[0.0, 3.5], [0.0, 0.0]]))[0][0, 0] == pytest.approx(3.5 - 2 * np.pi)  # wrapped
