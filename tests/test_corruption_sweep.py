"""Every kind of file the book writes and reads back, damaged every way we could think of, on tiny files made here.

Kinds: a dataset chunk (``.npz``) and its ``manifest.json``; a checkpoint (``.pt``) and its ``checkpoints.json``;
a chapter's results JSON, ``records.json`` and the runner's ``timings.json``; the phase-scan cache (``scan.npz``);
an exported ``.npz`` (``results/cwgan_samples.npz``). Damage: truncation, a flipped byte, an emptied file,
bytes of another format, and edits that keep the format valid (another array, another checkpoint, a changed,
added or deleted JSON value, a reformatted JSON file). Each must be refused by the reader with an error that
names the damaged file, or (a record file whose size or checksum fields were hit) the file it vouches for.
"""

import json

import numpy as np
import pytest
import torch

from support.store import checkpoint as ck
from support.store import data
from support.store.integrity import CorruptFileError, verify_file

# ---- the files, made small ----------------------------------------------------------------------

def _dataset(root):
    data.generate_chunked(root / "ds", {"seed": 0}, 3,
                          lambda i: {"x": np.full((2, 3), i, np.float32)}, progress=False)
    return lambda: data.load_chunked(root / "ds", made_by="chapter 01")


def _checkpoint(root):
    path = root / "ck" / "model.pt"
    ck.save_checkpoint(path, config={"L": 16}, state={"w": torch.arange(8.0)}, meta={"epoch": 1})
    return lambda: ck.load_checkpoint(path)


def _results(root):
    folder = root / "results"
    data.update_results(folder / "01_simulate.json", n_samples=104, abs_m=[0.97, 0.25])
    data.update_results(folder / "03_train_vae.json", checkpoints={"split_1": "data/smoke/split_1/kl.pt"}, kl=1e-4)
    data.update_results(folder / "timings.json", **{"01_simulate": 20.6})
    return lambda: data.load_results(folder / "03_train_vae.json")


def _timings(root):
    _results(root)
    return lambda: data.load_results(root / "results" / "timings.json")


def _scan_cache(root):
    from support.chiral import phases

    def fake_scan(L, D_values, b_values, **kw):
        return {"D": list(D_values), "Q": [-1.0], "spins": np.ones((1, 3, L, L), np.float32)}

    real, phases.phase_scan = phases.phase_scan, fake_scan
    try:
        phases.cached_phase_scan(root / "scan", 8, [0.5], [0.4], seed=0)
    finally:
        phases.phase_scan = real
    record = json.loads((root / "scan" / "scan.json").read_text())["spins_file"]    # the cache's own record
    return lambda: (verify_file(root / "scan" / "scan.npz", record), data.load_npz(root / "scan" / "scan.npz"))


def _export(root):
    data.save_npz(root / "results" / "cwgan_samples.npz", theta_fake=np.zeros((2, 4, 4), np.float32))
    return lambda: data.load_npz(root / "results" / "cwgan_samples.npz")


# ---- the damage ----------------------------------------------------------------------------------

def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_byte(path):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def empty(path):
    path.write_bytes(b"")


