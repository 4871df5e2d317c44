"""z-scores against Monte Carlo: calibrated under the null, large for a biased or too narrow generator, and
the autocorrelation factor exact for exponential decay (AR(1) series)."""

import math

import numpy as np
import pytest

from support.cwgan.evaluation import z_scores as zs

N, T = 256, 0.5
MEANS = {"energy": -1.8, "abs_m": 0.9, "helicity": 0.9}
SPREADS = {"energy": 0.02, "abs_m": 0.01, "helicity": 0.05}


def _values(rng, n_maps, per_map, shift=0.0, scale=1.0):
    """Independent normal per-field values, map-major; ``shift`` moves the energy, ``scale`` every spread."""
    n = n_maps * per_map
    vals = {k: MEANS[k] + scale * SPREADS[k] * rng.standard_normal(n) for k in MEANS}
    vals["energy"] = vals["energy"] + shift
    return vals, np.repeat(np.arange(n_maps), per_map)


def _null_z(rng, n_repeats=300, **bias):
    z = {k: [] for k in zs.OBSERVABLES}
    for _ in range(n_repeats):
        ref, maps = _values(rng, 6, 8)
        gen, _ = _values(rng, 6, 8, **bias)
        for k, v in zs.z_scores(zs.set_estimate(gen, maps, T, N), zs.set_estimate(ref, maps, T, N)).items():
            z[k].append(v)
    return {k: np.array(v) for k, v in z.items()}


def test_z_is_standard_normal_when_the_generator_samples_the_reference_law():
    z = _null_z(np.random.default_rng(0))
    for k in ("energy", "abs_m", "helicity"):      # means: std 1 within 5 standard errors of a std (300 draws)
        assert abs(z[k].std() - 1) < 5 / math.sqrt(2 * 300), k
    for k in zs.OBSERVABLES:                       # variances (jackknife of 8 fields per map) too: few |z| > 3
        assert np.mean(np.abs(z[k]) <= zs.WITHIN) > 0.97, k


def test_z_catches_a_shifted_energy_and_a_too_narrow_ensemble():
    rng = np.random.default_rng(1)
    shifted = _null_z(rng, 50, shift=0.02)         # one field's spread: about 6 standard errors of 48 fields
    assert np.mean(np.abs(shifted["energy"]) > zs.WITHIN) > 0.9
    assert np.mean(np.abs(shifted["abs_m"]) > zs.WITHIN) < 0.1
    narrow = _null_z(rng, 50, scale=0.4)           # a sixth of the variance: C_v and chi fail in most sets (the
    # jackknife error of a variance from 8 fields per map is itself noisy: less power than for the means)
    assert np.mean(narrow["cv"] < -zs.WITHIN) > 0.75 and np.mean(narrow["chi"] < -zs.WITHIN) > 0.75


def test_correlated_variance_factor_is_the_ar1_factor_and_corrects_correlated_chains():
    tau, spacing = 10.0, 20.0
    rho = math.exp(-spacing / tau)
    assert zs.correlated_variance_factor(tau, spacing) == pytest.approx((1 + rho) / (1 - rho))
    assert zs.correlated_variance_factor(1.0, 1e3) == pytest.approx(1.0)
    rng = np.random.default_rng(2)
    n_chains, n = 4000, 16
    x = np.empty((n_chains, n))
    x[:, 0] = rng.standard_normal(n_chains)
    for i in range(1, n):                          # stationary AR(1) with unit variance
        x[:, i] = rho * x[:, i - 1] + math.sqrt(1 - rho ** 2) * rng.standard_normal(n_chains)
    ratio = x.mean(axis=1).var() / (1 / n)         # finite n: (1+rho)/(1-rho) minus O(1/n)
    exact_finite = 1 + 2 * sum((1 - k / n) * rho ** k for k in range(1, n))
    assert ratio == pytest.approx(exact_finite, rel=0.1)
    assert exact_finite == pytest.approx(zs.correlated_variance_factor(tau, spacing), rel=0.05)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        zs.correlated_variance_factor(0.0, 2.0)
    vals, maps = _values(np.random.default_rng(3), 2, 2)
    with pytest.raises(ValueError, match="at least 3"):
        zs.set_estimate(vals, maps, T, N)


def test_summary_counts_within_and_worst():
    s = zs.summary({"a": 0.5, "b": -4.0, "c": 2.9})
    assert s == {"z_within": pytest.approx(2 / 3), "z_max": 4.0, "n_z": 3}
