"""Are generated lattices new and yet plausible? A two-sided check of their distance to the training set.

A generated lattice fails when it is a copy (closer to a training lattice than an independently annealed
lattice is to its nearest neighbour) and when it is far from every real lattice (farther from the training set
than a real lattice of a phase point the training set lacks). Both bounds are calibrated on the training lattices
alone, in the canonical frame (:func:`support.vae.latent.sampling.canonical`), with the RMS spin difference of
:func:`support.vae.latent.sampling.nearest_distance`:

- ``low``: the :data:`LOW_QUANTILE` of each training lattice's distance to its nearest *other* training lattice
  (any phase point): how close a genuinely different lattice comes;
- ``high``: the :data:`HIGH_QUANTILE` of each training lattice's distance to the nearest training lattice of
  *another* phase point: how far a real lattice of an unseen phase point lies.

A lattice is *inside* when ``low < d <= high`` (an exact copy, ``d = 0``, is never inside). The test lattices
are not used to calibrate; their inside fraction (about ``HIGH_QUANTILE``) is the check that the bounds hold.
"""

from __future__ import annotations

import numpy as np

#: Quantiles of the calibration distances that make the two bounds (fixed before any generated lattice is seen).
LOW_QUANTILE, HIGH_QUANTILE = 0.05, 0.95


def pairwise_distance(a: np.ndarray, b: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """RMS spin difference ``sqrt(mean |S - S'|²)`` of every lattice of ``a`` to every lattice of ``b``, ``(n_a, n_b)``."""
    ref = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    ref_sq = np.sum(ref * ref, axis=1)
    rows = []
    for i in range(0, len(a), batch_size):
        c = np.asarray(a[i:i + batch_size], dtype=np.float64).reshape(-1, ref.shape[1])
        d2 = np.sum(c * c, axis=1)[:, None] + ref_sq[None] - 2.0 * c @ ref.T
        rows.append(np.sqrt(np.maximum(d2, 0.0) / ref.shape[1]))
    return np.concatenate(rows) if rows else np.zeros((0, len(ref)))


def calibrate(train_canonical: np.ndarray, points: np.ndarray, *, low: float = LOW_QUANTILE,
              high: float = HIGH_QUANTILE) -> dict[str, float]:
    """The two bounds from the training lattices (canonical frame) and their phase-point labels.

    Returns:
        ``low`` and ``high`` (distances), and ``n`` (training lattices used).

    Raises:
        ValueError: fewer than two phase points, or quantiles not ``0 <= low < high <= 1``.
    """
    points = np.asarray(points).ravel()
    if len(points) != len(train_canonical) or len(np.unique(points)) < 2:
        raise ValueError(f"novelty.calibrate: need one phase point per lattice and >= 2 points, got {len(points)} "
                         f"labels for {len(train_canonical)} lattices")
    if not 0 <= low < high <= 1:
        raise ValueError(f"novelty.calibrate: need 0 <= low < high <= 1, got {low}, {high}")
    d = pairwise_distance(train_canonical, train_canonical)
    other_lattice = np.where(np.eye(len(d), dtype=bool), np.inf, d).min(axis=1)
    other_point = np.where(points[:, None] == points[None, :], np.inf, d).min(axis=1)
    return {"low": float(np.quantile(other_lattice, low)), "high": float(np.quantile(other_point, high)),
            "n": len(d)}


def inside(distances, bounds: dict) -> np.ndarray:
    """Boolean mask: the nearest-training distances strictly above ``low`` and at most ``high``."""
    d = np.asarray(distances, dtype=np.float64)
    return (d > bounds["low"]) & (d <= bounds["high"])


def verdict(distances, bounds: dict) -> dict[str, float]:
    """Shares of lattices that are copies (``d <= low``), too far (``d > high``) and inside both bounds."""
    d = np.asarray(distances, dtype=np.float64)
    if len(d) == 0:
        return {"copies": float("nan"), "too_far": float("nan"), "inside": float("nan")}
    return {"copies": float(np.mean(d <= bounds["low"])), "too_far": float(np.mean(d > bounds["high"])),
            "inside": float(np.mean(inside(d, bounds)))}
