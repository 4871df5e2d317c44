"""Tests for support.xy: vortices, energies, ensemble observables, Villain fields, spin waves."""

import numpy as np
import pytest
import torch

from support import xy
from support.xy import observables as xy_observables

L = 16


def vortex_field(L, i0, j0, sign=1):
    i, j = np.mgrid[0:L, 0:L]
    return sign * np.arctan2(i - i0, j - j0)


def test_single_vortex_and_antivortex():
    th = vortex_field(L, 5.5, 7.5)
    k = xy.vortices(th)
    assert k.dtype == np.int8 and k.shape == (L, L)
    assert k[5, 7] == 1
    # the periodic seam of a single vortex field creates compensating charges far away, none nearby
    near = k[2:10, 4:12].copy()
    near[3, 3] = 0
    assert not near.any()
    anti = xy.vortices(vortex_field(L, 5.5, 7.5, sign=-1))
    assert anti[5, 7] == -1
    assert xy.smooth_vortices(xy.to_spins(th))[5, 7] == pytest.approx(1.0, abs=1e-12)
    assert xy.smooth_vortices(xy.to_spins(-th))[5, 7] == pytest.approx(-1.0, abs=1e-12)


def test_uniform_and_spin_wave_have_no_vortices():
    assert not xy.vortices(np.full((3, L, L), 0.7)).any()
    sw = xy.spin_waves(L, 0.05, 4, np.random.default_rng(0))
    assert not xy.vortices(sw).any()
    assert np.abs(xy.smooth_vortices(xy.to_spins(sw))).max() < 0.2


def test_pair_and_vorticity_and_distance():
    for pd in xy.PAIR_DISTANCES:
        assert np.hypot(*pd.displacement) == pytest.approx(pd.d, abs=0.006)
        for disp in xy.symmetric_displacements(pd.displacement):
            k = xy.pair_map(L, disp, (L - 1, L - 2))      # wraps around both boundaries
            assert k.sum() == 0 and k[L - 1, L - 2] == 1
            assert xy.pair_distance(k) == pytest.approx(pd.d, abs=0.006)
            th = xy.villain_field(k)
            assert xy.vorticity(th) == pytest.approx(2 / L**2)
    assert xy.pair_distance(np.zeros((L, L))) == 0
    two = xy.pair_map(L, (0, 3), (2, 2)) + xy.pair_map(L, (0, 3), (8, 2))
    assert np.isnan(xy.pair_distance(two))
    batch = np.stack([xy.pair_map(L, (1, 2), (0, 0)), np.zeros((L, L), np.int8)])
    assert np.allclose(xy.pair_distance(batch), [np.sqrt(5), 0])


@pytest.mark.parametrize("size", [12, 16])
def test_villain_field_exact_for_every_placement(size):
    maps = np.stack([xy.pair_map(size, disp, (a, b)) for pd in xy.PAIR_DISTANCES
                     for disp in xy.symmetric_displacements(pd.displacement)
                     for a in range(0, size, 3) for b in range(size)])
    th = xy.villain_field(maps)
    assert th.shape == maps.shape
    assert np.array_equal(xy.vortices(th), maps)
    assert np.array_equal(xy.vortices(th.astype(np.float32)), maps)   # survives float32 storage


def test_villain_field_general_maps_and_batch_shape():
    rng = np.random.default_rng(1)
    maps = np.zeros((40, L, L), np.int8)
    for m in maps:
        idx = rng.choice(L * L, 8, replace=False)
        m.flat[idx[:4]], m.flat[idx[4:]] = 1, -1
    th = xy.villain_field(maps.reshape(4, 10, L, L))
    assert th.shape == (4, 10, L, L)
    assert np.array_equal(xy.vortices(th).reshape(40, L, L), maps)
    assert np.allclose(xy.villain_field(np.zeros((L, L))), 0)


def test_villain_field_is_the_quadratic_minimum():
    # away from pinned bonds the field solves the lattice Laplace equation: zero "divergence"
    k = xy.pair_map(L, (2, 3), (4, 5))
    th = xy.villain_field(k)
    bx = xy.wrap_angle(np.roll(th, -1, -1) - th)
    by = xy.wrap_angle(np.roll(th, -1, -2) - th)
    div = bx - np.roll(bx, 1, -1) + by - np.roll(by, 1, -2)
    assert np.abs(div).max() < 1e-9
    # curl of the bond field is 2 pi k
    curl = bx + np.roll(by, -1, -1) - np.roll(bx, -1, -2) - by
    assert np.allclose(curl, 2 * np.pi * k, atol=1e-9)


