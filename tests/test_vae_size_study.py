"""The size study's bookkeeping: same points at every size, paired changes, power-law growth, the cost carried."""

import numpy as np
import pytest

from support.chiral.dataset import first_configs
from support.vae import size_study as ss


def test_first_configs_keeps_the_first_lattices_of_every_point():
    point = np.repeat(np.arange(4), 3)
    data = {"point": point, "id": np.arange(12)}
    kept = first_configs(data, 2)
    assert kept["id"].tolist() == [0, 1, 3, 4, 6, 7, 9, 10]
    assert first_configs(data, 5)["id"].tolist() == list(range(12))  # more than stored: all of them


def test_first_configs_refuses_a_dataset_out_of_point_order():
    with pytest.raises(ValueError, match="point order"):
        first_configs({"point": np.array([1, 0, 1])}, 1)


def test_every_size_gets_the_same_points_of_every_split():
    splits = ss.point_splits(40, n_splits=3, test_fraction=0.15, val_fraction=0.1, seed=0)
    # two sizes keeping different lattices (some points lost at one size)
    point_a = np.repeat(np.arange(40), 2)
    point_b = np.repeat(np.arange(40), 2)[np.arange(80) % 5 != 0]
    for s in splits:
        ia, ib = ss.lattice_split(s, point_a), ss.lattice_split(s, point_b)
        for name in ("fit", "val", "test"):
            assert set(point_b[ib[name]]) <= set(point_a[ia[name]]) == set(s[f"{name}_points"].tolist())
        assert not set(s["test_points"]) & set(s["fit_points"]) and not set(s["val_points"]) & set(s["test_points"])
    tests = [set(s["test_points"].tolist()) for s in splits]
    assert not (tests[0] & tests[1]) and not (tests[1] & tests[2])


def _rows(values_by_L):
    return [{"L": L, "score": {"per_split": list(v)}} for L, v in values_by_L.items()]


def test_size_trend_resolves_a_consistent_rise_and_not_noise():
    rise = ss.size_trend(_rows({32: [0.5, 0.6, 0.4], 64: [0.7, 0.81, 0.6]}), "score")
    assert rise["direction"] == "rises" and rise["slope"] == pytest.approx(0.2033, abs=1e-4) and rise["n"] == 3
    # the same means, but the per-split changes disagree in sign: not resolved
    noise = ss.size_trend(_rows({32: [0.5, 0.6, 0.4], 64: [0.9, 0.4, 0.81]}), "score")
    assert noise["direction"] == "no resolved change"
    fall = ss.size_trend(_rows({32: [0.5, 0.6, 0.4], 64: [0.3, 0.41, 0.2]}), "score")
    assert fall["direction"] == "falls"


def test_size_trend_is_a_slope_per_doubling_over_the_defined_sizes():
    # exact: 0.1 per doubling in every split; split 1 undefined at L = 16, split 2 defined at one size only
    rows = _rows({16: [0.3, np.nan, np.nan], 32: [0.4, 0.5, np.nan], 64: [0.5, 0.6, 0.9]})
    t = ss.size_trend(rows, "score")
    assert t["n"] == 2 and t["slope"] == pytest.approx(0.1) and t["se"] == pytest.approx(0.0, abs=1e-12)
    assert ss.size_trend(_rows({32: [0.5, np.nan, 0.4], 64: [0.7, 0.8, np.nan]}), "score")["direction"] == "undefined"


def test_power_law_recovers_an_exact_power_and_predicts():
    fit = ss.power_law([32, 48, 64], [2.0 * L ** 2.5 for L in (32, 48, 64)])
    assert fit["exponent"] == pytest.approx(2.5) and ss.predict(fit, 200) == pytest.approx(2.0 * 200 ** 2.5)
    with pytest.raises(ValueError):
        ss.power_law([32, 64], [1.0, 0.0])


def test_target_needs_scales_the_measured_cost():
    anneal = {L: 1e-3 * L ** 2 for L in (32, 64)}
    step = {L: 1e-4 * L ** 2 for L in (32, 64)}
    n = ss.target_needs(anneal, step, L=200, lattices=3600, sweeps_ratio=10.0, steps=36000)
    assert n["anneal_exponent"] == pytest.approx(2) and n["step_exponent"] == pytest.approx(2)
    assert n["anneal_seconds_per_lattice"] == pytest.approx(400.0)  # 1e-3 * 200^2 * 10
    assert n["anneal_core_hours"] == pytest.approx(400.0) and n["train_core_hours"] == pytest.approx(40.0)


