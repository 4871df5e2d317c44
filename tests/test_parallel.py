"""support.parallel: Dask tasks give the same datasets and scans as serial work, whatever the workers."""

import pytest

from support import parallel
from support import skyrmion_dataset as sd
from support import skyrmion_phases as sph
from support.data import load_json, load_npz
from support.xy_dataset import generate_xy_dataset

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