def test_bad_charge_maps_raise():
    with pytest.raises(ValueError, match="total"):
        xy.check_charges(np.eye(4))
    bad = np.zeros((4, 4)); bad[0, 0], bad[1, 1] = 2, -2
    with pytest.raises(ValueError, match="-1, 0"):
        xy.check_charges(bad)
    with pytest.raises(ValueError, match="integer"):
        xy.check_charges(np.full((4, 4), 0.5) - 0.5 + np.eye(4) * 0.1)
    with pytest.raises(ValueError, match="shape"):
        xy.villain_field(np.zeros((4, 5)))
    with pytest.raises(ValueError):
        xy.pair_map(8, (0, 8), (0, 0))


def test_energy_and_magnetization_hand_built():
    uni = np.full((L, L), 1.3)
    assert xy.energy(uni) == pytest.approx(-2 * L * L)
    assert xy.energy_per_site(uni, J=2.0) == pytest.approx(-4.0)
    assert xy.magnetization(uni) == pytest.approx(1.0)
    i, j = np.mgrid[0:L, 0:L]
    neel = np.pi * ((i + j) % 2)
    assert xy.energy(neel) == pytest.approx(2 * L * L)
    assert xy.magnetization(neel) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    th = rng.uniform(-np.pi, np.pi, (5, 6, 6))
    loop = np.array([-sum(np.cos(t[a, b] - t[a, (b + 1) % 6]) + np.cos(t[a, b] - t[(a + 1) % 6, b])
                          for a in range(6) for b in range(6)) for t in th])
    assert np.allclose(xy.energy(th), loop)
    assert np.all((xy.magnetization(th) >= 0) & (xy.magnetization(th) <= 1))


def test_smooth_vortices_torch_matches_numpy_and_has_gradients():
    noise = 0.1 * np.random.default_rng(0).standard_normal((2, L, L))
    th = xy.villain_field(xy.pair_map(L, (1, 2), (3, 3)))[None] + noise
    sp = xy.to_spins(th)
    ref = xy.smooth_vortices(sp)
    t = torch.tensor(sp, requires_grad=True)
    out = xy.smooth_vortices(t)
    assert isinstance(out, torch.Tensor) and out.shape == (2, L, L)
    assert np.allclose(out.detach().numpy(), ref)
    out.square().sum().backward()
    assert torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0
    # close to the exact charge: the sign at the defects is right
    k = xy.vortices(th)
    assert np.all(np.sign(ref[k != 0]) == k[k != 0])
    with pytest.raises(ValueError):
        xy.smooth_vortices(np.zeros((3, L, L)))


def test_ensemble_observables_arithmetic():
    assert xy.specific_heat(np.array([1.0, 3.0]), T=2.0, N=1) == pytest.approx(1.0 / 4)
    assert xy.susceptibility(np.array([0.2, 0.4]), T=0.5, N=10) == pytest.approx(10 * (0.1 - 0.09) / 0.5)
    assert xy.helicity_modulus(np.full((3, L, L), 0.4), T=0.7) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        xy.specific_heat(np.ones(3), T=0.0, N=1)


def test_spin_wave_statistics_and_helicity():
    T, n = 0.2, 400
    sw = xy.spin_waves(L, T, n, np.random.default_rng(2))
    assert sw.shape == (n, L, L)
    assert np.allclose(sw.mean(axis=(1, 2)), 0, atol=1e-12)       # zero mode dropped
    bonds = (np.roll(sw, -1, -1) - sw) ** 2 + (np.roll(sw, -1, -2) - sw) ** 2
    e_harm = 0.5 * bonds.sum(axis=(1, 2))                          # chi^2 with N - 1 dof, scaled T/2
    N = L * L
    exact = T * (N - 1) / 2
    sigma = T / 2 * np.sqrt(2 * (N - 1)) / np.sqrt(n)
    assert abs(e_harm.mean() - exact) < 4 * sigma
    # low-T XY energy and helicity modulus of spin waves: -2 + T/2 and 1 - T/4 up to O(T^2)
    assert xy.energy_per_site(sw).mean() == pytest.approx(-2 + T / 2, abs=T**2 / 4 + 0.01)
    assert xy.helicity_modulus(sw, T) == pytest.approx(1 - T / 4, abs=T**2 / 2 + 0.02)


