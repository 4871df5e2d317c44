"""Tests of several VAE runs (support.vae.training.runs): sweep, divergence as a result, selection, step sizing, parallel jobs."""

import math

import numpy as np
import pytest
from vae_stand_in import TINY, bubbles

from support.store.checkpoint import TrainingDiverged
from support.vae.training import runs as vr
from support.vae.training import loop as tv

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def test_sweep_records_a_diverged_run(tmp_path, monkeypatch):
    data = bubbles(20, seed=1)

    def fake(cfg, tr, va, *, kl_weight, **kw):
        if kl_weight > 1e-3:
            raise TrainingDiverged("boom")
        return None, {"best_val_mse": 0.1, "train_seconds": 1.0}

    monkeypatch.setattr(vr, "train_vae", fake)
    runs = vr.train_sweep(TINY, data[:16], data[16:], [1e-4, 1e-2], tmp_path, epochs=1)
    assert runs["0.0001"]["status"] == "ok" and runs["0.01"]["status"].startswith("diverged")


def test_select_kl_weight_uses_validation_and_skips_failed_runs():
    runs = {"1e-05": {"status": "ok", "val_mse": 0.02}, "0.0001": {"status": "ok", "val_mse": 0.01},
            "0.001": {"status": "ok", "val_mse": 0.2}, "0.01": {"status": "diverged: nan", "val_mse": float("nan")}}
    best, val, failed = vr.select_kl_weight(runs, baseline_mse=0.3)
    assert best == "0.0001" and failed == ["0.001", "0.01"]  # 0.2 > half the uniform baseline
    assert val["0.0001"] == 0.01 and math.isnan(val["0.01"])
    # every run stuck on the plateau: the least bad finite one
    assert vr.select_kl_weight({k: runs[k] for k in ("0.001", "0.01")}, baseline_mse=0.3)[0] == "0.001"
    with pytest.raises(RuntimeError):
        vr.select_kl_weight({"0.01": runs["0.01"]}, baseline_mse=0.3)


def test_step_schedule():
    assert vr.step_schedule(100, 32, 400) == {"epochs": 100, "warmup_epochs": 0.0}  # 4 steps per epoch
    assert vr.step_schedule(640, 32, 400, warmup_steps=40) == {"epochs": 20, "warmup_epochs": 2.0}
    assert vr.step_schedule(640, 32, 1)["epochs"] == 1
    with pytest.raises(ValueError):
        vr.step_schedule(0, 32, 10)


def test_frame_and_split_jobs_train_every_run_equally_long(tmp_path):
    spins = bubbles(30)
    splits = [{"fit": np.arange(0, 20), "val": np.arange(20, 24)}, {"fit": np.arange(6, 16), "val": np.arange(0, 3)}]
    canonical = {**TINY, "canonical_frame": "neel"}
    frames = vr.frame_jobs(splits[0], spins, canonical, 1e-3, tmp_path, dmi="neel", train_steps=12, warmup_steps=2,
                           batch_size=4, seed=0)
    assert list(frames) == ["fixed_frame", "fixed_frame_augmented"]  # the sweep trained the canonical frame
    assert frames["fixed_frame"]["epochs"] == 3 and frames["fixed_frame_augmented"]["augmented"]  # 5 steps per epoch
    assert frames["fixed_frame"]["model_config"]["canonical_frame"] is None
    config, augmented = vr.frame_setup(canonical, "fixed_frame_augmented", "neel")
    assert config["canonical_frame"] is None and augmented and vr.frame_of(config, augmented) == "fixed_frame_augmented"
    assert vr.frame_setup(config, "canonical_frame", "bloch") == ({**TINY, "canonical_frame": "bloch"}, False)
    with pytest.raises(ValueError):
        vr.frame_setup(config, "rotated", "neel")
    jobs = vr.split_jobs(splits, spins, config, 1e-3, tmp_path, augmented=True, train_steps=12, warmup_steps=2,
                         batch_size=4, seed=0)
    assert list(jobs) == ["split_1"] and jobs["split_1"]["epochs"] == 4 and jobs["split_1"]["augmented"]
    assert len(jobs["split_1"]["train_spins"]) == 10 and jobs["split_1"]["path"].parent.parent.name == "split_1"
    assert len({str(j["path"]) for j in [*frames.values(), *jobs.values()]}) == 3


def test_select_frame_by_validation_mse():
    assert vr.select_frame({"canonical_frame": 0.02, "fixed_frame": 0.05, "fixed_frame_augmented": 0.018}) == \
        "fixed_frame_augmented"
    assert vr.select_frame({"canonical_frame": 0.02, "fixed_frame_augmented": float("nan")}) == "canonical_frame"
    with pytest.raises(ValueError):
        vr.select_frame({"fixed_frame": None})
    # a profile's fixed choice wins over the errors, but must have been trained
    assert vr.select_frame({"canonical_frame": 0.02, "fixed_frame": 0.05}, "fixed_frame") == "fixed_frame"
    with pytest.raises(ValueError, match="was not trained"):
        vr.select_frame({"canonical_frame": 0.02}, "fixed_frame_augmented")
    from support.vae import verdicts
    assert verdicts.main_frame_sentence("fixed_frame", "auto").startswith("By validation MSE")
    assert "sets the main model" in verdicts.main_frame_sentence("fixed_frame", "fixed_frame")


