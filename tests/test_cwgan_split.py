"""Tests of the data splits of the cWGAN (support.cwgan.split): held-out maps, monitor and evaluation sets, halves."""

import numpy as np
import pytest

from support import xy
from support.cwgan import split
from support.cwgan.prior import prior_angles

L = 8


def _data(n_maps=6, per_map=4, seed=0):
    """Small stand-in data set: the prior itself at two temperatures (the test checks mechanics, not physics)."""
    rng = np.random.default_rng(seed)
    maps = np.stack([xy.pair_map(L, (0, 1 + m % 3), (m, 2 * m)) for m in range(n_maps)])
    k = np.repeat(maps, per_map, axis=0)
    T = np.tile(np.repeat(np.float32([0.1, 0.5]), per_map // 2), n_maps)
    theta = prior_angles(k, T, rng, ground_state="relaxed", self_consistent=False)
    return dict(theta=theta, charges=k, T=T, distance=xy.pair_distance(k).astype(np.float32),
                map_id=np.repeat(np.arange(n_maps), per_map))


def test_heldout_mask_by_map_and_distance():
    d = _data(n_maps=12)
    held = split.heldout_mask(d["map_id"], d["distance"], 0.34, seed=0)
    assert not set(d["map_id"][held]) & set(d["map_id"][~held])
    for dist in np.unique(d["distance"]):  # every distance in both parts
        sel = d["distance"] == dist
        assert held[sel].any() and (~held[sel]).any()
    ids = split.heldout_map_ids(d, 0.34, seed=0)
    assert ids.dtype == np.int64 and np.array_equal(ids, np.unique(d["map_id"][held]))
    assert not np.array_equal(ids, split.heldout_map_ids(d, 0.34, seed=1))   # the seed moves the split
    with pytest.raises(ValueError, match="fraction"):
        split.heldout_mask(d["map_id"], d["distance"], 1.0, seed=0)


def test_evaluation_set_and_split_half():
    n_per_chain = 3
    chains = np.arange(8)
    data = {
        "map_id": np.repeat([0, 0, 5, 6, 7, 8, 9, 10], n_per_chain),
        "distance_class": np.repeat([0, 0, 1, 1, 1, 2, 2, 2], n_per_chain),
        "T": np.full(8 * n_per_chain, 0.1, np.float32),
        "chain": np.repeat(chains, n_per_chain),
    }
    idx = split.evaluation_set(data, heldout_ids=[6, 9, 10], max_per_class=4)
    ids = data["map_id"][idx]
    assert set(ids) == {0, 6, 9, 10}
    for c in (0, 2):
        assert np.sum(data["distance_class"][idx] == c) == 4     # capped
    assert np.sum(data["distance_class"][idx] == 1) == 3         # one held-out chain
    mask = split.split_half_mask(data["distance_class"], data["chain"])
    for c in range(3):                                           # whole chains on either side
        sel = data["distance_class"] == c
        assert 0 < mask[sel].sum() < sel.sum()
        assert not set(data["chain"][sel & mask]) & set(data["chain"][sel & ~mask])
    np.testing.assert_array_equal(split.first_per_class(np.array([2, 0, 2, 0, 2]), 2), [1, 3, 0, 2])


def test_monitor_set_takes_whole_maps_at_one_temperature():
    d = _data(n_maps=12)
    m = split.monitor_set(d, 0.5, n_maps=3, seed=0)
    assert len(np.unique(m["map_id"])) == 3 and np.all(m["T"] == np.float32(0.5))
    for i in np.unique(m["map_id"]):              # every sample of a chosen map at that T
        assert np.sum(m["map_id"] == i) == np.sum((d["map_id"] == i) & (d["T"] == np.float32(0.5)))
    with pytest.raises(ValueError, match="no monitor data"):
        split.monitor_set(d, 0.3, n_maps=3, seed=0)
