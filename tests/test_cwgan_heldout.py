"""Tests of chapter 02's scorecard (support.cwgan.evaluation.heldout): pooling, targets, best variant."""

import pytest
from cwgan_stand_in import stand_in_data

from support.cwgan import load_generator
from support.cwgan.evaluation import heldout as he
from support.cwgan.training.wgan import train_cwgan

L = 8


def test_evaluate_generator_identical_fields_score_perfectly():
    """Comparing MC with itself: zero errors, ratios 1 (checks grouping and pooling)."""
    d = stand_in_data(L)
    stats = he.field_stats(d["theta"], d["charges"])
    groups = d["map_id"] * 10 + (d["T"] > 0.3)
    m = he.compare_groups(stats, stats, groups, groups)
    assert m["energy_rel_error"] == 0 and m["magnetization_abs_error"] == 0
    assert m["energy_std_ratio"] == pytest.approx(1) and m["charge_match_rate"] == 1
    # one field per group has zero within-group spread
    one = {k: v[::4].repeat(4) for k, v in stats.items()}
    assert he.compare_groups(one, stats, groups, groups)["energy_std_ratio"] == 0


def _summary(match, e_err, T=0.1):
    at = dict(charge_match_rate=match, energy_rel_error=e_err, magnetization_abs_error=0.01, energy_std_ratio=1.1,
              magnetization_std_ratio=0.5)
    return dict(target_T=T, by_T={"0.1": at, "0.9": dict(at, charge_match_rate=0.0)},
                charge_match_rate={"0.1": match, "0.9": 0.0})


def test_targets_and_best_variant():
    s = _summary(0.97, 0.03)
    checks = he.check_targets(s)
    assert [k for k, c in checks.items() if c["met"]] == ["charge_match_rate", "magnetization_abs_error",
                                                          "energy_std_ratio"]
    assert checks["energy_std_ratio"]["target"] == "1 ± 0.25"
    # most targets met wins; on a tie the exact-map match rate at the target T decides; the 0.9 row plays no part
    assert he.choose_best_variant({"paper": _summary(0.5, 0.01), "prior": _summary(0.97, 0.03)}) == "prior"
    assert he.choose_best_variant({"paper": _summary(0.97, 0.01), "prior": _summary(0.96, 0.01)}) == "paper"
    assert he.choose_best_variant({}) is None
    table = he.targets_table({"paper": _summary(0.5, 0.01)}).splitlines()
    assert len(table) == 1 + len(he.TARGETS) and "MISS" in table[1] and table[1].endswith(">= 0.95")


def test_training_rate_counts_critic_and_generator_batches():
    r = {"history": [{}, {}, {}], "train_seconds": 12.0}
    t = {"steps_per_epoch": 20, "batch_size": 64, "n_critic": 4}
    assert he.training_rate(r, t) == 1600.0                       # 3 epochs * 20 steps * 64 * (4 + 1) / 12 s
    assert he.training_rate({**r, "train_seconds": 0.0}, t) == 19200 / 1e-9


def test_summarize_trained_scores_each_checkpoint(tmp_path):
    d = stand_in_data(L)
    model = dict(gen_widths=[4, 8], noise_channels=2, critic_widths=[4, 8], critic_full_res_layers=1)
    res = train_cwgan(d, variant="prior", out_dir=tmp_path, model=model, training=dict(epochs=0, batch_size=8),
                      progress=False)
    parts = {"held": d}
    out = he.summarize_trained({"prior": res}, parts, target_T=0.1, seed=2, batch_size=16)
    direct = he.summarize_parts(load_generator(res["checkpoint"]), parts, target_T=0.1,
                                train_seconds=res["train_seconds"], seed=2, batch_size=16)
    assert list(out) == ["prior"] and list(out["prior"]) == ["held"]
    assert out["prior"]["held"]["by_T"] == direct["held"]["by_T"]
    assert out["prior"]["held"]["train_seconds"] == res["train_seconds"]
