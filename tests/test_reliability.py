"""The cases of the reliability issue, reproduced on small data: values checked before work, files that
prove themselves, one writer at a time, a runner that survives a broken timings file."""

import json
import multiprocessing as mp
import os
import time

import numpy as np
import pytest

from support.book import runner as book
from support.store import data
from support.store.integrity import CorruptFileError
from support.store.locks import LockTimeout, file_lock

FORK = mp.get_context("fork")


# -------------------------------------------------------------------------------------------------
# values checked before work
# -------------------------------------------------------------------------------------------------

@pytest.fixture
def ran(monkeypatch):
    """Chapters the runner would have executed (nothing is executed)."""
    calls = []
    monkeypatch.setattr(book, "execute_chapter", lambda chapter, params, **k: calls.append(chapter) or 0.0)
    return calls


def _fails(capsys, *argv):
    assert book.main(list(argv)) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("name, value, rule", [
    ("xy_L", "abc", "must be an integer"), ("xy_L", "-4", "must be an integer >= 11"),
    ("seed", "abc", "must be an integer >= 0"), ("xy_L", "15", "must be a multiple of 16"),
    ("xy_temperatures", "[]", "non-empty list"), ("xy_temperatures", "[0.1, -0.5]", "entry 1: must be a number > 0"),
    ("sk_L", "3", "must be an integer >= 8"), ("threads", "-1", "must be an integer >= 0"),
    ("threads", "99", f"<= {os.cpu_count()}"), ("kl_weights", "[]", "non-empty list"),
    ("profile", "cpu", "set by --profile only"),
])
def test_bad_value_fails_before_any_chapter_naming_parameter_value_and_rule(capsys, ran, name, value, rule):
    err = _fails(capsys, "run", "--profile", "smoke", "-p", name, value)
    assert f"-p {name} {value}" in err and rule in err and "nothing was run" in err
    assert ran == []


def test_every_violation_is_reported_together(capsys, ran):
    err = _fails(capsys, "check", "--profile", "smoke", "-p", "xy_L", "15", "-p", "seed", "abc",
                 "-p", "sk_L", "3", "-p", "kl_weights", "[]", "-p", "no_such_param", "1")
    assert "5 problem(s)" in err
    for name in ("xy_L 15", "seed abc", "sk_L 3", "kl_weights []", "no_such_param 1"):
        assert f"-p {name}:" in err


def test_device_without_gpu_is_refused(capsys, ran):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    err = _fails(capsys, "run", "--profile", "smoke", "--only", "01", "-p", "device", "cuda")
    assert "-p device cuda: no such CUDA device" in err and ran == []


def test_gpu_profile_on_cpu_asks_for_yes(capsys, ran):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    err = _fails(capsys, "run", "--profile", "paper")
    assert "--profile paper" in err and "--yes" in err and ran == []
    assert book.main(["run", "--profile", "paper", "--yes"]) == 0 and len(ran) == len(book.chapters())


def test_check_runs_nothing_and_says_ok(capsys, ran):
    assert book.main(["check", "--profile", "smoke", "-p", "seed", "3"]) == 0
    assert "pass every check" in capsys.readouterr().out and ran == []


def test_only_runs_in_chapter_order(ran):
    assert book.main(["run", "--profile", "smoke", "--only", "03,01"]) == 0
    assert ran == ["01_simulate", "03_train_vae"]


def test_profile_not_overridable_even_for_one_chapter():
    with pytest.raises(book.BookError, match="set by --profile only"):
        book.check("smoke", ["01"], {"profile": "cpu"})


# -------------------------------------------------------------------------------------------------
# files that prove themselves
# -------------------------------------------------------------------------------------------------

def _make(calls, seed=0):
    def make(i):
        calls.append(i)
        return {"x": np.full((2, 3), 10 * seed + i, dtype=np.float32)}
    return make


@pytest.fixture
def dataset(tmp_path):
    calls = []
    out = data.generate_chunked(tmp_path / "ds", {"seed": 0}, 4, _make(calls), progress=False)
    return out, calls


