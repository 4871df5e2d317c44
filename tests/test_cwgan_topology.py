"""Tests of the topology scores (support.cwgan.evaluation.topology): thresholds, curves, Acc_topo, persistence."""

import numpy as np
import pytest

from support.cwgan.evaluation import topology as ts_
from support.cwgan.models.baselines import baseline_fields
from support.topology import filtration as tda


def test_topology_separates_baselines_from_mc(small_mc):
    """Split-half MC agrees with itself better than the weak baselines agree with MC."""
    th, k, cls, T = small_mc["theta"], small_mc["charges"], small_mc["classes"], small_mc["T"]
    half = np.zeros(len(th), bool)
    half[::2] = True
    ts = ts_.topo_thresholds(th, 8)
    assert np.all(np.diff(ts) > 0) and ts[0] > 0
    ref = ts_.curves_from_measures(tda.topo_measures(th[half], ts), cls[half])
    floor = ts_.acc_topo_by_measure(ref, ts_.curves_from_measures(tda.topo_measures(th[~half], ts), cls[~half]))
    rng = np.random.default_rng(6)
    grf = ts_.acc_topo_by_measure(ref, ts_.curves_from_measures(tda.topo_measures(baseline_fields("grf", k, T, rng), ts), cls))
    vil = ts_.acc_topo_by_measure(ref, ts_.curves_from_measures(tda.topo_measures(baseline_fields("villain", k, T, rng), ts), cls))
    for m in tda.MEASURES:   # with 16 fields per half the floor itself is 0.2-0.8; baselines 0.04-0.6
        assert floor[m] > grf[m] and floor[m] > vil[m]
    # persistence: MC halves are closer to each other than MC is to the Gaussian random field
    dg_mc = ts_.persistence_by_class(th, cls)
    dg_grf = ts_.persistence_by_class(baseline_fields("grf", k, T, rng), cls)
    noise = ts_.persistence_distance(dg_mc, dg_mc, dim=1, n_pairs=10)
    assert ts_.persistence_distance(dg_mc, dg_grf, dim=1, n_pairs=10) > 2 * noise


def test_topology_scores_floor_beats_the_grf(small_mc):
    th, k, cls, T = small_mc["theta"], small_mc["charges"], small_mc["classes"], small_mc["T"]
    half = np.arange(len(th)) % 2 == 0
    sources = {"MC": th, "generator": th, "prior": th, "grf": baseline_fields("grf", k, T, np.random.default_rng(1))}
    thresholds = ts_.topo_thresholds(th, 8)
    out = ts_.topology_scores(sources, cls, half, thresholds, n_per_class=32)
    assert sorted(out["measures_all"]) == ["MC", "generator", "prior"]
    assert all(v == 1.0 for v in out["acc"]["generator"].values())        # MC against itself: every point agrees
    assert out["acc"]["MC halves"]["area"] > out["acc"]["grf"]["area"]
    dev, summary = ts_.euler_deviation(out["measures_all"], cls, thresholds)
    assert summary["prior"]["fraction_abs_z_above_3"] == 0.0 and summary["prior"]["acc_topo"]["euler"] == 1.0


def test_curve_deviation_measures_offsets_in_standard_errors():
    # two classes, 3 thresholds; the generated class 1 is shifted by +0.5 at every threshold
    rng = np.random.default_rng(0)
    ref = {"euler": rng.normal(-10.0, 2.0, size=(400, 3))}
    classes = np.repeat([0, 1], 200)
    gen = {"euler": ref["euler"] + 0.5 * (classes == 1)[:, None]}
    dev = ts_.curve_deviation(ref, classes, gen, classes, "euler")
    assert np.array_equal(dev["class"], [0, 1])
    assert np.allclose(dev["rel"][0], 0) and np.allclose(dev["z"][0], 0)
    # same spread in both, so z = 0.5 / (sqrt(2) * se) with se = std / sqrt(200)
    se = ref["euler"][200:].std(axis=0, ddof=1) / np.sqrt(200)
    assert np.allclose(dev["z"][1], 0.5 / (np.sqrt(2) * se))
    assert np.allclose(dev["rel"][1], 0.5 / np.abs(ref["euler"][200:].mean(axis=0)))
    with pytest.raises(ValueError, match="different classes"):
        ts_.curve_deviation(ref, classes, gen, np.zeros(400, int), "euler")
