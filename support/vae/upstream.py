"""What chapters 04 and 05 read from upstream: chapter 01's skyrmion dataset and chapter 03's VAE results."""

from __future__ import annotations

import os

import numpy as np

from support.book.runtime import from_repo, profile_dir, results_path
from support.chiral.dataset import load_skyrmion_dataset, skyrmion_dataset_params
from support.store.data import load_results
from support.vae.training.splits import vae_splits

#: Folder of the skyrmion dataset inside ``profile_dir(data_dir, profile)`` (written by chapter 01).
SKYRMION_SUBDIR = "skyrmions"


def load_upstream(data_dir: str | os.PathLike, profile: str) -> dict:
    """The skyrmion dataset (chapter 01), chapter 03's results and its phase-point splits, checked.

    Returns:
        dict with ``out`` (the profile folder), ``data`` (the skyrmion lattices, see
        ``load_skyrmion_dataset``), ``vae`` (the ``03_train_vae.json`` results), ``dmi`` and ``J``
        (from the dataset manifest), ``kl_weights``, ``best_kl`` and ``splits`` (chapter 03's
        :func:`support.vae.training.splits.vae_splits`, rebuilt from its parameters).

    Raises:
        FileNotFoundError: naming the chapter that makes what is missing.
        ValueError: the dataset changed since chapter 03 made its splits (rerun chapter 03).
    """
    out = profile_dir(data_dir, profile)
    data = load_skyrmion_dataset(out / SKYRMION_SUBDIR)
    res_path = results_path(data_dir, profile, "03_train_vae")
    if not res_path.exists():
        raise FileNotFoundError(f"No VAE results at {res_path}. Run chapter 03 (notebooks/03_train_vae.py) first "
                                "with the same profile and data_dir.")
    vae = load_results(res_path)
    missing = [k for k in ("kl_weights", "best_kl", "split_params", "test_points", "checkpoints") if k not in vae]
    if missing:
        raise KeyError(f"{res_path} lacks {missing}; rerun chapter 03 (03_train_vae).")
    for key in ("checkpoints", "sweep_checkpoints"):  # named from the repository root in the results file
        vae[key] = {name: str(from_repo(path)) for name, path in vae.get(key, {}).items()}
    kw = vae["split_params"]
    splits = vae_splits(data["point"], **kw)
    if [s["test_points"].tolist() for s in splits] != vae["test_points"] or (
            splits[0]["val_points"].tolist() != vae.get("val_points")):
        raise ValueError("the skyrmion dataset or the split rule changed since chapter 03 split it; rerun chapter 03 "
                         "(03_train_vae)")
    params = skyrmion_dataset_params(out / SKYRMION_SUBDIR)
    return {"out": out, "data": data, "vae": vae, "dmi": params.get("dmi", "neel"), "J": float(params.get("J", 1.0)),
            "kl_weights": [float(w) for w in vae["kl_weights"]], "best_kl": float(vae["best_kl"]), "splits": splits,
            "train_points": np.asarray(params["points"])[splits[0]["train_points"]]}
