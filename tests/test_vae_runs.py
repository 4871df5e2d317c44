"""Tests of several VAE runs (support.vae.runs): sweep, divergence as a result, selection, step sizing, parallel jobs."""

import math

import numpy as np
import pytest

from support.checkpoint import TrainingDiverged
from support.vae import runs as vr
from support.vae import training as tv

from vae_stand_in import TINY, bubbles

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


def test_split_jobs_train_every_run_equally_long(tmp_path):
    spins = bubbles(30)
    splits = [{"fit": np.arange(0, 20), "val": np.arange(20, 24)}, {"fit": np.arange(6, 16), "val": np.arange(0, 3)}]
    jobs = vr.split_jobs(splits, spins, TINY, 1e-3, tmp_path, frame_comparison=True, train_steps=12, warmup_steps=2,
                         batch_size=4, seed=0)
    assert list(jobs) == ["split_1", "fixed_frame", "fixed_frame_augmented"]
    assert jobs["split_1"]["epochs"] == 4 and jobs["fixed_frame"]["epochs"] == 3  # 3 and 5 steps per epoch
    assert jobs["fixed_frame"]["model_config"]["canonical_frame"] is None and jobs["fixed_frame_augmented"]["augmented"]
    assert len(jobs["split_1"]["train_spins"]) == 10 and jobs["split_1"]["path"].parent.parent.name == "split_1"
    assert len({str(j["path"]) for j in jobs.values()}) == 3


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
