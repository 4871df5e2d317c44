"""Tests of the data splits of the cWGAN (support.cwgan.split): held-out maps, monitor and evaluation sets, halves."""

import numpy as np
import pytest
from cwgan_stand_in import stand_in_data

from support.cwgan import split
from support.xy.dataset import draw_maps, map_id

L = 8


def test_unseen_classes_take_one_class_per_distance_band_fixed_by_the_seed():
    for seed in range(5):
        unseen = split.unseen_classes(seed)
        assert [sum(c in band for c in unseen) for band in split.DISTANCE_BANDS] == [1, 1, 1]
        assert split.unseen_classes(seed) == unseen
    assert len({split.unseen_classes(s) for s in range(10)}) > 1


def _dataset_maps(L=16, n_maps=12, seed=0):
    charges, classes = draw_maps(L, n_maps, np.random.default_rng(seed))
    return charges, classes, map_id(charges)


def test_split_masks_are_disjoint_cover_everything_and_keep_unseen_classes_out_of_training():
    charges, classes, ids = _dataset_maps()
    masks = split.split_maps(ids, classes, holdout_fraction=0.25, validation_fraction=0.1, seed=3)
    stacked = np.stack([masks[k] for k in ("train", "validation", "seen_class", "unseen_class")])
    assert np.all(stacked.sum(0) == 1)
    unseen = split.unseen_classes(3)
    assert set(np.unique(classes[masks["unseen_class"]])) == set(unseen)
    assert not np.isin(classes[masks["train"] | masks["validation"] | masks["seen_class"]], unseen).any()
    training_classes = set(range(1, 13)) - set(unseen)
    for part in ("train", "validation", "seen_class"):
        assert training_classes <= set(np.unique(classes[masks[part]]))
    assert np.all(masks["train"][classes == 0])
    # no placement is in two parts
    assert not set(ids[masks["train"]]) & set(ids[masks["seen_class"] | masks["validation"]])


def test_split_rejects_impossible_fractions():
    _, classes, ids = _dataset_maps()
    with pytest.raises(ValueError):
        split.split_maps(ids, classes, holdout_fraction=0.6, validation_fraction=0.5, seed=0)


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
    d = stand_in_data(L, n_maps=12)
    m = split.monitor_set(d, 0.5, n_maps=3, seed=0)
    assert len(np.unique(m["map_id"])) == 3 and np.all(m["T"] == np.float32(0.5))
    for i in np.unique(m["map_id"]):              # every sample of a chosen map at that T
        assert np.sum(m["map_id"] == i) == np.sum((d["map_id"] == i) & (d["T"] == np.float32(0.5)))
    with pytest.raises(ValueError, match="no monitor data"):
        split.monitor_set(d, 0.3, n_maps=3, seed=0)
