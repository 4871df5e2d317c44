"""Several VAE runs: the KL-weight sweep, runs on further splits and frames, side by side; model selection.

Runs are independent. With ``scheduler=None`` they go ``workers`` at a time into separate processes
(one torch thread each by default), because small convolutions scale poorly over threads on a shared
2-core CPU; with a ``scheduler`` (``""``: an embedded Dask LocalCluster, ``"tcp://..."``: a cluster,
see ``support.parallel``) each run is one Dask task. A run's seed and data come from its job, so
with one torch thread per run the results are the same bytes wherever it runs. Every run is sized
in optimiser steps (:func:`step_schedule`).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch

from support.book.progress import tqdm
from support.book.runtime import available_cores, repo_relative
from support.store.checkpoint import TrainingDiverged
from support.vae.training.learning_curve import LatentMonitor
from support.vae.training.loop import checkpoint_path, kl_key, train_vae


def _sweep_job(model_config: dict, train_spins, val_spins, kl_weight: float, path: str, augmented: bool,
               train_kw: dict, threads: int | None = None) -> dict:
    """One run of a sweep (also the unit of work of a worker process); divergence is a result, not an error."""
    if threads:
        torch.set_num_threads(int(threads))
    try:
        _, hist = train_vae(model_config, train_spins, val_spins, kl_weight=float(kl_weight), augment=augmented,
                            checkpoint=path, **train_kw)
        return {"path": str(path), "history": hist, "val_mse": hist["best_val_mse"], "status": "ok",
                "seconds": hist["train_seconds"]}
    except TrainingDiverged as err:
        return {"path": str(path), "history": None, "val_mse": float("nan"), "status": f"diverged: {err}",
                "seconds": float("nan")}


def train_sweep(model_config: dict, train_spins, val_spins, kl_weights: Sequence[float], root: str | os.PathLike,
                *, augmented: bool = False, workers: int = 1, threads: int | None = None,
                scheduler: str | None = None, progress: bool = True, **train_kw) -> dict[str, dict]:
    """Train one VAE per KL weight (checkpoints under ``root/vae``); a diverged run is recorded, not fatal.

    Args:
        model_config, train_spins, val_spins: as for :func:`train_vae`.
        kl_weights: the C_KL values.
        root: profile folder; checkpoints go to :func:`checkpoint_path`.
        augmented: train with symmetry augmentation (checkpoint names end in ``_augmented``).
        workers: runs trained at once in separate processes, each with ``cores // workers`` torch
            threads. Small convolutions scale poorly over threads, so on a 2-core CPU two
            one-thread runs side by side finish sooner than two two-thread runs in a row. Results
            do not depend on ``workers`` beyond float rounding of multi-threaded kernels.
        threads: torch threads per run (default: ``cores // workers``; with one worker, the
            current setting; on a Dask worker, its thread count). On a shared machine one thread per
            run avoids thread pools that spin against other processes (measured on a busy 2-core
            machine: 2 threads ran 8× *slower* than 1; on an idle one 1.3× faster).
        scheduler: ``None``: here, or ``workers`` processes as above; ``""`` or an address: one
            Dask task per run (``workers`` is then ignored; see ``support.parallel``). The workers
            write the checkpoints, so a remote cluster needs a file system shared with this process.
        progress: progress bars (per epoch with one worker, per finished run with several).
        **train_kw: further arguments of :func:`train_vae` (``epochs``, ``lr``, ``seed``, ...).

    Returns:
        ``{kl_key(w): {"path", "history", "val_mse", "status", "seconds"}}`` with ``status``
        ``"ok"`` or ``"diverged: ..."``.
    """
    train_spins, val_spins = np.asarray(train_spins, np.float32), np.asarray(val_spins, np.float32)
    args = {kl_key(w): (model_config, train_spins, val_spins, float(w), str(checkpoint_path(root, w, augmented)),
                        augmented, dict(train_kw)) for w in kl_weights}
    return _run_all(args, workers=workers, threads=threads, scheduler=scheduler, progress=progress, desc="KL sweep")


def _run_all(args: Mapping[str, tuple], *, workers: int, threads: int | None, scheduler: str | None,
             progress: bool, desc: str) -> dict[str, dict]:
    """Run ``{name: _sweep_job arguments (without progress and threads)}`` here, in processes or on Dask."""
    workers = max(1, min(int(workers), len(args)))
    if scheduler is not None and len(args) > 1:
        return _run_on_dask(args, threads, scheduler, progress, desc)
    if workers == 1:
        before = torch.get_num_threads()
        try:
            return {name: _sweep_job(*a[:6], {**a[6], "progress": progress}, threads) for name, a in args.items()}
        finally:
            torch.set_num_threads(before)
    threads = threads or max(1, available_cores() // workers)
    # spawn, not fork: a forked child of a process whose OpenMP pool is running can hang
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as ex:
        futures = {name: ex.submit(_sweep_job, *a[:6], {**a[6], "progress": False}, threads) for name, a in args.items()}
        return {name: fut.result() for name, fut in tqdm(futures.items(), desc=f"{desc} ({workers} workers)",
                                                          disable=not progress)}


def _dask_job(item: tuple) -> dict:
    """One run as a Dask task: ``item`` is ``(name, *_sweep_job arguments)``, arrays already on the worker."""
    return _sweep_job(*item[1:])


def _run_on_dask(args: Mapping[str, tuple], threads: int | None, scheduler: str, progress: bool,
                 desc: str) -> dict[str, dict]:
    """One Dask task per run; every distinct training/validation array goes to the cluster once."""
    from support import parallel

    client = parallel.client_for(scheduler)
    scattered: dict[int, object] = {}

    def remote(array: np.ndarray):
        if id(array) not in scattered:
            scattered[id(array)] = client.scatter(array, hash=False)
        return scattered[id(array)]

    items = [(name, a[0], remote(a[1]), remote(a[2]), *a[3:6], {**a[6], "progress": False}, threads)
             for name, a in args.items()]
    results = parallel.map_ordered(_dask_job, items, scheduler=scheduler, desc=desc, progress=progress)
    for item, r in zip(items, results):
        if r["status"] == "ok" and not Path(r["path"]).exists():
            raise FileNotFoundError(f"run {item[0]!r} wrote its checkpoint {r['path']} on a Dask worker, but it is "
                                    "not here: a remote cluster needs a file system shared with this process")
    return {item[0]: r for item, r in zip(items, results)}


def select_kl_weight(runs: Mapping[str, dict], baseline_mse: float) -> tuple[str, dict[str, float], list[str]]:
    """Pick the KL weight of a sweep by validation MSE (never by test error).

    A run *failed* when it diverged or ended above half the MSE of the best uniform state
    (:func:`uniform_baseline_mse` on the validation split), i.e. it never left the all-spins-up
    plateau. The best weight is the lowest validation MSE among the runs that did not fail; if
    every run failed, the least bad finite one.

    Args:
        runs: the result of :func:`train_sweep`.
        baseline_mse: MSE of the best uniform state.

    Returns:
        ``(best_key, val_mse, failed)``: the chosen :func:`kl_key`, the validation MSE per key
        (NaN for a diverged run) and the failed keys in sweep order.

    Raises:
        RuntimeError: every run diverged.
    """
    val_mse = {k: (float(r["val_mse"]) if r["status"] == "ok" else float("nan")) for k, r in runs.items()}
    failed = [k for k, r in runs.items() if r["status"] != "ok" or val_mse[k] > 0.5 * baseline_mse]
    good = ({k: v for k, v in val_mse.items() if k not in failed}
            or {k: v for k, v in val_mse.items() if math.isfinite(v)})
    if not good:
        raise RuntimeError(f"every KL weight diverged: {[r['status'] for r in runs.values()]}")
    return min(good, key=good.get), val_mse, failed


#: A sweep run whose validation MSE is at most this factor above the sweep's lowest still counts as sharp, and
#: may be chosen for its latent (fixed a priori: a 20 % worse reconstruction buys a more readable latent).
KL_MSE_TOLERANCE = 1.2


def select_kl_by_latent(val_mse: Mapping[str, float], failed: Sequence[str], val_latent: Mapping[str, float], *,
                        tolerance: float = KL_MSE_TOLERANCE) -> tuple[str, list[str]]:
    """Pick the KL weight that values the latent, on validation points only.

    Among the runs that did not fail (:func:`select_kl_weight`), those with a validation MSE at most
    ``tolerance`` times the lowest are *sharp*; of these, the one with the highest validation latent score
    ``val_latent`` (e.g. the R² of a ridge probe of Q, fitted on the fitted lattices' latents and scored on the
    validation lattices) is chosen. Where no sharp run has a finite latent score, the lowest validation MSE; where
    every run failed, the lowest finite validation MSE (no run is then sharp).

    Returns:
        ``(best_key, sharp)``: the chosen key and the sharp keys in sweep order.
    """
    ok = {k: v for k, v in val_mse.items() if k not in failed and math.isfinite(v)}
    if not ok:  # every run failed: the least bad one, as select_kl_weight, and none is sharp
        finite = {k: v for k, v in val_mse.items() if math.isfinite(v)}
        if not finite:
            raise RuntimeError("select_kl_by_latent: no run with a finite validation MSE")
        return min(finite, key=finite.get), []
    sharp = [k for k, v in ok.items() if v <= tolerance * min(ok.values())]
    scored = {k: val_latent[k] for k in sharp if math.isfinite(val_latent.get(k, float("nan")))}
    best = max(scored, key=scored.get) if scored else min(ok, key=ok.get)
    return best, sharp


def kl_sweep_rows(val_mse: Mapping[str, float], val_latent: Mapping[str, float], test_mse: Mapping[str, float],
                  sharp: Sequence[str], failed: Sequence[str], best: str) -> list[dict]:
    """One row per KL weight for the results file (thesis Table 3.4): the criterion's inputs, the test MSE
    (measured after the choice, no part of it) and whether it was chosen."""
    return [{"weight": float(k), "val_mse": float(val_mse[k]), "val_r2_Q": float(val_latent.get(k, float("nan"))),
             "failed": k in failed, "sharp": k in sharp, "test_mse": float(test_mse[k]), "chosen": k == best}
            for k in val_mse]


def history_summary(history: dict | None, digits: int = 6) -> dict | None:
    """The per-epoch MSE and KL curves of a run (rounded) and its best epoch, for a results file."""
    if history is None:
        return None
    keep = ("train_mse", "train_kl", "val_mse", "val_kl")
    return {k: [round(v, digits) for v in history[k]] for k in keep} | {"best_epoch": history["best_epoch"]}



def results_summary(sweep: Mapping[str, dict], all_runs: Mapping[str, dict], models: Mapping[str, dict],
                    test_mse: Mapping[str, float], n_splits: int) -> dict:
    """The results-file entries of chapter 03's runs: test MSE per split with its mean and standard deviation,
    the frame comparison on split 0 (and the augmented fixed-frame model's test MSE on its own as
    ``test_mse_augmented``), the checkpoints (named from the repository root) and the training curves.

    Args:
        sweep: the KL sweep's runs (:func:`train_sweep`), keyed by KL weight.
        all_runs: every run trained (the sweep's as ``kl_<weight>``, then the further splits and frames).
        models: the chosen model per split (``split_0`` ...) and every frame's run on split 0 (:data:`FRAMES`).
        test_mse: test MSE of each of ``models``.
        n_splits: number of splits (``split_0`` ... ``split_<n-1>`` in ``test_mse``).
    """
    split_mse = [test_mse[f"split_{k}"] for k in range(n_splits)]
    frames = {n: test_mse[n] for n in FRAMES if n in test_mse}
    augmented = {"test_mse_augmented": frames["fixed_frame_augmented"]} if "fixed_frame_augmented" in frames else {}
    return dict(**augmented, test_mse_splits=split_mse, test_mse_mean=float(np.mean(split_mse)),
                test_mse_std=float(np.std(split_mse)), frame_comparison=frames,
                checkpoints={n: repo_relative(r["path"]) for n, r in models.items()},
                sweep_checkpoints={k: repo_relative(r["path"]) for k, r in sweep.items()},
                histories={n: history_summary(r["history"]) for n, r in all_runs.items()})


def total_train_seconds(runs: Mapping[str, dict]) -> float:
    """Summed training seconds of the runs (a failed run's ``nan`` is skipped)."""
    return float(np.nansum([r["seconds"] for r in runs.values()]))


def headline_numbers(test_mse: Mapping[str, float], n_splits: int, train_steps: int) -> dict[str, float]:
    """The numbers chapter 03's answer quotes: mean and standard deviation of the test MSE over the splits, the
    number of splits, the frame comparison's test MSEs (``mse_fixed_frame``, ``mse_fixed_frame_augmented``,
    ``mse_canonical``) and the optimiser steps of every run."""
    split_mse = [test_mse[f"split_{k}"] for k in range(n_splits)]
    values = {"test_mse_mean": np.mean(split_mse), "test_mse_std": np.std(split_mse), "n_splits": n_splits,
              **{f"mse_{k}": v for k, v in test_mse.items() if k.startswith("fixed")},
              "mse_canonical": test_mse.get("canonical_frame", np.nan), "train_steps": train_steps}
    return {name: float(v) for name, v in values.items()}


def step_schedule(n_train: int, batch_size: int, steps: int, warmup_steps: int = 0) -> dict[str, float]:
    """``epochs`` and ``warmup_epochs`` of :func:`train_vae` for a run sized in optimiser steps.

    ``epochs`` gives at least ``steps`` steps on ``n_train`` lattices: a smaller training set gets
    more passes, not less training, so runs on different splits or data sizes train equally long.
    """
    if n_train < 1 or batch_size < 1 or steps < 1 or warmup_steps < 0:
        raise ValueError(f"need n_train, batch_size, steps >= 1 and warmup_steps >= 0, got {n_train}, {batch_size}, "
                         f"{steps}, {warmup_steps}")
    per_epoch = math.ceil(n_train / batch_size)
    return {"epochs": max(1, math.ceil(steps / per_epoch)), "warmup_epochs": warmup_steps / per_epoch}


def run_job(model_config: dict, spins: np.ndarray, split: Mapping[str, np.ndarray], kl_weight: float,
            folder: str | os.PathLike, *, augmented: bool = False, train_steps: int, warmup_steps: int,
            batch_size: int, charges: np.ndarray | None = None, **train_kw) -> dict:
    """One job of :func:`train_runs`: ``model_config`` on a split's fit lattices (validation: its ``val``
    lattices), ``train_steps`` optimiser steps, checkpoint at :func:`checkpoint_path` under ``folder``.
    With ``charges`` (``Q`` per lattice of ``spins``) the run records its learning curve (:func:`latent_monitor`)."""
    if charges is not None:
        train_kw["monitor"] = latent_monitor(spins, charges, split)
    return {"model_config": model_config, "train_spins": spins[split["fit"]], "val_spins": spins[split["val"]],
            "kl_weight": kl_weight, "path": checkpoint_path(folder, kl_weight, augmented), "augmented": augmented,
            "batch_size": batch_size, **step_schedule(len(split["fit"]), batch_size, train_steps, warmup_steps),
            **train_kw}


def latent_monitor(spins: np.ndarray, charges: np.ndarray, split: Mapping[str, np.ndarray]) -> LatentMonitor:
    """The learning-curve monitor of a run on ``split``: its fit and validation lattices and their charges."""
    return LatentMonitor(spins[split["fit"]], charges[split["fit"]], spins[split["val"]], charges[split["val"]])


HALF = "_half"  # name suffix of a run at half the budget (:func:`with_half_budgets`)


def with_half_budgets(jobs: Mapping[str, dict], names: Sequence[str] | None = None) -> dict[str, dict]:
    """``jobs`` and, for each of ``names`` (default: all), the same run at half its epochs (its own cosine schedule),
    named ``name + HALF``, checkpoint ``..._half.pt`` beside the full run's. The pair is the plateau test of
    :func:`support.vae.training.learning_curve.plateau`."""
    halves = {f"{n}{HALF}": {**jobs[n], "epochs": max(1, math.ceil(jobs[n]["epochs"] / 2)),
                             "path": Path(jobs[n]["path"]).with_name(Path(jobs[n]["path"]).stem + f"{HALF}.pt")}
              for n in (jobs if names is None else names)}
    return {**jobs, **halves}


def train_with_half_budgets(jobs: Mapping[str, dict], names: Sequence[str] | None = None,
                            **run_kw) -> tuple[dict[str, dict], dict[str, dict]]:
    """:func:`train_runs` on ``jobs`` and their half-budget twins (:func:`with_half_budgets`): ``(full, half)``."""
    return split_half_budgets(train_runs(with_half_budgets(jobs, names), **run_kw))


def split_half_budgets(done: Mapping[str, dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    """The results of :func:`train_runs` on :func:`with_half_budgets` jobs as ``(full runs, half runs)``, both keyed
    by the full run's name."""
    half = {n[:-len(HALF)]: r for n, r in done.items() if n.endswith(HALF)}
    return {n: r for n, r in done.items() if not n.endswith(HALF)}, half


FRAMES = ("canonical_frame", "fixed_frame", "fixed_frame_augmented")  # the encoders chapter 03 compares


def frame_setup(model_config: dict, frame: str, dmi: str) -> tuple[dict, bool]:
    """``(model config, augmented)`` of one of :data:`FRAMES`: the encoder in the canonical frame of ``dmi``, or the
    thesis's fixed frame without or with symmetry augmentation (everything else as ``model_config``)."""
    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {FRAMES}, got {frame!r}")
    return {**model_config, "canonical_frame": dmi if frame == "canonical_frame" else None}, frame.endswith("augmented")


def frame_of(model_config: dict, augmented: bool = False) -> str:
    """The name in :data:`FRAMES` of a model config (and augmentation flag)."""
    if model_config["canonical_frame"]:
        return "canonical_frame"
    return "fixed_frame_augmented" if augmented else "fixed_frame"


def frame_jobs(split: Mapping[str, np.ndarray], spins: np.ndarray, model_config: dict, kl_weight: float,
               root: str | os.PathLike, *, dmi: str, train_steps: int, warmup_steps: int, batch_size: int,
               **train_kw) -> dict[str, dict]:
    """The frame comparison on one split: every frame of :data:`FRAMES` but ``model_config``'s own (trained by the
    sweep), at ``kl_weight`` and ``train_steps`` steps, under ``root/split_0/<frame>``."""
    jobs = {}
    for frame in FRAMES:
        if frame == frame_of(model_config):
            continue
        config, augmented = frame_setup(model_config, frame, dmi)
        jobs[frame] = run_job(config, spins, split, kl_weight, Path(root) / "split_0" / frame, augmented=augmented,
                              train_steps=train_steps, warmup_steps=warmup_steps, batch_size=batch_size, dmi=dmi,
                              **train_kw)
    return jobs


def select_frame(val_mse: Mapping[str, float], choice: str = "auto") -> str:
    """The main model's frame: ``choice`` if it names a trained frame; with ``"auto"`` the frame with the lowest
    validation MSE (split 0's validation lattices; never test lattices)."""
    if choice != "auto":
        if choice not in val_mse:
            raise ValueError(f"frame {choice!r} was not trained (trained: {sorted(val_mse)}); set frame_comparison")
        return choice
    finite = {k: v for k, v in val_mse.items() if v is not None and np.isfinite(v)}
    if not finite:
        raise ValueError("no frame's run finished: nothing to choose from")
    return min(finite, key=finite.get)


def split_jobs(splits: Sequence[Mapping[str, np.ndarray]], spins: np.ndarray, model_config: dict, kl_weight: float,
               root: str | os.PathLike, *, augmented: bool = False, train_steps: int, warmup_steps: int,
               batch_size: int, **train_kw) -> dict[str, dict]:
    """The chosen model on every split but the first (trained by the sweep or the frame comparison), as jobs for
    :func:`train_runs`: ``split_k`` on split k's fit/validation lattices under ``root/split_k``, ``train_steps``
    optimiser steps each."""
    return {f"split_{k}": run_job(model_config, spins, s, kl_weight, Path(root) / f"split_{k}", augmented=augmented,
                                  train_steps=train_steps, warmup_steps=warmup_steps, batch_size=batch_size,
                                  **train_kw)
            for k, s in enumerate(splits) if k > 0}


def train_runs(jobs: Mapping[str, dict], *, workers: int = 1, threads: int | None = None,
               scheduler: str | None = None, progress: bool = True) -> dict[str, dict]:
    """Train independent VAE runs, ``workers`` at a time in separate processes or on Dask (as :func:`train_sweep`).

    Args:
        jobs: ``{name: {"model_config", "train_spins", "val_spins", "kl_weight", "path", "augmented",
            **train_vae keywords}}``.
        workers, threads, scheduler, progress: as for :func:`train_sweep`.

    Returns:
        ``{name: {"path", "history", "val_mse", "status", "seconds"}}`` in the order of ``jobs``.
    """
    args = {name: (j["model_config"], np.asarray(j["train_spins"], np.float32), np.asarray(j["val_spins"], np.float32),
                   float(j["kl_weight"]), str(j["path"]), bool(j.get("augmented", False)),
                   {k: v for k, v in j.items() if k not in ("model_config", "train_spins", "val_spins", "kl_weight",
                                                             "path", "augmented")})
            for name, j in jobs.items()}
    return _run_all(args, workers=workers, threads=threads, scheduler=scheduler, progress=progress, desc="VAE runs")