def test_train_runs_matches_single_runs(tmp_path):
    data = bubbles(24, seed=2)
    common = dict(model_config=TINY, train_spins=data[:16], val_spins=data[16:], kl_weight=1e-3, epochs=2,
                  batch_size=8, seed=0, device="cpu")
    runs = vr.train_runs({"a": {**common, "path": tmp_path / "a.pt"},
                          "b": {**common, "path": tmp_path / "b.pt", "augmented": True}}, progress=False)
    assert list(runs) == ["a", "b"] and all(r["status"] == "ok" for r in runs.values())
    _, hist = tv.train_vae(TINY, data[:16], data[16:], kl_weight=1e-3, epochs=2, batch_size=8, seed=0, device="cpu",
                           progress=False)
    assert runs["a"]["history"]["val_mse"] == pytest.approx(hist["val_mse"], rel=1e-6)
    assert runs["b"]["history"]["val_mse"] != pytest.approx(hist["val_mse"], rel=1e-6)  # augmentation changed it


def _run(path, seconds, best_epoch=0):
    hist = {k: [0.1234567, 0.0500001] for k in ("train_mse", "train_kl", "val_mse", "val_kl")} | {"best_epoch": best_epoch}
    return {"path": path, "seconds": seconds, "history": hist, "status": "ok"}


def test_results_summary_and_headline_numbers():
    sweep = {"0.001": _run("s/a.pt", 10.0), "0.01": {"path": "s/b.pt", "seconds": float("nan"), "history": None}}
    more = {"split_1": _run("p1.pt", 20.0, 1), "fixed_frame": _run("f.pt", 30.0), "fixed_frame_augmented": _run("g.pt", 5.0)}
    all_runs = {f"kl_{k}": r for k, r in sweep.items()} | more
    models = {"split_0": sweep["0.001"], **more, "canonical_frame": sweep["0.001"]}
    test_mse = {"split_0": 0.01, "split_1": 0.03, "fixed_frame": 0.05, "fixed_frame_augmented": 0.04,
                "canonical_frame": 0.01}
    s = vr.results_summary(sweep, all_runs, models, test_mse, n_splits=2)
    assert s["test_mse_splits"] == [0.01, 0.03]
    assert s["test_mse_mean"] == pytest.approx(0.02) and s["test_mse_std"] == pytest.approx(0.01)
    assert s["frame_comparison"] == {"canonical_frame": 0.01, "fixed_frame": 0.05, "fixed_frame_augmented": 0.04}
    assert s["test_mse_augmented"] == 0.04
    assert "test_mse_augmented" not in vr.results_summary(sweep, all_runs, models, {"split_0": 0.01, "split_1": 0.03}, 2)
    assert s["checkpoints"] == {"split_0": "s/a.pt", "split_1": "p1.pt", "fixed_frame": "f.pt",
                                "fixed_frame_augmented": "g.pt", "canonical_frame": "s/a.pt"}
    assert s["sweep_checkpoints"] == {"0.001": "s/a.pt", "0.01": "s/b.pt"}
    assert s["histories"]["kl_0.01"] is None and s["histories"]["split_1"]["val_mse"] == [0.123457, 0.05]
    assert s["histories"]["split_1"]["best_epoch"] == 1
    assert vr.total_train_seconds(all_runs) == 65.0             # the failed run's nan is skipped
    assert vr.headline_numbers(test_mse, 2, 300) == pytest.approx({
        "test_mse_mean": 0.02, "test_mse_std": 0.01, "n_splits": 2.0, "mse_fixed_frame": 0.05,
        "mse_fixed_frame_augmented": 0.04, "mse_canonical": 0.01, "train_steps": 300.0})
    assert list(vr.headline_numbers(test_mse, 2, 300))[3:5] == ["mse_fixed_frame", "mse_fixed_frame_augmented"]


def test_select_kl_by_latent_values_the_latent_among_sharp_runs():
    val = {"1e-05": 0.010, "5e-05": 0.011, "0.0002": 0.02, "0.001": 0.3}
    latent = {"1e-05": 0.5, "5e-05": 0.8, "0.0002": 0.95, "0.001": 0.99}
    best, sharp = vr.select_kl_by_latent(val, ["0.001"], latent, tolerance=1.2)
    assert sharp == ["1e-05", "5e-05"] and best == "5e-05"  # 0.0002 reads Q better but is not sharp
    # no finite latent score among the sharp runs: the lowest validation MSE
    best, _ = vr.select_kl_by_latent(val, ["0.001"], {k: float("nan") for k in val})
    assert best == "1e-05"
    rows = vr.kl_sweep_rows(val, latent, {k: 2 * v for k, v in val.items()}, sharp, ["0.001"], "5e-05")
    assert [r["chosen"] for r in rows] == [False, True, False, False] and rows[3]["failed"]
    assert rows[1]["weight"] == 5e-05 and rows[1]["test_mse"] == pytest.approx(0.022)
    # every run failed: the least bad, none sharp
    assert vr.select_kl_by_latent(val, list(val), latent) == ("1e-05", [])
