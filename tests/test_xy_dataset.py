"""Tests for the XY training set (support.xy.dataset): content, labels, determinism, resuming, errors."""

import shutil

import numpy as np
import pytest

from support import xy
from support.store.data import load_json
from support.xy.dataset import N_CLASSES, dataset_summary, generate_xy_dataset, load_xy_dataset, map_id

KW = dict(L=12, temperatures=[0.1, 0.6], n_maps=2, samples_per_map=2, burn_in=10, sweeps_between=2, seed=4,
          progress=False, chains_per_chunk=10)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("xy") / "ds"
    generate_xy_dataset(out, **KW)
    return out, load_xy_dataset(out)


def test_content_and_labels(dataset):
    _, d = dataset
    n = len(KW["temperatures"]) * N_CLASSES * KW["n_maps"] * KW["samples_per_map"]
    assert d["theta"].shape == (n, 12, 12) and d["theta"].dtype == np.float32
    assert d["charges"].dtype == np.int8 and d["T"].dtype == np.float32
    assert d["distance"].dtype == np.float32 and d["map_id"].dtype == np.int64
    assert np.array_equal(xy.vortices(d["theta"]), d["charges"])          # constraint on every sample
    assert np.allclose(d["distance"], xy.pair_distance(d["charges"]))
    for T in KW["temperatures"]:
        sel = d["T"] == np.float32(T)
        got = np.unique(np.round(d["distance"][sel], 2))
        assert np.allclose(got, [0] + [pd.d for pd in xy.PAIR_DISTANCES], atol=0.006)
    assert np.array_equal(d["map_id"], map_id(d["charges"]))
    assert np.all(d["map_id"][d["distance"] == 0] == 0)


def test_map_id_is_canonical():
    k = xy.pair_map(12, (1, 2), (3, 4))
    ids = map_id(np.stack([k, k, xy.pair_map(12, (1, 2), (3, 5)), np.zeros_like(k)]))
    assert ids[0] == ids[1] != ids[2] and ids[3] == 0
    assert map_id(k) == 1 + (3 * 12 + 4) * 144 + (4 * 12 + 6)


def test_deterministic_and_resumable(dataset, tmp_path):
    out, d = dataset
    chunks = sorted(out.glob("chunk_*.npz"))
    assert len(chunks) == 2 * 3                    # 26 chains per T in chunks of 10
    other = tmp_path / "again"
    generate_xy_dataset(other, **KW)
    (other / chunks[2].name).unlink()              # an interrupted run: one chunk missing
    generate_xy_dataset(other, **KW)
    d2 = load_xy_dataset(other)
    for key in d:
        assert np.array_equal(d[key], d2[key]), key


def test_errors(tmp_path, dataset):
    out, _ = dataset
    with pytest.raises(FileNotFoundError, match="chapter 01"):
        load_xy_dataset(tmp_path / "nothing")
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    generate_xy_dataset(copy, **{**KW, "seed": 5})  # other seed: the old dataset is kept aside
    assert load_json(copy / "manifest.json")["params"]["seed"] == 5
    (kept,) = tmp_path.glob("copy.previous-*")
    assert load_json(kept / "manifest.json")["params"]["seed"] == KW["seed"]
    with pytest.raises(ValueError):
        generate_xy_dataset(tmp_path / "x", **{**KW, "L": 8})
    with pytest.raises(ValueError):
        generate_xy_dataset(tmp_path / "x", **{**KW, "temperatures": [0.1, -1]})
    with pytest.raises(ValueError):
        generate_xy_dataset(tmp_path / "x", **{**KW, "n_maps": 0})
    with pytest.raises(ValueError, match="overrelax"):
        generate_xy_dataset(tmp_path / "x", **{**KW, "overrelax": -1})
    assert not (tmp_path / "x").exists()                 # refused before any work


def test_over_relaxed_dataset_keeps_labels_and_records_k(dataset, tmp_path):
    _, d = dataset
    out = tmp_path / "or"
    generate_xy_dataset(out, **{**KW, "overrelax": 2})
    d2 = load_xy_dataset(out)
    assert np.array_equal(xy.vortices(d2["theta"]), d2["charges"])
    for key in ("charges", "T", "map_id", "chain"):      # same maps and layout, other chains
        assert np.array_equal(d[key], d2[key]), key
    assert not np.array_equal(d["theta"], d2["theta"])
    params = load_json(out / "manifest.json")["params"]
    assert params["overrelax"] == 2 and "over-relaxation" in params["sampler"]


def test_default_dir_is_taken_from_the_repository_root(tmp_path, monkeypatch):
    """nbval runs the chapters from tests/notebooks; the dataset must still land in the repository's data/."""
    from support.book.runtime import REPO_ROOT
    from support.xy.dataset import default_dir

    monkeypatch.chdir(tmp_path)
    assert default_dir("data", "smoke") == REPO_ROOT / "data" / "smoke" / "xy_dataset"
    assert default_dir(tmp_path, "smoke") == tmp_path / "smoke" / "xy_dataset"


def test_temperature_key_reads_float32_back_as_written():
    from support.xy.dataset import temperature_key

    assert [temperature_key(np.float32(t)) for t in (0.1, 0.5, 0.9, 1.25)] == ["0.1", "0.5", "0.9", "1.25"]
    assert temperature_key(0.1) == temperature_key(np.float32(0.1))


def test_dataset_summary_counts_samples_maps_and_distances():
    data = {"T": np.float32([0.1, 0.1, 0.1, 0.1, 0.5]), "distance": np.float32([0.0, 1.0, 1.41421, 1.0, 0.0]),
            "map_id": np.array([0, 1, 2, 1, 0])}
    assert dataset_summary(data, [0.1, 0.5]) == {
        "0.1": {"n_samples": 4, "n_maps": 3, "pair_distances": [0.0, 1.0, 1.41], "samples_per_distance": [1, 2, 1]},
        "0.5": {"n_samples": 1, "n_maps": 1, "pair_distances": [0.0], "samples_per_distance": [1]}}
