"""Physics checks of the XY data: the sampler's temperature scan against spin-wave limits, pair energies against the Coulomb gas."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from support import xy


def plot_validation(T: np.ndarray, mean: dict, err: dict, L: int):
    """Four panels of an unconstrained temperature scan with error bars: ``E/N``, ``<|M|>``, ``C_v`` and the
    helicity modulus, each against its spin-wave limit (``-2 + T/2``, ``1/2``, ``1 - T/4``; ``2T/pi`` for the
    helicity) and the Kosterlitz-Thouless temperature. ``mean`` and ``err`` map the keys of
    :func:`support.xy.ensemble_observables` to ``(len(T),)`` arrays. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True, constrained_layout=True)
    Tf = np.linspace(0.05, 2.0, 200)
    panels = [("energy", "E / N (J)", [(-2 + Tf / 2, "spin waves  −2 + T/2")]),
              ("abs_m", r"$\langle|M|\rangle$ per site", []),
              ("cv", r"$C_v$ per site ($k_B$)", [(0.5 + 0 * Tf, "spin waves  1/2")]),
              ("helicity", r"helicity modulus $\Upsilon$ (J)", [(1 - Tf / 4, "spin waves  1 − T/4"),
                                                                (2 * Tf / np.pi, r"$2T/\pi$")])]
    for ax, (key, label, lines) in zip(axes.ravel(), panels):
        ax.errorbar(T, mean[key], yerr=err[key], fmt="o-", ms=4, label=f"Metropolis, L = {L}")
        for y, lab in lines:
            ax.plot(Tf, y, "--", label=lab)
        ax.axvline(xy.T_KT, color="gray", ls=":", label=r"$T_{KT}\approx 0.893$")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    axes[0, 1].set_ylim(0, 1.02)
    axes[1, 1].set_ylim(0, 1.05)
    for ax in axes[1]:
        ax.set_xlabel("T (J / k_B)")
    return fig


def pair_excess_energies(data: dict, temperatures: Sequence[float]) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Mean energy of the fields of every pair distance above that of the no-pair fields, per temperature.

    Args:
        data: an XY data set (:func:`support.xy.dataset.load_xy_dataset`) with ``theta``, ``T`` and ``distance``.
        temperatures: the temperatures to report (as in the data set's parameters).

    Returns:
        ``{T: (d, excess)}``: the distances ``d > 0`` present at ``T`` (rounded to 2 digits, sorted) and
        ``<E>_d - <E>_0`` in units of ``J`` (total energies, not per site).
    """
    N = data["theta"].shape[-1] * data["theta"].shape[-2]
    e_site = xy.energy(data["theta"]) / N
    out = {}
    for T in temperatures:
        sel = data["T"] == np.float32(T)
        base = e_site[sel & (data["distance"] == 0)].mean()
        ds_T = np.round(data["distance"][sel], 2)
        dvals = np.unique(ds_T[ds_T > 0])
        out[T] = (dvals, np.array([N * (e_site[sel][ds_T == d].mean() - base) for d in dvals]))
    return out


def villain_pair_energies(L: int) -> tuple[np.ndarray, np.ndarray]:
    """Energy of the ``T = 0`` Villain field of a pair at each of the paper's distances above the ground state ``-2 L²``.

    Returns:
        ``(d, excess)``: the distances of :data:`support.xy.PAIR_DISTANCES` and the excess energies (``J``).
    """
    N = L ** 2
    e0 = [xy.energy(xy.villain_field(xy.pair_map(L, pd.displacement, (0, 0)))) + 2 * N for pd in xy.PAIR_DISTANCES]
    return np.array([pd.d for pd in xy.PAIR_DISTANCES]), np.array(e0)
