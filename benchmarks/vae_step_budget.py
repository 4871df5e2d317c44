"""How many optimiser steps the cpu profile's VAE needs: one model trained for several step budgets on split 0.

Not a timing benchmark: it measures what chapter 03 cannot afford inside its budget. The main model (the profile's
widths, C_KL, chapter 03's frame, seed 0) is trained on split 0's fitted lattices for each budget, with its own cosine
schedule, and monitored on the validation lattices (support.vae.training.learning_curve). Printed per budget: the
best validation MSE, the last epoch's training MSE (the generalisation gap), the validation |r(PC0, Q)| at the end
and its range over the last doubling of steps, PC0's share of the latent variance; then the plateau rule
(support.vae.training.learning_curve.plateau) between consecutive budgets: a budget is long enough when the next
one no longer lowers the best validation MSE by more than the rule's tolerance. The test lattices are not touched.

Usage: ``python benchmarks/vae_step_budget.py [--steps 600 1200 3000] [--kl 5e-5] [--frame fixed_frame_augmented]
[--workers 2] [--data-dir data] [--profile cpu]`` after chapter 01 of that profile. About 10 minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from support.book.runner import chapter_parameters
from support.book.runtime import profile_dir
from support.chiral.dataset import load_skyrmion_dataset, skyrmion_dataset_params
from support.vae.training import learning_curve, runs
from support.vae.training.splits import vae_splits


def budget_jobs(out: Path, params: dict, steps: list[int], kl_weight: float, frame: str,
                folder: Path) -> dict[str, dict]:
    """One chapter-03-style job per step budget on split 0 (monitored against Q), in one of ``runs.FRAMES``."""
    sky = load_skyrmion_dataset(out / "skyrmions")
    dmi = skyrmion_dataset_params(out / "skyrmions").get("dmi", "neel")
    split = vae_splits(sky["point"], n_splits=params["n_splits"], test_fraction=params["test_fraction"],
                       val_fraction=params["val_fraction"], seed=0)[0]
    config, augmented = runs.frame_setup({"L": int(sky["spins"].shape[-1]), "widths": list(params["widths"]),
                                          "latent_dim": params["latent_dim"], "stem_width": params["stem_width"] or None},
                                         frame, dmi)
    return {f"{n} steps": runs.run_job(config, sky["spins"], split, kl_weight, folder / f"steps_{n}", train_steps=n,
                                       augmented=augmented,
                                       warmup_steps=params["warmup_steps"], batch_size=params["batch_size"],
                                       lr=params["lr"], seed=0, device="cpu", dmi=dmi, charges=sky["Q"])
            for n in steps}


def summary(history: dict) -> dict:
    """The printed figures of one run (see the module docstring)."""
    curve = history["curve"]
    late = [p["val_abs_r_pc0_q"] for p in curve if p["step"] >= curve[-1]["step"] / 2]
    return {"best val MSE": history["best_val_mse"], "last train MSE": history["train_mse"][-1],
            "val |r| end": curve[-1]["val_abs_r_pc0_q"], "val |r| late range": f"{min(late):.2f}-{max(late):.2f}",
            "PC0 share": curve[-1]["pc0_variance_share"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, nargs="+", default=[600, 1200, 3000])
    ap.add_argument("--kl", type=float, default=5e-5)
    ap.add_argument("--frame", choices=runs.FRAMES, default=None,
                    help="default: chapter 03's main frame if it ran, else the canonical frame")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data-dir", default="data")
    ap.add_argument("--profile", default="cpu")
    a = ap.parse_args()
    params = chapter_parameters(a.profile, "03_train_vae")
    out = profile_dir(a.data_dir, a.profile)
    res03 = out / "results" / "03_train_vae.json"
    frame = a.frame or (json.loads(res03.read_text()).get("main_frame") if res03.exists() else None) or "canonical_frame"
    print(f"{frame}, C_KL {a.kl:g}, split 0 of the {a.profile} profile")
    with tempfile.TemporaryDirectory() as tmp:
        jobs = budget_jobs(out, params, a.steps, a.kl, frame, Path(tmp))
        done = runs.train_runs(jobs, workers=a.workers, threads=1)
    for name, run in done.items():
        row = summary(run["history"]) if run["status"] == "ok" else {"status": run["status"]}
        print(f"{name:>11s}: " + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                                            for k, v in row.items()) + f", {run['seconds']:.0f} s")
    for short, long in zip(a.steps, a.steps[1:]):  # the plateau rule between consecutive budgets
        p = learning_curve.plateau(done[f"{short} steps"]["history"], done[f"{long} steps"]["history"])
        print(f"{short} -> {long} steps: best val MSE gain {p['mse_gain']:.1%}, plateau reached: {p['reached']}")
    print("(|r| values over ~40 validation lattices; PC0's direction is unstable where its share is small)")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
