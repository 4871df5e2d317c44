"""Tests for support.vae.evaluation.heldout: held-out split scores, means over splits, generation report, targets."""

import numpy as np
import pytest
import torch

from support.chiral import magnet as hb
from support.chiral.phases import lattice_statistics
from support.vae.evaluation import heldout as ev
from support.vae.latent.shares import variance_share
from support.vae import report as rp
from support.vae.model import ResidualVAE


def test_mean_and_spread_of_numbers_and_dicts():
    per = [{"a": 1.0, "b": {"x": 0.0, "y": 2.0}}, {"a": 3.0, "b": {"x": 2.0, "y": 2.0}}]
    assert ev.mean_and_spread(per, "a") == {"mean": 2.0, "std": 1.0, "per_split": [1.0, 3.0]}
    b = ev.mean_and_spread(per, "b")
    assert b["x"]["mean"] == 1.0 and b["x"]["std"] == 1.0 and b["y"]["std"] == 0.0


def _toy_data(n=24, L=16, seed=0):
    g = np.random.default_rng(seed)
    spins = np.stack([hb.analytic_skyrmion(L, 2.0 + g.random(), centre=g.uniform(0, L, 2)) for _ in range(n)])
    stats = lattice_statistics(spins)
    return spins.astype(np.float32), {**stats, "D": g.uniform(0.4, 0.6, n), "B": g.uniform(0.05, 0.1, n)}


def test_split_scores_with_tiny_vae_are_held_out_numbers():
    torch.manual_seed(0)
    model = ResidualVAE(L=16, widths=(4, 8), latent_dim=6).eval()
    spins, data = _toy_data()
    res = ev.split_scores(model, spins, data, np.arange(16), np.arange(16, 24), n_boot=50)
    assert set(res["pearson_pc0_test"]) == set(ev.QUANTITIES)
    assert all(0 <= v <= 1 for v in res["pearson_pc0_test"].values() if np.isfinite(v))
    assert res["mu_train"].shape == (16, 6) and res["scores_test"].shape == (8, 6)
    assert 1 <= res["components_for_0999"] <= 6
    # Q's share of the training latents' variance, beside and below PC0's (the latter the PCA's own ratio)
    share = res["q_variance_share"]
    assert share["pc0"] == pytest.approx(res["explained_variance_ratio"][0])
    assert 0 <= share["q"] <= share["pc0"] + 1e-12
    assert share["q"] == pytest.approx(variance_share(res["mu_train"], data["Q"][:16]))
    # the test MSE is the reconstruction error of the test lattices only
    from support.vae.inference import reconstruction_mse
    assert res["test_mse"] == pytest.approx(reconstruction_mse(model, spins[16:]), rel=1e-5)
    assert res["mse_defects"]["low"] <= res["mse_defects"]["high"] or np.isnan(res["mse_defects"]["r"])


