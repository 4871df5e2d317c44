"""Scoring variants on a set: shapes, the noise-floor row, the saved fields, z-scores and the verdict table."""

import numpy as np
import torch
import pytest

from support import xy
from support.cwgan.evaluation import generalisation as gz
from support.cwgan.evaluation import sets as es
from support.cwgan.evaluation import z_scores


@pytest.fixture(scope="module")
def tiny_set():
    maps = es.set_maps("multi_pair", L=16, target_T=0.1, n_maps=2, seed=0)
    spacing = {t: {"tau_int": 2.5, "spacing": 5} for t in (0.1, 0.5)}
    return {"maps": maps, "spacing": spacing,
            **es.mc_reference(maps, samples_per_map=3, spacing={0.1: 5, 0.5: 5}, burn_in=20, seed=1)}


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


def test_paired_residual_of_a_known_shift(tiny_set):
    ref = tiny_set["reference"]["theta"]
    fields = {"prior_alone": ref, "shifted": xy.wrap_angle(ref + 0.1), "same": ref}
    assert gz.paired_residual(tiny_set, fields, "shifted")["rms_residual"] == pytest.approx(0.1, abs=1e-5)
    same = gz.paired_residual(tiny_set, fields, "same")
    assert same["rms_residual"] == 0.0 and same["d_energy_in_noise_floor"] == 0.0


def test_rows_carry_z_scores_sizes_and_training_distribution(tiny_set):
    conditions = {"villain": es.learned_conditions(dict(L=16, T_min=0.1, T_max=0.9, multi_pair_fraction=0.3), [])}
    scores, _, _ = gz.score_variants(tiny_set, {"villain": _villain, "ordered": _ordered}, n_thresholds=4,
                                     topo_fields=1, seed=0, conditions=conditions)
    n = len(tiny_set["reference"]["theta"])
    for row in scores.values():
        assert row["n_fields"] == n and set(row["z"]) == set(z_scores.OBSERVABLES)
        assert set(row["z_by_T"]) == {"0.1", "0.5"} and row["n_z"] == 2 * len(z_scores.OBSERVABLES)
    assert scores["villain"]["in_training_distribution"] and not scores["ordered"]["in_training_distribution"]
    assert scores["ordered"]["z_within"] < 1.0       # spins all aligned: |M| = 1, far from any thermal set
    table = gz.z_table({"s": scores})
    assert table.loc[("s", "villain"), "fields"] == n and table.loc[("s", "ordered"), "largest |z|"] > 3
    assert table.loc[("s", "villain"), "training distribution"] == "inside"
    assert list(gz.score_tables({"s": scores}).index) == [("s", v) for v in scores]
    head = gz.headline({"s": scores}, ["villain", "missing"])
    assert head["s_villain_distribution"] == "inside" and head["s_missing_z_within"] == "not scored"
    assert head["s_mc_noise_floor_distribution"] == "outside"


def test_exact_variant_keeps_maps_thins_and_records_its_autocorrelation(tiny_set):
    from support.cwgan.models.learned import LearnedGenerator

    torch.manual_seed(0)
    variant = gz.ExactVariant(LearnedGenerator(widths=[4]), thin=3)
    ref = tiny_set["reference"]
    theta = variant(ref["charges"], ref["T"], seed=0)
    assert theta.shape == ref["theta"].shape and xy.matches_map(theta, ref["charges"]).all()
    assert set(variant.variance_factor) == {0.1, 0.5} and all(f >= 1.0 for f in variant.variance_factor.values())
    assert np.array_equal(theta, variant(ref["charges"], ref["T"], seed=0))          # seeded
    scores, _, _ = gz.score_variants(tiny_set, {"exact": variant}, n_thresholds=4, topo_fields=1, seed=0)
    assert scores["exact"]["exact_map"] == 1.0 and scores["exact"]["n_fields"] == len(ref["theta"])
    with pytest.raises(ValueError):
        gz.ExactVariant(None, thin=0)
