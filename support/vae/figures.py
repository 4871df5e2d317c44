"""Figures of the VAE chapters (03 training, 04 reconstructions, 05 latent space); each returns its figure.

Lattices are drawn with :func:`support.chiral.phases.plot_skyrmion_lattice` (``S^z`` with skyrmion
centres, periodic Delaunay mesh and defects) after :func:`support.vae.inference.unit_spins`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from support.chiral.phases import plot_skyrmion_lattice
from support.vae.inference import unit_spins

_LABELS = {"Q": "$Q$", "Mz": "$M_z$", "D": "$D$ ($J$)", "B": "$B$ ($J$)", "defects": "defects",
           "n_defects": "defects per lattice"}


def plot_lattice(ax, spins: np.ndarray, title: str = ""):
    """One lattice ``(3, L, L)`` (any length of the spin vectors) with its skyrmions and defects."""
    return plot_skyrmion_lattice(ax, unit_spins(spins), title=title)


# ----------------------------------------------------------------------------- chapter 03


def plot_sweep(runs: Mapping[str, dict], val_mse: Mapping[str, float], test_mse: Mapping[str, float],
               baseline: float):
    """Training curves of a KL-weight sweep (MSE, KL) and the validation/test MSE per weight (Table 3.2)."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), constrained_layout=True)
    for key, run in runs.items():
        if run["history"] is None:
            continue
        h = run["history"]
        ep = np.arange(1, len(h["train_mse"]) + 1)
        (line,) = axes[0].plot(ep, h["train_mse"], label=f"$C_{{KL}}$ = {key}")
        axes[0].plot(ep, h["val_mse"], "--", color=line.get_color())
        axes[1].plot(ep, h["train_kl"], color=line.get_color())
    axes[0].axhline(baseline, color="gray", ls=":", label="best uniform state")
    axes[0].set(yscale="log", xlabel="epoch", ylabel="reconstruction MSE",
                title="MSE (solid: train, dashed: validation)")
    axes[1].set(yscale="log", xlabel="epoch", ylabel="KL divergence (nats per lattice)", title="KL term (train)")
    axes[0].legend(fontsize=8)
    keys = list(runs)
    xs = np.arange(len(keys))
    axes[2].bar(xs - 0.2, [val_mse[k] for k in keys], 0.4, label="validation")
    axes[2].bar(xs + 0.2, [test_mse[k] for k in keys], 0.4, label="test")
    axes[2].set_xticks(xs, keys)
    axes[2].set(yscale="log", xlabel="$C_{KL}$", ylabel="MSE (best epoch)", title="Table 3.2: MSE per KL weight")
    axes[2].legend(fontsize=8)
    return fig


def plot_training_curves(curves: Sequence[tuple[str, dict | None]]):
    """Train/validation MSE and KL per epoch of several runs ``(label, run)`` (a run may be ``None``)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    for label, run in curves:
        if run is None or run["history"] is None:
            continue
        h = run["history"]
        ep = np.arange(1, len(h["train_mse"]) + 1)
        (line,) = axes[0].plot(ep, h["train_mse"], label=f"{label} (train)")
        axes[0].plot(ep, h["val_mse"], "--", color=line.get_color(), label=f"{label} (validation)")
        axes[1].plot(ep, h["train_kl"], color=line.get_color(), label=label)
    axes[0].set(yscale="log", xlabel="epoch", ylabel="reconstruction MSE")
    axes[1].set(yscale="log", xlabel="epoch", ylabel="KL divergence (nats per lattice)")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    return fig


def plot_learning_curves(curves: Mapping[str, Sequence[Mapping]]):
    """Validation MSE and ``|r(PC0, Q)|`` (validation solid, fit dashed) against optimiser steps, per run.

    ``curves``: ``{label: history["curve"]}`` (:class:`support.vae.training.learning_curve.LatentMonitor` points).
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    for label, curve in curves.items():
        if not curve:
            continue
        step = [p["step"] for p in curve]
        (line,) = axes[0].plot(step, [p["val_mse"] for p in curve], "o-", ms=3, label=label)
        axes[1].plot(step, [p["val_abs_r_pc0_q"] for p in curve], "o-", ms=3, color=line.get_color(),
                     label=f"{label} (validation)")
        axes[1].plot(step, [p["fit_abs_r_pc0_q"] for p in curve], "--", color=line.get_color(), alpha=0.6,
                     label=f"{label} (fit)")
    axes[0].set(xscale="log", yscale="log", xlabel="optimiser step", ylabel="validation MSE")
    axes[1].set(xscale="log", ylim=(0, 1), xlabel="optimiser step", ylabel="$|r(\\mathrm{PC0}, Q)|$")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=6, ncol=2)
    return fig


