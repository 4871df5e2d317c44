"""The size study: do the VAE's latent scores move towards the thesis's as the lattice grows?

The thesis trained on 200 × 200 lattices with about two hundred skyrmions each; the cpu profile's main
model sees 48 × 48 lattices with about ten. Chapter 05 explained its missed latent targets by that small
torus; the study tests it. The same pipeline runs at a few sizes ``L`` with everything else held fixed:

* the same phase points (chapter 01's), the same number of annealed lattices per point and the same anneal
  (the dataset at the main size is the first ``configs_per_point`` lattices of each point of the main dataset);
* the same splits of the *points* (:func:`point_splits`): split ``k`` tests the same ``(D, B)`` at every size,
  so a score's change with ``L`` is measured split by split (:func:`size_trend`);
* the same architecture, KL weight, batch and number of optimiser steps at every size (only the input size and
  the dense layers' widths follow ``L``, and the latent size too when ``latent_per_site`` is set);
* the same scores (:func:`support.vae.evaluation.heldout.split_scores`) and the untrained-encoder control.

Chapter 01 anneals the lattices, chapter 03 trains the models, chapter 05 scores them (:func:`study_row`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from support.book.runtime import from_repo, repo_relative
from support.chiral.dataset import first_configs, load_skyrmion_dataset
from support.vae.evaluation.heldout import defined_mean_and_spread, split_scores, untrained_scores
from support.vae.inference import load_vae
from support.vae.report import TARGETS
from support.vae.training.runs import run_job
from support.vae.training.splits import vae_splits

#: A change of a score with size counts as resolved when it exceeds this many standard errors of the
#: per-split changes (fixed before the study ran).
RESOLVED_SE = 2.0
#: A split is scored at a size when the size keeps at least this many of its test lattices.
MIN_TEST_LATTICES = 3


def dataset_dir(out: str | os.PathLike, L: int, main_L: int) -> Path:
    """The study's dataset folder at size ``L``: the main dataset at the main size, else ``skyrmions_L<L>``."""
    return Path(out) / ("skyrmions" if L == main_L else f"skyrmions_L{L}")


def load_size_data(out: str | os.PathLike, sizes: Sequence[int], main_L: int, configs_per_point: int, *,
                   lattices_only: bool = True) -> dict[int, dict[str, np.ndarray]]:
    """Every size's lattices, ``configs_per_point`` annealed per point (kept: the skyrmion lattices only)."""
    out_data = {}
    for L in sizes:
        data = first_configs(load_skyrmion_dataset(dataset_dir(out, L, main_L), lattices_only=False),
                             configs_per_point)
        out_data[int(L)] = {k: v[data["is_lattice"]] for k, v in data.items()} if lattices_only else data
    return out_data


def data_summary(size_all: Mapping[int, Mapping[str, np.ndarray]], anneal_seconds: Mapping[int, float], *,
                 main_L: int, configs_per_point: int, n_points: int, timed_sweeps: int) -> dict:
    """Chapter 01's record of the study's data: the design, and per size what the anneals kept and cost.

    ``size_all``: every size's annealed lattices (``lattices_only=False``); ``anneal_seconds``: per size, one
    timed anneal of ``timed_sweeps`` sweeps.
    """
    per_size = {}
    for L, d in size_all.items():
        kept = np.asarray(d["is_lattice"], bool)
        per_size[str(L)] = {"n_annealed": int(len(kept)), "n_lattices": int(kept.sum()),
                            "kept_fraction": float(kept.mean()), "n_points_kept": int(len(np.unique(d["point"][kept]))),
                            "skyrmions_per_lattice": float(np.mean(d["n_skyrmions"][kept])) if kept.any() else 0.0,
                            "defects_per_lattice": float(np.mean(d["n_defects"][kept])) if kept.any() else 0.0,
                            "anneal_seconds": float(anneal_seconds[L])}
    return {"sizes": [int(L) for L in size_all], "main_L": int(main_L), "configs_per_point": int(configs_per_point),
            "n_points": int(n_points), "timed_sweeps": int(timed_sweeps), "per_size": per_size}


def data_table(summary: Mapping) -> pd.DataFrame:
    """:func:`data_summary` as a table, one row per size."""
    names = {"n_annealed": "annealed", "n_lattices": "kept", "kept_fraction": "kept fraction",
             "n_points_kept": "points kept", "skyrmions_per_lattice": "skyrmions / lattice",
             "defects_per_lattice": "defects / lattice", "anneal_seconds": "s per timed anneal"}
    rows = {f"L = {L}": {names[k]: v for k, v in row.items()} for L, row in summary["per_size"].items()}
    return pd.DataFrame(rows).T.round(3)


