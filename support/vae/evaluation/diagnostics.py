"""Why the latent targets land where they do: what the principal components follow, and what the error follows.

Two questions of chapter 05, asked per split like the scores of :mod:`support.vae.evaluation.heldout`:

- which per-lattice quantity each leading principal component (PCA fitted on training latents)
  follows on the held-out test lattices: the thesis's physical quantities, the defect count, the
  mean core radius (:func:`support.chiral.magnet.core_radius`) and the lattice's own turn against the
  square lattice (:func:`support.chiral.symmetry.lattice_angle`);
- how much of the per-lattice reconstruction error the phase point ``(D, B)`` explains, and what is
  left for the defects (:func:`support.vae.latent.analysis.error_decomposition`, an in-sample description of
  each set), on the lattices the weights were fitted on and on the test lattices.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from support.chiral import magnet as hb
from support.chiral.symmetry import lattice_angle
from support.vae.latent import analysis as lt
from support.vae.evaluation.heldout import defined_mean_and_spread, plus_minus
from support.vae.inference import reconstruct
from support.vae.evaluation.reconstruction import per_sample_mse

#: Per-lattice quantities the principal components are compared with (in this order in every table).
DESCRIPTORS = ("Q", "Mz", "D", "B", "defects", "core radius", "lattice angle")
#: Principal components examined.
N_COMPONENTS = 4
#: The two sets of lattices of the error decomposition: fitted (training without validation) and test.
ERROR_SETS = ("fit", "test")


def lattice_descriptors(data: Mapping[str, np.ndarray], idx: np.ndarray, dmi: str = "neel") -> dict[str, np.ndarray]:
    """The :data:`DESCRIPTORS` of the lattices ``idx`` of the skyrmion dataset ``data``."""
    spins = data["spins"][idx]
    return {k: np.asarray(data[k], dtype=np.float64)[idx] for k in ("Q", "Mz", "D", "B")} | {
        "defects": np.asarray(data["n_defects"], dtype=np.float64)[idx],
        "core radius": hb.core_radius(spins), "lattice angle": lattice_angle(spins, dmi)}


def count_shares(descriptors: Mapping[str, np.ndarray]) -> dict[str, float]:
    """How far the skyrmion count alone sets each descriptor, over the lattices of ``descriptors``.

    :func:`support.vae.latent.analysis.group_share` of each :func:`lattice_descriptors` entry (other than ``Q``) grouped
    by ``round(Q)``: 1 when the descriptor is a function of the count, linear or not.
    """
    count = np.rint(descriptors["Q"]).astype(int)
    return {k: lt.group_share(v, count) for k, v in descriptors.items() if k != "Q"}


def split_diagnostics(model, scores: Mapping, data: Mapping[str, np.ndarray], fit: np.ndarray, test: np.ndarray, *,
                      descriptors: Mapping[str, np.ndarray], batch_size: int = 256) -> dict:
    """Both questions for one split.

    Args:
        model: the split's VAE; ``scores``: its :func:`support.vae.evaluation.heldout.split_scores` (test PCA scores and
            per-lattice test errors).
        data: the skyrmion dataset; ``fit``, ``test``: lattice indices of the split. ``fit`` are the lattices the
            weights were fitted on, without the validation lattices: those come from phase points the weights
            never saw, like the test lattices, and mixed in they would dominate the error's spread.
        descriptors: :func:`lattice_descriptors` of every lattice of ``data`` (computed once for all splits).

    Returns:
        ``components``: ``{descriptor: [|r| with PC0, PC1, ...]}`` on the test lattices; ``errors``:
        ``{"fit": ..., "test": ...}`` :func:`support.vae.latent.analysis.error_decomposition` of each set.
    """
    spins = data["spins"]
    mse = {"fit": per_sample_mse(spins[fit], reconstruct(model, spins[fit], batch_size)),
           "test": scores["mse_per_lattice_test"]}
    errors = {name: lt.error_decomposition(mse[name], data["n_defects"][idx], data["D"][idx], data["B"][idx])
              for name, idx in zip(ERROR_SETS, (fit, test))}
    comps = lt.component_correlations(scores["scores_test"], {k: v[test] for k, v in descriptors.items()},
                                      N_COMPONENTS)
    return {"components": comps, "errors": errors}


def _spread(values: Sequence) -> dict:
    v = np.asarray(values, dtype=np.float64)
    return {"mean": v.mean(axis=0).tolist(), "std": v.std(axis=0).tolist()}


def diagnostics_summary(per_split: Sequence[Mapping]) -> dict:
    """Means and standard deviations over splits of every number of :func:`split_diagnostics`."""
    keys = per_split[0]["errors"]["fit"]
    return {"components": {d: _spread([s["components"][d] for s in per_split]) for d in DESCRIPTORS},
            "errors": {name: {k: _spread([s["errors"][name][k] for s in per_split]) for k in keys}
                       for name in ERROR_SETS}}


def headline_numbers(summary: Mapping, shares: Mapping[str, float]) -> dict[str, float]:
    """The numbers chapter 05's answer quotes: PC0's |r| with the lattice angle and the core radius, the
    count's share of the angle, the radius and the defects (:func:`count_shares`), and the error decomposition's means
    (``<key>_fit``, ``<key>_test``)."""
    comps, errors = summary["components"], summary["errors"]
    return {"pc0_angle": comps["lattice angle"]["mean"][0], "pc0_radius": comps["core radius"]["mean"][0],
            "angle_by_count": shares["lattice angle"], "radius_by_count": shares["core radius"],
            "defects_by_count": shares["defects"],
            **{f"{key}_{part}": errors[part][key]["mean"] for part in ERROR_SETS for key in errors[part]}}


def component_table(summary: Mapping, shares: Mapping[str, float] | None = None) -> pd.DataFrame:
    """|r| of each leading principal component with each descriptor (mean ± std over splits); with ``shares``
    (:func:`count_shares`), a last row: how far the skyrmion count sets each descriptor."""
    comps = summary["components"]
    k = len(next(iter(comps.values()))["mean"])
    rows = {f"PC{j}": {d: plus_minus({"mean": comps[d]["mean"][j], "std": comps[d]["std"][j]}, 2) for d in DESCRIPTORS}
            for j in range(k)}
    if shares is not None:
        rows["set by Q (η²)"] = {d: f"{shares[d]:.2f}" if d in shares else "" for d in DESCRIPTORS}
    return pd.DataFrame(rows).T


def error_table(per_split: Sequence[Mapping], summary: Mapping) -> pd.DataFrame:
    """The error decomposition per split and set, with the mean ± std over splits."""
    cols = (("R² MSE ~ (D,B)²", "r2_phase"), ("r(MSE, defects)", "r"), ("r | (D,B)²", "r_given_phase"),
            ("defect-free", "defect_free"))
    rows = {}
    for name in ERROR_SETS:
        rows.update({f"split {k}, {name}": {c: f"{s['errors'][name][key]:.3f}" for c, key in cols}
                     for k, s in enumerate(per_split)})
        rows[f"mean {name}"] = {c: plus_minus(summary["errors"][name][key], 2) for c, key in cols}
    return pd.DataFrame(rows).T


# ----------------------------------------------------------------------------- Q's share of the latent variance

def variance_shares(per_split: Sequence[Mapping], control: Sequence[Mapping]) -> dict[str, dict]:
    """Q's share of the training latents' variance and PC0's, trained and untrained encoder, over the splits.

    Args:
        per_split: :func:`support.vae.evaluation.heldout.split_scores` per split; ``control``: the untrained encoder's
            :func:`support.vae.evaluation.heldout.untrained_scores` per split (both carry ``q_variance_share``).

    Returns:
        ``trained``, ``untrained`` (Q's share) and ``pc0_share``, ``pc0_share_untrained``, each a
        :func:`support.vae.evaluation.heldout.defined_mean_and_spread` entry (keys as the size study's rows, without the
        ``q_variance_share`` prefix).
    """
    def spread(runs, part):
        return defined_mean_and_spread([r["q_variance_share"][part] for r in runs])
    return {"trained": spread(per_split, "q"), "untrained": spread(control, "q"),
            "pc0_share": spread(per_split, "pc0"), "pc0_share_untrained": spread(control, "pc0")}


def size_variance_shares(row: Mapping) -> dict[str, dict]:
    """:func:`variance_shares`'s entry of one size-study row (:func:`support.vae.size_study.study_row`)."""
    return {"trained": row["q_variance_share"], "untrained": row["q_variance_share_untrained"],
            "pc0_share": row["pc0_share"], "pc0_share_untrained": row["pc0_share_untrained"]}


def variance_share_table(shares: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per model (``{name: variance_shares entry}``): Q's and PC0's shares, trained and untrained, and the
    most of PC0's variance a line in Q could hold (the ratio of the two means)."""
    cols = (("Q share", "trained"), ("PC0 share", "pc0_share"), ("Q share, untrained", "untrained"),
            ("PC0 share, untrained", "pc0_share_untrained"))
    rows = {name: {c: plus_minus(e[k], 2) for c, k in cols} | {"Q / PC0": f"{_ratio(e):.2f}"}
            for name, e in shares.items()}
    return pd.DataFrame(rows).T


def _ratio(entry: Mapping) -> float:
    q, pc0 = entry["trained"]["mean"], entry["pc0_share"]["mean"]
    return q / pc0 if pc0 > 0 else float("nan")


def _moved(trained: Mapping, untrained: Mapping) -> str:
    """``raised``, ``lowered`` or ``did not resolvably change``: the trained mean against the untrained one, resolved
    when they differ by more than both spreads over the splits."""
    gap = trained["mean"] - untrained["mean"]
    if not np.isfinite(gap):
        return "has an undefined effect on"
    if abs(gap) <= trained["std"] + untrained["std"]:
        return "did not resolvably change"
    return "raised" if gap > 0 else "lowered"


def variance_share_sentence(main: Mapping, sizes: Mapping[int, Mapping]) -> str:
    """What the shares say about PC0, in words chosen by the numbers: how much of PC0's variance Q could hold at most,
    how the trained encoder compares with the untrained one, and how Q's share moves over the size study."""
    ratio = _ratio(main)
    if not np.isfinite(ratio):
        return "Q's share of the latent variance is undefined here."
    reading = ("so PC0 is mostly something other than Q" if ratio < 0.5 else
               "so Q could be most, but not all, of PC0" if ratio < 0.9 else "so PC0 could be Q nearly alone")
    text = (f"A line in Q explains {plus_minus(main['trained'], 2)} of the main model's training-latent variance "
            f"against PC0's {plus_minus(main['pc0_share'], 2)}: at most {ratio:.0%} of PC0's variance, {reading}. "
            f"The untrained encoder's latent gives Q {plus_minus(main['untrained'], 2)} and PC0 "
            f"{plus_minus(main['pc0_share_untrained'], 2)}; training {_moved(main['trained'], main['untrained'])} "
            f"Q's share.")
    defined = {L: e for L, e in sorted(sizes.items()) if np.isfinite(e["trained"]["mean"])}
    if len(defined) >= 2:
        parts = ", ".join(f"{e['trained']['mean']:.2f} against {e['pc0_share']['mean']:.2f} at L = {L}"
                          for L, e in defined.items())
        text += f" In the size study, Q's share against PC0's: {parts}."
    return text
