"""Tests for support.vae.latent.novelty: the two-sided check flags copies and noise, and passes new real lattices."""

import numpy as np
import pytest

from support.chiral import magnet as hb
from support.vae.latent import novelty


def _lattices(n_points=6, per_point=3, L=16, seed=0):
    """Skyrmion textures whose radius is set by the phase point plus a small per-lattice jitter."""
    g = np.random.default_rng(seed)
    spins, points = [], []
    for p in range(n_points):
        for _ in range(per_point):
            spins.append(hb.analytic_skyrmion(L, 2.0 + 0.4 * p + 0.1 * g.random(), centre=(L / 2, L / 2)))
            points.append(p)
    return np.stack(spins).astype(np.float32), np.array(points)


def test_pairwise_distance_is_the_rms_spin_difference():
    a = np.zeros((1, 3, 2, 2))
    b = np.zeros((2, 3, 2, 2))
    b[1, 2] = 1.0  # one component differs by 1 on every site: mean square 1/3
    assert novelty.pairwise_distance(a, b) == pytest.approx(np.array([[0.0, np.sqrt(1 / 3)]]))


def test_copies_and_noise_fail_new_lattices_pass():
    train, points = _lattices(seed=0)
    bounds = novelty.calibrate(train, points)
    assert 0 < bounds["low"] < bounds["high"]
    copies = novelty.pairwise_distance(train[:5], train).min(axis=1)
    assert novelty.verdict(copies, bounds) == {"copies": 1.0, "too_far": 0.0, "inside": 0.0}
    g = np.random.default_rng(1)
    noise = g.standard_normal((5, 3, 16, 16))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    d_noise = novelty.pairwise_distance(noise, train).min(axis=1)
    assert novelty.verdict(d_noise, bounds)["too_far"] == 1.0
    # new lattices from the same law (another seed) mostly lie inside both bounds
    fresh, _ = _lattices(seed=7)
    d_fresh = novelty.pairwise_distance(fresh, train).min(axis=1)
    assert novelty.verdict(d_fresh, bounds)["inside"] >= 0.6


def test_calibrate_refuses_one_point_and_bad_quantiles():
    train, points = _lattices(n_points=2)
    with pytest.raises(ValueError, match=">= 2 points"):
        novelty.calibrate(train, np.zeros(len(train)))
    with pytest.raises(ValueError, match="low < high"):
        novelty.calibrate(train, points, low=0.9, high=0.1)
