"""Scoring variants on a set: shapes, the noise-floor row, the saved fields, the MC-match rule."""

import numpy as np
import pytest

from support import xy
from support.cwgan.evaluation import generalisation as gz
from support.cwgan.evaluation import sets as es


@pytest.fixture(scope="module")
def tiny_set():
    maps = es.set_maps("multi_pair", L=16, target_T=0.1, n_maps=2, seed=0)
    return {"maps": maps, **es.mc_reference(maps, samples_per_map=2, spacing={0.1: 5, 0.5: 5}, burn_in=20, seed=1)}


def _villain(charges, T, seed):
    rng = np.random.default_rng(seed)
    return xy.wrap_angle(xy.villain_field(charges) + rng.uniform(0, 2 * np.pi, (len(charges), 1, 1)))


def _ordered(charges, T, seed):
    return np.zeros(charges.shape, np.float32)


def test_scores_include_the_noise_floor_and_every_variant(tiny_set, tmp_path):
    scores, fields, seconds = gz.score_variants(tiny_set, {"villain": _villain, "ordered": _ordered},
                                                n_thresholds=6, topo_fields=2, seed=0)
    assert list(scores) == [gz.NOISE_FLOOR, "villain", "ordered"] and set(seconds) == {"villain", "ordered"}
    assert scores["villain"]["exact_map"] == 1.0 and scores["ordered"]["exact_map"] == 0.0
    assert scores["villain"]["dE_per_site"] < 0      # the T = 0 field has no thermal energy
    gz.save_set_fields(tmp_path / "s.npz", tiny_set, fields)
    with np.load(tmp_path / "s.npz", allow_pickle=False) as z:
        assert {"theta_real", "charges", "T", "theta_villain", f"theta_{gz.NOISE_FLOOR}"} <= set(z.files)
        assert z["theta_villain"].shape == z["theta_real"].shape
    table = gz.set_table(scores, ["exact_map", "dE_rel"])
    assert list(table.index) == list(scores) and list(table.columns) == ["exact_map", "dE_rel"]


def test_a_variant_with_the_wrong_shape_is_an_error(tiny_set):
    with pytest.raises(ValueError):
        gz.score_variants(tiny_set, {"bad": lambda k, T, s: np.zeros((1, 16, 16))}, n_thresholds=4,
                          topo_fields=1, seed=0)


def test_matches_monte_carlo_uses_the_noise_floor_distance():
    scores = {gz.NOISE_FLOOR: {"r2_chi": 0.9, "dE_rel": 0.001}, "a": {"r2_chi": 0.85, "dE_rel": 0.003},
              "b": {"r2_chi": 0.7, "dE_rel": -0.0015}}
    assert gz.matches_monte_carlo(scores, "a", "r2_chi")          # 0.15 <= 2 * 0.1
    assert not gz.matches_monte_carlo(scores, "b", "r2_chi")      # 0.30 > 0.2
    assert not gz.matches_monte_carlo(scores, "a", "dE_rel")      # 0.003 > 0.002
    assert gz.matches_monte_carlo(scores, "b", "dE_rel")


def test_paired_residual_of_a_known_shift(tiny_set):
    ref = tiny_set["reference"]["theta"]
    fields = {"prior_alone": ref, "shifted": xy.wrap_angle(ref + 0.1), "same": ref}
    assert gz.paired_residual(tiny_set, fields, "shifted")["rms_residual"] == pytest.approx(0.1, abs=1e-5)
    same = gz.paired_residual(tiny_set, fields, "same")
    assert same["rms_residual"] == 0.0 and same["d_energy_in_noise_floor"] == 0.0


def test_verdict_counts_metrics_within_the_noise_floor_and_skips_undefined_ones():
    scores = {"s": {gz.NOISE_FLOOR: {"exact_map": 1.0, "dE_rel": 0.001, "r2_nu": float("nan")},
                    "good": {"exact_map": 1.0, "dE_rel": -0.0015, "r2_nu": float("nan")},
                    "bad": {"exact_map": 0.5, "dE_rel": 0.01, "r2_nu": 0.3}}}
    table = gz.verdict(scores)
    assert table.loc["good", "s"] == "2/2" and table.loc["bad", "s"] == "0/2"
    head = gz.headline(scores, ["good", "bad"])
    assert head["s_n_metrics"] == 2 and head["s_good_match"] == 2 and head["s_bad_exact_map"] == 0.5
