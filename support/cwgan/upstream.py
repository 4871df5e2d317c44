"""What chapter 04 reads from chapters 01 and 02: the XY data set, the held-out maps and the chosen generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from support.book.runtime import from_repo, profile_dir, results_path
from support.cwgan.generator import load_generator
from support.cwgan.split import split_maps, split_record
from support.cwgan.evaluation.sets import learned_conditions, unet_conditions
from support.store.checkpoint import load_checkpoint
from support.store.data import load_results
from support.xy.dataset import default_dir, load_xy_dataset


def load_upstream(data_dir, profile: str, *, variant: str = "best", device: str | torch.device = "cpu") -> dict:
    """Chapter 01's XY dataset, chapter 02's split and the chosen generator.

    The split is recomputed with :func:`support.cwgan.split.split_maps` from the fractions and seed of
    ``02_train_cwgan.json`` (the split chapter 02 trained with) and checked against the map ids it recorded.

    Returns:
        dict with ``data`` (dataset dict), ``parts`` (the split's sample masks), ``heldout`` (int64 ids of the
        ``seen_class`` placements), ``generator``, ``variant``, ``generator_path``, ``results02``.

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
    res = load_results(res_path)
    if variant == "best":
        variant = res.get("best_variant")
        if variant is None:
            raise KeyError(f"{res_path} has no 'best_variant'; pass gan_variant explicitly")
    if "split" not in res:
        raise KeyError(f"{res_path} lacks 'split': rerun chapter 02")
    rec = res["split"]
    parts = split_maps(data["map_id"], data["distance_class"], holdout_fraction=rec["holdout_fraction"],
                       validation_fraction=rec["validation_fraction"], seed=rec["seed"])
    if split_record(data, parts, rec["holdout_fraction"], rec["validation_fraction"], rec["seed"]) != rec:
        raise ValueError(f"the split recorded in {res_path} differs from the split of the current data set: "
                         "rerun chapter 02 after chapter 01")
    ids = np.asarray(rec["seen_class_map_ids"], dtype=np.int64)
    ckpt = (res.get("checkpoints") or {}).get(variant)
    if variant == "learned":
        if "learned" not in res:
            raise KeyError(f"{res_path} has no learned generator: rerun chapter 02")
        ckpt = res["learned"]["checkpoint"]
    path = from_repo(ckpt) if ckpt else profile_dir(data_dir, profile) / "cwgan" / variant / "generator.pt"
    if path.is_dir():
        path = path / "generator.pt"
    if not path.exists():
        raise FileNotFoundError(f"generator checkpoint {path} is missing: run chapter 02 first")
    return dict(data=data, parts=parts, heldout=ids, generator=load_generator(path, device),
                variant=variant, generator_path=str(path), results02=res)


def trained_generators(results02: dict, device: str | torch.device = "cpu") -> dict:
    """Every generator chapter 02 trained: the U-Net variants and, when present, the learned generator
    (its checkpoint is named from the repository root)."""
    paths = {v: from_repo(p) for v, p in (results02.get("checkpoints") or {}).items()}
    if "learned" in results02:
        paths["learned"] = from_repo(results02["learned"]["checkpoint"])
    return {v: load_generator(p, device) for v, p in paths.items()}


def training_conditions(data: dict, results02: dict, variants) -> dict[str, dict]:
    """What each trained variant in ``variants`` trained on (see :mod:`support.cwgan.evaluation.sets`):
    the U-Nets chapter 01's maps and temperatures, the learned generator its checkpoint's training settings."""
    unseen = results02["split"]["unseen_classes"]
    out = {}
    for v in variants:
        if v == "learned":
            meta = load_checkpoint(from_repo(results02["learned"]["checkpoint"]))["meta"]
            out[v] = learned_conditions(meta["training"], unseen)
        else:
            out[v] = unet_conditions(data, unseen)
    return out


def physics_prior(generators: dict) -> dict:
    """The physics-prior baseline's settings: those stored in the prior U-Net's checkpoint when chapter 02
    trained one, else the defaults of :func:`support.cwgan.models.prior.prior_settings`."""
    from support.cwgan.models.prior import prior_settings

    return prior_settings(generators["prior"].config["prior"] if "prior" in generators else None)
