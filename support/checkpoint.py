"""Checkpoints that rebuild their model: weights + model config + training state, written atomically.

A checkpoint is a ``torch.save`` dict with ``config`` (plain JSON-able model config),
``state`` (model/optimizer state dicts) and ``meta`` (epoch, history, ...). It is loaded with
``weights_only=True``, so it must hold only tensors and plain Python values.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import torch


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
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_checkpoint(path: str | os.PathLike, *, expect_config: dict | None = None,
                    map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint; if ``expect_config`` is given, a different stored config is an error."""
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
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
