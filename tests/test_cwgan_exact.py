"""support.cwgan.exact: the generator inside a Metropolis–Hastings chain is exact, keeps the map, refuses bad input.

The statistical tests compare the chain with a long constrained Metropolis chain on a small lattice;
their tolerance is the z-score of the two means with batch-means errors, so it follows from the run
lengths. Each is checked to fail on a kernel that is not exact.
"""

import math

import numpy as np
import pytest
import torch

from support import xy
from support.cwgan import exact, sample_exact
from support.cwgan.evaluation import exact_checks as ec
from support.cwgan.models.learned import LearnedGenerator
from support.samplers.xy import LocalChain
from support.xy.observables import helicity_terms

L, T = 8, 0.5


@pytest.fixture(scope="module")
def generator() -> LearnedGenerator:
    torch.manual_seed(0)
    return LearnedGenerator(widths=[4])     # depth 1: any even L; untrained (the Villain field as mean)


@pytest.fixture(scope="module")
def pair() -> np.ndarray:
    return xy.pair_map(L, (1, 2), (2, 2)).astype(np.int8)


def _z(theta, reference, T=T):
    return ec.z_scores(ec.block_estimates(theta, T), ec.block_estimates(reference, T))


@pytest.fixture(scope="module")
def reference(pair) -> np.ndarray:
    return ec.mc_chain(pair, T, 60000, burn_in=500, sweeps_between=4, seed=11)[0]


def test_chain_matches_long_monte_carlo(generator, pair, reference):
    theta, info = sample_exact(generator, pair, T, 4000, seed=3)
    z = _z(theta, reference)
    assert all(abs(z[o]) < 4 for o in ("energy", "abs_m", "helicity")), z
    assert 0 < info["acceptance"] < 1 and theta.dtype == np.float32 and theta.shape == (4000, L, L)
    assert xy.matches_map(theta, np.broadcast_to(pair, theta.shape)).all()


def _hot_tables(monkeypatch, factor=2.5):
    """Gaussian widths of a temperature ``factor`` times too hot (any width keeps the chain exact, with MH)."""
    original = exact._tables
    monkeypatch.setattr(exact, "_tables", lambda L_, T_, m: (lambda t: (t[0], t[1] * math.sqrt(factor)))(
        original(L_, T_, m)))


def test_the_check_fails_on_a_kernel_that_skips_metropolis_hastings(generator, pair, reference, monkeypatch):
    _hot_tables(monkeypatch)                                  # spin waves 2.5 times too hot, never rejected
    monkeypatch.setattr(exact, "_METROPOLIS_HASTINGS", False)
    theta, _ = sample_exact(generator, pair, T, 4000, seed=3)
    assert max(abs(v) for v in _z(theta, reference).values()) > 4


def test_wrong_map_proposals_are_rejected_not_redrawn(generator):
    k = xy.pair_map(16, (0, 1), (4, 4)).astype(np.int8)   # adjacent pair at a hot T: many proposals leave the map
    theta, info = sample_exact(generator, k, 1.2, 300, seed=0, modes=6, burn_in_steps=5)
    assert xy.matches_map(theta, np.broadcast_to(k, theta.shape)).all()
    assert info["acceptance"] < 1


def test_seed_fixes_the_chain(generator, pair):
    a, _ = sample_exact(generator, pair, T, 20, seed=5, burn_in_steps=3)
    b, _ = sample_exact(generator, pair, T, 20, seed=5, burn_in_steps=3)
    c, _ = sample_exact(generator, pair, T, 20, seed=6, burn_in_steps=3)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("bad", [dict(T=float("nan")), dict(T=float("inf")), dict(T=-0.1), dict(T=0.0),
                                 dict(n_samples=0), dict(charges=np.zeros((2, L, L), np.int8))])
def test_bad_input_is_refused(generator, pair, bad):
    args = dict(charges=pair, T=T, n_samples=5) | bad
    with pytest.raises(ValueError):
        sample_exact(generator, args["charges"], args["T"], args["n_samples"])


