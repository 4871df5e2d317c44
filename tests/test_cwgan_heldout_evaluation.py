"""Tests of chapter 02's scorecard (support.cwgan.heldout_evaluation): pooling, targets, best variant."""

import pytest

from support.cwgan import heldout_evaluation as he

from cwgan_stand_in import stand_in_data

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
