"""Learning curves of the VAE: how the validation error and PC0's reading of ``Q`` move with optimiser steps.

:class:`LatentMonitor` is the ``monitor`` of :func:`support.vae.training.train_vae`: at points spaced evenly in
``log(step)`` it encodes the fit and validation lattices, fits the PCA on the fit lattices' latent means (as chapter
05 does) and records ``|r(PC0, Q)|`` on both. Only validation and fit lattices enter; test lattices never do.

:func:`plateau` is the stopping rule, fixed before any test point is looked at: a run has reached its plateau when
the last doubling of its steps improved the validation MSE by less than :data:`PLATEAU_MSE` (relative) and moved the
validation ``|r(PC0, Q)|`` by less than :data:`PLATEAU_R`. The weights kept are those of the lowest validation MSE.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from support.vae.inference import encode
from support.vae.latent import fit_pca, pearson

PLATEAU_MSE = 0.05  # relative improvement of the validation MSE over the last doubling of steps
PLATEAU_R = 0.05  # change of the validation |r(PC0, Q)| over the last doubling of steps


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

    def __call__(self, model) -> dict[str, float]:
        mu_fit, _ = encode(model, self.fit_spins)
        mu_val, _ = encode(model, self.val_spins)
        pca = fit_pca(mu_fit)
        pc0 = lambda mu: pca["pca"].transform(np.asarray(mu, np.float64))[:, 0]  # noqa: E731
        return {"fit_abs_r_pc0_q": abs(pearson(pc0(mu_fit), self.fit_q)),
                "val_abs_r_pc0_q": abs(pearson(pc0(mu_val), self.val_q)),
                "pc0_variance_share": float(pca["explained_variance_ratio"][0])}


def _at_half(curve: Sequence[dict]) -> dict:
    """The curve's point closest (in log step) to half the last point's step."""
    steps = np.array([p["step"] for p in curve], dtype=float)
    return curve[int(np.argmin(np.abs(np.log(steps) - np.log(steps[-1] / 2))))]


def plateau(curve: Sequence[dict], *, mse_tolerance: float = PLATEAU_MSE, r_tolerance: float = PLATEAU_R) -> dict:
    """Has a run reached its plateau? The stopping rule of the module docstring, from its learning curve.

    Returns ``reached`` (bool, or None with fewer than two points or no halfway point), ``mse_gain`` (relative drop of
    the validation MSE over the last doubling), ``r_change`` (change of the validation ``|r(PC0, Q)|``), and the two
    steps compared.
    """
    if len(curve) < 2:
        return {"reached": None, "mse_gain": float("nan"), "r_change": float("nan"), "from_step": None, "to_step": None}
    first, last = _at_half(curve), curve[-1]
    if first is last:
        return {"reached": None, "mse_gain": float("nan"), "r_change": float("nan"), "from_step": None,
                "to_step": last["step"]}
    gain = (first["val_mse"] - last["val_mse"]) / first["val_mse"]
    change = last.get("val_abs_r_pc0_q", np.nan) - first.get("val_abs_r_pc0_q", np.nan)
    reached = bool(gain < mse_tolerance and (not np.isfinite(change) or abs(change) < r_tolerance))
    return {"reached": reached, "mse_gain": float(gain), "r_change": float(change), "from_step": first["step"],
            "to_step": last["step"]}
