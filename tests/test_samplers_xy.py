"""Statistical and exact tests of the XY Metropolis sampler (support.samplers.xy)."""

import numpy as np
import pytest

from support import xy
from support.samplers.xy import sample_xy, sample_xy_chains


def exact_2x2(T, constrained, M=96):
    """<E>, <|M|> of the 2x2 periodic lattice (doubled bonds) by quadrature over 3 relative angles."""
    g = 2 * np.pi * np.arange(M) / M
    b, c, d = np.meshgrid(g, g, g, indexing="ij")
    th = np.stack([np.zeros_like(b), b, c, d], -1).reshape(-1, 2, 2)
    E = xy.energy(th)
    w = np.exp(-(E - E.min()) / T)
    if constrained:
        w = w * ~xy.vortices(th).any(axis=(1, 2))
    return (w * E).sum() / w.sum(), (w * xy.magnetization(th)).sum() / w.sum()


@pytest.mark.parametrize("constrained", [False, True])
def test_exact_2x2_system(constrained):
    T, n_chains = 1.0, 8
    charges = np.zeros((2, 2), np.int8) if constrained else None
    x = sample_xy_chains(2, T, 4000, n_chains=n_chains, burn_in=200, sweeps_between=3, seed=3, charges=charges)
    e, m = xy.energy(x).mean(1), xy.magnetization(x).mean(1)     # independent chain means
    e_ex, m_ex = exact_2x2(T, constrained)
    # quadrature of the constrained (masked) integrand carries an O(1/M) error of ~2e-3
    assert abs(e.mean() - e_ex) < 4 * e.std(ddof=1) / np.sqrt(n_chains) + 3e-3
    assert abs(m.mean() - m_ex) < 4 * m.std(ddof=1) / np.sqrt(n_chains) + 3e-4


def test_low_temperature_spin_wave_limit():
    T, L, n_chains = 0.1, 8, 6
    x, info = sample_xy_chains(L, T, 300, n_chains=n_chains, burn_in=400, sweeps_between=4, seed=1, return_info=True)
    e = xy.energy_per_site(x).mean(1)
    expected = -2 + T / 2 * (1 - 1 / L**2)          # harmonic: N - 1 modes of T/2 each
    # next order of the low-T series is +T^2/16; statistics from independent chains
    assert abs(e.mean() - expected) < T**2 / 8 + 4 * e.std(ddof=1) / np.sqrt(n_chains)
    assert np.all(np.abs(info["acceptance"] - 0.5) < 0.1)
    ups = xy.helicity_modulus(x.reshape(-1, L, L), T)
    assert ups == pytest.approx(1 - T / 4, abs=0.02)


@pytest.mark.parametrize("T", [0.1, 1.0, 2.5])
def test_constraint_holds_on_every_sample(T):
    L = 10
    maps = np.stack([xy.pair_map(L, (0, 1), (3, 9)),        # adjacent pair across the boundary
                     xy.pair_map(L, (1, 0), (9, 0)),
                     xy.pair_map(L, (2, -3), (8, 1)),
                     np.zeros((L, L), np.int8)])
    x = sample_xy_chains(L, T, 50, charges=maps, burn_in=20, sweeps_between=2, seed=5)
    assert x.dtype == np.float32 and x.shape == (4, 50, L, L)
    assert np.array_equal(xy.vortices(x), np.broadcast_to(maps[:, None], x.shape))
    one = sample_xy(L, T, 20, charges=maps[0], burn_in=10, sweeps_between=1, seed=2)
    assert one.shape == (20, L, L) and np.array_equal(xy.vortices(one), np.broadcast_to(maps[0], one.shape))


def test_unconstrained_high_temperature_has_vortices_and_low_has_none():
    hot = sample_xy(12, 2.0, 20, burn_in=100, sweeps_between=5, seed=0)
    cold = sample_xy(12, 0.2, 20, burn_in=100, sweeps_between=5, seed=0)
    assert xy.vorticity(hot).mean() > 0.05
    assert xy.vorticity(cold).max() == 0


