"""Learning curves of the VAE: how the validation error and PC0's reading of ``Q`` move with optimiser steps.

:class:`LatentMonitor` is the ``monitor`` of :func:`support.vae.training.loop.train_vae`: at points spaced evenly in
``log(step)`` it encodes the fit and validation lattices, fits the PCA on the fit lattices' latent means (as chapter
05 does) and records ``|r(PC0, Q)|`` on both. Only validation and fit lattices enter; test lattices never do.

:func:`plateau` is the stopping rule, fixed before any test point is looked at: a budget of steps has reached its
plateau when the same run at half the budget has a best validation MSE less than :data:`PLATEAU_MSE` (relative)
above it. Two budgets, not two points of one curve: every run decays its learning rate over its own budget, so the
last stretch of any one curve also holds the end of the decay. The weights kept are those of the lowest validation
MSE. ``|r(PC0, Q)|`` is recorded, not judged: the stopping rule is on the training objective only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from support.vae.model import ResidualVAE, spins_tensor

PLATEAU_MSE = 0.05  # relative improvement of the best validation MSE from half the budget to the full budget


class LatentMonitor:
    """``monitor(model) -> {"fit_abs_r_pc0_q", "val_abs_r_pc0_q", "pc0_variance_share"}``.

    Args:
        fit_spins, fit_q: the run's training lattices ``(n, 3, L, L)`` and their topological charges.
        val_spins, val_q: its validation lattices and charges.

    A plain class (no closures), so that a run in another process or on a Dask worker can take it along.
    """

    def __init__(self, fit_spins, fit_q, val_spins, val_q):
        self.fit_spins, self.val_spins = np.asarray(fit_spins, np.float32), np.asarray(val_spins, np.float32)
        self.fit_q, self.val_q = np.asarray(fit_q, np.float64), np.asarray(val_q, np.float64)
        if len(self.fit_spins) != len(self.fit_q) or len(self.val_spins) != len(self.val_q):
            raise ValueError("LatentMonitor: one charge per lattice is needed")

    def __call__(self, model: ResidualVAE) -> dict[str, float]:
        mu_fit, mu_val = _latent_means(model, self.fit_spins), _latent_means(model, self.val_spins)
        centre = mu_fit.mean(axis=0)
        _, sv, vt = np.linalg.svd(mu_fit - centre, full_matrices=False)  # PCA of the fit latents; PC0 = vt[0]
        pc0 = lambda mu: (mu - centre) @ vt[0]  # noqa: E731
        return {"fit_abs_r_pc0_q": _abs_r(pc0(mu_fit), self.fit_q), "val_abs_r_pc0_q": _abs_r(pc0(mu_val), self.val_q),
                "pc0_variance_share": float(sv[0] ** 2 / np.sum(sv ** 2))}


@torch.no_grad()
def _latent_means(model: ResidualVAE, spins: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Latent means ``(n, d)`` (float64) of ``spins``, the model in eval mode (as ``support.vae.inference.encode``)."""
    dev = next(model.parameters()).device
    return np.concatenate([model.encode(spins_tensor(spins[i:i + batch_size], dev))[0].cpu().numpy()
                           for i in range(0, len(spins), batch_size)]).astype(np.float64)


def _abs_r(x: np.ndarray, y: np.ndarray) -> float:
    """``|Pearson r|``; NaN when either is constant."""
    if np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(abs(np.corrcoef(x, y)[0, 1]))


def generalisation_gap(history: dict | None) -> float:
    """The last epoch's validation MSE over its training MSE (NaN for a run that did not finish)."""
    if not history or not history["train_mse"]:
        return float("nan")
    return float(history["val_mse"][-1] / history["train_mse"][-1])


def plateau(half: dict | None, full: dict | None, *, mse_tolerance: float = PLATEAU_MSE) -> dict:
    """Has a budget reached its plateau? The rule of the module docstring, from the histories of the same run at half
    the budget and at the full budget (each with its own learning-rate schedule).

    Returns ``reached`` (None where either run did not finish), ``mse_gain`` (relative drop of the best validation MSE
    from half to full budget), ``r_change`` (change of the last validation ``|r(PC0, Q)|``, reported, not judged:
    PC0's direction is unstable where its variance share is small) and the two budgets in steps.
    """
    if not half or not full or not half.get("curve") or not full.get("curve"):
        return {"reached": None, "mse_gain": float("nan"), "r_change": float("nan"), "steps": None}
    gain = (half["best_val_mse"] - full["best_val_mse"]) / half["best_val_mse"]
    change = full["curve"][-1].get("val_abs_r_pc0_q", np.nan) - half["curve"][-1].get("val_abs_r_pc0_q", np.nan)
    return {"reached": bool(gain < mse_tolerance), "mse_gain": float(gain), "r_change": float(change),
            "steps": [half["curve"][-1]["step"], full["curve"][-1]["step"]]}
