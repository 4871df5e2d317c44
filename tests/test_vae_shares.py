"""Tests for support.vae.latent.shares: Q's share of the latent variance beside PC0's, on latents where it is known."""

import numpy as np
import pytest

from support.vae.latent import shares as sh


def test_variance_share_of_a_charge_direction_in_isotropic_noise():
    """mu = Q u + isotropic noise σ in d dimensions: Q explains a / (a + d σ²) of the variance, PC0 holds
    (a + σ²) / (a + d σ²), with a = |u|² Var(Q) (to sampling error at n = 40000)."""
    rng = np.random.default_rng(3)
    n, d, sigma = 40_000, 8, 1.0
    Q = rng.integers(-20, -4, size=n).astype(float)
    u = rng.normal(size=d)
    u *= 0.5 / np.linalg.norm(u)
    mu = Q[:, None] * u + sigma * rng.normal(size=(n, d))
    a = 0.25 * Q.var()
    got = sh.q_variance_share(mu, Q)
    assert got["q"] == pytest.approx(a / (a + d * sigma**2), rel=0.02)
    assert got["pc0"] == pytest.approx((a + sigma**2) / (a + d * sigma**2), rel=0.02)
    assert got["q"] < got["pc0"] and got["q_over_pc0"] == pytest.approx(got["q"] / got["pc0"])


def test_variance_share_exact_limits_and_invariances():
    rng = np.random.default_rng(5)
    Q = rng.normal(size=300)
    line = np.outer(Q, [1.0, -2.0, 0.5]) + [3.0, 1.0, 0.0]  # latents a line in Q
    assert sh.variance_share(line, Q) == pytest.approx(1.0)
    assert sh.q_variance_share(line, Q)["pc0"] == pytest.approx(1.0)
    noise = rng.normal(size=(300, 5))
    A = np.column_stack([Q - Q.mean(), np.ones(300)])
    blind = noise - A @ np.linalg.lstsq(A, noise, rcond=None)[0]  # exactly uncorrelated with Q
    assert sh.variance_share(blind, Q) == pytest.approx(0.0, abs=1e-12)
    mixed = np.column_stack([line, blind])
    rot = np.linalg.qr(rng.normal(size=(8, 8)))[0]
    share = sh.variance_share(mixed, Q)
    assert sh.variance_share(mixed @ rot, -3 * Q + 7) == pytest.approx(share)  # rotation, affine Q
    # one dimension on a line of Q, one without: the variance-weighted mean of the two R² (1 and 0)
    two = np.column_stack([Q, blind[:, 0]])
    assert sh.variance_share(two, Q) == pytest.approx(Q.var() / (Q.var() + blind[:, 0].var()))
    assert np.isnan(sh.variance_share(mixed, np.ones(300)))
    with pytest.raises(ValueError):
        sh.variance_share(mixed, Q[:10])