def plot_reconstruction_rows(originals: np.ndarray, rows: Sequence[tuple[str, np.ndarray]]):
    """``S^z`` of lattices (first row) and of each row of reconstructions, titled with the per-lattice MSE."""
    rows = [("test lattice", originals), *rows]
    n = len(originals)
    fig, axes = plt.subplots(len(rows), n, figsize=(3.2 * n, 3.1 * len(rows)), squeeze=False,
                             constrained_layout=True)
    for r, (label, spins) in enumerate(rows):
        for c in range(n):
            im = axes[r, c].imshow(spins[c, 2], cmap="RdBu_r", vmin=-1, vmax=1, origin="lower")
            mse = np.mean((spins[c] - originals[c]) ** 2)
            axes[r, c].set_title(label if r == 0 else f"{label}\nMSE {mse:.3f}", fontsize=9)
            axes[r, c].set(xlabel="x (sites)", ylabel="y (sites)")
    fig.colorbar(im, ax=axes, label="$S^z$", shrink=0.7)
    return fig


# ----------------------------------------------------------------------------- chapter 04, part 2


def plot_mse_by_kl(kl_keys: Sequence[str], kl_weights: Sequence[float], mse: Mapping[str, float],
                   augmented: tuple[float, float] | None = None):
    """Test MSE against the KL weight (log-log), with the augmented run ``(weight, mse)`` as an open square."""
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    ax.loglog(kl_weights, [mse[k] for k in kl_keys], "o-", label="no augmentation")
    if augmented is not None:
        ax.loglog([augmented[0]], [augmented[1]], "s", ms=8, mfc="none", label="with augmentation")
    ax.set_xlabel("KL weight $C_{KL}$")
    ax.set_ylabel("test MSE per spin component")
    ax.legend()
    return fig


