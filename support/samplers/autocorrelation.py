"""Integrated autocorrelation time of a Monte Carlo series (Sokal's automatic window).

Here, below the chapters' evaluation code, so that samplers, their tests and benchmarks can measure
``tau_int`` without importing the cWGAN stack (``support.cwgan.evaluation.mc_reference`` re-exports it).
"""

from __future__ import annotations

import math

import numpy as np


def integrated_autocorrelation_time(x: np.ndarray, c: float = 5.0) -> float:
    """Integrated autocorrelation time ``τ = 1/2 + Σ_t ρ(t)`` with Sokal's automatic window (M ≥ c τ(M)).

    Independent samples are ``2 τ`` steps apart (white noise gives ``τ = 1/2``).
    """
    return tau_with_error(x, c)[0]


def tau_with_error(x: np.ndarray, c: float = 5.0) -> tuple[float, float]:
    """``(tau_int, its error)`` of a series: Sokal's window (``W >= c tau(W)``) and the Madras–Sokal variance
    ``2 (2 W + 1) / n tau^2`` of the windowed sum (``W`` the window)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    if n < 4:
        raise ValueError("need at least 4 points")
    x = x - x.mean()
    if not np.any(x):
        return 0.5, 0.0
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    taus = np.cumsum(acf / acf[0]) - 0.5
    window = next((m for m in range(1, n) if m >= c * taus[m]), n - 1)
    tau = float(taus[window])
    return tau, tau * math.sqrt(2 * (2 * window + 1) / n)
