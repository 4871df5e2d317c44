"""Statistical and exact tests of the XY Metropolis sampler (support.samplers.xy) and its over-relaxation."""

import numpy as np
import pytest

from support import xy
from support.samplers.autocorrelation import integrated_autocorrelation_time
from support.samplers.xy import (LocalChain, _overrelax_sweeps, _reflection, _reflection_allowed, sample_xy,
                                 sample_xy_chains)


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


@pytest.mark.parametrize("overrelax", [0, 3])
@pytest.mark.parametrize("constrained", [False, True])
def test_exact_2x2_system(constrained, overrelax):
    T, n_chains = 1.0, 8
    charges = np.zeros((2, 2), np.int8) if constrained else None
    x = sample_xy_chains(2, T, 4000, n_chains=n_chains, burn_in=200, sweeps_between=3, seed=3, charges=charges,
                         overrelax=overrelax)
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


@pytest.mark.parametrize("overrelax", [0, 2])
@pytest.mark.parametrize("T", [0.1, 1.0, 2.5])
def test_constraint_holds_on_every_sample(T, overrelax):
    L = 10
    maps = np.stack([xy.pair_map(L, (0, 1), (3, 9)),        # adjacent pair across the boundary
                     xy.pair_map(L, (1, 0), (9, 0)),
                     xy.pair_map(L, (2, -3), (8, 1)),
                     np.zeros((L, L), np.int8)])
    x = sample_xy_chains(L, T, 50, charges=maps, burn_in=20, sweeps_between=2, seed=5, overrelax=overrelax)
    assert x.dtype == np.float32 and x.shape == (4, 50, L, L)
    assert np.array_equal(xy.vortices(x), np.broadcast_to(maps[:, None], x.shape))
    one = sample_xy(L, T, 20, charges=maps[0], burn_in=10, sweeps_between=1, seed=2, overrelax=overrelax)
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


# ---------------------------------------------------------------------------------------------
# constrained over-relaxation
# ---------------------------------------------------------------------------------------------

def _reflect(theta, i, j, constrained):
    """Reflect site (i, j) of a copy of ``theta`` with the kernel's functions; returns (new theta, accepted)."""
    L = theta.shape[-1]
    c, s = np.cos(theta), np.sin(theta)
    nb = [((i, (j + 1) % L)), ((i + 1) % L, j), (i, (j - 1) % L), ((i - 1) % L, j)]   # the kernel's cyclic order
    cn, sn, ok = _reflection(c[i, j], s[i, j], sum(c[p] for p in nb), sum(s[p] for p in nb))
    if ok and constrained:
        ok = _reflection_allowed(c[i, j], s[i, j], cn, sn, *[v for p in nb for v in (c[p], s[p])])
    new = theta.copy()
    if ok:
        new[i, j] = np.arctan2(sn, cn)
    return new, ok


def _local_energy(theta, i, j):
    L = theta.shape[-1]
    nb = [theta[(i + 1) % L, j], theta[(i - 1) % L, j], theta[i, (j + 1) % L], theta[i, (j - 1) % L]]
    return -np.sum(np.cos(theta[i, j] - np.array(nb)))


def _in_band(theta):
    """Does any bond lie within the sampler's forbidden band (1e-5 rad) below pi?"""
    d = np.concatenate([xy.wrap_angle(theta - np.roll(theta, 1, a)).ravel() for a in (0, 1)])
    return bool(np.any(np.abs(d) > np.pi - 1e-5))


def test_reflection_is_an_energy_conserving_involution():
    rng = np.random.default_rng(0)
    L = 5
    for _ in range(4):
        theta = rng.uniform(-np.pi, np.pi, (L, L))
        for i in range(L):
            for j in range(L):
                new, ok = _reflect(theta, i, j, False)
                assert ok
                assert np.array_equal(np.delete(new.ravel(), i * L + j), np.delete(theta.ravel(), i * L + j))
                # theta -> 2 phi - theta about the neighbours' mean direction phi
                nb = [theta[(i + 1) % L, j], theta[(i - 1) % L, j], theta[i, (j + 1) % L], theta[i, (j - 1) % L]]
                phi = np.angle(np.exp(1j * np.array(nb)).sum())
                assert xy.wrap_angle(new[i, j] - (2 * phi - theta[i, j])) == pytest.approx(0, abs=1e-12)
                assert _local_energy(new, i, j) == pytest.approx(_local_energy(theta, i, j), abs=1e-12)
                back, _ = _reflect(new, i, j, False)
                assert xy.wrap_angle(back[i, j] - theta[i, j]) == pytest.approx(0, abs=1e-12)


def test_constraint_test_of_a_reflection_is_exact_and_symmetric():
    """Against xy.vortices on the whole field: a reflection is accepted iff it keeps every charge (and no bond
    enters the band below pi); the reverse move has the same verdict, as detailed balance requires."""
    rng = np.random.default_rng(1)
    L, verdicts = 6, []
    for _ in range(6):
        theta = rng.uniform(-np.pi, np.pi, (L, L))      # infinite T: many vortices, many rejections
        k = xy.vortices(theta)
        for i in range(L):
            for j in range(L):
                y, _ = _reflect(theta, i, j, False)
                truth = np.array_equal(xy.vortices(y), k) and not _in_band(y)
                got, ok = _reflect(theta, i, j, True)
                assert ok == truth
                if ok:
                    np.testing.assert_array_equal(got, y)
                back, ok_back = _reflect(y, i, j, True)      # reverse move from y (its own map)
                if not _in_band(y):
                    assert ok_back == ok
                verdicts.append(ok)
    assert 0.2 < np.mean(verdicts) < 0.9                # both verdicts occur often (measured ~0.5)


