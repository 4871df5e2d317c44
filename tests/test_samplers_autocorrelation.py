"""Tests of the integrated autocorrelation time (support.samplers.autocorrelation)."""

import numpy as np
import pytest

from support.cwgan.evaluation import mc_reference
from support.samplers.autocorrelation import integrated_autocorrelation_time


def test_integrated_autocorrelation_time():
    rng = np.random.default_rng(4)
    assert integrated_autocorrelation_time(rng.standard_normal(20000)) == pytest.approx(0.5, abs=0.05)
    rho, n = 0.9, 100000
    x = np.empty(n)
    x[0] = 0
    eps = rng.standard_normal(n)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + eps[t]
    exact = (1 + rho) / (2 * (1 - rho))      # 9.5 sweeps
    # relative statistical error of τ ~ sqrt(2 (2M + 1) / n) with M ~ 5 τ: about 5 %
    assert integrated_autocorrelation_time(x) == pytest.approx(exact, rel=0.15)


def test_still_importable_from_the_mc_reference():
    assert mc_reference.integrated_autocorrelation_time is integrated_autocorrelation_time