def test_generation_report_sees_copies():
    spins, data = _toy_data(n=20)
    stats = {k: data[k] for k in ("Q", "Mz", "n_skyrmions", "n_defects", "n_elongated")}
    copies = {"spins": np.roll(spins[:5], 3, axis=-1), **{k: v[:5] for k, v in stats.items()}}
    rep = ev.generation_report(copies, reference=ev.novelty_reference(spins[:10], spins[10:], np.arange(10) // 2),
                               test_stats={k: v[10:] for k, v in stats.items()}, D_min=0.4)
    assert rep["nearest_train_distance"]["generated"] < 1e-5 < rep["nearest_train_distance"]["test"]
    # the canonical frame undoes the shift exactly for most copies (the median above); those are flagged as copies
    assert rep["novelty"]["generated"]["copies"] >= 0.8 and rep["novelty"]["generated"]["inside"] <= 0.2
    assert 0 <= rep["ks_Q"] <= 1 and rep["mean_defects"]["generated"] == pytest.approx(np.mean(stats["n_defects"][:5]))


def test_targets_report_misses_and_undefined_values():
    values = {"test_mse": 0.02, "probe_Q": 0.95, "probe_Mz": 0.95, "probe_D": 0.95, "probe_skill_Q": 0.1,
              "pc0_Q": 0.8, "direction_Q": 0.85, "mse_defects": float("nan"), "novel_fraction": 0.9,
              "defects_ratio": 3.0, "skx_fraction": 0.9}
    rows = {r["key"]: r for r in rp.targets(values)}
    assert not rows["test_mse"]["met"] and rows["probe_Q"]["met"] and not rows["probe_skill_Q"]["met"]
    assert not rows["defects_ratio"]["met"] and rows["novel_fraction"]["met"]
    assert rows["mse_defects"]["met"] is None and rows["mse_defects"]["verdict"] == "undefined"
    table = rp.target_table(list(rows.values()))
    assert "missed" in set(table["verdict"]) and "probe_gain_Q" not in rows


def test_untrained_control_scores_a_fresh_encoder_of_the_same_architecture():
    torch.manual_seed(1)
    model = ResidualVAE(L=16, widths=(4, 8), latent_dim=6).eval()
    spins, data = _toy_data()
    a = ev.untrained_scores(model, spins, data, np.arange(16), np.arange(16, 24), seed=3)
    b = ev.untrained_scores(model, spins, data, np.arange(16), np.arange(16, 24), seed=3)
    assert set(a) == set(ev.CONTROL_SCORES) and a["pearson_pc0_test"] == b["pearson_pc0_test"]  # seeded
    trained = ev.split_scores(model, spins, data, np.arange(16), np.arange(16, 24), n_boot=10)
    assert a["test_mse"] != pytest.approx(trained["test_mse"])  # not the model's own weights
    summary = rp.control_summary([a, b])
    assert summary["pearson_pc0_test_untrained"]["mean"] == pytest.approx(a["pearson_pc0_test"]["Q"])
    assert summary["pearson_pc0_test_untrained"]["std"] == 0.0


def test_split_generation_chooses_on_training_latents_and_averages_ratios_per_split():
    torch.manual_seed(0)
    model = ResidualVAE(L=16, widths=(4, 8), latent_dim=6).eval()
    spins, data = _toy_data(n=30)
    data = {**data, "spins": spins, "point": np.arange(30) // 3}
    train, test = np.arange(24), np.arange(24, 30)
    scores = ev.split_scores(model, spins, data, train, test, n_boot=20)
    runs = [ev.split_generation(model, scores, data, train, test, samplers=["thesis", "gmm"], n_generate=12,
                                gmm_components=(1, 2), gmm_covariance=("spherical",), gmm_folds=4, seed=s)
            for s in (0, 1)]
    for g in runs:
        assert (g["gmm"]["covariance_type"], g["gmm"]["n_components"]) in {("spherical", 1), ("spherical", 2)}
        assert set(g["gmm"]["scores"]) == {"spherical:1", "spherical:2"}
        assert g["gen"]["gmm"]["spins"].shape == (12, 3, 16, 16) and 0 <= g["reconstructed_lattice_fraction"] <= 1
    gsum = ev.generation_summary(runs, "gmm")
    ratios = [g["reports"]["gmm"]["nearest_train_distance"]["generated"]
              / g["reports"]["gmm"]["nearest_train_distance"]["test"] for g in runs]
    assert gsum["nearest_ratio"]["mean"] == pytest.approx(np.mean(ratios))
    assert gsum["nearest_ratio"]["per_split"] == pytest.approx(ratios)
    table = rp.generation_split_table(runs, gsum)
    assert "split 1" in table.index and "spherical" in table.loc["split 0", "mixture"]
    assert 0 <= gsum["novel_fraction"]["mean"] <= 1 and 0 <= gsum["novel_fraction_test"]["mean"] <= 1
    best = rp.best_per_covariance({"diag:2": -5.0, "diag:4": -3.0, "full:2": -9.0})
    assert best == {"diag": (-3.0, 4), "full": (-9.0, 2)}
