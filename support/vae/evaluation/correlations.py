"""Correlations among the lattices' quantities and with PC0: D, B, Q, Mz; PC0 of generated lattices; PC0–Q given D.

Why the partial correlation: ``Q`` grows with ``D`` (denser skyrmions), so a PC0 that followed ``D`` alone would
correlate with ``Q`` too. Holding ``D`` fixed (linearly) separates the two readings of the thesis's PC0–Q
coefficient. The sign of a principal component is arbitrary and may flip between splits; :func:`pc0_sign` fixes it
on each split's training latents alone, so signed test coefficients can be averaged over splits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from support.vae.evaluation.heldout import mean_and_spread
from support.vae.latent.analysis import (
    correlation_matrix,
    partial_correlation,
    pearson,
    pearson_table,
)

#: Per-lattice quantities of the dataset whose mutual correlations chapter 05 shows.
PHASE_QUANTITIES = ("D", "B", "Q", "Mz")
#: Statistics of generated lattices set against the PC0 of their latent sample (thesis Picture 3.17).
ALONG_PC0 = ("Q", "Mz", "n_defects")
#: How PC0 is oriented in every split (stored with the numbers).
ORIENTATION = "PC0's sign fixed per split so that PC0 of the training latent means rises with Q"


def pc0_sign(scores: Mapping, q_train) -> float:
    """``+1`` or ``−1``: the sign that makes PC0 of a split's training latents rise with ``Q`` (``+1`` if undefined).

    ``scores``: the split's :func:`support.vae.evaluation.heldout.split_scores` (its PCA and training latent means, in the
    order of ``q_train``).
    """
    pc0_train = scores["pca"].transform(scores["mu_train"])[:, 0]
    return -1.0 if pearson(pc0_train, q_train) < 0 else 1.0


def generated_along_pc0(scores: Mapping, split_gen: Mapping, q_train, keys: Sequence[str] = ALONG_PC0) -> dict:
    """PC0 of each sampler's latent samples and of the test latent means, against the statistics of their lattices.

    The samples that were decoded into the generated lattices (``split_gen["gen"][sampler]["z"]``) are projected
    onto the split's training PCA and oriented by :func:`pc0_sign`; the test lattices enter with their latent means.

    Returns:
        per ensemble (each sampler, then ``test``): ``pc0`` (arrays), ``stats`` (``{key: array}``) and ``pearson``
        (``{key: r}``).
    """
    sign = pc0_sign(scores, q_train)
    ens = {k: (np.asarray(g["z"], np.float64), g) for k, g in split_gen["gen"].items()}
    pc0 = {k: sign * scores["pca"].transform(z)[:, 0] for k, (z, _) in ens.items()}
    pc0["test"] = sign * np.asarray(scores["scores_test"], np.float64)[:, 0]
    stats = {k: {q: np.asarray(g[q], np.float64) for q in keys} for k, (_, g) in ens.items()}
    stats["test"] = {q: np.asarray(split_gen["test_stats"][q], np.float64) for q in keys}
    return {"pc0": pc0, "stats": stats, "pearson": {k: pearson_table(v, stats[k]) for k, v in pc0.items()}}


def along_pc0_summary(per_split: Sequence[Mapping]) -> dict:
    """Mean and spread over splits of :func:`generated_along_pc0`'s coefficients, per ensemble and key."""
    return {"orientation": ORIENTATION, "pearson": mean_and_spread([{"r": s["pearson"]} for s in per_split], "r")}


def quantity_correlations(data: Mapping[str, np.ndarray], idx=None,
                          names: Sequence[str] = PHASE_QUANTITIES) -> dict[str, dict[str, float]]:
    """Pearson matrix among named per-lattice quantities over the lattices ``idx`` (all if ``None``): ``{a: {b: r}}``."""
    sel = slice(None) if idx is None else np.asarray(idx)
    names, m = correlation_matrix({k: np.asarray(data[k], np.float64)[sel] for k in names})
    return {a: {b: float(m[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)}


def pc0_partials(scores: Mapping, q_train, data: Mapping[str, np.ndarray], test) -> dict[str, float]:
    """On a split's test lattices: Pearson of the oriented PC0 with ``Q`` (``pc0_Q``), and the partial correlations
    of PC0 with ``Q`` given ``D`` (``pc0_Q_given_D``) and with ``D`` given ``Q`` (``pc0_D_given_Q``)."""
    pc0 = pc0_sign(scores, q_train) * np.asarray(scores["scores_test"], np.float64)[:, 0]
    q, d = (np.asarray(data[k], np.float64)[np.asarray(test)] for k in ("Q", "D"))
    return {"pc0_Q": pearson(pc0, q), "pc0_Q_given_D": partial_correlation(pc0, q, d),
            "pc0_D_given_Q": partial_correlation(pc0, d, q)}


def dqm_summary(data: Mapping[str, np.ndarray], per_split: Sequence[Mapping], trains: Sequence, tests: Sequence) -> dict:
    """The ``dqm_correlations`` results entry: the Pearson matrix over all lattices (``dataset``), its mean and spread
    over the splits' test lattices (``test``), and PC0's plain and partial coefficients (:func:`pc0_partials`, mean
    and spread over splits, keys ``pc0_Q_test``, ``partial_pc0_Q_given_D``, ``partial_pc0_D_given_Q``)."""
    q = np.asarray(data["Q"], np.float64)
    rows = [{"test": quantity_correlations(data, te), **pc0_partials(s, q[np.asarray(tr)], data, te)}
            for s, tr, te in zip(per_split, trains, tests)]
    return {"quantities": list(PHASE_QUANTITIES), "orientation": ORIENTATION,
            "dataset": quantity_correlations(data), "test": mean_and_spread(rows, "test"),
            "pc0_Q_test": mean_and_spread(rows, "pc0_Q"),
            "partial_pc0_Q_given_D": mean_and_spread(rows, "pc0_Q_given_D"),
            "partial_pc0_D_given_Q": mean_and_spread(rows, "pc0_D_given_Q")}


def glue_numbers(entries: Mapping[str, Mapping | float]) -> dict[str, float]:
    """Named numbers for the chapter's prose: a number stays as it is; a
    :func:`support.vae.evaluation.heldout.mean_and_spread` entry gives ``name`` (its mean) and ``name_std``."""
    out = {}
    for name, v in entries.items():
        if isinstance(v, Mapping):
            out |= {name: float(v["mean"]), f"{name}_std": float(v["std"])}
        else:
            out[name] = float(v)
    return out
