"""Agreement measures of the cWGAN paper: coefficient of determination (eq. 4) and Acc_topo (eq. 5)."""

from __future__ import annotations

import numpy as np


def r2(y_true, y_pred) -> float:
    """Coefficient of determination ``1 - Σ(y - ŷ)² / Σ(y - ȳ)²`` (eq. 4).

    ``y_true`` are the Monte Carlo values (e.g. an observable versus pair distance),
    ``y_pred`` the generated ones. A constant ``y_true`` makes R² undefined: NaN is returned.
    """
    y = np.asarray(y_true, dtype=float).ravel()
    p = np.asarray(y_pred, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"r2: shapes differ, {y.shape} vs {p.shape}")
    ss_tot = np.sum((y - y.mean()) ** 2)
    if ss_tot == 0:
        return float("nan")
    return float(1.0 - np.sum((y - p) ** 2) / ss_tot)


def acc_topo(y_true, y_pred, tol: float = 0.05) -> float:
    """Fraction of points where the generated curve agrees with the real one (eq. 5).

    A point agrees when ``|ŷ - y| < tol * max_Θ |y|``: the tolerance is absolute, a fraction of the
    largest magnitude of the *real* curve over all thresholds Θ. The last axis is Θ; a 2-D input
    ``(curves, Θ)`` (e.g. one curve per pair-distance class) takes the maximum of each curve.
    """
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    if y.shape != p.shape:
        raise ValueError(f"acc_topo: shapes differ, {y.shape} vs {p.shape}")
    if y.size == 0:
        raise ValueError("acc_topo: empty input")
    scale = np.max(np.abs(y), axis=-1, keepdims=True)
    return float(np.mean(np.abs(p - y) < tol * scale))