def test_correlation_function():
    r, C = xy.correlation_function(np.full((2, L, L), 0.3))
    assert r[0] == 0 and np.all(np.diff(r) > 0) and np.allclose(C, 1)
    assert r.max() == pytest.approx(np.hypot(L // 2, L // 2))
    rng = np.random.default_rng(3)
    r, C = xy.correlation_function(rng.uniform(-np.pi, np.pi, (50, L, L)), max_r=4)
    assert C[0] == pytest.approx(1) and np.abs(C[1:]).max() < 0.05 and r.max() <= 4
    # spin waves: correlations decay with distance
    r, C = xy.correlation_function(xy.spin_waves(L, 0.5, 100, rng), max_r=6)
    on_axis = [C[np.isclose(r, d)][0] for d in (0, 1, 2, 4, 6)]
    assert np.all(np.diff(on_axis) < 0) and on_axis[-1] > 0.5
    # a plane wave theta = q j has C(r along x) = cos(q r) exactly; averaged over x and y directions
    q = 2 * np.pi * 2 / L
    i, j = np.mgrid[0:L, 0:L]
    r, C = xy.correlation_function(q * j, max_r=1)
    assert C[1] == pytest.approx((np.cos(q) + 1) / 2)


def test_plane_wave_exact():
    m = 3
    q = 2 * np.pi * m / L
    th = q * np.mgrid[0:L, 0:L][1] + 0.4           # twisted state, periodic because m is an integer
    assert not xy.vortices(th).any()
    assert xy.energy(th) == pytest.approx(-L * L * (np.cos(q) + 1))
    assert xy.magnetization(th) == pytest.approx(0, abs=1e-12)
    assert np.allclose(xy.smooth_vortices(xy.to_spins(th)), 0, atol=1e-12)


def test_ensemble_observables_of_a_uniform_ensemble():
    theta = np.full((5, 8, 8), 0.7)
    obs = xy.ensemble_observables(theta, T=0.3)
    assert tuple(obs) == xy.ENSEMBLE_OBSERVABLES
    assert obs["nu"] == 0 and obs["abs_m"] == pytest.approx(1.0)
    assert obs["energy"] == pytest.approx(-2.0)
    assert obs["cv"] == pytest.approx(0.0, abs=1e-12) and obs["chi"] == pytest.approx(0.0, abs=1e-12)
    assert obs["helicity"] == pytest.approx(1.0)          # (1/N)[J N - 0] per direction
    with pytest.raises(ValueError):
        xy.ensemble_observables(theta[:1], T=0.3)


def test_bond_angle_sign_and_map_match():
    torch = pytest.importorskip("torch")
    theta = np.zeros((4, 4))
    theta[2, 1] = 0.5                                     # site (i=2, j=1)
    bx, by = xy.bond_angles(theta)
    assert bx[2, 0] == 0.5 and bx[2, 1] == -0.5           # head minus tail along +j
    assert by[1, 1] == 0.5 and by[2, 1] == -0.5           # head minus tail along +i
    assert bx[2, 3] == 0.0 and np.all(by[3] == -theta[3])  # periodic: the last column/row wraps to the first
    tx, ty = xy.bond_angles(torch.tensor(theta))
    assert np.array_equal(tx.numpy(), bx) and np.array_equal(ty.numpy(), by)
    # a +1 vortex: matches its own map, not the empty one, per field
    i, j = np.mgrid[0:8, 0:8]
    v = np.arctan2(i - 3.5, j - 3.5)
    k = xy.vortices(v)
    assert k[3, 3] == 1
    np.testing.assert_array_equal(xy.matches_map(np.stack([v, np.zeros((8, 8))]), k), [True, False])


def test_helicity_terms_average_to_the_helicity_modulus():
    rng = np.random.default_rng(1)
    theta = rng.normal(0, 0.4, (50, 8, 8))
    terms = xy_observables.helicity_terms(theta, 0.7)
    assert terms.shape == (50,) and np.mean(terms) == pytest.approx(xy.helicity_modulus(theta, 0.7), rel=1e-12)
