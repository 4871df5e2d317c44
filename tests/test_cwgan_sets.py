"""Evaluation sets: the split, fresh maps, measured MC spacing and the reference / noise-floor chains."""

import numpy as np
import pytest

from support import xy
from support.cwgan.evaluation import sets as es
from support.cwgan.split import split_maps, unseen_classes
from support.xy.dataset import draw_maps, map_id


def _dataset_maps(L=16, n_maps=12, seed=0):
    charges, classes = draw_maps(L, n_maps, np.random.default_rng(seed))
    return charges, classes, map_id(charges)


def test_multi_pair_maps_have_exact_charge_content_and_an_exact_villain_start():
    k = es.multi_pair_maps(16, 3, 40, np.random.default_rng(1))
    assert k.dtype == np.int8 and k.shape == (40, 16, 16)
    assert np.all((k == 1).sum(axis=(1, 2)) == 3) and np.all((k == -1).sum(axis=(1, 2)) == 3)
    assert np.array_equal(xy.vortices(xy.villain_field(k)), k)
    with pytest.raises(ValueError):
        es.multi_pair_maps(2, 3, 1, np.random.default_rng(0))


def test_set_maps_define_every_set():
    charges, classes, ids = _dataset_maps()
    masks = split_maps(ids, classes, holdout_fraction=0.25, validation_fraction=0.1, seed=0)
    for name in es.SETS:
        part = masks.get(name, masks["seen_class"])
        dataset_maps = {"charges": charges[part], "map_id": ids[part], "distance_class": classes[part]}
        rows = es.set_maps(name, L=16, target_T=0.1, n_maps=4, seed=0, dataset_maps=dataset_maps)
        assert len({len(v) for v in rows.values()}) == 1
        assert np.array_equal(rows["n_pairs"], (rows["charges"] == 1).sum(axis=(1, 2)))
        if name in ("L32", "L64"):
            assert rows["charges"].shape[-1] == int(name[1:]) and set(rows["n_pairs"]) == {1, 2, 3}
        if name == "many_pairs":
            assert set(rows["n_pairs"]) == {4, 5, 6} and rows["charges"].shape[-1] == 16
        if name == "outside_T":
            assert np.all(rows["T"] == np.float32(1.1))
        if name == "unseen_T":
            assert np.all(rows["T"] == np.float32(0.3))
            assert not np.isin(rows["distance_class"], unseen_classes(0)).any()
        if name == "multi_pair":
            assert set(np.round(rows["T"].astype(float), 3)) == {0.1, 0.5} and set(rows["n_pairs"]) == {2, 3}
        if name == "unseen_class":
            assert set(rows["distance_class"]) == set(unseen_classes(0))
        if name == "seen_class":
            assert 0 in rows["distance_class"] and not np.isin(rows["distance_class"], unseen_classes(0)).any()
    with pytest.raises(ValueError):
        es.set_maps("seen_class", L=16, target_T=0.1, n_maps=4, seed=0)


def test_training_distribution_is_read_off_the_maps():
    charges, classes, ids = _dataset_maps()
    masks = split_maps(ids, classes, holdout_fraction=0.25, validation_fraction=0.1, seed=0)
    data = {"charges": charges, "distance_class": classes, "T": np.repeat(np.float32([0.1, 0.5, 0.9]), 4)[:len(classes)]}
    unseen = unseen_classes(0)
    unet = es.unet_conditions(data, unseen)
    learned = es.learned_conditions(dict(L=16, T_min=0.1, T_max=0.9, multi_pair_fraction=0.3), unseen)
    expected = {  # (U-Net, learned): the learned generator never drew the no-pair map, the U-Nets never 2+ pairs
        "seen_class": (True, False), "unseen_class": (False, False), "multi_pair": (False, True),
        "unseen_T": (False, True), "L32": (False, False), "many_pairs": (False, False), "L64": (False, False),
        "outside_T": (False, False)}
    for name, (in_unet, in_learned) in expected.items():
        part = masks.get(name, masks["seen_class"])
        dataset_maps = {"charges": charges[part], "map_id": ids[part], "distance_class": classes[part]}
        rows = es.set_maps(name, L=16, target_T=0.1, n_maps=2, seed=0, dataset_maps=dataset_maps)
        assert es.in_training_distribution(rows, unet) is in_unet, name
        assert es.in_training_distribution(rows, learned) is in_learned, name
    no_multi = es.learned_conditions(dict(L=16, T_min=0.1, T_max=0.9, multi_pair_fraction=0.0), unseen)
    rows = es.set_maps("multi_pair", L=16, target_T=0.1, n_maps=2, seed=0)
    assert not es.in_training_distribution(rows, no_multi)


@pytest.mark.parametrize("overrelax", [0, 2])
def test_mc_reference_gives_two_independent_chains_on_every_map(overrelax):
    maps = es.set_maps("multi_pair", L=16, target_T=0.1, n_maps=2, seed=0)
    mc = es.mc_reference(maps, samples_per_map=3, spacing={0.1: 5, 0.5: 5}, burn_in=20, seed=1, overrelax=overrelax)
    for key in ("reference", "noise_floor"):
        rows = mc[key]
        assert rows["theta"].shape == (3 * len(maps["T"]), 16, 16)
        assert np.array_equal(xy.vortices(rows["theta"]), rows["charges"])
        assert np.array_equal(rows["charges"], np.repeat(maps["charges"], 3, axis=0))
    assert not np.allclose(mc["reference"]["theta"], mc["noise_floor"]["theta"])


def test_measured_spacing_is_twice_tau_rounded_up():
    k = es.random_pair_maps(16, [3], 2, np.random.default_rng(0))
    s = es.measured_spacing(k, 0.1, burn_in=50, pilot_sweeps=400, seed=0)
    assert s["tau_int"] == max(s["tau_int_energy"], s["tau_int_m"]) and s["tau_int"] >= 0.5
    assert s["spacing"] == int(np.ceil(2 * s["tau_int"]))


def test_topological_fields_shrink_with_the_lattice_and_keep_two():
    assert es.topo_fields_at(32, 16, 16) == 32 and es.topo_fields_at(32, 16, 32) == 8
    assert es.topo_fields_at(32, 16, 64) == 2 and es.topo_fields_at(4, 16, 64) == 2
