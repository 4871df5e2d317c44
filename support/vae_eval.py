"""Reconstruction analysis of the skyrmion VAE: errors, energies, effective fields, defects, charge.

Everything takes channels-first spin arrays ``(n, 3, L, L)`` and per-lattice ``D``, ``B``
(the Hamiltonian of each lattice, J = 1 unless given). Reconstructions are rescaled to unit
spins before any physics (energy, h_eff, skyrmions, Q): the decoder's raw output is not
normalised, while the Hamiltonian and the skyrmion threshold ``S^z < -0.8`` are defined
for unit vectors. The MSE is computed on the raw output, as in training.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from support.latent import linear_fit, pearson, unit_spins

#: Folder of the skyrmion dataset inside ``profile_dir(data_dir, profile)`` (written by chapter 01).
SKYRMION_SUBDIR = "skyrmions"

# ----------------------------------------------------------------------------- upstream data


def load_upstream(data_dir: str | os.PathLike, profile: str) -> dict:
    """The skyrmion dataset (chapter 01) and the VAE sweep's results (chapter 03), checked.

    Returns:
        dict with ``out`` (the profile folder), ``data`` (see ``load_skyrmion_dataset``),
        ``vae`` (the ``03_train_vae.json`` results), ``dmi`` (from the dataset manifest,
        default ``"neel"``), ``kl_weights`` (floats) and ``best_kl`` (float).

    Raises:
        FileNotFoundError: naming the chapter that makes what is missing.
    """
    from support.data import load_json
    from support.runtime import profile_dir, results_path
    from support.skyrmion_dataset import load_skyrmion_dataset, skyrmion_dataset_params

    out = profile_dir(data_dir, profile)
    data = load_skyrmion_dataset(out / SKYRMION_SUBDIR)
    res_path = results_path(data_dir, profile, "03_train_vae")
    if not res_path.exists():
        raise FileNotFoundError(f"No VAE results at {res_path}. Run chapter 03 (notebooks/03_train_vae.py) first "
                                "with the same profile and data_dir.")
    vae = load_json(res_path)
    missing = [k for k in ("kl_weights", "best_kl") if k not in vae]
    if missing:
        raise KeyError(f"{res_path} lacks {missing}; rerun chapter 03 (03_train_vae).")
    if not data["is_test"].any() or data["is_test"].all():
        raise ValueError("the skyrmion dataset needs both training and test lattices (test_fraction in (0, 1))")
    params = skyrmion_dataset_params(out / SKYRMION_SUBDIR)
    return {"out": out, "data": data, "vae": vae, "dmi": params.get("dmi", "neel"), "J": float(params.get("J", 1.0)),
            "kl_weights": [float(w) for w in vae["kl_weights"]], "best_kl": float(vae["best_kl"])}


def mse_sweep(out: str | os.PathLike, kl_weights: Sequence[float], x_test: np.ndarray, *,
              augmented: bool = False, device: str = "auto", batch_size: int = 256) -> dict[str, np.ndarray]:
    """Per-lattice test MSE of the checkpoint of every KL weight (Table 3.2 is its mean).

    A KL weight without a checkpoint (e.g. a diverged run) gets an all-NaN array. Keys are
    ``support.training.vae.kl_key(weight)``.
    """
    from support.training.vae import checkpoint_path, kl_key, load_vae

    res = {}
    for w in kl_weights:
        path = checkpoint_path(out, w, augmented)
        if not Path(path).exists():
            res[kl_key(w)] = np.full(len(x_test), np.nan)
            continue
        model = load_vae(path, device)
        res[kl_key(w)] = per_sample_mse(x_test, reconstruct_all(model, x_test, batch_size=batch_size))
    return res


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


def reconstruct_all(model, spins: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Deterministic reconstructions (decoder of the posterior mean), raw decoder output, float32.

    A thin wrapper of ``support.training.vae.reconstruct`` (which batches and uses the model's device).
    """
    from support.training.vae import reconstruct

    return np.asarray(reconstruct(model, np.asarray(spins, dtype=np.float32), batch_size), dtype=np.float32)


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
    from support.heisenberg import energy

    return _per_hamiltonian(energy, unit_spins(spins), D, B, J=J, dmi=dmi)


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
    from support.heisenberg import alignment, effective_field

    s = unit_spins(spins)
    h = _per_hamiltonian(effective_field, s, D, B, J=J, dmi=dmi)
    cos = _per_hamiltonian(alignment, s, D, B, J=J, dmi=dmi)
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


# ----------------------------------------------------------------------------- lattices: Q, Mz, defects


