"""Q's share of the VAE's latent variance beside PC0's: can PC0 be the topological charge at all?

A principal component holds at least the variance along any one direction; the variance a line in ``Q`` explains
lies along one direction. So PC0's explained-variance ratio bounds ``Q``'s share from above, and a share well
below it says PC0 follows something besides ``Q`` (e.g. the lattice's arrangement, angle or defects).
"""

from __future__ import annotations

import numpy as np

from support.vae.latent.analysis import fit_pca


def variance_share(mu, y) -> float:
    """Share of the latents' total variance that a linear function of ``y`` explains (R²-weighted over dimensions).

    Each latent dimension ``j`` is fitted by a line in ``y``; the share is ``Σ_j R²_j Var(mu_j) / Σ_j Var(mu_j)``,
    the variance of the fitted latents (a rank-one cloud along the fitted direction) over the total. A principal
    component holds at least the variance along that direction, so PC0's explained-variance ratio bounds the share
    from above: when the share is well below it, PC0 cannot be ``y`` alone. NaN for a constant ``y`` or latent.

    Args:
        mu: latent means ``(n, d)``.
        y: one value per latent ``(n,)`` (e.g. the topological charge ``Q``).
    """
    mu = np.asarray(mu, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if mu.ndim != 2 or len(mu) != len(y):
        raise ValueError(f"variance_share: need (n, d) latents and n values, got {mu.shape} and {y.shape}")
    mc, yc = mu - mu.mean(axis=0), y - y.mean()
    total, yy = np.sum(mc * mc), np.sum(yc * yc)
    if total == 0 or yy == 0:
        return float("nan")
    slope = yc @ mc / yy  # per dimension, the least-squares slope on y
    return float(np.clip(yy * np.sum(slope * slope) / total, 0.0, 1.0))


def q_variance_share(mu, Q) -> dict[str, float]:
    """``Q``'s share of the latent variance (:func:`variance_share`) beside PC0's (its explained-variance ratio).

    Returns ``q`` and ``pc0`` (both in [0, 1], ``q <= pc0``) and ``q_over_pc0``, the fraction of PC0's variance a
    line in ``Q`` could account for at most.
    """
    mu = np.asarray(mu, dtype=np.float64)
    q = variance_share(mu, Q)
    pc0 = float(fit_pca(mu)["explained_variance_ratio"][0]) if np.any(np.var(mu, axis=0) > 0) else float("nan")
    return {"q": q, "pc0": pc0, "q_over_pc0": q / pc0 if pc0 > 0 else float("nan")}
