"""The chunked skyrmion dataset, its phase points and splits (support.chiral.dataset), on tiny lattices."""

import json

import numpy as np
import pytest

from support.chiral import dataset as sd
from support.chiral import magnet as hb
from support.chiral import phases as sph

KW = dict(sweeps=200, n_temps=10)


def test_dataset_roundtrip_filter_and_resume(tmp_path):
    out = tmp_path / "sk"
    kw = dict(L=12, points=[(1.0, 0.3), (0.8, 0.2)], configs_per_point=5, seed=3, progress=False,
              lattices_per_chunk=4, **KW)
    with pytest.raises(FileNotFoundError, match="chapter 01"):
        sd.load_skyrmion_dataset(out)
    sd.generate_skyrmion_dataset(out, **kw)
    d = sd.load_skyrmion_dataset(out)
    everything = sd.load_skyrmion_dataset(out, lattices_only=False)
    assert everything["spins"].shape == (10, 3, 12, 12) and d["spins"].dtype == np.float32
    for k in ("D", "B", "Q", "Mz", "n_skyrmions", "n_defects", "n_elongated", "is_lattice", "point"):
        assert everything[k].shape == (10,), k
    assert everything["is_lattice"].dtype == bool
    assert len(d["Q"]) == everything["is_lattice"].sum() and d["is_lattice"].all()
    d = everything
    np.testing.assert_allclose(d["D"], [1.0] * 5 + [0.8] * 5)
    np.testing.assert_allclose(d["Q"], np.rint(d["Q"]), atol=1e-3)
    assert sd.skyrmion_dataset_params(out)["L"] == 12
    assert sd.skyrmion_dataset_params(out)["rule"] == sph.DETECTION  # the filter's rule is in the manifest
    # Resume: delete one chunk, regenerate, identical bytes.
    (out / "chunk_00001.npz").unlink()
    sd.generate_skyrmion_dataset(out, **kw)
    d2 = sd.load_skyrmion_dataset(out, lattices_only=False)
    np.testing.assert_array_equal(d["spins"], d2["spins"])
    # Other parameters on the same folder: the old data are kept aside, never mixed.
    sd.generate_skyrmion_dataset(out, **{**kw, "seed": 4})
    assert json.loads((out / "manifest.json").read_text())["params"]["seed"] == 4
    (kept,) = out.parent.glob(f"{out.name}.previous-*")
    assert json.loads((kept / "manifest.json").read_text())["params"]["seed"] == 3
    with pytest.raises(ValueError):
        sd.generate_skyrmion_dataset(tmp_path / "x", **{**kw, "points": []})


def _toy_scan():
    # a 3 x 3 grid in (D, b); the middle column at b = 0.4, 0.5 is skyrmion lattice
    D, b = [0.4, 0.5, 0.6], [0.3, 0.4, 0.5]
    grid = [(d, x) for d in D for x in b]
    phase = ["skyrmion lattice" if (d == 0.5 and x >= 0.4) else "spiral / mixed" for d, x in grid]
    return {"D": [d for d, _ in grid], "b": [x for _, x in grid], "B": [x * d * d for d, x in grid],
            "phase": phase, "detection_agrees": [True] * len(grid)}


def test_sample_region_points_uniform_inside_the_cells():
    pts = sd.sample_region_points(_toy_scan(), 4000, seed=1)
    assert pts.shape == (4000, 2)
    D, b = pts[:, 0], pts[:, 1] / pts[:, 0] ** 2
    # the region: D in [0.45, 0.55], b in [0.35, 0.55] (half-way to the neighbours, half a spacing beyond b = 0.5)
    assert D.min() >= 0.45 and D.max() <= 0.55 and b.min() >= 0.35 and b.max() <= 0.55
    # uniform: means at the centre, variance of a uniform distribution (5 standard errors)
    assert abs(D.mean() - 0.5) < 5 * 0.1 / np.sqrt(12 * 4000) and abs(b.mean() - 0.45) < 5 * 0.2 / np.sqrt(12 * 4000)
    assert np.var(b) == pytest.approx(0.2 ** 2 / 12, rel=0.1)
    assert np.array_equal(pts, sd.sample_region_points(_toy_scan(), 4000, seed=1))
    empty = {**_toy_scan(), "phase": ["spiral / mixed"] * 9}
    with pytest.raises(ValueError):
        sd.sample_region_points(empty, 3)


def test_split_by_point_never_shares_a_point():
    point = np.repeat(np.arange(40), 3)
    splits = [sd.split_by_point(point, split=k, n_splits=3, test_fraction=0.15, val_fraction=0.1, seed=2)
              for k in range(3)]
    for s in splits:
        assert len(s["test_points"]) == 6 and len(np.unique(point[s["val"]])) == 3
        parts = [set(point[s[k]]) for k in ("fit", "val", "test")]
        assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
        assert sorted(np.concatenate([s["fit"], s["val"], s["test"]])) == list(range(len(point)))
        assert set(s["train_points"]) == parts[0] | parts[1]
    # the test points of different splits are disjoint, and a split is reproducible
    assert not set(splits[0]["test_points"]) & set(splits[1]["test_points"])
    again = sd.split_by_point(point, split=1, n_splits=3, test_fraction=0.15, val_fraction=0.1, seed=2)
    assert np.array_equal(again["test"], splits[1]["test"])
    with pytest.raises(ValueError):
        sd.split_by_point(point, split=0, n_splits=8, test_fraction=0.15, val_fraction=0.1)


def test_charge_spread_of_known_lattices():
    D = np.array([0.4, 0.6, 0.8, 1.0])
    Q = -np.array([8.0, 14.0, 22.0, 33.0])
    Mz = np.array([0.3, 0.35, 0.3, 0.35])
    got = sd.charge_spread({"D": D, "Q": Q, "Mz": Mz})
    assert got["n"] == 4 and (got["D_min"], got["D_max"]) == (0.4, 1.0)
    assert (got["Q_min"], got["Q_max"]) == (-33.0, -8.0) and got["Q_mean"] == pytest.approx(Q.mean())
    assert got["Q_std"] == pytest.approx(Q.std())
    assert got["r_D_Q"] == pytest.approx(np.corrcoef(D, Q)[0, 1]) and got["r_D_Q"] < -0.95
    assert got["r_Q_Mz"] == pytest.approx(np.corrcoef(Q, Mz)[0, 1])
    assert np.isnan(sd.charge_spread({"D": D[:1], "Q": Q[:1], "Mz": Mz[:1]})["r_D_Q"])
    assert sd.charge_spread({"D": D[:0], "Q": Q[:0], "Mz": Mz[:0]})["n"] == 0


def test_filter_spreads_keep_small_cores_only_by_the_core_rule():
    """The same hand-built lattices under each rule: the thesis's filter drops the lattice of small cores (D = 1)."""
    from test_chiral_magnet import compose, triangular

    L = 48
    small = compose(L, triangular(6, 6, L, L, offset=(0.37, 0.71)), 1.5)
    large = compose(L, triangular(4, 4, L, L, offset=(2.3, 1.6)), 4.5)
    annealed = {"spins": np.stack([small, large, large]), "D": np.array([1.0, 0.45, 0.45])}
    got = sd.filter_spreads(annealed, {"core": None, "thesis": hb.THESIS_RULE})
    assert got["core"]["n"] == 3 and got["core"]["D_max"] == 1.0 and got["core"]["Q_min"] == pytest.approx(-36)
    assert got["thesis"]["n"] == 2 and got["thesis"]["D_max"] == 0.45 and got["thesis"]["n_annealed"] == 3
