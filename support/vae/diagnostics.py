"""Why the latent targets land where they do: what the principal components follow, and what the error follows.

Two held-out questions of chapter 05, asked per split like the scores of :mod:`support.vae.evaluation`:

- which per-lattice quantity each leading principal component (PCA fitted on training latents)
  follows on the test lattices: the thesis's physical quantities, the defect count, the mean core
  radius (:func:`support.heisenberg.core_radius`) and the lattice's own turn against the square
  lattice (:func:`support.symmetry.lattice_angle`), a real degree of freedom that no symmetry removes;
- how much of the per-lattice reconstruction error the phase point ``(D, B)`` explains, and what is
  left for the defects (:func:`support.vae.latent.error_decomposition`), on training and test lattices.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from support import heisenberg as hb
from support.symmetry import lattice_angle
from support.vae import latent as lt
from support.vae.inference import reconstruct
from support.vae.reconstruction import per_sample_mse

#: Per-lattice quantities the principal components are compared with (in this order in every table).
DESCRIPTORS = ("Q", "Mz", "D", "B", "defects", "core radius", "lattice angle")
#: Principal components examined.
N_COMPONENTS = 4


def lattice_descriptors(data: Mapping[str, np.ndarray], idx: np.ndarray, dmi: str = "neel") -> dict[str, np.ndarray]:
    """The :data:`DESCRIPTORS` of the lattices ``idx`` of the skyrmion dataset ``data``."""
    spins = data["spins"][idx]
    return {k: np.asarray(data[k], dtype=np.float64)[idx] for k in ("Q", "Mz", "D", "B")} | {
        "defects": np.asarray(data["n_defects"], dtype=np.float64)[idx],
        "core radius": hb.core_radius(spins), "lattice angle": lattice_angle(spins, dmi)}


def split_diagnostics(model, scores: Mapping, data: Mapping[str, np.ndarray], fit: np.ndarray, test: np.ndarray, *,
                      dmi: str = "neel", batch_size: int = 256) -> dict:
    """Both questions for one split.

    Args:
        model: the split's VAE; ``scores``: its :func:`support.vae.evaluation.split_scores` (test PCA scores and
            reconstructions).
        data: the skyrmion dataset; ``fit``, ``test``: lattice indices of the split. ``fit`` are the lattices the
            weights were fitted on, without the validation lattices: those come from phase points the weights
            never saw, like the test lattices, and mixed in they would dominate the error's spread.

    Returns:
        ``components``: ``{descriptor: [|r| with PC0, PC1, ...]}`` on the test lattices; ``errors``:
        ``{"train": ..., "test": ...}`` :func:`support.vae.latent.error_decomposition` of the fitted and the test
        lattices.
    """
    spins = data["spins"]
    mse = {"train": per_sample_mse(spins[fit], reconstruct(model, spins[fit], batch_size)),
           "test": per_sample_mse(spins[test], scores["reconstruction_test"])}
    errors = {name: lt.error_decomposition(mse[name], data["n_defects"][idx], data["D"][idx], data["B"][idx])
              for name, idx in (("train", fit), ("test", test))}
    comps = lt.component_correlations(scores["scores_test"], lattice_descriptors(data, test, dmi), N_COMPONENTS)
    return {"components": comps, "errors": errors}


def diagnostics_summary(per_split: Sequence[Mapping]) -> dict:
    """Means and standard deviations over splits of every number of :func:`split_diagnostics`."""
    comps = {d: np.array([s["components"][d] for s in per_split]) for d in DESCRIPTORS}
    errors = {name: {k: np.array([s["errors"][name][k] for s in per_split]) for k in per_split[0]["errors"][name]}
              for name in ("train", "test")}
    return {"components": {d: {"mean": v.mean(axis=0).tolist(), "std": v.std(axis=0).tolist()}
                           for d, v in comps.items()},
            "errors": {name: {k: {"mean": float(v.mean()), "std": float(v.std())} for k, v in e.items()}
                       for name, e in errors.items()}}


def headline_numbers(summary: Mapping) -> dict[str, float]:
    """The numbers chapter 05's answer quotes: PC0's |r| with the lattice angle and the core radius, and the
    error decomposition's means (``<key>_train``, ``<key>_test``)."""
    comps, errors = summary["components"], summary["errors"]
    return {"pc0_angle": comps["lattice angle"]["mean"][0], "pc0_radius": comps["core radius"]["mean"][0],
            **{f"{key}_{part}": errors[part][key]["mean"] for part in ("train", "test") for key in errors[part]}}


def component_table(summary: Mapping) -> str:
    """|r| of each leading principal component with each descriptor (mean over splits), as text."""
    comps = summary["components"]
    k = len(next(iter(comps.values()))["mean"])
    lines = [f"{'test lattices':>14}" + "".join(f"{d:>15}" for d in DESCRIPTORS)]
    for j in range(k):
        lines.append(f"{'PC' + str(j):>14}" + "".join(f"{_pm(comps[d]['mean'][j], comps[d]['std'][j]):>15}"
                                                      for d in DESCRIPTORS))
    return "\n".join(lines)


def error_table(per_split: Sequence[Mapping], summary: Mapping) -> str:
    """The error decomposition per split and set, with the mean over splits, as text."""
    cols = (("R² MSE ~ (D,B)²", "r2_phase"), ("r(MSE,defects)", "r"), ("r | (D,B)²", "r_given_phase"),
            ("defect-free", "defect_free"))
    lines = [f"{'':>16}" + "".join(f"{name:>17}" for name, _ in cols)]
    for name in ("train", "test"):
        lines += [f"{f'split {k} {name}':>16}" + "".join(f"{s['errors'][name][key]:17.3f}" for _, key in cols)
                  for k, s in enumerate(per_split)]
        mean = summary["errors"][name]
        lines.append(f"{'mean ' + name:>16}" + "".join(f"{_pm(mean[key]['mean'], mean[key]['std']):>17}"
                                                       for _, key in cols))
    return "\n".join(lines)


def _pm(mean: float, std: float) -> str:
    return f"{mean:.2f} ± {std:.2f}"
