"""Tests for support.vae.training.splits: validation points are test points of no split, and the test blocks are kept."""

import numpy as np
import pytest

from support.chiral.dataset import split_by_point
from support.vae.training.splits import vae_splits


def test_validation_points_are_tested_by_no_split():
    point = np.repeat(np.arange(40), 3)
    kw = dict(n_splits=3, test_fraction=0.15, val_fraction=0.1, seed=2)
    splits = vae_splits(point, **kw)
    all_test = np.concatenate([s["test_points"] for s in splits])
    for k, s in enumerate(splits):
        assert np.array_equal(s["test_points"], split_by_point(point, split=k, **kw)["test_points"])
        assert not np.isin(s["val_points"], all_test).any()
        assert np.array_equal(s["val_points"], splits[0]["val_points"])
        parts = np.concatenate([s["fit"], s["val"], s["test"]])
        assert np.array_equal(np.sort(parts), np.arange(len(point)))  # a partition of the lattices
        assert not np.isin(point[s["fit"]], np.r_[s["val_points"], s["test_points"]]).any()
    assert len(splits[0]["val_points"]) == round(0.1 * (40 - 6))
    # the old rule does put a validation point of some split among another split's test points here
    old_val = [np.unique(point[split_by_point(point, split=k, **kw)["val"]]) for k in range(3)]
    assert any(np.isin(v, all_test).any() for v in old_val)


def test_too_few_untested_points_is_an_error():
    with pytest.raises(ValueError, match="tested by no split"):
        vae_splits(np.arange(10), n_splits=5, test_fraction=0.2, val_fraction=0.5)