def test_global_angle_is_uniform_and_seed_determinism():
    x = sample_xy(8, 0.1, 400, burn_in=100, sweeps_between=1, seed=7)
    phi = np.arctan2(np.sin(x).mean((1, 2)), np.cos(x).mean((1, 2)))
    # Rayleigh test: the mean resultant of n uniform angles is ~ 1/sqrt(n)
    assert np.hypot(np.cos(phi).mean(), np.sin(phi).mean()) < 4 / np.sqrt(len(phi))
    assert np.array_equal(x, sample_xy(8, 0.1, 400, burn_in=100, sweeps_between=1, seed=7))
    assert not np.array_equal(x, sample_xy(8, 0.1, 400, burn_in=100, sweeps_between=1, seed=8))
    assert np.all(np.abs(x) <= np.float32(np.pi))


def test_bad_inputs_raise():
    with pytest.raises(ValueError):
        sample_xy(8, 0.0, 10)
    with pytest.raises(ValueError):
        sample_xy(8, -1.0, 10)
    with pytest.raises(ValueError):
        sample_xy(1, 1.0, 10)
    with pytest.raises(ValueError, match="total"):
        sample_xy(8, 1.0, 10, charges=np.eye(8, dtype=np.int8))
    with pytest.raises(ValueError):
        sample_xy(8, 1.0, 10, charges=np.zeros((6, 6), np.int8))
    with pytest.raises(ValueError):
        sample_xy(8, 1.0, 10, sweeps_between=0)
    with pytest.raises(ValueError):
        sample_xy_chains(8, [0.5, 0.7], 10, n_chains=3)


def test_init_theta_continues_chains_and_checks_the_map():
    L = 12
    k = xy.pair_map(L, (0, 3), (2, 5))
    start = sample_xy_chains(L, 0.5, 1, n_chains=3, charges=k, burn_in=50, seed=7)[:, 0].astype(np.float64)
    # a near-zero temperature without burn-in: only downhill moves (and uphill ones below ~1e-4 J) pass
    out = sample_xy_chains(L, 1e-6, 1, charges=k, burn_in=0, sweeps_between=3, init_theta=start, init_width=0.3,
                           seed=8)[:, 0]
    assert np.all(xy.vortices(out) == k)
    assert np.all(xy.energy(out.astype(np.float64)) < xy.energy(start) - 1.0)
    # continued from the start (a descent, up to the stored global angle), not restarted from the Villain field
    ov = lambda a, b: np.abs(np.mean(np.exp(1j * (a - b)), axis=(-2, -1)))  # noqa: E731
    assert np.all(ov(out, start) > ov(out, xy.villain_field(k)) + 0.02)     # measured 0.98 vs 0.90-0.93
    # one start field for every chain
    one = sample_xy_chains(L, 0.1, 2, n_chains=2, charges=k, burn_in=0, sweeps_between=1, init_theta=start[0])
    assert one.shape == (2, 2, L, L) and np.all(xy.vortices(one) == k)
    with pytest.raises(ValueError, match="map"):
        sample_xy_chains(L, 0.1, 1, charges=k, init_theta=np.zeros((L, L)))
    with pytest.raises(ValueError):
        sample_xy_chains(L, 0.1, 1, init_theta=np.zeros((L + 1, L + 1)))
    with pytest.raises(ValueError):
        sample_xy_chains(L, 0.1, 1, n_chains=2, init_theta=np.zeros((3, L, L)))


def test_stored_map_check_finds_a_lost_map_in_a_late_block():
    from support.samplers.xy import _check_stored_maps

    L = 8
    k = xy.pair_map(L, (0, 2), (3, 3))
    field = xy.villain_field(k[None])[0].astype(np.float32)
    out = np.broadcast_to(field, (2, 7, L, L)).copy()
    _check_stored_maps(out, k, block=3)                      # every sample carries the map
    out[1, 6] = 0.0                                          # the last sample of chain 1 loses its pair
    with pytest.raises(RuntimeError, match="lost its vortex map"):
        _check_stored_maps(out, k, block=3)
