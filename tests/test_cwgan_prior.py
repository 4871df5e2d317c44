"""Tests of the physics prior (support.cwgan.models.prior): settings, cached minima, draws, conditioning, spin waves."""

import inspect

import numpy as np
import pytest
from fixed_map_pairs import L, overlap, straight_pair

from support import xy
from support.cwgan.models import fixed_map as fm
from support.cwgan.models import prior as cp


def test_one_default_prior_and_overrides():
    sig = inspect.signature(cp.prior_angles).parameters
    assert {k: sig[k].default for k in cp.DEFAULT_PRIOR} == cp.DEFAULT_PRIOR   # prior_angles defaults agree
    assert cp.prior_settings() == cp.DEFAULT_PRIOR and cp.prior_settings() is not cp.DEFAULT_PRIOR
    assert cp.prior_settings({"max_tries": 3}) == {**cp.DEFAULT_PRIOR, "max_tries": 3}
    with pytest.raises(ValueError, match="unknown prior settings"):
        cp.prior_settings({"spinwaves": False})
    with pytest.raises(ValueError, match="self_consistent"):
        cp.prior_settings({"ground_state": "relaxed"})                   # the default stiffness needs the minima
    assert cp.prior_settings({"ground_state": "relaxed", "self_consistent": False})["ground_state"] == "relaxed"


def test_draws_follow_the_weights():
    m = fm.Minima(np.stack([np.zeros((4, 4)), np.ones((4, 4))]), np.array([0.0, 0.1]), np.array([1, 1]))
    n, T = 4000, 0.1
    bases = cp._draw_bases([m] * n, np.full(n, T), np.random.default_rng(0))
    p = 1 / (1 + np.exp(-1))
    frac = np.mean(bases[:, 0, 0] == 0)
    assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / n)          # binomial, 4 sigma


def test_minima_are_translation_covariant_and_cached():
    k, m = straight_pair()
    shifted = np.roll(k, (5, -3), axis=(0, 1))
    a, b = cp.minima_cached(np.stack([k, shifted]))
    assert np.allclose(a.energies, b.energies)
    assert overlap(np.roll(a.fields[0], (5, -3), axis=(0, 1)), b.fields[0]) > 1 - 1e-9
    assert np.isclose(a.energies[0], m.energies[0], atol=1e-3)  # another seed finds the same ground state
    assert np.all(xy.vortices(b.fields) == shifted)


def test_prior_angles_with_minima():
    k, m = straight_pair()
    rng = np.random.default_rng(3)
    ks = np.stack([k] * 40)
    t0 = cp.prior_angles(ks, np.zeros(40), rng, ground_state="minima")
    assert all(overlap(t, m.fields[0]) > 1 - 1e-3 for t in t0)  # T = 0: the ground state, globally rotated
    th = cp.prior_angles(ks, np.full(40, 0.1), rng, ground_state="minima")
    assert th.dtype == np.float32 and np.all(xy.vortices(th) == ks)
    with pytest.raises(ValueError):
        cp.prior_angles(ks, np.zeros(40), rng, ground_state="nope")
    assert cp.DEFAULT_PRIOR["ground_state"] == "minima"


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


def test_prior_input_is_villain_plus_spin_waves_with_the_map():
    rng = np.random.default_rng(4)
    k = np.stack([xy.pair_map(16, (0, 1), (3, 3)), xy.pair_map(16, (2, 2), (5, 9))] * 50)
    T0 = cp.prior_angles(k, np.zeros(len(k)), rng, relax_steps=0, ground_state="relaxed", self_consistent=False)
    # T = 0 without relaxation: the Villain field up to one global angle per sample
    diff = xy.wrap_angle(T0 - xy.villain_field(k))
    assert np.allclose(xy.wrap_angle(diff - diff[:, :1, :1]), 0, atol=1e-5)
    th, first = cp.prior_angles(k, np.full(len(k), 0.1), rng, return_stats=True, relax_steps=0,
                                ground_state="relaxed", self_consistent=False)
    assert np.all(xy.vortices(th) == k)  # conditioned on the map
    assert 0.2 < first < 1.0  # the d = 1 pair really needs the conditioning (its shared bond is ~pi)
    # spin waves at T: harmonic bond fluctuation <(d theta - d theta_V)^2> = T/2 (L^2 - 1)/L^2
    d = xy.wrap_angle(np.roll(th, -1, -1) - th) - xy.wrap_angle(np.roll(T0, -1, -1) - T0)
    far = np.abs(xy.wrap_angle(d))[len(k) // 2:, 12, :]  # a row away from both pairs
    assert abs((far ** 2).mean() / (0.05 * 255 / 256) - 1) < 0.1
    with pytest.raises(ValueError):
        cp.prior_angles(np.ones((1, 4, 4), np.int8), [0.1], rng)


def test_relaxed_field_keeps_map_and_lowers_cosine_energy():
    k = np.stack([xy.pair_map(16, pd.displacement, (4, 7)) for pd in xy.PAIR_DISTANCES])
    v = xy.villain_field(k)
    r = cp.relaxed_field(k, steps=40)
    assert np.all(xy.vortices(r) == k)
    assert np.all(xy.energy(r) <= xy.energy(v) + 1e-9)
    assert np.mean(xy.energy(v) - xy.energy(r)) > 0.1  # the cosine model relaxes the Villain field measurably
    assert np.allclose(cp.relaxed_field(k[:2], steps=0), v[:2])