def test_smooth_difference_recovers_the_smooth_part_and_refuses_another_winding():
    mu = xy.villain_field(xy.pair_map(16, (1, 3), (5, 6))[None])[0]
    i, j = np.mgrid[:16, :16]
    psi = 0.4 * np.sin(2 * np.pi * i / 16) + 0.3 * np.cos(2 * np.pi * (i + 2 * j) / 16)
    got = exact.smooth_difference(xy.wrap_angle(mu + psi + 1.0), mu)
    assert np.allclose(got - got.mean(), psi - psi.mean(), atol=1e-9)
    with pytest.raises(ValueError):
        exact.smooth_difference(xy.wrap_angle(mu + 2 * np.pi * j / 16), mu)   # one more winding along x


def test_low_mode_draws_obey_equipartition():
    low = exact.LowModes(16, 0.3, 3)
    rng = np.random.default_rng(0)
    n_dof = int(sum(0 < a * a + b * b <= 9 for a in range(-8, 8) for b in range(-8, 8)))
    g = np.array([low.energy(low.draw(rng)) for _ in range(4000)])
    assert abs(g.mean() - n_dof * 0.3 / 2) < 4 * g.std() / math.sqrt(len(g))     # <G> = n_dof T / 2
    psi = rng.standard_normal((16, 16))
    assert np.allclose(low.project(low.project(psi)), low.project(psi))        # a projector


def test_local_chain_keeps_the_map_and_refuses_a_start_off_it(pair):
    start = xy.villain_field(pair[None])[0]
    chain = LocalChain(start, 0.8, charges=pair, seed=0)
    rate = chain.sweeps(50)
    assert 0 < rate < 1 and xy.matches_map(chain.theta[None], pair[None])[0]
    with pytest.raises(ValueError):
        LocalChain(np.zeros((L, L)), 0.8, charges=pair, seed=0)


def test_growth_exponent_and_cost_are_exact_on_hand_cases():
    assert ec.growth_exponent(np.array([16, 32, 64]), 3.0 * np.array([16, 32, 64]) ** 2.0) == pytest.approx(2.0)
    assert ec.cost_per_independent(10.0, 100, {"energy": 2.0, "abs_m": 5.0}) == pytest.approx(1.0)
    assert ec.cost_per_independent(10.0, 100, {"energy": 0.2, "abs_m": 0.3}) == pytest.approx(0.1)


def _basis(L: int, modes: int) -> np.ndarray:
    """The real Fourier modes of the half disc 0 < |q| <= modes, cos then sin per mode, built here from scratch."""
    i, j = np.mgrid[:L, :L]
    out = []
    for qx in range(modes + 1):
        for qy in range(-modes, modes + 1):
            if 0 < qx * qx + qy * qy <= modes ** 2 and (qx > 0 or qy > 0):
                phase = 2 * np.pi * (qx * j + qy * i) / L
                out += [np.cos(phase), np.sin(phase)]
    return np.array(out)


def test_low_mode_move_is_a_coordinate_change_accepted_by_detailed_balance(generator, pair, reference):
    """On pairs of states (a reference state and the move's proposal), checked against independent numpy code: the
    kernel's coordinates are the projection of ``psi`` on the low modes, the proposal changes exactly those coordinates
    (so the reverse move is the same move), and its log acceptance ratio is ``-dE/T + dG/T`` with ``G`` the spin-wave
    energy of :class:`LowModes`: with the pCN proposal reversible for ``exp(-G/T)``, that is detailed balance."""
    from support.samplers import xy_chain

    chain = exact.ExactChain(generator, pair, T)
    mu, low, basis = chain._mu, exact.LowModes(L, T, exact.MODES), _basis(L, exact.MODES)
    coords = lambda th: np.array([(exact.smooth_difference(th, mu) * e).sum() * 2 / L ** 2 for e in basis])  # noqa
    G = lambda th: low.energy(low.project(exact.smooth_difference(th, mu)))  # noqa: E731
    state, checked = np.random.default_rng(0).integers(1, 2 ** 63, 4, dtype=np.uint64), 0
    for theta in reference[::3000].astype(np.float64):
        c, s = np.cos(theta), np.sin(theta)
        work = xy_chain.move_buffers(L, chain.modes, chain.sigma)
        a = xy_chain.low_coefficients(c, s, chain.wmx, chain.wmy, chain.modes, work).copy()
        assert np.allclose(a.ravel(), coords(theta), atol=1e-10)
        if not xy_chain.low_mode_move(c, s, chain.wmx, chain.wmy, chain.modes, chain.sigma, 1 / T, 0.5, False, state,
                                      work, True):
            continue                              # reached the band: refused both ways
        new = np.arctan2(s, c)
        assert xy.matches_map(new[None], pair[None])[0]
        assert np.allclose(work[9].ravel(), coords(new), atol=1e-10)                 # a' = what was proposed
        assert np.allclose(xy.wrap_angle(new - theta), ((work[9] - a).ravel()[:, None, None] * basis).sum(0),
                           atol=1e-10)                                               # nothing else moved
        expected = (-(xy.energy(new) - xy.energy(theta)) + G(new) - G(theta)) / T
        assert work[13][0] == pytest.approx(expected, abs=1e-8)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("broken", [False, True])
