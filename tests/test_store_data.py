"""Atomic, resumable, parameter-checked datasets."""

import json

import numpy as np
import pytest

from support.store import data


def test_chunked_dataset_resumes_and_keeps_other_parameters_aside(tmp_path):
    calls = []

    def make(i):
        calls.append(i)
        return {"x": np.full((2, 3), i, dtype=np.float32)}

    out = tmp_path / "ds"
    data.generate_chunked(out, {"a": 1}, 3, make, progress=False)
    assert calls == [0, 1, 2]
    (out / "chunk_00001.npz").unlink()  # as if interrupted before chunk 1 was renamed into place
    data.generate_chunked(out, {"a": 1}, 3, make, progress=False)
    assert calls == [0, 1, 2, 1]
    loaded = data.load_chunked(out)
    assert loaded["x"].shape == (6, 3) and list(loaded["x"][::2, 0]) == [0, 1, 2]
    data.generate_chunked(out, {"a": 2}, 3, make, progress=False)  # other parameters: old data kept aside
    assert json.loads((out / "manifest.json").read_text())["params"] == {"a": 2}
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("ds.previous-")]
    assert len(kept) == 1 and json.loads((kept[0] / "manifest.json").read_text())["params"] == {"a": 1}
    assert len(list(kept[0].glob("chunk_*.npz"))) == 3


def test_missing_dataset_names_the_chapter(tmp_path):
    with pytest.raises(FileNotFoundError, match="chapter 01"):
        data.load_chunked(tmp_path / "nothing", made_by="chapter 01")


def test_failed_write_leaves_nothing(tmp_path):
    class Boom(Exception):
        pass

    def bad(fh):
        fh.write(b"partial")
        raise Boom

    with pytest.raises(Boom):
        data._atomic_write(tmp_path / "f.bin", bad)
    assert list(tmp_path.iterdir()) == []


def test_update_results_merges_and_converts(tmp_path):
    path = tmp_path / "r.json"
    data.update_results(path, a=np.float32(1.5), b=np.arange(3))
    data.update_results(path, c={"x": np.int64(2)})
    assert json.loads(path.read_text()) == {"a": 1.5, "b": [0, 1, 2], "c": {"x": 2}}


def test_chunk_seeds_differ_and_repeat():
    assert data.chunk_seed(0, 1) == data.chunk_seed(0, 1)
    assert len({data.chunk_seed(0, i) for i in range(100)}) == 100
    assert data.chunk_seed(0, 1) != data.chunk_seed(1, 1)
