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


def test_the_check_fails_on_a_kernel_that_skips_metropolis_hastings(generator, pair, reference, monkeypatch):
    def always_accept(theta, mu, charges, T_, low, rho, rng):
        hot = exact.LowModes(low.L, 2.5 * T_, 3)         # spin waves 2.5 times too hot, never rejected
        proposal = theta + hot.project(hot.draw(rng)) - low.project(exact.smooth_difference(theta, mu))
        return (proposal, True) if xy.matches_map(proposal[None], charges[None])[0] else (theta, False)

    monkeypatch.setattr(exact, "low_mode_move", always_accept)
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