def lattice_stats(spins: np.ndarray, *, progress: bool = False) -> dict[str, np.ndarray]:
    """Topological charge ``Q``, ``Mz`` (mean ``S^z``), skyrmion count and defect count per lattice.

    Spins are unit-normalised first. Defects are skyrmions whose Delaunay coordination
    (periodic) differs from 6, counted by ``support.heisenberg.count_defects``.
    """
    from support.progress import tqdm

    from support import heisenberg as hb

    s = unit_spins(spins)
    if s.ndim != 4:
        raise ValueError(f"lattice_stats: spins must be (n, 3, L, L), got shape {s.shape}")
    Q = np.asarray(hb.topological_charge(s), dtype=np.float64).reshape(len(s))
    Mz = np.asarray(hb.magnetization_z(s), dtype=np.float64).reshape(len(s))
    n_sk = np.empty(len(s), dtype=np.int64)
    n_def = np.empty(len(s), dtype=np.int64)
    for i in tqdm(range(len(s)), desc="defects", disable=not progress):
        centres = hb.find_skyrmions(s[i])
        n_sk[i] = len(centres)
        n_def[i] = int(hb.skyrmion_lattice_defects(centres, s.shape[-2:])["n_defects"])
    return {"Q": Q, "Mz": Mz, "n_skyrmions": n_sk, "defects": n_def}


def charge_errors(inputs: np.ndarray, recon: np.ndarray) -> dict[str, np.ndarray | float]:
    """Topological charge of inputs and reconstructions: ``Q_in``, ``Q_rec``, ``abs_error``,
    and ``match_rate`` (fraction with equal rounded charge)."""
    from support.heisenberg import topological_charge

    inputs, recon = _check_pair(inputs, recon)
    q_in = np.asarray(topological_charge(unit_spins(inputs)), dtype=np.float64)
    q_rec = np.asarray(topological_charge(unit_spins(recon)), dtype=np.float64)
    return {"Q_in": q_in, "Q_rec": q_rec, "abs_error": np.abs(q_rec - q_in),
            "match_rate": float(np.mean(np.rint(q_in) == np.rint(q_rec))) if len(q_in) else float("nan")}


def mse_vs_defects(mse, defects) -> dict[str, float]:
    """Pearson coefficient and linear fit of reconstruction MSE against defect count (Picture 3.13)."""
    mse = np.asarray(mse, dtype=np.float64).ravel()
    defects = np.asarray(defects, dtype=np.float64).ravel()
    fit = linear_fit(defects, mse)
    return {"pearson": pearson(defects, mse), "slope": fit["slope"], "intercept": fit["intercept"]}


def lattice_overlay(spins: np.ndarray) -> dict:
    """Skyrmion centres, periodic Delaunay edges and defect centres of one lattice ``(3, L, L)``.

    Returns ``centres`` ``(k, 2)`` and ``defects`` ``(m, 2)`` as (i, j) = (row, column), and
    ``edges`` ``(e, 2, 2)`` segments (an end may lie outside ``[0, L)``: the periodic image).
    """
    from support import heisenberg as hb

    s = unit_spins(spins)
    centres = np.asarray(hb.find_skyrmions(s), dtype=np.float64).reshape(-1, 2)
    res = hb.skyrmion_lattice_defects(centres, s.shape[-2:])
    return {"centres": centres, "edges": np.asarray(res["edges"]).reshape(-1, 2, 2),
            "defects": centres[np.asarray(res["defects"], dtype=int)].reshape(-1, 2)}


def plot_lattice(ax, spins: np.ndarray, *, title: str = "", overlay: bool = True, cmap: str = "RdBu_r"):
    """Draw ``S^z`` of one lattice with skyrmion centres, Delaunay mesh and defects (red)."""
    s = unit_spins(spins)
    L = s.shape[-1]
    im = ax.imshow(s[2], cmap=cmap, vmin=-1, vmax=1, origin="lower")
    if overlay:
        try:
            ov = lattice_overlay(s)
        except ValueError:
            ov = None
        if ov is not None:
            for p, q in ov["edges"]:
                ax.plot([p[1], q[1]], [p[0], q[0]], color="k", lw=0.5, alpha=0.6)
            if len(ov["centres"]):
                ax.scatter(ov["centres"][:, 1], ov["centres"][:, 0], s=6, c="k")
            if len(ov["defects"]):
                ax.scatter(ov["defects"][:, 1], ov["defects"][:, 0], s=30, facecolors="none", edgecolors="red", lw=1.2)
    ax.set_xlim(-0.5, L - 0.5)
    ax.set_ylim(-0.5, L - 0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return im
