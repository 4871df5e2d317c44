"""support.parallel: Dask tasks give the same datasets and scans as serial work, whatever the workers."""

import numpy as np
import pytest

from support import parallel
from support.chiral import dataset as sd
from support.chiral import phases as sph
from support.store.data import load_json, load_npz
from support.xy.dataset import generate_xy_dataset

distributed = pytest.importorskip("distributed")

XY = dict(L=12, temperatures=[0.1, 0.6], n_maps=2, samples_per_map=2, burn_in=10, sweeps_between=2, seed=4,
          progress=False, chains_per_chunk=5)
SKY = dict(L=16, points=[(0.6, 0.2), (0.6, 0.3)], configs_per_point=3, seed=2, sweeps=60,
           n_temps=6, lattices_per_chunk=2, progress=False)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, reached by address like a remote cluster."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c.scheduler_address
    parallel.close_clients()


def _same_dataset(a, b):
    assert load_json(a / "manifest.json") == load_json(b / "manifest.json")
    files = sorted(p.name for p in a.glob("chunk_*.npz"))
    assert files and files == sorted(p.name for p in b.glob("chunk_*.npz"))
    for name in files:
        x, y = load_npz(a / name), load_npz(b / name)
        assert x.keys() == y.keys()
        for key in x:
            assert x[key].dtype == y[key].dtype and x[key].tobytes() == y[key].tobytes(), (name, key)


def test_xy_dataset_on_a_cluster_is_byte_identical(tmp_path, cluster):
    generate_xy_dataset(tmp_path / "serial", **XY)
    generate_xy_dataset(tmp_path / "dask", **XY, scheduler=cluster)
    _same_dataset(tmp_path / "serial", tmp_path / "dask")


def test_skyrmion_dataset_on_a_cluster_is_byte_identical(tmp_path, cluster):
    sd.generate_skyrmion_dataset(tmp_path / "serial", **SKY)
    sd.generate_skyrmion_dataset(tmp_path / "dask", **SKY, scheduler=cluster)
    _same_dataset(tmp_path / "serial", tmp_path / "dask")


def test_resume_on_a_cluster_skips_chunks_on_disk(tmp_path, cluster):
    out = tmp_path / "ds"
    generate_xy_dataset(out, **XY)
    first = (out / "chunk_00000.npz").stat().st_mtime_ns
    (out / "chunk_00003.npz").unlink()
    generate_xy_dataset(out, **XY, scheduler=cluster)
    assert (out / "chunk_00000.npz").stat().st_mtime_ns == first      # not rewritten
    assert (out / "chunk_00003.npz").exists()


def test_phase_scan_on_a_cluster_is_identical(cluster):
    kw = dict(configs_per_point=2, seed=3, sweeps=40, n_temps=4, progress=False)
    serial = sph.phase_scan(12, [0.6, 0.8], [0.3], **kw)
    spread = sph.phase_scan(12, [0.6, 0.8], [0.3], **kw, scheduler=cluster)
    assert serial["spins"].tobytes() == spread["spins"].tobytes()
    assert {k: v for k, v in serial.items() if k != "spins"} == {k: v for k, v in spread.items() if k != "spins"}


def test_map_ordered_keeps_order_and_serial_needs_no_cluster():
    assert parallel.map_ordered(abs, [-3, 1, -2]) == [3, 1, 2]
    assert parallel.client_for(None) is None


def test_map_ordered_on_a_cluster(cluster):
    assert parallel.map_ordered(abs, [-3, 1, -2, 5], scheduler=cluster) == [3, 1, 2, 5]


def test_bad_scheduler_is_an_error():
    with pytest.raises(ValueError, match="tcp://"):
        parallel.client_for("localhost:8786")


def _sweep_numbers(runs):
    """What chapter 03 writes to its results JSON of a sweep: status, validation MSE, curves, best epoch."""
    from support.vae.training.runs import history_summary

    return {k: {"status": r["status"], "val_mse": r["val_mse"], "history": history_summary(r["history"], digits=12)}
            for k, r in runs.items()}


def test_vae_kl_sweep_on_a_cluster_is_identical(tmp_path, cluster):
    import torch

    from support.vae.training.runs import train_sweep

    rng = np.random.default_rng(5)
    spins = rng.normal(size=(24, 3, 8, 8)).astype(np.float32)
    spins /= np.linalg.norm(spins, axis=1, keepdims=True)
    kw = dict(epochs=2, batch_size=8, lr=3e-3, warmup_epochs=0.5, seed=0, device="cpu", threads=1, progress=False)
    model = {"L": 8, "widths": [4, 8], "latent_dim": 4}
    before = torch.get_num_threads()
    serial = train_sweep(model, spins[:16], spins[16:], [1e-4, 1e-2], tmp_path / "serial", **kw)
    assert torch.get_num_threads() == before
    spread = train_sweep(model, spins[:16], spins[16:], [1e-4, 1e-2], tmp_path / "dask", scheduler=cluster, **kw)
    assert list(spread) == list(serial) == ["0.0001", "0.01"]
    assert all(r["status"] == "ok" and r["path"].startswith(str(tmp_path / "dask")) for r in spread.values())
    assert _sweep_numbers(spread) == _sweep_numbers(serial)
    # the two KL weights are different runs, so equality above is not the trivial one
    assert serial["0.0001"]["history"]["val_mse"] != serial["0.01"]["history"]["val_mse"]