def test_low_mode_moves_alone_keep_the_target(generator, pair, reference, monkeypatch, broken):
    """Exact states (thinned Monte Carlo), three low-mode moves (independence proposals) and rotations each, no local
    sweep: the moved states still match the other half of the Monte Carlo chain; the same test catches the moves
    without Metropolis–Hastings and with too hot a Gaussian."""
    if broken:
        _hot_tables(monkeypatch)
        monkeypatch.setattr(exact, "_METROPOLIS_HASTINGS", False)
    chain = exact.ExactChain(generator, pair, T, sweeps_per_step=0)
    chain.rho = 0.0
    half = len(reference) // 2
    starts = reference[:half:10].astype(np.float64)
    if broken:   # replicas always run with Metropolis–Hastings: the broken kernel goes through run
        moved = []
        for th in starts[:1000]:
            chain.c, chain.s = np.cos(th), np.sin(th)
            moved.append(chain.run(3, record=True)[1][-1])
        moved = np.array(moved)
    else:
        moved = chain.replicas(starts, 3, seed=1)[:, -1]
        changed = np.abs(moved[:, 0] - xy.energy(starts)) > 1e-9
        assert changed.mean() > 0.3
    ref = reference[half::10].astype(np.float64)
    ref_obs = np.stack([xy.energy(ref), xy.magnetization(ref), helicity_terms(ref, T)], axis=1)
    z = (moved.mean(0) - ref_obs.mean(0)) / np.hypot(moved.std(0) / np.sqrt(len(moved)),
                                                   ref_obs.std(0) / np.sqrt(len(ref_obs)))
    assert (np.abs(z).max() > 4) if broken else (np.abs(z).max() < 4), z


def test_any_gaussian_width_keeps_the_chain_exact(generator, pair, reference, monkeypatch):
    """The Gaussian's widths are a choice for speed: with Metropolis–Hastings a 2.5 times too hot one stays exact."""
    _hot_tables(monkeypatch)
    theta, info = sample_exact(generator, pair, T, 4000, seed=4)
    z = _z(theta, reference)
    assert all(abs(z[o]) < 4 for o in ("energy", "abs_m", "helicity")), z
    assert 0 < info["acceptance"] < 1


def test_vectorised_atan2_matches_numpy_to_rounding():
    from support.samplers.xy_chain import lattice_atan2

    angles = np.concatenate([np.linspace(-np.pi, np.pi, 200001), np.arange(-8, 9) * np.pi / 8])
    c, s = np.cos(angles)[None], np.sin(angles)[None]
    special = np.array([[1.0, -1.0, 0.0, 0.0, 1e-300, -1e-300, 0.6, -0.8]]), np.array(
        [[0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 0.8, 0.6]])
    for cc, ss in ((c, s), special):
        got = np.empty_like(cc)
        lattice_atan2(ss, cc, got)
        assert np.abs(xy.wrap_angle(got - np.arctan2(ss, cc))).max() < 1e-15


def test_sample_exact_needs_local_sweeps(generator, pair):
    with pytest.raises(ValueError, match="sweeps_per_step"):
        sample_exact(generator, pair, T, 5, sweeps_per_step=0)