def test_manifest_records_size_and_checksum_of_every_chunk(dataset):
    out, _ = dataset
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["chunks"]) == [f"chunk_{i:05d}.npz" for i in range(4)]
    rec = manifest["chunks"]["chunk_00002.npz"]
    assert rec["size"] == (out / "chunk_00002.npz").stat().st_size and len(rec["sha256"]) == 64


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_last_byte(path):
    raw = bytearray(path.read_bytes())
    raw[-30] ^= 0xFF  # inside the zip directory or data: same size, other bytes
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", [_truncate, _flip_last_byte])
def test_damaged_chunk_is_named_on_load_and_regenerated_on_rerun(dataset, damage):
    out, calls = dataset
    before = data.load_chunked(out)["x"].copy()
    damage(out / "chunk_00002.npz")
    with pytest.raises(CorruptFileError, match="chunk_00002.npz"):
        data.load_chunked(out, made_by="chapter 01")
    data.generate_chunked(out, {"seed": 0}, 4, _make(calls), progress=False)
    assert calls == [0, 1, 2, 3, 2]                     # only the broken chunk was made again
    assert (out / "chunk_00002.npz.corrupt").exists()   # the broken file is kept aside, not deleted
    np.testing.assert_array_equal(data.load_chunked(out)["x"], before)


def test_deleted_chunk_never_loads_as_a_partial_dataset(dataset):
    out, _ = dataset
    (out / "chunk_00001.npz").unlink()
    with pytest.raises(CorruptFileError, match=r"chunk_00001.npz: missing"):
        data.load_chunked(out)


def test_stray_chunk_is_not_loaded_silently(dataset):
    out, _ = dataset
    data.save_npz(out / "chunk_00009.npz", x=np.zeros((2, 3), np.float32))
    with pytest.raises(CorruptFileError, match="chunk_00009.npz: not in the manifest"):
        data.load_chunked(out)


def test_corrupt_manifest_is_named_and_a_rerun_keeps_it_aside(dataset, tmp_path):
    out, calls = dataset
    _truncate(out / "manifest.json")
    with pytest.raises(CorruptFileError, match="manifest.json"):
        data.load_chunked(out)
    data.generate_chunked(out, {"seed": 0}, 4, _make(calls), progress=False)
    assert calls == [0, 1, 2, 3, 0, 1, 2, 3]
    assert len(list(tmp_path.glob("ds.previous-*"))) == 1 and data.load_chunked(out)["x"].shape == (8, 3)


def test_rerun_without_changes_leaves_the_manifest_alone(dataset):
    out, calls = dataset
    path = out / "manifest.json"
    text, mtime = path.read_text(), path.stat().st_mtime_ns
    time.sleep(0.01)
    data.generate_chunked(out, {"seed": 0}, 4, _make(calls), progress=False)
    assert calls == [0, 1, 2, 3] and path.read_text() == text and path.stat().st_mtime_ns == mtime
    assert json.loads(text)["chunk_shapes"] == {"x": [2, 3]}


