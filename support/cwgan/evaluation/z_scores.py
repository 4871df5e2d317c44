"""How many standard errors a generated set lies from its Monte Carlo reference, per observable.

A z-score can fail where a ratio to one noisy noise-floor draw cannot: ``z = (g - r) / sqrt(se_g^2 +
se_r^2)`` is about standard normal when the generator samples the reference's law, and grows like
``sqrt(n)`` with the sample size when it does not.

Observables (per temperature, each an average over the set's maps of a per-map statistic, so every
map weighs the same): ``energy`` (E/N), ``abs_m`` (|M|), ``helicity`` (Upsilon, the mean of per-sample
terms), ``cv`` (N Var(E/N) / T^2) and ``chi`` (N Var(|M|) / T).

Standard errors. A map's generated fields are independent draws: the per-map standard error is the
jackknife one of that map's statistic (for a mean, ``s / sqrt(n)``). Monte Carlo fields of one chain
are ``spacing`` sweeps apart, with ``tau`` the integrated autocorrelation time (sweeps) measured on the
set's pilot chains; for exponential decay the stored series has ``tau_s = 1/2 + 1/(exp(spacing/tau) - 1)``
and a mean's variance is ``2 tau_s`` times the independent one (1.31 at ``spacing = 2 tau``). The
variance-based ``cv`` and ``chi`` get the same factor (squared deviations decorrelate faster, so it
errs on the safe side). If the pilot underestimates tau, these errors are too small: the noise-floor
row (a second, independent Monte Carlo chain per map, scored the same way) is the check, since its
z-scores must look standard normal.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from support import xy
from support.xy.observables import helicity_terms

OBSERVABLES = ("energy", "abs_m", "helicity", "cv", "chi")
WITHIN = 3.0                       # |z| at most this: cannot be told from Monte Carlo at this sample size


def correlated_variance_factor(tau: float, spacing: float) -> float:
    """``2 tau_s``: the factor on the variance of a mean of samples ``spacing`` sweeps apart when the
    autocorrelation decays like ``exp(-t / tau)`` (1 for independent samples)."""
    if tau <= 0 or spacing <= 0:
        raise ValueError(f"tau and spacing must be positive, got {tau}, {spacing}")
    return 1.0 + 2.0 / math.expm1(min(spacing / tau, 700.0))   # exp(700) ~ 1e304: the factor is 1


def per_field(theta: np.ndarray, T: float) -> dict[str, np.ndarray]:
    """Per-field values whose means and variances make the observables: E/N, |M|, helicity terms."""
    return {"energy": xy.energy_per_site(theta), "abs_m": xy.magnetization(theta),
            "helicity": helicity_terms(theta, T)}


def _statistic(name: str, values: Mapping[str, np.ndarray], N: int, T: float) -> np.ndarray:
    """Each observable's statistic over the last axis of ``values`` (fields of one map, or jackknife rows)."""
    if name == "cv":
        return N * values["energy"].var(axis=-1, ddof=1) / T ** 2
    if name == "chi":
        return N * values["abs_m"].var(axis=-1, ddof=1) / T
    return values[name].mean(axis=-1)


def map_statistic(name: str, values: Mapping[str, np.ndarray], N: int, T: float) -> tuple[float, float]:
    """One map's statistic and its jackknife standard error (independent fields)."""
    n = len(values["energy"])
    if n < 3:
        raise ValueError(f"a map needs at least 3 fields for a standard error, got {n}")
    full = float(_statistic(name, values, N, T))
    leave_one_out = ~np.eye(n, dtype=bool)
    rows = {k: np.stack([v[keep] for keep in leave_one_out]) for k, v in values.items()}
    jack = _statistic(name, rows, N, T)
    return full, float(np.sqrt((n - 1) / n * np.sum((jack - jack.mean()) ** 2)))


def set_estimate(values: Mapping[str, np.ndarray], maps: np.ndarray, T: float, N: int,
                 variance_factor: float = 1.0) -> dict[str, tuple[float, float]]:
    """``{observable: (value, standard error)}`` of one set at one temperature from its :func:`per_field`
    values (``maps``: the map of each field; ``N`` sites): per-map statistics averaged over maps, with
    ``variance_factor`` on every per-map variance (see the module docstring)."""
    out = {}
    for name in OBSERVABLES:
        stats = np.array([map_statistic(name, {k: v[maps == m] for k, v in values.items()}, N, T)
                          for m in np.unique(maps)])
        out[name] = (float(stats[:, 0].mean()), float(np.sqrt(variance_factor * np.sum(stats[:, 1] ** 2)) / len(stats)))
    return out


def z_scores(estimate: Mapping[str, tuple[float, float]], reference: Mapping[str, tuple[float, float]]
             ) -> dict[str, float]:
    """``(g - r) / sqrt(se_g^2 + se_r^2)`` per observable."""
    return {k: float((estimate[k][0] - reference[k][0]) / math.hypot(estimate[k][1], reference[k][1]))
            for k in reference}


def summary(z: Mapping[str, float]) -> dict[str, float]:
    """``{"z_within": fraction of |z| <= WITHIN, "z_max": largest |z|, "n_z": count}`` of a set of z-scores."""
    a = np.abs(np.array(list(z.values()), dtype=float))
    return {"z_within": float(np.mean(a <= WITHIN)), "z_max": float(a.max()), "n_z": int(a.size)}
