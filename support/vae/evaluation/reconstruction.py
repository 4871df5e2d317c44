"""Reconstruction analysis of the skyrmion VAE: errors, energies, effective fields, defects, charge.

Everything takes channels-first spin arrays ``(n, 3, L, L)`` and per-lattice ``D``, ``B`` (the
Hamiltonian of each lattice, J = 1 unless given; sign conventions under "Heisenberg conventions"
in the package docstring). The decoder returns unit vectors; every ensemble still passes through
:func:`support.vae.inference.unit_spins` before its physics (energy, h_eff, skyrmions, Q), so test
lattices, reconstructions and generated lattices are treated alike.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from support.chiral import magnet as hb
from support.vae.inference import load_vae, reconstruct, unit_spins
from support.vae.latent.analysis import linear_fit, pearson

# ----------------------------------------------------------------------------- test error per checkpoint


def reconstruct_sweep(checkpoints: Mapping[str, str | os.PathLike | None], x: np.ndarray, *, device: str = "auto",
                      batch_size: int = 256) -> dict[str, np.ndarray | None]:
    """Reconstructions of ``x`` by each named checkpoint (e.g. one per KL weight, thesis Pictures 3.10–3.11).

    A name without a checkpoint (``None``, or no file: e.g. a diverged run) gets ``None``.
    """
    return {name: (reconstruct(load_vae(path, device), x, batch_size)
                   if path is not None and Path(path).exists() else None) for name, path in checkpoints.items()}


def mse_sweep(checkpoints: Mapping[str, str | os.PathLike | None], x_test: np.ndarray, *, device: str = "auto",
              batch_size: int = 256) -> dict[str, np.ndarray]:
    """Per-lattice test MSE of each named checkpoint (Table 3.2 is its mean over lattices).

    A name without a checkpoint (``None``, or no file: e.g. a diverged run) gets an all-NaN array.
    """
    recs = reconstruct_sweep(checkpoints, x_test, device=device, batch_size=batch_size)
    return {name: np.full(len(x_test), np.nan) if r is None else per_sample_mse(x_test, r) for name, r in recs.items()}


# ----------------------------------------------------------------------------- errors


def _check_pair(inputs, recon):
    inputs = np.asarray(inputs, dtype=np.float32)
    recon = np.asarray(recon, dtype=np.float32)
    if inputs.shape != recon.shape or inputs.ndim != 4:
        raise ValueError(f"inputs and recon must both be (n, C, L, L), got {inputs.shape} and {recon.shape}")
    return inputs, recon


def per_sample_mse(inputs: np.ndarray, recon: np.ndarray) -> np.ndarray:
    """Mean squared error per lattice over channels and sites, ``(n,)`` (float64)."""
    inputs, recon = _check_pair(inputs, recon)
    d = (inputs.astype(np.float64) - recon)
    return np.mean(d * d, axis=(1, 2, 3))


def squared_error_map(inputs: np.ndarray, recon: np.ndarray) -> np.ndarray:
    """Squared error per site summed over spin components, ``|S - Ŝ|²`` of shape ``(n, L, L)``."""
    inputs, recon = _check_pair(inputs, recon)
    d = inputs - recon
    return np.sum(d * d, axis=1)


# ----------------------------------------------------------------------------- physics per (D, B)


def _per_hamiltonian(fn: Callable, spins: np.ndarray, D, B, **kw) -> np.ndarray:
    """Apply ``fn(spins_group, D=d, B=b, **kw)`` to each group of lattices sharing (D, B)."""
    spins = np.asarray(spins)
    n = len(spins)
    D = np.broadcast_to(np.asarray(D, dtype=np.float64), (n,))
    B = np.broadcast_to(np.asarray(B, dtype=np.float64), (n,))
    out = None
    pairs = np.unique(np.stack([D, B], axis=1), axis=0) if n else np.zeros((0, 2))
    for d, b in pairs:
        idx = np.flatnonzero((D == d) & (B == b))
        res = np.asarray(fn(spins[idx], D=float(d), B=float(b), **kw))
        if out is None:
            out = np.empty((n,) + res.shape[1:], dtype=np.float64)
        out[idx] = res
    return out if out is not None else np.zeros((0,))


def energies(spins: np.ndarray, D, B, *, J: float = 1.0, dmi: str = "neel") -> np.ndarray:
    """Total energy ``H`` of each (unit-normalised) lattice under its own (D, B), ``(n,)``."""
    return _per_hamiltonian(hb.energy, unit_spins(spins), D, B, J=J, dmi=dmi)


def energy_differences(inputs: np.ndarray, recon: np.ndarray, D, B, *, J: float = 1.0,
                       dmi: str = "neel") -> dict[str, np.ndarray]:
    """Energies of inputs and reconstructions and their differences (thesis Picture 3.5).

    Returns ``E_in``, ``E_rec`` (totals), ``diff = E_rec - E_in``, ``diff_per_spin`` and
    ``rel_diff = (E_rec - E_in) / |E_in|``. Annealed lattices sit near an energy minimum, so a
    positive difference is expected; its size measures how unphysical the reconstruction is.
    """
    inputs, recon = _check_pair(inputs, recon)
    e_in = energies(inputs, D, B, J=J, dmi=dmi)
    e_rec = energies(recon, D, B, J=J, dmi=dmi)
    n_sites = inputs.shape[-1] * inputs.shape[-2]
    diff = e_rec - e_in
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(e_in != 0, diff / np.abs(e_in), np.nan)
    return {"E_in": e_in, "E_rec": e_rec, "diff": diff, "diff_per_spin": diff / n_sites, "rel_diff": rel}


def field_maps(spins: np.ndarray, D, B, *, J: float = 1.0, dmi: str = "neel") -> dict[str, np.ndarray]:
    """Effective-field magnitude ``|h_eff|`` and alignment ``cos θ = S·h_eff / |h_eff|`` per site.

    In a (local) energy minimum at T → 0 every spin is parallel to its effective field, so
    ``cos θ ≈ 1`` everywhere; sites of a reconstruction with ``cos θ`` well below 1 are
    non-physical artefacts (thesis Pictures 3.7–3.9). Shapes ``(n, L, L)``.
    """
    s = unit_spins(spins)
    h = _per_hamiltonian(hb.effective_field, s, D, B, J=J, dmi=dmi)
    cos = _per_hamiltonian(hb.alignment, s, D, B, J=J, dmi=dmi)
    return {"h_abs": np.sqrt(np.sum(h * h, axis=1)), "cos_theta": np.clip(cos, -1.0, 1.0)}


def field_map_differences(inputs: np.ndarray, recon: np.ndarray, D, B, *, J: float = 1.0,
                          dmi: str = "neel") -> dict[str, np.ndarray]:
    """:func:`field_maps` of inputs and reconstructions and their squared differences per site.

    Keys ``h_abs_in``, ``h_abs_rec``, ``cos_in``, ``cos_rec``, ``h_sqdiff``, ``cos_sqdiff``.
    """
    inputs, recon = _check_pair(inputs, recon)
    a = field_maps(inputs, D, B, J=J, dmi=dmi)
    b = field_maps(recon, D, B, J=J, dmi=dmi)
    return {"h_abs_in": a["h_abs"], "h_abs_rec": b["h_abs"], "cos_in": a["cos_theta"], "cos_rec": b["cos_theta"],
            "h_sqdiff": (a["h_abs"] - b["h_abs"]) ** 2, "cos_sqdiff": (a["cos_theta"] - b["cos_theta"]) ** 2}


# ----------------------------------------------------------------------------- local energy


def local_energy_maps(inputs: np.ndarray, recon: np.ndarray, D, B, *, J: float = 1.0,
                      dmi: str = "neel") -> dict[str, np.ndarray]:
    """Energy per site of inputs and reconstructions and the reconstruction's excess (thesis Picture 3.8).

    :func:`support.chiral.magnet.local_energy` of the unit spins under each lattice's own ``(D, B)``: every bond
    split half to each end, plus the site's Zeeman term, so a map sums to the lattice's energy of
    :func:`energy_differences`. Keys ``in``, ``rec`` and ``excess = rec − in``, each ``(n, L, L)``.
    """
    inputs, recon = _check_pair(inputs, recon)
    e_in = _per_hamiltonian(hb.local_energy, unit_spins(inputs), D, B, J=J, dmi=dmi)
    e_rec = _per_hamiltonian(hb.local_energy, unit_spins(recon), D, B, J=J, dmi=dmi)
    return {"in": e_in, "rec": e_rec, "excess": e_rec - e_in}


def wall_band(spins: np.ndarray, width: float = 2.0) -> np.ndarray:
    """Sites within ``width`` lattice spacings of a skyrmion wall (the ``S^z = 0`` contour), ``(n, L, L)`` bool.

    The wall is every site whose ``S^z`` differs in sign from one of its four neighbours (the contour passes
    between them); the band adds every site at Euclidean distance ≤ ``width`` from a wall site (periodic). A
    lattice without a sign change (no skyrmion) has an empty band.
    """
    up = unit_spins(spins)[:, 2] >= 0
    wall = np.zeros_like(up)
    for shift in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        wall |= up != np.roll(up, shift, axis=(-2, -1))
    r = int(np.floor(width))
    band = wall.copy()
    for di in range(-r, r + 1):
        for dj in range(-r, r + 1):
            if di * di + dj * dj <= width * width:
                band |= np.roll(wall, (di, dj), axis=(-2, -1))
    return band


def excess_share(excess: np.ndarray, band: np.ndarray) -> dict[str, float]:
    """Where a reconstruction's energy excess sits: ``excess_share``, the part of the total excess (summed over
    all lattices) carried by the ``band`` sites, beside ``site_share``, the part of the sites in the band (what an
    evenly spread excess would give). Sites that lose energy count negatively, so the share can leave [0, 1];
    NaN when the total excess is 0."""
    excess, band = np.asarray(excess, dtype=np.float64), np.asarray(band, dtype=bool)
    if excess.shape != band.shape:
        raise ValueError(f"excess_share: shapes differ, {excess.shape} vs {band.shape}")
    total = excess.sum()
    return {"excess_share": float(excess[band].sum() / total) if total != 0 else float("nan"),
            "site_share": float(band.mean()) if band.size else float("nan")}


# ----------------------------------------------------------------------------- lattices: Q, Mz, defects


def charge_errors(inputs: np.ndarray, recon: np.ndarray) -> dict[str, np.ndarray | float]:
    """Topological charge of inputs and reconstructions: ``Q_in``, ``Q_rec``, ``abs_error``,
    and ``match_rate`` (fraction with equal rounded charge)."""
    inputs, recon = _check_pair(inputs, recon)
    q_in = np.asarray(hb.topological_charge(unit_spins(inputs)), dtype=np.float64)
    q_rec = np.asarray(hb.topological_charge(unit_spins(recon)), dtype=np.float64)
    return {"Q_in": q_in, "Q_rec": q_rec, "abs_error": np.abs(q_rec - q_in),
            "match_rate": float(np.mean(np.rint(q_in) == np.rint(q_rec))) if len(q_in) else float("nan")}


def mse_vs_defects(mse, defects) -> dict[str, float]:
    """Pearson coefficient and linear fit of reconstruction MSE against defect count (Picture 3.13)."""
    mse = np.asarray(mse, dtype=np.float64).ravel()
    defects = np.asarray(defects, dtype=np.float64).ravel()
    fit = linear_fit(defects, mse)
    return {"pearson": pearson(defects, mse), "slope": fit["slope"], "intercept": fit["intercept"]}