def plot_energies(en: Mapping[str, np.ndarray], n_sites: int):
    """Energy per spin of inputs and reconstructions, and the relative difference (thesis Picture 3.5)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
    bins = np.histogram_bin_edges(np.concatenate([en["E_in"], en["E_rec"]]) / n_sites, 30)
    axes[0].hist(en["E_in"] / n_sites, bins=bins, alpha=0.6, label="test lattices")
    axes[0].hist(en["E_rec"] / n_sites, bins=bins, alpha=0.6, label="reconstructions")
    axes[0].set(xlabel="energy per spin $E/N$ ($J$)", ylabel="lattices")
    axes[0].legend()
    axes[1].hist(en["rel_diff"], bins=30, color="C2")
    axes[1].set(xlabel=r"$(E_{rec} - E_{in}) / |E_{in}|$", ylabel="lattices")
    return fig


def plot_error_examples(inputs: np.ndarray, recon: np.ndarray, pick: Sequence[int], *, D, B, defects, mse,
                        sq_error: np.ndarray):
    """Per picked lattice: input, reconstruction (both with skyrmions and defects) and ``|S - Ŝ|²`` per site."""
    fig, axes = plt.subplots(len(pick), 3, figsize=(9, 3 * len(pick)), squeeze=False, constrained_layout=True)
    for r, i in enumerate(pick):
        plot_lattice(axes[r, 0], inputs[i], f"input: D = {D[i]:.2g}, B = {B[i]:.2g}, {defects[i]} defects")
        plot_lattice(axes[r, 1], recon[i], f"reconstruction: MSE = {mse[i]:.2g}")
        im = axes[r, 2].imshow(sq_error[i], origin="lower", cmap="magma")
        axes[r, 2].set(title=r"$|S_i - \hat S_i|^2$", xlabel="x (sites)", ylabel="y (sites)")
        fig.colorbar(im, ax=axes[r, 2], fraction=0.046)
    return fig


def plot_field_maps(fm: Mapping[str, np.ndarray], i: int):
    """``|h_eff|`` and ``cos θ`` of input and reconstruction ``i`` and their squared differences (Pictures 3.7–3.9)."""
    panels = [("h_abs_in", r"$|h|$ input ($J$)"), ("h_abs_rec", r"$|h|$ reconstruction ($J$)"),
              ("h_sqdiff", r"$(\Delta |h|)^2$ ($J^2$)"), ("cos_in", r"$\cos\theta$ input"),
              ("cos_rec", r"$\cos\theta$ reconstruction"), ("cos_sqdiff", r"$(\Delta \cos\theta)^2$")]
    fig, axes = plt.subplots(2, 3, figsize=(10, 6.2), constrained_layout=True)
    for ax, (key, title) in zip(axes.flat, panels):
        im = ax.imshow(fm[key][i], origin="lower", cmap="viridis")
        ax.set(title=title, xlabel="x (sites)", ylabel="y (sites)")
        fig.colorbar(im, ax=ax, fraction=0.046)
    return fig


def plot_local_energy(maps: Mapping[str, np.ndarray], pick: Sequence[int], labels: Sequence[str]):
    """Energy per site of input and reconstruction (one colour scale per row) and the excess (thesis Picture 3.8)."""
    fig, axes = plt.subplots(len(pick), 3, figsize=(10, 3.1 * len(pick)), squeeze=False, constrained_layout=True)
    for row, i, label in zip(axes, pick, labels):
        lo, hi = min(maps["in"][i].min(), maps["rec"][i].min()), max(maps["in"][i].max(), maps["rec"][i].max())
        for ax, key, title in ((row[0], "in", f"{label}\n$E_i$ input"), (row[1], "rec", "$E_i$ reconstruction")):
            im = ax.imshow(maps[key][i], origin="lower", cmap="viridis", vmin=lo, vmax=hi)
            ax.set(title=title, xlabel="x (sites)", ylabel="y (sites)")
        fig.colorbar(im, ax=row[1], fraction=0.046, label="$E_i$ ($J$)")
        top = np.abs(maps["excess"][i]).max() or 1.0  # a symmetric scale keeps 0 white
        im = row[2].imshow(maps["excess"][i], origin="lower", cmap="RdBu_r", vmin=-top, vmax=top)
        row[2].set(title=r"excess $E_i^{rec} - E_i^{in}$", xlabel="x (sites)", ylabel="y (sites)")
        fig.colorbar(im, ax=row[2], fraction=0.046, label=r"$\Delta E_i$ ($J$)")
    return fig


def plot_mse_vs_defects(mse: np.ndarray, defects: np.ndarray, fit: Mapping[str, float], seed: int = 0):
    """Reconstruction MSE per lattice against its defect count (jittered), with the line and Pearson r."""
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    jitter = np.random.default_rng(seed).uniform(-0.15, 0.15, len(mse))
    ax.scatter(defects + jitter, mse, s=8, alpha=0.6)
    xs = np.array([defects.min(), defects.max()])
    ax.plot(xs, fit["slope"] * xs + fit["intercept"], "k--", label=f"fit, Pearson r = {fit['pearson']:.2f}")
    ax.set(xlabel="defects per lattice", ylabel="reconstruction MSE")
    ax.legend()
    return fig


def plot_charges(q_in: np.ndarray, q_rec: np.ndarray):
    """Charge of each reconstruction against that of its lattice, with the diagonal."""
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    lim = [min(q_in.min(), q_rec.min()) - 1, max(q_in.max(), q_rec.max()) + 1]
    ax.plot(lim, lim, "k:", lw=1)
    ax.scatter(q_in, q_rec, s=10, alpha=0.6)
    ax.set(xlabel="$Q$ of the test lattice", ylabel="$Q$ of the reconstruction")
    return fig


# ----------------------------------------------------------------------------- chapter 05


def plot_explained_variance(evr: np.ndarray, cum: np.ndarray, k_threshold: int, threshold: float = 0.999):
    """Explained variance ratio per principal component and its cumulative sum (thesis Picture 3.14)."""
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ks = np.arange(len(evr))
    ax.bar(ks, evr, color="C0", label="explained variance ratio")
    ax.plot(ks, cum, "C1.-", label="cumulative")
    ax.axhline(threshold, color="k", ls=":", lw=1)
    ax.set_xlim(-0.5, min(len(evr), max(3 * k_threshold, 20)) - 0.5)
    ax.set(xlabel="principal component", ylabel="fraction of variance")
    ax.legend()
    return fig


def plot_spectrum(evr: np.ndarray, counts: Mapping[float, int]):
    """The whole explained-variance spectrum (log scale) and its cumulative sum, with the numbers of components
    that reach each share in ``counts`` (``{0.99: k, 0.999: k'}``) marked (thesis Picture 3.14)."""
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(10, 3.4), constrained_layout=True)
    ks = np.arange(1, len(evr) + 1)
    a0.semilogy(ks, np.maximum(evr, 1e-16), "C0.-")
    a0.set(xlabel="principal component (1 = PC0)", ylabel="explained variance ratio", title="spectrum")
    a1.plot(ks, np.cumsum(evr), "C1.-")
    for j, (share, k) in enumerate(sorted(counts.items())):
        for ax in (a0, a1):
            ax.axvline(k, color=f"C{j + 2}", ls=":", label=f"{share:.1%}: {k} components")
    a1.set(xlabel="number of components", ylabel="cumulative share", title="cumulative")
    a1.legend(fontsize=8)
    return fig


def plot_pc_plane(scores: np.ndarray, targets: Mapping[str, np.ndarray]):
    """Lattices in the PC0–PC1 plane, one panel per named quantity as colour (thesis Picture 3.15)."""
    fig, axes = plt.subplots(1, len(targets), figsize=(3.6 * len(targets), 3.4), constrained_layout=True)
    for ax, (k, v) in zip(np.atleast_1d(axes), targets.items()):
        sc = ax.scatter(scores[:, 0], scores[:, 1], c=v, s=8, cmap="viridis")
        fig.colorbar(sc, ax=ax, label=_LABELS.get(k, k))
        ax.set(xlabel="PC0", ylabel="PC1")
    return fig


def plot_group_means(g: Mapping, xlabel: str = "topological charge $Q$", ylabel: str = "mean PC0"):
    """Mean ± std of a score per group with the linear fit of the means (thesis Picture 3.16)."""
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    ax.errorbar(g["group"], g["mean"], yerr=g["std"], fmt="o", capsize=3, label="mean ± std over lattices")
    qs = np.array([g["group"].min(), g["group"].max()], dtype=float)
    ax.plot(qs, g["fit"]["slope"] * qs + g["fit"]["intercept"], "k--", label=f"linear fit, $R^2$ = {g['fit']['r2']:.2f}")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return fig


def plot_ensemble_histograms(ensembles: Mapping[str, Mapping[str, np.ndarray]], reference: str = "test"):
    """Distributions of defects, ``Q`` and ``M_z`` per ensemble; ``reference`` drawn thick and black."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), constrained_layout=True)
    for ax, (key, label) in zip(axes, (("n_defects", "defects per lattice"), ("Q", "topological charge $Q$"),
                                       ("Mz", "$M_z$"))):
        bins = np.histogram_bin_edges(np.concatenate([np.asarray(v[key], float) for v in ensembles.values()]), 25)
        for name, v in ensembles.items():
            ref = name == reference
            ax.hist(np.asarray(v[key], float), bins=bins, density=True, histtype="step", lw=2 if ref else 1.3,
                    color="k" if ref else None, label=name)
        ax.set(xlabel=label, ylabel="density")
    axes[0].legend()
    return fig


def plot_along_pc0(pc0: Mapping[str, np.ndarray], ensembles: Mapping[str, Mapping[str, np.ndarray]]):
    """``Q``, ``M_z`` and defects of generated lattices against the PC0 of their latent (thesis Picture 3.17)."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), constrained_layout=True)
    for name, x in pc0.items():
        for ax, key in zip(axes, ("Q", "Mz", "n_defects")):
            ax.scatter(x, ensembles[name][key], s=5, alpha=0.5, label=name)
    for ax, key in zip(axes, ("Q", "Mz", "n_defects")):
        ax.set(xlabel="PC0 (latent sample; test: latent mean)", ylabel=_LABELS[key])
    axes[0].legend(markerscale=3)
    return fig


def plot_examples(rows: Mapping[str, np.ndarray], n_examples: int, seed: int = 0):
    """``n_examples`` random lattices of every ensemble (one row each), with skyrmions and defects."""
    fig, axes = plt.subplots(len(rows), n_examples, figsize=(2.6 * n_examples, 2.7 * len(rows)), squeeze=False,
                             constrained_layout=True)
    rng = np.random.default_rng(seed)
    for r, (name, arr) in enumerate(rows.items()):
        for c, i in enumerate(rng.choice(len(arr), size=n_examples, replace=False)):
            plot_lattice(axes[r, c], arr[i], f"{name} #{i}")
    return fig


def plot_against_pc0(pc0: np.ndarray, targets: Mapping[str, np.ndarray]):
    """Each named quantity of the test lattices against their PC0, with the Pearson coefficient (thesis Picture 3.15)."""
    fig, axes = plt.subplots(1, len(targets), figsize=(3.6 * len(targets), 3.3), constrained_layout=True)
    for ax, (k, v) in zip(np.atleast_1d(axes), targets.items()):
        ax.scatter(pc0, v, s=8, alpha=0.6)
        ax.set(xlabel="PC0 (test lattices)", ylabel=_LABELS.get(k, k),
               title=f"r = {np.corrcoef(pc0, np.asarray(v, float))[0, 1]:.2f}")
    return fig


def plot_nearest_distances(generated: Mapping[str, np.ndarray], test: np.ndarray):
    """Distance to the nearest training lattice (canonical frame) of generated and of test lattices."""
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    allv = np.concatenate([test, *generated.values()])
    bins = np.histogram_bin_edges(allv, 30)
    ax.hist(test, bins=bins, density=True, histtype="step", color="k", lw=2, label="test (unseen points)")
    for name, d in generated.items():
        ax.hist(d, bins=bins, density=True, histtype="step", lw=1.3, label=f"generated ({name})")
    ax.set(xlabel="RMS spin distance to the nearest training lattice", ylabel="density")
    ax.legend(fontsize=8)
    return fig