def test_overrelax_sweeps_keep_energy_and_map():
    L, T = 16, 0.3
    k = xy.pair_map(L, (1, 4), (3, 3))
    theta = sample_xy_chains(L, T, 1, charges=k, burn_in=50, seed=4)[0, 0].astype(np.float64)
    c, s = np.cos(theta), np.sin(theta)
    accepted = _overrelax_sweeps(c, s, 40, True)       # past one renormalisation (every 16 sweeps)
    after = np.arctan2(s, c)
    assert xy.energy(after) == pytest.approx(xy.energy(theta), abs=1e-9)
    np.testing.assert_array_equal(xy.vortices(after), k)
    # almost every reflection passes (only spins at the vortex cores can change a charge) and they move the field
    assert accepted / (40 * L * L) > 0.95
    assert np.mean(np.abs(xy.wrap_angle(after - theta))) > 0.05


def _ratio_mean(x, w, n_chains):
    """Mean of ``x`` over the points with ``w`` (post-selection), and its error from tau_int per chain.

    The error is the delta method on the linearised series ``w (x - mean)`` / <w>, whose variance per
    point is multiplied by ``2 tau_int`` (Sokal window) of that series.
    """
    w = w.astype(float)
    mean = (w * x).sum() / w.sum()
    z = (w * (x - mean)).reshape(n_chains, -1) / w.mean()
    var = np.mean([zc.var() * 2 * integrated_autocorrelation_time(zc) for zc in z]) / z.size
    return mean, np.sqrt(var)


def _windings(theta):
    """Winding numbers of every row and every column loop, int ``(..., 2L)``."""
    rows = xy.wrap_angle(np.roll(theta, -1, -1) - theta).sum(-1)
    cols = xy.wrap_angle(np.roll(theta, -1, -2) - theta).sum(-2)
    return np.rint(np.concatenate([rows, cols], -1) / (2 * np.pi)).astype(int)


@pytest.mark.parametrize("pair", [None, (0, 1)])
def test_overrelaxed_chain_matches_post_selected_plain_metropolis(pair):
    """An independent reference: plain *unconstrained* Metropolis on 4x4 at T = 1.3, post-selected on the map and
    on the constrained chain's winding sector, against the constrained chain with two OR sweeps per sweep.

    A constrained move never changes the winding of any row or column loop (a spin that wraps one bond of a loop
    wraps its other bond on the loop too), so the constrained chain samples ``exp(-E/T)`` on the map *within its
    start's sector*; the unconstrained chain visits all sectors (at L = 4 the pair's "long way round" sector
    shifts <|M|> by ~3 errors). Translates of the map and of the sector count too: E and |M| do not see them.
    """
    L, T, n, n_chains = 4, 1.3, 20000, 4
    k = np.zeros((L, L), np.int8) if pair is None else xy.pair_map(L, pair, (1, 1))
    free = sample_xy_chains(L, T, n, n_chains=n_chains, burn_in=200, sweeps_between=1, seed=1)
    shifts = [(a, b) for a in range(L) for b in range(L)]
    maps = np.stack([np.roll(k, sh, (0, 1)) for sh in shifts])
    sectors = np.stack([_windings(np.roll(xy.villain_field(k), sh, (0, 1))) for sh in shifts])
    same_map = (xy.vortices(free)[:, :, None] == maps).all(axis=(-2, -1))              # (chains, n, shifts)
    same_sector = (_windings(free.astype(np.float64))[:, :, None] == sectors).all(-1)
    hit = (same_map & same_sector).any(-1).ravel()
    ours = sample_xy_chains(L, T, n, n_chains=n_chains, charges=k, burn_in=200, sweeps_between=1, seed=2,
                            overrelax=2)
    assert np.array_equal(_windings(ours.astype(np.float64)), np.broadcast_to(sectors[0], ours.shape[:2] + (2 * L,)))
    every = np.ones(n * n_chains, bool)
    for obs in (xy.energy, xy.magnetization):
        ref, ref_err = _ratio_mean(obs(free).ravel(), hit, n_chains)
        got, got_err = _ratio_mean(obs(ours).ravel(), every, n_chains)
        assert abs(got - ref) < 4 * np.hypot(ref_err, got_err)     # measured |z| < 0.5
    # the test has power: on the map the energy differs from the unconstrained one by many errors
    e_ref, e_ref_err = _ratio_mean(xy.energy(free).ravel(), hit, n_chains)
    assert abs(_ratio_mean(xy.energy(free).ravel(), every, n_chains)[0] - e_ref) > 10 * e_ref_err


def test_overrelax_argument_is_checked_and_local_chain_over_relaxes():
    for bad in (-1, 1.5, True, "2", None):
        with pytest.raises(ValueError, match="overrelax"):
            sample_xy(8, 0.5, 2, overrelax=bad)
        with pytest.raises(ValueError, match="overrelax"):
            sample_xy_chains(8, 0.5, 2, n_chains=2, overrelax=bad)
    L = 12
    k = xy.pair_map(L, (0, 3), (2, 5))
    chain = LocalChain(xy.villain_field(k), 0.2, charges=k, seed=3)
    with pytest.raises(ValueError, match="overrelax"):
        chain.sweeps(2, overrelax=-2)
    rate = chain.sweeps(20, overrelax=np.int64(3))
    assert 0.2 < rate < 0.8 and chain.overrelax_acceptance > 0.9
    assert np.array_equal(xy.vortices(chain.theta), k)
    again = LocalChain(xy.villain_field(k), 0.2, charges=k, seed=3)
    again.sweeps(20, overrelax=3)
    np.testing.assert_array_equal(again.theta, chain.theta)      # deterministic given the seed