def load_design(results: Mapping) -> dict:
    """The study's design from chapter 01's results (``skyrmion_size_data``), or a clear error."""
    if "skyrmion_size_data" not in results:
        raise KeyError("chapter 01's results hold no skyrmion_size_data: rerun chapter 01 (01_simulate)")
    return dict(results["skyrmion_size_data"])


def point_splits(n_points: int, **split_kw) -> list[dict[str, np.ndarray]]:
    """Splits of the point ids ``0 .. n_points-1`` (:func:`support.vae.training.splits.vae_splits`, one lattice per point).

    Splitting the design's points, not the lattices kept at one size, gives every size the same test,
    validation and fitted points.
    """
    return [{"fit_points": np.setdiff1d(s["train_points"], s["val_points"]), "val_points": s["val_points"],
             "test_points": s["test_points"]} for s in vae_splits(np.arange(n_points), **split_kw)]


def lattice_split(split: Mapping[str, np.ndarray], point: np.ndarray) -> dict[str, np.ndarray]:
    """Lattice indices ``fit``, ``val``, ``test`` of a :func:`point_splits` split in a dataset with ``point``."""
    return {name: np.flatnonzero(np.isin(point, split[f"{name}_points"])) for name in ("fit", "val", "test")}


def latent_dim_at(L: int, latent_dim: int, latent_per_site: float) -> int:
    """The study's latent size at ``L``: ``latent_dim`` at every size, or ``latent_per_site · L²`` when that is set
    (a lattice of ``L²`` sites holds about ``L²`` times as many skyrmions to encode)."""
    return int(latent_dim) if latent_per_site <= 0 else max(1, round(latent_per_site * L * L))


def size_jobs(data_by_L: Mapping[int, Mapping[str, np.ndarray]], splits: Sequence[Mapping[str, np.ndarray]],
              model_config: dict, kl_weight: float, root: str | os.PathLike, *, latent_per_site: float = 0.0,
              **run_kw) -> dict[str, dict]:
    """One training job per size and split (:func:`support.vae.training.runs.run_job`), under ``root/size_L<L>/split_<k>``.

    Every job gets ``model_config`` with its own ``L`` and latent size (:func:`latent_dim_at`), the same KL
    weight and ``run_kw`` (steps, batch, ...); each run records its learning curve against the size's charges ``Q``.

    Raises:
        ValueError: a size keeps no lattice of a split's fitted or validation points.
    """
    jobs = {}
    for L, data in sorted(data_by_L.items(), reverse=True):  # the longest runs first: workers finish together
        for k, split in enumerate(splits):
            idx = lattice_split(split, data["point"])
            empty = [name for name in ("fit", "val") if len(idx[name]) == 0]
            if empty:
                raise ValueError(f"at L = {L} split {k} keeps no {' or '.join(empty)} lattice (too few phase points "
                                 "or lattices per point for the size study; raise sk_n_points or sk_size_configs)")
            config = {**model_config, "L": int(L),
                      "latent_dim": latent_dim_at(L, model_config["latent_dim"], latent_per_site)}
            jobs[f"L{L}_split_{k}"] = run_job(config, data["spins"], idx, kl_weight,
                                              Path(root) / f"size_L{L}" / f"split_{k}",
                                              charges=data["Q"], **run_kw)
    return jobs


