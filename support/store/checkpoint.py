"""Checkpoints that rebuild their model: weights + model config + training state, written atomically.

A checkpoint is a ``torch.save`` dict with ``config`` (plain JSON-able model config),
``state`` (model/optimizer state dicts) and ``meta`` (epoch, history, ...). It is loaded with
``weights_only=True``, so it must hold only tensors and plain Python values. Every checkpoint
is recorded (size + SHA-256) in ``checkpoints.json`` beside it, and loading checks the record, so
a damaged file is named instead of failing deep inside ``torch.load``.
"""

from __future__ import annotations

import math
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch

from support.store.integrity import CorruptFileError, file_record, record_problem, verify_file
from support.store.locks import file_lock

MANIFEST = "checkpoints.json"


class TrainingDiverged(RuntimeError):
    """A loss became NaN/inf or exploded; the last good checkpoint was kept."""


def save_checkpoint(path: str | os.PathLike, *, config: dict, state: dict[str, Any], meta: dict) -> None:
    """Atomically write ``{"config", "state", "meta"}`` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"config": config, "state": state, "meta": meta}, tmp)
        # the new file's record goes in as "pending" before the rename, so a kill between the rename and the
        # final record leaves a file that matches a record (load_checkpoint then completes the record)
        _record(path, pending=file_record(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _record(path, file_record(path))


def _record(path: Path, record: dict | None = None, *, pending: dict | None = None) -> None:
    """Store a checkpoint's size and checksum in its folder's manifest (read-modify-write under a lock):
    ``record`` as its record, or ``pending`` beside the current one while the file is being replaced."""
    from support.store.data import load_json, save_json

    manifest = path.parent / MANIFEST
    with file_lock(manifest):
        try:
            records = load_json(manifest) if manifest.exists() else {}
        except CorruptFileError as err:
            print(f"{err} Starting a new one (unrecorded checkpoints load without a checksum check).")
            records = {}
        if pending is not None:
            records[path.name] = {**(records.get(path.name) or {}), "pending": pending}
        else:
            records[path.name] = record
        save_json(manifest, records)


def _stored_record(path: Path) -> dict | None:
    """The manifest record of a checkpoint, ``None`` if it has none (written before records existed)."""
    from support.store.data import load_json

    manifest = path.parent / MANIFEST
    return load_json(manifest).get(path.name) if manifest.exists() else None


def load_checkpoint(path: str | os.PathLike, *, expect_config: dict | None = None,
                    map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint; if ``expect_config`` is given, a different stored config is an error.

    Raises:
        CorruptFileError: the file differs from its ``checkpoints.json`` record or cannot be read.
    """
    path = Path(path)
    remedy = "Move it away (or use another data_dir) to train it again."
    record = _stored_record(path)
    if record is not None:
        pending = record.pop("pending", None)
        if pending is not None and record_problem(path, record) and not record_problem(path, pending):
            print(f"{path}: its record was not completed after it was written (an interrupt); recorded now.")
            _record(path, pending)
        else:
            verify_file(path, record, remedy)
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        raise CorruptFileError(path, f"not a readable torch checkpoint ({type(err).__name__}: "
                               f"{str(err).splitlines()[0] if str(err) else ''})", remedy) from None
    if expect_config is not None and ckpt["config"] != expect_config:
        diff = {k: (ckpt["config"].get(k), v) for k, v in expect_config.items() if ckpt["config"].get(k) != v}
        raise ValueError(f"Checkpoint {path} was made with another model config (stored, wanted): {diff}. "
                         "Use another data_dir/profile or remove the checkpoint yourself.")
    return ckpt


def check_finite(name: str, value: float, *, limit: float = 1e6, checkpoint: str | os.PathLike | None = None) -> None:
    """Raise ``TrainingDiverged`` if a loss is NaN/inf or larger than ``limit`` in magnitude."""
    if not math.isfinite(value) or abs(value) > limit:
        where = f" The last good checkpoint is kept at {checkpoint}." if checkpoint else ""
        raise TrainingDiverged(f"{name} = {value} is not finite or exploded (limit {limit}); training stopped.{where}")
