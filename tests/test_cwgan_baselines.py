"""Tests of the non-learned baselines (support.cwgan.models.baselines): Villain field, Gaussian random field, prior."""

import numpy as np
import pytest

from support import xy
from support.cwgan.models import baselines as bl


def test_gaussian_random_field_covariance():
    rng = np.random.default_rng(1)
    ell, amp = 2.0, 0.8
    f = bl.gaussian_random_field(32, 200, rng, corr_length=ell, amplitude=amp)
    assert f.var() == pytest.approx(amp ** 2, rel=0.05)
    lag1 = np.mean(f * np.roll(f, 1, axis=-1)) / f.var()
    assert lag1 == pytest.approx(np.exp(-1 / (2 * ell ** 2)), abs=0.03)


def test_baselines_keep_or_ignore_the_map_and_draw_in_order():
    L = 12
    charges = np.repeat(np.stack([xy.pair_map(L, (0, 2), (3, 3)), xy.pair_map(L, (1, 1), (6, 2))]), 3, axis=0)
    fields = bl.all_baselines(charges, np.full(6, 0.1), np.random.default_rng(0))
    assert list(fields) == list(bl.BASELINES)
    assert all(f.dtype == np.float32 and f.shape == charges.shape for f in fields.values())
    assert np.all(xy.matches_map(fields["villain"], charges)) and np.all(xy.matches_map(fields["prior"], charges))
    # the Villain baseline is one field per map up to a global angle
    d = xy.wrap_angle(fields["villain"][1].astype(float) - fields["villain"][0])
    assert np.allclose(xy.wrap_angle(d - d[0, 0]), 0, atol=1e-5)
    # same rng, same order of draws: the same fields
    again = bl.all_baselines(charges, np.full(6, 0.1), np.random.default_rng(0))
    assert all(np.array_equal(fields[k], again[k]) for k in bl.BASELINES)
    with pytest.raises(ValueError, match="unknown baseline"):
        bl.baseline_fields("nope", charges, 0.1, np.random.default_rng(0))