def run_summary(runs: Mapping[str, dict], jobs: Mapping[str, dict]) -> dict[str, dict]:
    """Chapter 03's record of the study's runs: per run its size, split, checkpoint (repository-relative),
    status, validation MSE, training seconds, optimiser steps (for the cost per step) and learning curve."""
    out = {}
    for name, r in runs.items():
        job = jobs[name]
        steps = job["epochs"] * -(-len(job["train_spins"]) // job["batch_size"])
        out[name] = {"L": int(job["model_config"]["L"]), "split": int(name.rsplit("_", 1)[1]),
                     "latent_dim": int(job["model_config"]["latent_dim"]),
                     "path": repo_relative(r["path"]), "status": r["status"], "val_mse": float(r["val_mse"]),
                     "seconds": float(r["seconds"]), "steps": int(steps),
                     "curve": (r["history"] or {}).get("curve", [])}
    return out


def split0_curves(size_runs: Mapping[str, Mapping]) -> dict[str, list]:
    """The learning curves of split 0 at each size, labelled ``L = ...`` (for one figure)."""
    return {f"L = {r['L']}": r["curve"] for r in sorted(size_runs.values(), key=lambda r: r["L"])
            if r["split"] == 0 and r.get("curve")}


def checkpoints_of(size_runs: Mapping[str, Mapping], L: int) -> list[str]:
    """The checkpoints of size ``L``, split by split, from chapter 03's record; a failed run is an error."""
    rows = sorted((r for r in size_runs.values() if r["L"] == L), key=lambda r: r["split"])
    bad = [r["split"] for r in rows if r["status"] != "ok"]
    if not rows or bad:
        raise ValueError(f"size study at L = {L}: no trained run for splits {bad or 'any'}; rerun chapter 03")
    return [str(from_repo(r["path"])) for r in rows]


def step_seconds(size_runs: Mapping[str, Mapping]) -> dict[int, float]:
    """Training seconds per optimiser step at each size (mean over its runs)."""
    sizes = sorted({r["L"] for r in size_runs.values()})
    return {L: float(np.mean([r["seconds"] / r["steps"] for r in size_runs.values() if r["L"] == L])) for L in sizes}


def score_size(L: int, data: Mapping[str, np.ndarray], splits: Sequence[Mapping[str, np.ndarray]],
               checkpoints: Sequence[str], *, device: str = "auto", batch_size: int = 256, n_boot: int = 200,
               seed: int = 0) -> dict:
    """:func:`study_row` of one size: each split's model (``checkpoints[k]``) and its untrained control scored."""
    idx = [lattice_split(s, data["point"]) for s in splits]
    scores, control = [], []
    for path, i in zip(checkpoints, idx):
        if len(i["test"]) < MIN_TEST_LATTICES:  # correlations over fewer test lattices mean nothing
            scores.append(None)
            control.append(None)
            continue
        model, train = load_vae(path, device), np.r_[i["fit"], i["val"]]
        kw = {"batch_size": batch_size, "seed": seed}
        scores.append(split_scores(model, data["spins"], data, train, i["test"], n_boot=n_boot, **kw))
        control.append(untrained_scores(model, data["spins"], data, train, i["test"], **kw))
    return study_row(L, data, idx, scores, control)


def study_row(L: int, data: Mapping[str, np.ndarray], splits: Sequence[Mapping[str, np.ndarray]],
              scores: Sequence[Mapping], control: Sequence[Mapping]) -> dict:
    """One row of ``size_study``: the size's data and its scores, mean and spread over the splits.

    Args:
        L: the lattice size.
        data: the size's kept lattices (``point``, ``n_skyrmions``, ``n_defects`` per lattice).
        splits: per split, the lattice indices (:func:`lattice_split`).
        scores: per split, :func:`support.vae.evaluation.heldout.split_scores` of that split's model (``None``: a split
            this size keeps too few test lattices of; its scores are undefined).
        control: per split, :func:`support.vae.evaluation.heldout.untrained_scores` (or ``None``).
    """
    tests = [s["test"] for s in splits]

    def spread(values, key):  # a split without scores (too few test lattices at this size) is undefined
        return defined_mean_and_spread([np.nan if v is None else key(v) for v in values])
    return {
        "L": int(L), "n_points": len(np.unique(data["point"])), "n_lattices": len(data["point"]),
        "n_test_lattices": defined_mean_and_spread([len(t) for t in tests]),
        "skyrmions_per_lattice": spread([t if len(t) else None for t in tests], lambda t: data["n_skyrmions"][t].mean()),
        "defects_per_lattice": spread([t if len(t) else None for t in tests], lambda t: data["n_defects"][t].mean()),
        "test_mse": spread(scores, lambda s: s["test_mse"]),
        "pearson_pc0_test_Q": spread(scores, lambda s: s["pearson_pc0_test"]["Q"]),
        "q_direction_test": spread(scores, lambda s: s["q_direction_test"]),
        "probe_r2_test_Q": spread(scores, lambda s: s["probe_r2_test"]["Q"]),
        "probe_skill_Q": spread(scores, lambda s: s["probe_skill_Q"]),
        "mse_defects_group_mean": spread(scores, lambda s: s["mse_defects_groups"]["r"]),
        "mse_defects_per_lattice": spread(scores, lambda s: s["mse_defects"]["r"]),
        "pearson_pc0_test_Q_untrained": spread(control, lambda c: c["pearson_pc0_test"]["Q"]),
        # Q's and PC0's shares of the training latents' variance (support.vae.latent.shares.q_variance_share)
        **{f"{name}{tag}": spread(runs, lambda s, part=part: s["q_variance_share"][part])
           for name, part in (("q_variance_share", "q"), ("pc0_share", "pc0"))
           for tag, runs in (("", scores), ("_untrained", control))},
    }


def size_trend(rows: Sequence[Mapping], key: str) -> dict:
    """How a score moves with size, split by split (a split tests the same points at every size).

    Per split, the least-squares slope of the score against ``log2 L`` over the sizes where it is defined (two at
    least): the change per doubling of ``L``. Returns ``slope`` (the mean over those splits), ``se`` (its standard
    error, ``ddof=1``), ``n`` (splits) and ``direction``: ``"rises"`` or ``"falls"`` when
    ``|slope| > RESOLVED_SE · se``, else ``"no resolved change"`` (``"undefined"`` with fewer than two splits).
    """
    x = np.log2([r["L"] for r in rows])
    values = np.array([r[key]["per_split"] for r in rows], dtype=float)  # (sizes, splits)
    slopes = []
    for column in values.T:
        ok = np.isfinite(column)
        if ok.sum() >= 2:
            slopes.append(np.polyfit(x[ok], column[ok], 1)[0])
    if len(slopes) < 2:
        return {"slope": float("nan"), "se": float("nan"), "n": len(slopes), "direction": "undefined"}
    slope, se = float(np.mean(slopes)), float(np.std(slopes, ddof=1) / np.sqrt(len(slopes)))
    direction = "no resolved change" if abs(slope) <= RESOLVED_SE * se else ("rises" if slope > 0 else "falls")
    return {"slope": slope, "se": se, "n": len(slopes), "direction": direction}


def power_law(L: Sequence[float], values: Sequence[float]) -> dict:
    """Least-squares fit of ``values = a · L^p`` in log–log (``p``: the measured growth exponent)."""
    L, values = np.asarray(L, float), np.asarray(values, float)
    if len(L) < 2 or not (np.all(values > 0) and np.all(L > 0)):
        raise ValueError(f"power_law needs two or more positive values, got {list(values)}")
    p, log_a = np.polyfit(np.log(L), np.log(values), 1)
    return {"exponent": float(p), "prefactor": float(np.exp(log_a))}


def predict(fit: Mapping[str, float], L: float) -> float:
    """The :func:`power_law` fit's value at ``L``."""
    return float(fit["prefactor"] * L ** fit["exponent"])


def target_needs(anneal_seconds: Mapping[int, float], step_seconds: Mapping[int, float], *, L: int,
                 lattices: int, sweeps_ratio: float, steps: int) -> dict:
    """What a study point at size ``L`` would cost, from the growth measured at the study's sizes.

    Args:
        anneal_seconds: per size, seconds of one timed anneal (chapter 01).
        step_seconds: per size, seconds per optimiser step of the study's models (chapter 03).
        L: the target size (the thesis's 200).
        lattices: annealed lattices the target design needs (the paper profile's points × lattices per point).
        sweeps_ratio: the target anneal's sweeps over the timed anneal's.
        steps: optimiser steps of the target training (the paper profile's).

    Returns:
        the fitted exponents, seconds per anneal and per step at ``L``, and one-core hours for the anneals and
        the training (the study's model widths: a wider model costs more).
    """
    anneal = power_law(list(anneal_seconds), list(anneal_seconds.values()))
    step = power_law(list(step_seconds), list(step_seconds.values()))
    per_lattice = predict(anneal, L) * sweeps_ratio
    per_step = predict(step, L)
    return {"L": int(L), "anneal_exponent": anneal["exponent"], "step_exponent": step["exponent"],
            "anneal_seconds_per_lattice": per_lattice, "lattices": int(lattices),
            "anneal_core_hours": per_lattice * lattices / 3600, "seconds_per_step": per_step, "steps": int(steps),
            "train_core_hours": per_step * steps / 3600}


def score_table(rows: Sequence[Mapping]) -> pd.DataFrame:
    """The study as a table: every score's mean ± std over the splits, one column per size."""
    keys = [("skyrmions_per_lattice", "skyrmions / test lattice"), ("defects_per_lattice", "defects / test lattice"),
            ("n_test_lattices", "test lattices / split"), *PLOTTED,
            ("pearson_pc0_test_Q_untrained", "|r(PC0, Q)| untrained")]
    return pd.DataFrame({f"L = {r['L']}": {label: f"{r[k]['mean']:.3f} ± {r[k]['std']:.3f}" for k, label in keys}
                         for r in rows})


def change_table(rows: Sequence[Mapping]) -> pd.DataFrame:
    """Per score, its change per doubling of ``L``, split by split (:func:`size_trend`)."""
    out = {}
    for key, label in PLOTTED:
        c = size_trend(rows, key)
        out[label] = {"change per doubling of L": round(c["slope"], 4), "standard error": round(c["se"], 4),
                      "splits": c["n"], "verdict": c["direction"]}
    return pd.DataFrame(out).T


#: The study's scores that have a chapter 05 target (:data:`support.vae.report.TARGETS` key).
TARGET_KEYS = {"pearson_pc0_test_Q": "pc0_Q", "q_direction_test": "direction_Q", "probe_r2_test_Q": "probe_Q",
               "probe_skill_Q": "probe_skill_Q", "mse_defects_group_mean": "mse_defects", "test_mse": "test_mse"}


def references() -> dict[str, float]:
    """The target of every study score that has one (chapter 05's :data:`support.vae.report.TARGETS`)."""
    bounds = {key: bound for key, _, _, bound in TARGETS}
    return {k: float(bounds[t]) for k, t in TARGET_KEYS.items()}


def answer(rows: Sequence[Mapping]) -> str:
    """The chapter's answer to "does the gap close with size?", from the paired changes of the latent scores."""
    by_L = sorted(rows, key=lambda r: r["L"])
    refs, parts = references(), []
    for key, label in (("pearson_pc0_test_Q", "|r(PC0, Q)|"), ("q_direction_test", "the Q direction's |r|"),
                       ("mse_defects_group_mean", "the group-mean error–defects r")):
        c, last = size_trend(by_L, key), by_L[-1][key]
        met = "meets" if last["mean"] >= refs[key] else "misses"
        parts.append(f"{label} {c['direction']} ({c['slope']:+.2f} ± {c['se']:.2f} per doubling of L, {c['n']} splits; "
                     f"{last['mean']:.2f} ± {last['std']:.2f} at L = {by_L[-1]['L']}, which {met} the target "
                     f"{refs[key]:g})")
    lo, hi = by_L[0]["L"], by_L[-1]["L"]
    control = [r["pearson_pc0_test_Q_untrained"]["mean"] for r in (by_L[0], by_L[-1])]
    margin = [r["pearson_pc0_test_Q"]["mean"] - c for r, c in zip((by_L[0], by_L[-1]), control)]
    return (f"From L = {lo} to L = {hi}: " + "; ".join(parts) + f". An untrained encoder's |r(PC0, Q)| goes from "
            f"{control[0]:.2f} to {control[1]:.2f} over the same sizes: the trained encoder's margin over it is "
            f"{margin[0]:+.2f} at L = {lo} and {margin[1]:+.2f} at L = {hi}.")


#: Scores plotted against L, with their reference lines (the thesis's numbers or the issue's targets).
PLOTTED = (("pearson_pc0_test_Q", "|r(PC0, Q)|"), ("q_direction_test", "Q direction |r|"),
           ("probe_r2_test_Q", "ridge R²(Q)"), ("probe_skill_Q", "skill over (D, B)"),
           ("mse_defects_group_mean", "error–defects (group means)"),
           ("mse_defects_per_lattice", "error–defects (per lattice)"), ("test_mse", "test MSE"))


def plot_scores_against_L(rows: Sequence[Mapping], references: Mapping[str, float]):
    """Each score against ``L``: mean ± std over the splits, the splits as dots, a reference line where given."""
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.4), constrained_layout=True)
    Ls = [r["L"] for r in rows]
    for ax, (key, label) in zip(axes.flat, PLOTTED):
        ax.errorbar(Ls, [r[key]["mean"] for r in rows], yerr=[r[key]["std"] for r in rows], marker="o", capsize=3)
        for L, r in zip(Ls, rows):
            ax.scatter([L] * len(r[key]["per_split"]), r[key]["per_split"], s=10, color="grey", zorder=3)
        if key == "pearson_pc0_test_Q":  # what the architecture gives without training
            ax.plot(Ls, [r["pearson_pc0_test_Q_untrained"]["mean"] for r in rows], "s:", color="grey",
                    label="untrained")
        if key in references:
            ax.axhline(references[key], color="k", ls="--", lw=1, label="target")
            ax.legend(fontsize=8)
        ax.set(xlabel="lattice size L", ylabel=label, xticks=Ls)
    ax = axes.flat[-1]
    ax.plot(Ls, [r["skyrmions_per_lattice"]["mean"] for r in rows], "o-", label="skyrmions")
    ax.plot(Ls, [r["defects_per_lattice"]["mean"] for r in rows], "s-", label="defects")
    ax.set(xlabel="lattice size L", ylabel="per test lattice", xticks=Ls)
    ax.legend(fontsize=8)
    return fig
