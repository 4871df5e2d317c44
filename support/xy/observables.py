"""XY observables: per-configuration energy, magnetization and vortex density; ensemble fluctuations and correlations."""

from __future__ import annotations

import numpy as np

from support.xy.charges import _check_field, bond_angles, vortices

T_KT = 0.893  # Kosterlitz-Thouless temperature of the 2D XY model (J = k_B = 1)


# ---------------------------------------------------------------------------------------------
# per-configuration observables
# ---------------------------------------------------------------------------------------------

def energy(theta: np.ndarray, J: float = 1.0) -> np.ndarray:
    """Total energy ``H = -J sum_<ij> cos(theta_i - theta_j)``, each bond once. Shape ``(...)``."""
    t = _check_field(theta).astype(np.float64, copy=False)
    bx, by = bond_angles(t)
    return -J * (np.cos(bx) + np.cos(by)).sum(axis=(-2, -1))


def energy_per_site(theta: np.ndarray, J: float = 1.0) -> np.ndarray:
    """Energy per site ``H / L^2``. Shape ``(...)``."""
    t = _check_field(theta)
    return energy(t, J) / (t.shape[-1] * t.shape[-2])


def magnetization(theta: np.ndarray) -> np.ndarray:
    """Magnitude of the magnetization per site ``|M| = |sum_i S_i| / N`` in ``[0, 1]``. Shape ``(...)``."""
    t = _check_field(theta).astype(np.float64, copy=False)
    mx = np.cos(t).mean(axis=(-2, -1))
    my = np.sin(t).mean(axis=(-2, -1))
    return np.hypot(mx, my)


def vorticity(theta: np.ndarray) -> np.ndarray:
    """Vortex density: mean of ``|k|`` over the plaquettes of each sample. Shape ``(...)``."""
    return np.abs(vortices(theta)).mean(axis=(-2, -1))


# ---------------------------------------------------------------------------------------------
# ensemble observables (leading axis = samples)
# ---------------------------------------------------------------------------------------------

def _check_T(T: float) -> float:
    T = float(T)
    if not T > 0:
        raise ValueError(f"temperature must be > 0, got {T}")
    return T


def specific_heat(energy_total: np.ndarray, T: float, N: int) -> float:
    """Specific heat per site ``C_v = (<E^2> - <E>^2) / (N T^2)`` from total energies of samples."""
    e = np.asarray(energy_total, dtype=np.float64)
    return float(e.var() / (int(N) * _check_T(T) ** 2))


def susceptibility(magnetization: np.ndarray, T: float, N: int) -> float:
    """Susceptibility ``chi = N (<M^2> - <|M|>^2) / T`` from per-site magnetizations ``|M|`` of samples."""
    m = np.abs(np.asarray(magnetization, dtype=np.float64))
    return float(int(N) * ((m ** 2).mean() - m.mean() ** 2) / _check_T(T))


def helicity_modulus(theta: np.ndarray, T: float, J: float = 1.0) -> float:
    """Helicity modulus (spin stiffness), the standard ensemble estimator averaged over x and y.

    ``Upsilon_mu = (1/N) [ J <sum cos(d_mu theta)> - (J^2 / T) <(sum sin(d_mu theta))^2> ]``
    with the sums over all bonds along ``mu``; the spin-wave limit is ``J (1 - T / 4)``.

    Args:
        theta: samples ``(n, L, L)`` of one ensemble.
        T: temperature.
        J: coupling.
    """
    t = _check_field(theta).astype(np.float64, copy=False)
    T = _check_T(T)
    if t.ndim != 3:
        raise ValueError(f"helicity_modulus expects samples of shape (n, L, L), got {t.shape}")
    N = t.shape[-1] * t.shape[-2]
    ups = 0.0
    for d in bond_angles(t):
        c = np.cos(d).sum(axis=(-2, -1))
        s = np.sin(d).sum(axis=(-2, -1))
        ups += (J * c.mean() - J ** 2 / T * (s ** 2).mean()) / N
    return float(ups / 2)


def helicity_terms(theta: np.ndarray, T: float, J: float = 1.0) -> np.ndarray:
    """Per-sample terms whose mean over an ensemble is :func:`helicity_modulus` (for its autocorrelation time):
    ``(1/2N) sum_mu [J sum cos(d_mu theta) - (J^2 / T) (sum sin(d_mu theta))^2]``, float64 ``(n,)``."""
    t = _check_field(theta).astype(np.float64, copy=False)
    T = _check_T(T)
    N = t.shape[-1] * t.shape[-2]
    out = np.zeros(t.shape[:-2])
    for d in bond_angles(t):
        out += (J * np.cos(d).sum(axis=(-2, -1)) - J ** 2 / T * np.sin(d).sum(axis=(-2, -1)) ** 2) / (2 * N)
    return out


def correlation_function(theta: np.ndarray, max_r: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Spin correlation ``C(r) = <S_i . S_j>`` versus minimum-image distance ``r = |i - j|``.

    Averaged over all pairs at that distance and over the samples (leading axes), via FFT.

    Args:
        theta: ``(..., L, L)`` samples.
        max_r: keep distances ``<= max_r`` (default: all, up to ``L / sqrt(2)``).

    Returns:
        ``(r, C)``, both 1-D float arrays sorted by ``r``; ``r[0] = 0`` with ``C = 1``.
    """
    t = _check_field(theta).astype(np.float64, copy=False)
    L = t.shape[-1]
    t = t.reshape(-1, L, L)
    fc, fs = np.fft.fft2(np.cos(t)), np.fft.fft2(np.sin(t))
    corr = np.fft.ifft2(np.abs(fc) ** 2 + np.abs(fs) ** 2).real.mean(axis=0) / (L * L)
    d = np.minimum(np.arange(L), L - np.arange(L))
    r2 = d[:, None] ** 2 + d[None, :] ** 2
    keys, inverse = np.unique(r2.ravel(), return_inverse=True)
    sums = np.bincount(inverse, weights=corr.ravel())
    counts = np.bincount(inverse)
    r, C = np.sqrt(keys), sums / counts
    if max_r is not None:
        keep = r <= max_r + 1e-9
        r, C = r[keep], C[keep]
    return r, C


#: keys of :func:`ensemble_observables`, in the order tables and figures show them
ENSEMBLE_OBSERVABLES = ("nu", "abs_m", "energy", "cv", "helicity", "chi")


def ensemble_observables(theta: np.ndarray, T: float, J: float = 1.0) -> dict[str, float]:
    """The six scalar ensemble observables of samples ``(n, L, L)`` at temperature ``T``.

    Returns:
        dict with ``nu`` (mean vortex density, :func:`vorticity`), ``abs_m`` (<|M|>), ``energy``
        (<E>/N), ``cv`` (:func:`specific_heat`), ``helicity`` (:func:`helicity_modulus`) and ``chi``
        (:func:`susceptibility`).

    Raises:
        ValueError: fewer than two samples (no fluctuation observable) or not ``(n, L, L)``.
    """
    t = _check_field(theta)
    if t.ndim != 3 or len(t) < 2:
        raise ValueError(f"need an ensemble of at least 2 fields (n, L, L), got {t.shape}")
    N = t.shape[-1] * t.shape[-2]
    e, m = energy(t, J), magnetization(t)
    return {"nu": float(vorticity(t).mean()), "abs_m": float(m.mean()), "energy": float(e.mean() / N),
            "cv": specific_heat(e, T, N), "helicity": helicity_modulus(t, T, J), "chi": susceptibility(m, T, N)}
