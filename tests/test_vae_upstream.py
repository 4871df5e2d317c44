"""Tests for support.vae.upstream: missing inputs name their chapter, and chapter 03's splits are rebuilt exactly."""

import numpy as np
import pytest

from support.chiral import dataset as sd
from support.store.data import save_json
from support.vae.training.splits import vae_splits
from support.vae.upstream import load_upstream


def test_upstream_rebuilds_the_splits_and_checks_them(tmp_path, monkeypatch):
    # tiny fast anneals rarely make clean skyrmion lattices; this test is about the splits, not the filter
    monkeypatch.setattr(sd, "is_skyrmion_lattice", lambda stats, L, D: np.ones(len(stats["Q"]), dtype=bool))
    out = tmp_path / "smoke"
    with pytest.raises(FileNotFoundError, match="chapter 01"):
        load_upstream(tmp_path, "smoke")
    pts = [(0.9 + 0.02 * k, 0.3) for k in range(8)]
    sd.generate_skyrmion_dataset(out / "skyrmions", L=12, points=pts, configs_per_point=2, seed=1, progress=False,
                                 sweeps=100, n_temps=5)
    with pytest.raises(FileNotFoundError, match="chapter 03"):
        load_upstream(tmp_path, "smoke")
    data = sd.load_skyrmion_dataset(out / "skyrmions")
    kw = dict(n_splits=2, test_fraction=0.25, val_fraction=0.2, seed=0)
    splits = vae_splits(data["point"], **kw)
    res = {"kl_weights": [1e-3], "best_kl": 1e-3, "split_params": kw, "checkpoints": {},
           "test_points": [s["test_points"].tolist() for s in splits], "val_points": splits[0]["val_points"].tolist()}
    save_json(out / "results" / "03_train_vae.json", res)
    up = load_upstream(tmp_path, "smoke")
    assert np.array_equal(up["splits"][1]["test"], splits[1]["test"])
    assert up["train_points"].shape == (len(splits[0]["train_points"]), 2)
    save_json(out / "results" / "03_train_vae.json", {**res, "test_points": [[0], [1]]})
    with pytest.raises(ValueError, match="rerun chapter 03"):
        load_upstream(tmp_path, "smoke")
    # results of the old rule (validation points drawn per split, no val_points stored) are refused too
    save_json(out / "results" / "03_train_vae.json", {k: v for k, v in res.items() if k != "val_points"})
    with pytest.raises(ValueError, match="split rule"):
        load_upstream(tmp_path, "smoke")
