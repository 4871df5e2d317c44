"""What chapter 04 reads from chapters 01 and 02: the XY data set, the held-out maps and the chosen generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from support.cwgan.generator import load_generator
from support.cwgan.split import heldout_map_ids
from support.data import load_json
from support.runtime import profile_dir, results_path
from support.xy_dataset import default_dir, load_xy_dataset


def load_upstream(data_dir, profile: str, *, variant: str = "best", device: str | torch.device = "cpu") -> dict:
    """Chapter 01's XY dataset, chapter 02's held-out map ids and the chosen generator.

    The held-out ids are recomputed with :func:`support.cwgan.split.heldout_map_ids` from the
    ``holdout_fraction`` and ``holdout_seed`` of ``02_train_cwgan.json`` (the split chapter 02 trained
    with) and checked against the ``heldout_map_ids`` it recorded.

    Returns:
        dict with ``data`` (dataset dict), ``heldout`` (int64 ids), ``generator``, ``variant``,
        ``generator_path``, ``results02`` (chapter 02's results dict).

    Raises:
        FileNotFoundError: naming the chapter to run when its output is missing.
        KeyError: chapter 02's results lack the split or the best variant.
        ValueError: the recorded held-out ids differ from the recomputed split (the data set changed).
    """
    data = load_xy_dataset(default_dir(data_dir, profile))
    res_path = results_path(data_dir, profile, "02_train_cwgan")
    if not Path(res_path).exists():
        raise FileNotFoundError(f"{res_path} is missing: run chapter 02 (notebooks/02_train_cwgan.py) first "
                                "with the same profile and data_dir.")
    res = load_json(res_path)
    if variant == "best":
        variant = res.get("best_variant")
        if variant is None:
            raise KeyError(f"{res_path} has no 'best_variant'; pass gan_variant explicitly")
    if "holdout_fraction" not in res or "heldout_map_ids" not in res:
        raise KeyError(f"{res_path} lacks 'holdout_fraction'/'heldout_map_ids': rerun chapter 02")
    ids = heldout_map_ids(data, float(res["holdout_fraction"]), int(res.get("holdout_seed", 0)))
    if not np.array_equal(ids, np.asarray(res["heldout_map_ids"], dtype=np.int64)):
        raise ValueError(f"the held-out maps recorded in {res_path} differ from the split of the current data set: "
                         "rerun chapter 02 after chapter 01")
    ckpt = (res.get("checkpoints") or {}).get(variant)
    path = Path(ckpt) if ckpt else profile_dir(data_dir, profile) / "cwgan" / variant / "generator.pt"
    if path.is_dir():
        path = path / "generator.pt"
    if not path.exists():
        raise FileNotFoundError(f"generator checkpoint {path} is missing: run chapter 02 first")
    return dict(data=data, heldout=ids, generator=load_generator(path, device),
                variant=variant, generator_path=str(path), results02=res)
