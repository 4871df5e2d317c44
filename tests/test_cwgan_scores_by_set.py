"""Set scores on exact cases: a set against itself, a known energy shift, a wrong map."""

import numpy as np
import pytest

from support import xy
from support.cwgan.evaluation import scores as ss
from support.cwgan.evaluation import sets as es


@pytest.fixture(scope="module")
def small_set():
    maps = es.set_maps("unseen_T", L=16, target_T=0.1, n_maps=2, seed=0)
    return es.mc_reference(maps, samples_per_map=4, spacing={0.3: 10}, burn_in=50, seed=2)


def _summary(rows):
    thr = ss.set_thresholds(rows, 8)
    return thr, ss.summarize_set(rows, thr, topo_fields=4)


def test_a_set_scores_perfectly_against_itself(small_set):
    thr, ref = _summary(small_set["reference"])
    s = ss.score_set(ref, ref)
    assert s["exact_map"] == 1.0 and s["dE_per_site"] == 0.0 and s["d_abs_m"] == 0.0
    assert s["spread_ratio_E"] == 1.0 and s["corr_r2"] == 1.0
    assert all(s[f"acc_{m}"] == 1.0 for m in ("area", "perimeter", "euler", "radius", "diameter"))
    assert s["r2_energy"] == 1.0 and "by_T" not in s


def test_the_noise_floor_is_close_but_not_identical(small_set):
    thr, ref = _summary(small_set["reference"])
    floor = ss.summarize_set(small_set["noise_floor"], thr, topo_fields=4)
    s = ss.score_set(ref, floor)
    assert s["exact_map"] == 1.0 and 0 < abs(s["dE_rel"]) < 0.05 and 0.5 < s["spread_ratio_E"] < 2


def test_energy_difference_and_exact_map_of_a_known_distortion(small_set):
    thr, ref = _summary(small_set["reference"])
    ordered = dict(small_set["reference"])
    ordered["theta"] = np.zeros_like(ordered["theta"])      # E/N = -2 exactly, no vortices at all
    s = ss.score_set(ref, ss.summarize_set(ordered, thr, topo_fields=4))
    e_ref = xy.energy_per_site(small_set["reference"]["theta"]).mean()
    assert s["dE_per_site"] == pytest.approx(-2.0 - e_ref, abs=1e-6)
    assert s["exact_map"] == 0.0
    assert s["d_abs_m"] == pytest.approx(1.0 - xy.magnetization(small_set["reference"]["theta"]).mean(), abs=1e-6)


def test_a_set_with_two_temperatures_reports_both():
    maps = es.set_maps("multi_pair", L=16, target_T=0.1, n_maps=2, seed=0)
    mc = es.mc_reference(maps, samples_per_map=2, spacing={0.1: 5, 0.5: 5}, burn_in=20, seed=1)
    thr = ss.set_thresholds(mc["reference"], 6)
    ref = ss.summarize_set(mc["reference"], thr, topo_fields=2)
    s = ss.score_set(ref, ss.summarize_set(mc["noise_floor"], thr, topo_fields=2))
    assert set(s["by_T"]) == {"0.1", "0.5"} and s["dE_rel"] == s["by_T"]["0.1"]["dE_rel"]
    assert "r2_energy" not in s     # multi-pair maps have no pair distance


def test_mismatched_sets_are_an_error(small_set):
    thr, ref = _summary(small_set["reference"])
    half = {k: v[:4] for k, v in small_set["reference"].items()}
    with pytest.raises(ValueError):
        ss.compare(ref[0.3], ss.summarize(ss.at_temperature(half, 0.3), 0.3, thresholds=thr[0.3], topo_fields=4))