def test_study_row_means_over_splits_and_keeps_undefined_ones_out():
    data = {"point": np.arange(6), "n_skyrmions": np.array([4, 4, 6, 6, 8, 8]), "n_defects": np.array([0, 1, 0, 1, 2, 3])}
    splits = [{"test": np.array([0, 1])}, {"test": np.array([4, 5])}]

    def scores(r, g):
        return {"test_mse": 0.01, "pearson_pc0_test": {"Q": r}, "q_direction_test": r, "probe_r2_test": {"Q": 0.9},
                "probe_skill_Q": 0.3, "mse_defects_groups": {"r": g}, "mse_defects": {"r": 0.5},
                "q_variance_share": {"q": r / 4, "pc0": r / 2}}
    row = ss.study_row(16, data, splits, [scores(0.4, np.nan), scores(0.6, 0.9)],
                       [{"pearson_pc0_test": {"Q": 0.1}, "q_variance_share": {"q": 0.05, "pc0": 0.2}}] * 2)
    assert row["L"] == 16 and row["n_lattices"] == 6 and row["n_points"] == 6
    assert row["pearson_pc0_test_Q"]["mean"] == pytest.approx(0.5) and row["pearson_pc0_test_Q"]["std"] == pytest.approx(0.1)
    assert row["mse_defects_group_mean"]["mean"] == pytest.approx(0.9)
    assert row["mse_defects_group_mean"]["splits_defined"] == 1
    assert row["skyrmions_per_lattice"]["per_split"] == [4.0, 8.0]
    assert row["q_variance_share"]["per_split"] == pytest.approx([0.1, 0.15])
    assert row["pc0_share"]["mean"] == pytest.approx(0.25)
    assert row["q_variance_share_untrained"]["mean"] == pytest.approx(0.05)
    assert row["pc0_share_untrained"]["mean"] == pytest.approx(0.2)


def test_size_jobs_refuse_a_size_without_validation_lattices():
    splits = ss.point_splits(20, n_splits=2, test_fraction=0.2, val_fraction=0.1, seed=0)
    kept = np.setdiff1d(np.arange(20), splits[1]["val_points"])  # a size that lost the validation points
    data = {"point": kept, "spins": np.zeros((len(kept), 3, 16, 16), np.float32)}
    with pytest.raises(ValueError, match="split 0 keeps no val lattice"):
        ss.size_jobs({16: data}, splits, {"L": 16, "widths": [4]}, 1e-4, "unused", train_steps=2, warmup_steps=0,
                     batch_size=4)


def test_a_split_with_too_few_test_lattices_is_undefined_not_scored():
    data = {"point": np.arange(8), "n_skyrmions": np.full(8, 4), "n_defects": np.zeros(8)}
    splits = [{"fit": np.arange(4), "val": np.array([4]), "test": np.array([5, 6, 7])},
              {"fit": np.arange(4), "val": np.array([4]), "test": np.array([], int)}]
    s = {"test_mse": 0.01, "pearson_pc0_test": {"Q": 0.5}, "q_direction_test": 0.5, "probe_r2_test": {"Q": 0.9},
         "probe_skill_Q": 0.3, "mse_defects_groups": {"r": 0.7}, "mse_defects": {"r": 0.5},
         "q_variance_share": {"q": 0.1, "pc0": 0.3}}
    row = ss.study_row(16, data, splits, [s, None],
                       [{"pearson_pc0_test": {"Q": 0.1}, "q_variance_share": {"q": 0.0, "pc0": 0.1}}, None])
    assert row["pearson_pc0_test_Q"]["per_split"][1] != row["pearson_pc0_test_Q"]["per_split"][1]  # NaN
    assert row["pearson_pc0_test_Q"]["splits_defined"] == 1 and row["skyrmions_per_lattice"]["splits_defined"] == 1
    # and score_size does not even load a model for it
    no_test = {"fit_points": np.arange(4), "val_points": np.array([4]), "test_points": np.array([], int)}
    assert ss.score_size(16, data, [no_test], ["no-such-checkpoint.pt"])["test_mse"]["splits_defined"] == 0


def test_checkpoints_of_refuses_failed_runs():
    runs = {"L16_split_0": {"L": 16, "split": 0, "path": "a.pt", "status": "ok"},
            "L16_split_1": {"L": 16, "split": 1, "path": "b.pt", "status": "diverged: nan"}}
    with pytest.raises(ValueError, match="splits \\[1\\]"):
        ss.checkpoints_of(runs, 16)
    with pytest.raises(ValueError):
        ss.checkpoints_of(runs, 32)


def _full_row(L, value, control):
    keys = ("pearson_pc0_test_Q", "q_direction_test", "mse_defects_group_mean", "pearson_pc0_test_Q_untrained")
    return {"L": L, **{k: {"per_split": list(value), "mean": float(np.mean(value)), "std": float(np.std(value))}
                       for k in keys[:3]},
            keys[3]: {"per_split": [control] * 3, "mean": control, "std": 0.0}}


def test_answer_reads_direction_and_target_off_the_numbers():
    rows = [_full_row(32, [0.5, 0.55, 0.6], 0.3), _full_row(64, [0.8, 0.85, 0.9], 0.2)]
    text = ss.answer(rows)
    assert text.startswith("From L = 32 to L = 64: |r(PC0, Q)| rises (+0.30 ± 0.00 per doubling of L, 3 splits;")
    assert "0.85 ± 0.04 at L = 64, which meets the target 0.75" in text
    assert "the Q direction's |r| rises" in text and "which misses the target 0.8" not in text
    assert "goes from 0.30 to 0.20" in text and "margin over it is +0.25 at L = 32 and +0.65 at L = 64" in text
    falling = ss.answer(list(reversed([_full_row(32, [0.8, 0.85, 0.9], 0.3), _full_row(64, [0.5, 0.55, 0.6], 0.2)])))
    assert "|r(PC0, Q)| falls" in falling and "which misses the target 0.75" in falling
