"""How the cpu profile's VAE size was chosen: candidates trained on split 0, scored on its validation points.

Not a timing benchmark: it reproduces a model choice that is too slow to repeat inside chapter 03. Every
candidate is trained like chapter 03's runs (600 steps, C_KL 1.25e-5, canonical frame, seed 0) on split 0's
fitted lattices; printed per candidate: the validation MSE, the share of validation reconstructions that are
still skyrmion lattices by the dataset's filter, and the share of 600 lattices drawn from the chosen latent
mixture that are (the latter needs no held-out lattice at all). The test lattices are not touched.

Usage: ``python benchmarks/vae_size_selection.py [--data-dir data] [--profile cpu] [--workers 2]`` after
chapters 01 and 03 of that profile (their splits are reused). About 20 minutes on two cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from support.book.runtime import set_threads
from support.vae.evaluation import heldout as ev
from support.vae.training import runs
from support.vae.inference import load_vae
from support.vae.upstream import load_upstream

#: (widths, stem width; None: the model's default) of the candidates.
CANDIDATES = {"8-16-32": ([8, 16, 32], None), "8-16-32 stem 16": ([8, 16, 32], 16), "12-24-48": ([12, 24, 48], None),
              "12-24-48 stem 16": ([12, 24, 48], 16), "16-32-64": ([16, 32, 64], None)}


def candidate_jobs(up: dict, folder: Path) -> dict[str, dict]:
    """One chapter-03-style training job per candidate on split 0's fitted and validation lattices."""
    s, x, L = up["splits"][0], up["data"]["spins"], up["data"]["spins"].shape[-1]
    return {name: {"model_config": {"L": L, "widths": widths, "latent_dim": 64, "stem_width": stem,
                                    "canonical_frame": up["dmi"]},
                   "train_spins": x[s["fit"]], "val_spins": x[s["val"]], "kl_weight": 1.25e-5,
                   "path": folder / f"{name.replace(' ', '_')}.pt", "batch_size": 32, "lr": 3e-3, "seed": 0,
                   "device": "cpu", "dmi": up["dmi"], **runs.step_schedule(len(s["fit"]), 32, 600, 25)}
            for name, (widths, stem) in CANDIDATES.items()}


def validation_scores(model, up: dict) -> dict[str, float]:
    """Validation MSE and skyrmion-lattice shares (validation reconstructions, generated lattices) of one model."""
    s, data = up["splits"][0], up["data"]
    scores = ev.split_scores(model, data["spins"], data, s["fit"], s["val"], n_boot=10)
    gen = ev.split_generation(model, scores, data, s["fit"], s["val"], samplers=["gmm"], n_generate=600,
                              gmm_components=[5, 10, 20, 40, 60], gmm_covariance=["spherical", "diag"],
                              gmm_folds=3, dmi=up["dmi"])
    return {"val MSE": scores["test_mse"], "val recon SkX": gen["reconstructed_lattice_fraction"],
            "generated SkX": gen["reports"]["gmm"]["skyrmion_lattice_fraction"]["generated"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default="data")
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    up = load_upstream(args.data_dir, args.profile)
    folder = Path(up["out"]) / "vae_size_selection"
    trained = runs.train_runs(candidate_jobs(up, folder), workers=args.workers, threads=1)
    set_threads()
    print(f"{'candidate':>18}{'val MSE':>10}{'val recon SkX':>15}{'generated SkX':>15}{'train s':>9}")
    for name, run in trained.items():
        sc = validation_scores(load_vae(run["path"], "cpu"), up)
        print(f"{name:>18}{sc['val MSE']:10.4f}{sc['val recon SkX']:15.3f}{sc['generated SkX']:15.3f}"
              f"{run['seconds']:9.0f}")


if __name__ == "__main__":
    main()
