"""Statistical and exact checks of the chiral-magnet annealer (support.samplers.heisenberg)."""

import numba
import numpy as np
import pytest

from support.chiral import magnet as hb
from support.chiral.magnet import dmi_vectors
from support.samplers import heisenberg as hs
from support.samplers.rng import make_state


@pytest.mark.parametrize("sigma", [0.4, 2.0])  # narrow cone and global (uniform) proposals
def test_metropolis_reproduces_langevin_magnetization(sigma):
    # Free spins in a field (J = D = 0): <S^z> = coth(B/T) - T/B exactly.
    L, B, T = 16, 1.5, 1.0
    zero = np.zeros(3)
    s = np.zeros((L, L, 3))
    s[..., 2] = 1.0
    state = make_state(11)
    for _ in range(50):
        hs.metropolis_sweep(s, 0.0, zero, zero, B, T, sigma, state)
    n_sweeps, total = 400, 0.0
    for _ in range(n_sweeps):
        hs.metropolis_sweep(s, 0.0, zero, zero, B, T, sigma, state)
        total += s[..., 2].mean()
    exact = 1.0 / np.tanh(B / T) - T / B
    # Var(S^z) < 1/3; 102400 spin samples with autocorrelation time < ~10 sweeps -> error < 0.006.
    assert total / n_sweeps == pytest.approx(exact, abs=0.02)
    np.testing.assert_allclose(np.linalg.norm(s, axis=-1), 1.0, atol=1e-12)


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_overrelaxation_conserves_energy(dmi):
    J, D, B = 1.0, 0.8, 0.3
    s = hb.random_spins((8, 8), rng=4).transpose(1, 2, 0).copy()
    dx, dy = dmi_vectors(D, dmi)
    e0 = hb.energy(s.transpose(2, 0, 1), J, D, B, dmi)
    hs.overrelax_sweep(s, J, dx, dy, B)
    assert hb.energy(s.transpose(2, 0, 1), J, D, B, dmi) == pytest.approx(e0, abs=1e-9)
    np.testing.assert_allclose(np.linalg.norm(s, axis=-1), 1.0, atol=1e-12)


def test_anneal_ferromagnet_has_equipartition_energy():
    # D = 0, B > 0: the ferromagnet; two quadratic modes per spin add T per site above -2J - B.
    L, B, T = 16, 0.3, 0.02
    s = hs.anneal_heisenberg(L, 0.0, B, 2, T_final=T, sweeps=600, n_temps=30, seed=3)
    e = hb.energy(s.astype(np.float64), 1.0, 0.0, B) / L**2
    np.testing.assert_allclose(e, -2.0 - B + T, atol=0.006)


def test_anneal_commensurate_spiral_reaches_ground_state_energy():
    # B = 0, D = tan(2π/12): the spiral with period 12 sites is the ground state, E/N = -J - sqrt(J² + D²);
    # at T_final = 0.006 its two spin-wave modes per site add T_final (equipartition).
    L = 12
    D = np.tan(2 * np.pi / L)
    s = hs.anneal_heisenberg(L, D, 0.0, 2, sweeps=1000, n_temps=25, seed=2, dmi="bloch")
    e = hb.energy(s.astype(np.float64), 1.0, D, 0.0, "bloch") / L**2
    e_gs = -1.0 - np.sqrt(1.0 + D * D)
    assert np.all(e >= e_gs)
    np.testing.assert_allclose(e, e_gs + 0.006, atol=0.003)


def test_anneal_makes_a_skyrmion_lattice():
    L, D = 24, 1.0
    s = hs.anneal_heisenberg(L, D, 0.3 * D * D, 2, sweeps=1000, n_temps=20, seed=1)
    assert s.shape == (2, 3, L, L) and s.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 1.0, atol=1e-6)
    q = hb.topological_charge(s.astype(np.float64))
    np.testing.assert_allclose(q, np.rint(q), atol=1e-3)
    assert np.all(q <= -4)  # a close-packed lattice would hold about 10 skyrmions


def test_anneal_is_deterministic_and_thread_independent():
    kw = dict(sweeps=60, n_temps=6, seed=9)
    a = hs.anneal_heisenberg(10, 0.7, 0.2, 3, **kw)
    b = hs.anneal_heisenberg(10, 0.7, 0.2, 3, **kw)
    np.testing.assert_array_equal(a, b)
    n = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        c = hs.anneal_heisenberg(10, 0.7, 0.2, 3, **kw)
    finally:
        numba.set_num_threads(n)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a[0], a[1])  # configurations are independent streams
    # anneal_points with one (D, B) per configuration matches anneal_heisenberg.
    np.testing.assert_array_equal(hs.anneal_points(10, [0.7] * 3, [0.2] * 3, **kw), a)


def test_bad_parameters():
    with pytest.raises(ValueError):
        hs.anneal_heisenberg(2, 0.5, 0.1, 1)
    with pytest.raises(ValueError):
        hs.anneal_heisenberg(8, 0.5, 0.1, 1, T_final=-1.0)
    with pytest.raises(ValueError):
        hs.anneal_heisenberg(8, 0.5, 0.1, 1, dmi="nope")
    with pytest.raises(ValueError):
        hs.anneal_points(8, [0.5, 0.6], [0.1], sweeps=10, n_temps=2)