def test_chunk_written_before_an_interrupt_is_adopted_after_a_read_check(tmp_path):
    calls = []
    out = tmp_path / "ds"
    data.generate_chunked(out, {"seed": 0}, 3, _make(calls), progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["chunks"]["chunk_00001.npz"]          # killed after the rename, before the manifest update
    manifest["complete"] = False
    data.save_json(out / "manifest.json", manifest)
    data.generate_chunked(out, {"seed": 0}, 3, _make(calls), progress=False)
    assert calls == [0, 1, 2] and "chunk_00001.npz" in json.loads((out / "manifest.json").read_text())["chunks"]


def test_corrupt_json_and_npz_name_the_file(tmp_path, capsys):
    (tmp_path / "r.json").write_text('{"a": 1, "b"')
    with pytest.raises(CorruptFileError, match="r.json: not valid JSON"):
        data.load_results(tmp_path / "r.json")
    data.update_results(tmp_path / "r.json", c=1)                     # its writer starts it afresh ...
    assert "r.json: not valid JSON" in capsys.readouterr().err
    assert (tmp_path / "r.json.corrupt").read_text() == '{"a": 1, "b"'   # ... and nothing is lost
    (tmp_path / "a.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CorruptFileError, match="a.npz: not a readable .npz"):
        data.load_npz(tmp_path / "a.npz")


def test_checkpoint_damage_is_named(tmp_path):
    torch = pytest.importorskip("torch")
    from support.store.checkpoint import load_checkpoint, save_checkpoint

    path = tmp_path / "ck" / "model.pt"
    save_checkpoint(path, config={"L": 16}, state={"w": torch.ones(64)}, meta={"epoch": 1})
    record = json.loads((path.parent / "checkpoints.json").read_text())["model.pt"]
    assert record["size"] == path.stat().st_size
    assert load_checkpoint(path)["meta"]["epoch"] == 1
    _flip_last_byte(path)
    with pytest.raises(CorruptFileError, match="model.pt: checksum differs"):
        load_checkpoint(path)
    _truncate(path)
    with pytest.raises(CorruptFileError, match="model.pt: size"):
        load_checkpoint(path)
    (path.parent / "checkpoints.json").unlink()   # no record (older checkpoint): torch's error, named
    with pytest.raises(CorruptFileError, match="model.pt: not a readable torch checkpoint"):
        load_checkpoint(path)


def test_damaged_phase_scan_cache_is_computed_again(tmp_path, monkeypatch, capsys):
    from support.chiral import phases as skd

    computed = []

    def fake_scan(L, D_values, b_values, **kw):
        computed.append(L)
        return {"D": list(D_values), "Q": [-1.0], "spins": np.ones((1, 3, L, L), np.float32)}

    monkeypatch.setattr(skd, "phase_scan", fake_scan)
    args = (tmp_path / "scan", 8, [0.5], [0.4])
    first = skd.cached_phase_scan(*args, seed=0)
    assert skd.cached_phase_scan(*args, seed=0)["Q"] == first["Q"] and computed == [8]
    _flip_last_byte(tmp_path / "scan" / "scan.npz")
    skd.cached_phase_scan(*args, seed=0)
    assert computed == [8, 8] and "scan.npz: checksum differs" in capsys.readouterr().out
    (tmp_path / "scan" / "scan.json").write_text("{")
    skd.cached_phase_scan(*args, seed=0)
    assert computed == [8, 8, 8]


def test_runner_survives_a_corrupt_timings_file(tmp_path, capsys):
    path = tmp_path / "timings.json"
    path.write_text('{"01_simulate": 12.')
    book._record_time(path, "02_train_cwgan", 3.14)
    assert json.loads(path.read_text()) == {"02_train_cwgan": 3.1}
    assert (tmp_path / "timings.json.corrupt").read_text() == '{"01_simulate": 12.'
    assert "timings.json: not valid JSON" in capsys.readouterr().err


# -------------------------------------------------------------------------------------------------
# one writer at a time
# -------------------------------------------------------------------------------------------------

def _write_keys(path, prefix, n):
    for k in range(n):
        data.update_results(path, **{f"{prefix}{k}": k})


def test_two_concurrent_writers_of_one_results_file_lose_no_keys(tmp_path):
    path = tmp_path / "results" / "01_simulate.json"
    procs = [FORK.Process(target=_write_keys, args=(path, p, 150)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(json.loads(path.read_text())) == 300


def _generate(out, seed):
    def make(i):
        time.sleep(0.05)  # long enough for the two generations to overlap without the lock
        return {"x": np.full((1,), seed, np.int64)}
    data.generate_chunked(out, {"seed": seed}, 6, make, progress=False)


def test_two_generations_with_other_seeds_never_mix_in_one_folder(tmp_path):
    out = tmp_path / "ds"
    procs = [FORK.Process(target=_generate, args=(out, seed)) for seed in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    folders = [out, *tmp_path.glob("ds.previous-*")]
    assert len(folders) == 2
    seeds = set()
    for folder in folders:
        seed = json.loads((folder / "manifest.json").read_text())["params"]["seed"]
        assert set(data.load_chunked(folder)["x"].tolist()) == {seed}   # one seed per dataset
        seeds.add(seed)
    assert seeds == {0, 1}


def _hold(path, seconds, ready):
    with file_lock(path):
        ready.set()
        time.sleep(seconds)


def test_second_writer_waits_or_fails_naming_the_holder(tmp_path):
    path = tmp_path / "r.json"
    ready = FORK.Event()
    holder = FORK.Process(target=_hold, args=(path, 1.0, ready))
    holder.start()
    assert ready.wait(20)
    with pytest.raises(LockTimeout, match=f"pid {holder.pid}"):
        with file_lock(path, timeout=0.2):
            pass
    t0 = time.monotonic()
    data.update_results(path, a=1)   # waits for the holder, then writes
    holder.join(20)
    assert time.monotonic() - t0 > 0.3 and json.loads(path.read_text()) == {"a": 1}


def test_a_second_runner_of_one_profile_waits_for_the_first(tmp_path, monkeypatch, capsys):
    import threading

    from support.store.locks import file_lock

    monkeypatch.setattr(book, "execute_chapter", lambda chapter, params, **k: 0.0)
    folder = tmp_path / "smoke"
    with file_lock(folder):                 # the first runner holds the profile folder
        worker = threading.Thread(target=book.run, args=("smoke", ["05"], {"data_dir": str(tmp_path)}))
        worker.start()
        worker.join(1.0)
        assert worker.is_alive()            # the second waits ...
    worker.join(10)
    assert not worker.is_alive()            # ... and runs once the first is done
    assert "waiting for pid" in capsys.readouterr().err


def test_a_checkpoint_whose_record_was_not_completed_is_recorded_not_refused(tmp_path, monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    from support.store import checkpoint as ck

    path = tmp_path / "ck" / "model.pt"
    ck.save_checkpoint(path, config={"L": 16}, state={"w": torch.ones(8)}, meta={"epoch": 1})
    real = ck._record

    def killed_after_the_rename(p, record=None, *, pending=None):
        if pending is None:
            raise KeyboardInterrupt        # the kill between os.replace and the final record
        real(p, record, pending=pending)

    monkeypatch.setattr(ck, "_record", killed_after_the_rename)
    with pytest.raises(KeyboardInterrupt):
        ck.save_checkpoint(path, config={"L": 16}, state={"w": torch.zeros(8)}, meta={"epoch": 2})
    monkeypatch.setattr(ck, "_record", real)
    assert ck.load_checkpoint(path)["meta"]["epoch"] == 2          # the new file, accepted
    assert "recorded now" in capsys.readouterr().out
    assert "pending" not in json.loads((path.parent / "checkpoints.json").read_text())["model.pt"]
    _flip_last_byte(path)                                        # damage is still named afterwards
    with pytest.raises(CorruptFileError, match="checksum differs"):
        ck.load_checkpoint(path)


def test_results_files_prove_themselves(tmp_path, capsys):
    from support.store.data import load_results, update_results

    path = tmp_path / "results" / "03_train_vae.json"
    update_results(path, checkpoints={"split_0": "a.pt", "split_1": "b.pt"})
    update_results(path, best_kl=1e-4)
    assert load_results(path) == {"checkpoints": {"split_0": "a.pt", "split_1": "b.pt"}, "best_kl": 1e-4}
    path.write_text(path.read_text().replace('"b.pt"', '"a.pt"'))        # valid JSON, one value changed
    with pytest.raises(CorruptFileError, match=r"03_train_vae.json: checksum differs.*Rerun chapter 03"):
        load_results(path)
    path.write_text(path.read_text()[:20])                               # truncated
    with pytest.raises(CorruptFileError, match="03_train_vae.json: size"):
        load_results(path)
    update_results(path, best_kl=2e-4)                                   # its chapter reruns: set aside, afresh
    assert load_results(path) == {"best_kl": 2e-4}
    assert (path.parent / "03_train_vae.json.corrupt").exists() and "Kept aside" in capsys.readouterr().err