def other_format(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n not this file at all")


def other_array(path):
    arrays = data.load_npz(path)
    data.save_npz(path, **{k: v + 1 for k, v in arrays.items()})


def other_checkpoint(path):
    torch.save({"config": {"L": 16}, "state": {"w": torch.zeros(8)}, "meta": {"epoch": 1}}, path)


def _edit_json(path, change):
    obj = json.loads(path.read_text())
    change(obj)
    path.write_text(json.dumps(obj, indent=2))


def _first_number(obj):
    """The dict and key of the first number in a JSON tree (depth first)."""
    for key, value in obj.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return obj, key
        if isinstance(value, dict) and (found := _first_number(value)):
            return found
    return None


def changed_value(path):
    def change(obj):
        node, key = _first_number(obj)
        node[key] = node[key] + 1
    _edit_json(path, change)


def added_key(path):
    _edit_json(path, lambda obj: obj.update(extra=1))


def deleted_key(path):
    _edit_json(path, lambda obj: obj.pop(max(obj)))


def reformatted(path):
    path.write_text(json.dumps(json.loads(path.read_text()), separators=(",", ":")))


def manifest_checksum(path):
    _edit_json(path, lambda m: m["chunks"]["chunk_00001.npz"].update(sha256="0" * 64))


def manifest_chunk_count(path):
    _edit_json(path, lambda m: m.update(n_chunks=2))


def manifest_incomplete(path):
    _edit_json(path, lambda m: m.update(complete=False))


def record_checksum(path):
    def change(records):
        for record in records.values():
            record["sha256"] = "0" * 64
    _edit_json(path, change)


BYTES = [truncate, flip_byte, empty, other_format]
JSON_EDITS = [changed_value, added_key, deleted_key, reformatted]

# (kind, maker, damaged file, damage, what the error must name)
CASES = (
    [("dataset chunk", _dataset, "ds/chunk_00001.npz", d, "chunk_00001.npz") for d in [*BYTES, other_array]]
    + [("dataset manifest", _dataset, "ds/manifest.json", d, "manifest.json") for d in BYTES]
    + [("dataset manifest", _dataset, "ds/manifest.json", manifest_checksum, "chunk_00001.npz: checksum differs"),
       ("dataset manifest", _dataset, "ds/manifest.json", manifest_chunk_count, "chunk_00002.npz: not in the manifest"),
       ("dataset manifest", _dataset, "ds/manifest.json", manifest_incomplete, "No complete dataset")]
    + [("checkpoint", _checkpoint, "ck/model.pt", d, "model.pt") for d in [*BYTES, other_checkpoint]]
    + [("checkpoint records", _checkpoint, "ck/checkpoints.json", d, ("checkpoints.json", "model.pt: checksum"))
       for d in BYTES]
    + [("checkpoint records", _checkpoint, "ck/checkpoints.json", record_checksum, "model.pt: checksum differs")]
    + [("results", _results, "results/03_train_vae.json", d, "03_train_vae.json") for d in [*BYTES, *JSON_EDITS]]
    + [("results records", _results, "results/records.json", d, ("records.json", "03_train_vae.json: checksum"))
       for d in BYTES]
    + [("results records", _results, "results/records.json", record_checksum, "03_train_vae.json: checksum differs")]
    + [("timings", _timings, "results/timings.json", d, "timings.json") for d in [*BYTES, *JSON_EDITS]]
    + [("phase-scan cache", _scan_cache, "scan/scan.npz", d, "scan.npz") for d in [*BYTES, other_array]]
    + [("exported arrays", _export, "results/cwgan_samples.npz", d, "cwgan_samples.npz") for d in BYTES]
)


@pytest.mark.parametrize("kind, make, name, damage, named", CASES,
                         ids=[f"{c[0]}-{c[3].__name__}" for c in CASES])
def test_each_corruption_is_detected_and_named(tmp_path, kind, make, name, damage, named):
    read = make(tmp_path)
    read()                                   # intact: reads
    damage(tmp_path / name)
    with pytest.raises((CorruptFileError, FileNotFoundError)) as err:
        read()
    named = (named,) if isinstance(named, str) else named   # a record file: itself, or the file it vouches for
    assert any(n in str(err.value) for n in named), f"{kind}, {damage.__name__}: {err.value}"


def test_the_sweep_covers_every_kind_and_counts():
    assert len({c[0] for c in CASES}) == 9 and len(CASES) == 52      # the README's figures


# ---- interrupts between a file and its record -----------------------------------------------------

def test_a_results_file_whose_record_was_not_completed_is_recorded_not_refused(tmp_path, monkeypatch, capsys):
    path = tmp_path / "results" / "03_train_vae.json"
    data.update_results(path, kl=1e-4)
    real = data._record_results

    def killed_after_the_rename(p, *, pending=None):
        if pending is None:
            raise KeyboardInterrupt               # the kill between the rename and the final record
        real(p, pending=pending)

    monkeypatch.setattr(data, "_record_results", killed_after_the_rename)
    with pytest.raises(KeyboardInterrupt):
        data.update_results(path, kl=2e-4)
    monkeypatch.setattr(data, "_record_results", real)
    assert data.load_results(path) == {"kl": 2e-4}                      # the new content, accepted ...
    assert "recorded now" in capsys.readouterr().out
    assert "pending" not in json.loads((path.parent / "records.json").read_text())[path.name]
    changed_value(path)                                                 # ... and damage is still named
    with pytest.raises(CorruptFileError, match="03_train_vae.json: checksum differs"):
        data.load_results(path)


def test_a_kill_before_the_rename_keeps_the_old_file_valid(tmp_path, monkeypatch):
    path = tmp_path / "results" / "03_train_vae.json"
    data.update_results(path, kl=1e-4)
    monkeypatch.setattr(data, "_atomic_write", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        data.update_results(path, kl=2e-4)                              # pending recorded, file not replaced
    monkeypatch.undo()
    assert data.load_results(path) == {"kl": 1e-4}


def test_a_damaged_records_file_is_named_then_rebuilt_by_the_next_writer(tmp_path, capsys):
    folder = tmp_path / "results"
    _results(tmp_path)
    (folder / "records.json").write_text('{"01_simulate.json": {"size"')
    with pytest.raises(CorruptFileError, match="records.json: not valid JSON.*No results file can be checked"):
        data.load_results(folder / "01_simulate.json")
    data.update_results(folder / "01_simulate.json", n_samples=104)    # its chapter reruns: nothing lost
    assert "records.json: not valid JSON" in capsys.readouterr().err
    assert (folder / "records.json.corrupt").exists() and not (folder / "01_simulate.json.corrupt").exists()
    assert data.load_results(folder / "01_simulate.json") == {"n_samples": 104, "abs_m": [0.97, 0.25]}
