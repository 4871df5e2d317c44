"""Integrated autocorrelation time of a Monte Carlo series (Sokal's automatic window).

Here, below the chapters' evaluation code, so that samplers, their tests and benchmarks can measure
``tau_int`` without importing the cWGAN stack (``support.cwgan.evaluation.mc_reference`` re-exports it).
"""

from __future__ import annotations

import numpy as np


def integrated_autocorrelation_time(x: np.ndarray, c: float = 5.0) -> float:
    """Integrated autocorrelation time ``τ = 1/2 + Σ_t ρ(t)`` with Sokal's automatic window (M ≥ c τ(M)).

    Independent samples are ``2 τ`` steps apart (white noise gives ``τ = 1/2``).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    if n < 4:
        raise ValueError("need at least 4 points")
    x = x - x.mean()
    if not np.any(x):
        return 0.5
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    acf /= acf[0]
    taus = np.cumsum(acf) - 0.5     # τ(M) = 1/2 + Σ_{t=1..M} ρ(t)
    for m in range(1, n):
        if m >= c * taus[m]:
            return float(taus[m])
    return float(taus[-1])
