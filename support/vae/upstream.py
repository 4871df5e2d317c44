"""What chapters 04 and 05 read from upstream: chapter 01's skyrmion dataset and chapter 03's VAE results."""

from __future__ import annotations

import os

from support.data import load_json
from support.runtime import profile_dir, results_path
from support.skyrmion_dataset import load_skyrmion_dataset, skyrmion_dataset_params

#: Folder of the skyrmion dataset inside ``profile_dir(data_dir, profile)`` (written by chapter 01).
SKYRMION_SUBDIR = "skyrmions"


def load_upstream(data_dir: str | os.PathLike, profile: str) -> dict:
    """The skyrmion dataset (chapter 01) and the VAE sweep's results (chapter 03), checked.

    Returns:
        dict with ``out`` (the profile folder), ``data`` (see ``load_skyrmion_dataset``),
        ``vae`` (the ``03_train_vae.json`` results), ``dmi`` (from the dataset manifest,
        default ``"neel"``), ``kl_weights`` (floats) and ``best_kl`` (float).

    Raises:
        FileNotFoundError: naming the chapter that makes what is missing.
    """
    out = profile_dir(data_dir, profile)
    data = load_skyrmion_dataset(out / SKYRMION_SUBDIR)
    res_path = results_path(data_dir, profile, "03_train_vae")
    if not res_path.exists():
        raise FileNotFoundError(f"No VAE results at {res_path}. Run chapter 03 (notebooks/03_train_vae.py) first "
                                "with the same profile and data_dir.")
    vae = load_json(res_path)
    missing = [k for k in ("kl_weights", "best_kl") if k not in vae]
    if missing:
        raise KeyError(f"{res_path} lacks {missing}; rerun chapter 03 (03_train_vae).")
    if not data["is_test"].any() or data["is_test"].all():
        raise ValueError("the skyrmion dataset needs both training and test lattices (test_fraction in (0, 1))")
    params = skyrmion_dataset_params(out / SKYRMION_SUBDIR)
    return {"out": out, "data": data, "vae": vae, "dmi": params.get("dmi", "neel"), "J": float(params.get("J", 1.0)),
            "kl_weights": [float(w) for w in vae["kl_weights"]], "best_kl": float(vae["best_kl"])}
