"""Held-out evaluation of the VAE on phase points it never saw: latent probes, PC0, generation.

Everything here is fitted on the training lattices of a split (PCA, ridge probes, the Q direction,
latent samplers) and scored on its test lattices, whose phase points the model never saw
(:func:`support.chiral.dataset.split_by_point`). Headline numbers are means over splits
(:func:`mean_and_spread`), never the best of them.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from support.chiral.phases import is_skyrmion_lattice, lattice_statistics
from support.vae.latent import analysis as lt
from support.vae.latent import sampling
from support.vae.latent import novelty
from support.vae.latent.shares import q_variance_share
from support.vae.inference import reconstruct, unit_spins, untrained_copy
from support.vae.evaluation.reconstruction import per_sample_mse

#: Quantities read from the latent space (in this order in every table).
QUANTITIES = ("Q", "Mz", "D", "B")
#: Per-lattice statistics the generated lattices are compared on.
LATTICE_STATS = ("Q", "Mz", "n_skyrmions", "n_defects", "n_elongated")


def split_scores(model, spins: np.ndarray, data: Mapping[str, np.ndarray], train: np.ndarray, test: np.ndarray, *,
                 batch_size: int = 256, n_boot: int = 2000, seed: int = 0) -> dict:
    """Scores of one split: PC0 Pearson, ridge probes, the (D, B) baseline, the Q direction, MSE vs defects.

    Args:
        model: the split's VAE.
        spins: all lattices ``(n, 3, L, L)``.
        data: per-lattice ``Q``, ``Mz``, ``D``, ``B``, ``n_defects`` (the skyrmion dataset).
        train, test: lattice indices (training = fit + validation lattices of the split).
        batch_size: encoding batch.
        n_boot, seed: bootstrap of the MSE–defects correlation.

    Returns:
        dict with ``pearson_pc0_test`` (|r| per quantity) and ``probe_r2_test`` (per quantity), ``phase_baseline_r2``
        (ridge on quadratic (D, B) features), ``probe_skill_Q`` (:func:`support.vae.latent.analysis.skill_score` of the latent
        probe of Q over that baseline, on the test lattices), ``q_direction_test`` (|r| of the Q direction fitted
        on training PC0–PC1 scores), ``q_variance_share`` (:func:`support.vae.latent.shares.q_variance_share` of the
        training latents: Q's share of their variance beside PC0's), ``explained_variance_ratio`` (first 5),
        ``components_for_0999``
        and ``components_for_099`` (principal components for 99.9 % and 99 % of the training latents' variance, the
        thesis's counts), ``explained_variance_all``, ``test_mse``,
        ``mse_defects`` (per-lattice Pearson with bootstrap interval), ``mse_defects_groups`` and
        ``mse_defects_groups_all`` (the thesis's group-mean Pearson, :func:`support.vae.latent.analysis.group_mean_pearson`,
        with the a-priori minimum group size and over all counts), ``defects_std_test``, and the arrays
        ``mu_train``, ``logvar_train``, ``scores_test``, ``reconstruction_test``, ``mse_per_lattice_test`` for figures,
        samplers and :mod:`support.vae.evaluation.diagnostics`.
    """
    y_tr = {k: np.asarray(data[k], dtype=np.float64)[train] for k in QUANTITIES}
    y_te = {k: np.asarray(data[k], dtype=np.float64)[test] for k in QUANTITIES}
    ana = lt.pc0_analysis(model, spins[train], spins[test], y_te, batch_size=batch_size)
    pca = ana["pca"]["pca"]
    phase_tr, phase_te = (lt.quadratic_features(data["D"][i], data["B"][i]) for i in (train, test))
    recon = reconstruct(model, spins[test], batch_size)
    mse = per_sample_mse(spins[test], recon)
    defects = np.asarray(data["n_defects"], dtype=np.float64)[test]
    q_latent = lt.heldout_predictions(ana["mu_train"], y_tr["Q"], ana["mu_test"])
    q_phase = lt.heldout_predictions(phase_tr, y_tr["Q"], phase_te)
    return {
        # |r|: the sign of a principal component is arbitrary, and may differ between splits
        "pearson_pc0_test": {k: abs(v) for k, v in ana["pearson_pc0"].items()},
        "probe_r2_test": lt.heldout_probe(ana["mu_train"], y_tr, ana["mu_test"], y_te),
        "phase_baseline_r2": lt.heldout_probe(phase_tr, {"Q": y_tr["Q"]}, phase_te, {"Q": y_te["Q"]})["Q"],
        "probe_skill_Q": lt.skill_score(y_te["Q"], q_latent, q_phase),
        "q_direction_test": lt.direction_correlation(pca.transform(ana["mu_train"])[:, :2], y_tr["Q"],
                                                     ana["scores_test"][:, :2], y_te["Q"]),
        "q_variance_share": q_variance_share(ana["mu_train"], y_tr["Q"]),
        "explained_variance_ratio": [float(v) for v in ana["pca"]["explained_variance_ratio"][:5]],
        "components_for_0999": int(ana["pca"]["components_for_threshold"]),
        "components_for_099": int(min(np.searchsorted(ana["pca"]["cumulative"], 0.99 - 1e-12) + 1,
                                      len(ana["pca"]["cumulative"]))),
        "explained_variance_all": [float(v) for v in ana["pca"]["explained_variance_ratio"]],
        "test_mse": float(np.mean(mse)), "mse_defects": lt.pearson_interval(mse, defects, n_boot=n_boot, seed=seed),
        "mse_defects_groups": lt.group_mean_pearson(mse, defects),
        "mse_defects_groups_all": lt.group_mean_pearson(mse, defects, min_size=1),
        "defects_std_test": float(np.std(defects)),
        "mu_train": ana["mu_train"], "logvar_train": ana["logvar_train"], "scores_test": ana["scores_test"],
        "reconstruction_test": recon, "mse_per_lattice_test": mse,
        "pca": pca,
    }


#: The scores an untrained encoder is given too (:func:`untrained_scores`).
CONTROL_SCORES = ("pearson_pc0_test", "probe_r2_test", "q_direction_test", "probe_skill_Q", "test_mse",
                  "q_variance_share")


def untrained_scores(model, spins: np.ndarray, data: Mapping[str, np.ndarray], train: np.ndarray, test: np.ndarray,
                     *, seed: int = 0, batch_size: int = 256) -> dict:
    """The control: :func:`split_scores` of the same architecture with random initial weights (seeded), same split.

    A latent score is evidence of learning only as far as it beats this row: the canonical frame, the periodic
    convolutions and the PCA alone already order lattices by what a random encoder sees (e.g. their density).
    Returns the :data:`CONTROL_SCORES`.
    """
    s = split_scores(untrained_copy(model, seed), spins, data, train, test, batch_size=batch_size, n_boot=10,
                     seed=seed)
    return {k: s[k] for k in CONTROL_SCORES}


def mean_and_spread(per_split: Sequence[Mapping], key: str) -> dict:
    """Mean and standard deviation over splits of a number or of each entry of a dict of numbers."""
    first = per_split[0][key]
    if isinstance(first, Mapping):
        return {k: mean_and_spread([{k: s[key][k]} for s in per_split], k) for k in first}
    vals = np.array([float(s[key]) for s in per_split])
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "per_split": [float(v) for v in vals]}


def defined_mean_and_spread(values) -> dict:
    """Mean and standard deviation over the splits where a value is defined (finite), the per-split values and
    how many splits define it (a group-mean Pearson is undefined in a split with too few qualifying counts)."""
    v = np.asarray(values, dtype=np.float64)
    ok = v[np.isfinite(v)]
    return {"mean": float(ok.mean()) if len(ok) else float("nan"), "std": float(ok.std()) if len(ok) else float("nan"),
            "per_split": v.tolist(), "splits_defined": len(ok)}


def novelty_reference(x_train: np.ndarray, x_test: np.ndarray, points_train: np.ndarray, dmi: str = "neel") -> dict:
    """What every sampler's lattices of one split are compared with, computed once: the training lattices in
    their canonical frame (``train_canonical``), each test lattice's distance to the nearest of them (``d_test``)
    and the two novelty bounds calibrated on the training lattices alone (``bounds``, :mod:`support.vae.latent.novelty`)."""
    train_c = sampling.canonical(x_train, dmi)
    return {"train_canonical": train_c, "d_test": sampling.nearest_distance(sampling.canonical(x_test, dmi), train_c),
            "bounds": novelty.calibrate(train_c, points_train)}


def generation_report(gen: Mapping[str, np.ndarray], *, reference: Mapping[str, np.ndarray],
                      test_stats: Mapping[str, np.ndarray], D_min: float, dmi: str = "neel") -> dict:
    """Are generated lattices new, and do they look like the test set?

    Args:
        gen: one sampler's output of :func:`support.vae.latent.sampling.generate` (``spins`` and statistics).
        reference: :func:`novelty_reference` of the split's training and test lattices.
        test_stats: :func:`support.chiral.phases.lattice_statistics` of the test lattices.
        D_min: smallest DMI of the data; a generated lattice has no D of its own, so the
            skyrmion-lattice test (:func:`support.chiral.phases.is_skyrmion_lattice`) uses the
            most lenient close-packed count, that of ``D_min``.
        dmi: point group of the canonical frame.

    Returns:
        ``nearest_train_distance`` (medians for ``generated`` and ``test``, in the canonical frame), ``novelty``
        (:func:`support.vae.latent.novelty.verdict` of the generated and of the test lattices, and the bounds),
        ``ks_Q``, ``ks_Mz``, ``ks_defects`` (generated vs test), ``mean_defects`` (generated, test),
        ``skyrmion_lattice_fraction`` (generated, test) and the per-lattice distances ``d_generated``,
        ``d_test``.
    """
    L = gen["spins"].shape[-1]
    d_gen = sampling.nearest_distance(sampling.canonical(gen["spins"], dmi), reference["train_canonical"])
    d_test = reference["d_test"]
    test_lattice = is_skyrmion_lattice(test_stats, L, D_min)
    return {
        "nearest_train_distance": {"generated": float(np.median(d_gen)), "test": float(np.median(d_test))},
        "novelty": {"generated": novelty.verdict(d_gen, reference["bounds"]),
                    "test": novelty.verdict(d_test, reference["bounds"]), "bounds": dict(reference["bounds"])},
        **{f"ks_{k}": sampling.ks_distance(gen[s], test_stats[s]) for k, s in (("Q", "Q"), ("Mz", "Mz"),
                                                                               ("defects", "n_defects"))},
        "mean_defects": {"generated": float(np.mean(gen["n_defects"])), "test": float(np.mean(test_stats["n_defects"]))},
        "skyrmion_lattice_fraction": {"generated": float(np.mean(is_skyrmion_lattice(gen, L, D_min))),
                                      "test": float(np.mean(test_lattice))},
        "d_generated": d_gen, "d_test": d_test,
    }


def split_generation(model, scores: Mapping, data: Mapping[str, np.ndarray], train: np.ndarray, test: np.ndarray, *,
                     samplers: Sequence[str], n_generate: int, gmm_components: Sequence[int],
                     gmm_covariance: Sequence[str], gmm_folds: int = 5, seed: int = 0, dmi: str = "neel",
                     batch_size: int = 256) -> dict:
    """New lattices from one split's training latents, judged against its unseen test lattices.

    The Gaussian mixture is chosen among the candidates by held-out log-likelihood of the training
    latents, whole phase points held out (:func:`support.vae.latent.sampling.select_gmm`). The decoder's
    own reconstructions of the test lattices (all skyrmion lattices by the dataset's filter) are
    classified too: the fraction of them still classified as skyrmion lattices is what a perfect
    latent sampler could reach through this decoder.

    Args:
        model: the split's VAE; ``scores``: its :func:`split_scores` (training latents, test reconstructions).
        data: the skyrmion dataset (``spins``, ``point``, ``D`` and :data:`LATTICE_STATS`).
        train, test: lattice indices of the split.

    Returns:
        ``gmm`` (the choice and its scores), ``gen`` (per sampler: :func:`support.vae.latent.sampling.generate`),
        ``reports`` (per sampler: :func:`generation_report`), ``test_stats`` and
        ``reconstructed_lattice_fraction``.
    """
    spins, D_min = data["spins"], float(np.min(data["D"]))
    choice = sampling.select_gmm(scores["mu_train"], np.asarray(data["point"])[train], components=gmm_components,
                                 covariance_types=gmm_covariance, folds=gmm_folds, seed=seed)
    gen = sampling.generate(model, samplers, n_generate, mu=scores["mu_train"], logvar=scores["logvar_train"],
                            seed=seed, gmm_components=choice["n_components"],
                            gmm_covariance=choice["covariance_type"], batch_size=batch_size)
    test_stats = {k: np.asarray(data[k])[test] for k in LATTICE_STATS}
    reference = novelty_reference(spins[train], spins[test], np.asarray(data["point"])[train], dmi)
    reports = {k: generation_report(gen[k], reference=reference, test_stats=test_stats, D_min=D_min, dmi=dmi)
               for k in samplers}
    recon = lattice_statistics(unit_spins(scores["reconstruction_test"]))
    return {"gmm": choice, "gen": gen, "reports": reports, "test_stats": test_stats,
            "reconstructed_lattice_fraction": float(np.mean(is_skyrmion_lattice(recon, spins.shape[-1], D_min)))}


def _generation_numbers(split_gen: Mapping, sampler: str) -> dict[str, float]:
    r = split_gen["reports"][sampler]
    near, defects = r["nearest_train_distance"], r["mean_defects"]
    return {"nearest_generated": near["generated"], "nearest_test": near["test"],
            "nearest_ratio": near["generated"] / near["test"],
            "novel_fraction": r["novelty"]["generated"]["inside"], "novel_fraction_test": r["novelty"]["test"]["inside"],
            "copy_fraction": r["novelty"]["generated"]["copies"], "too_far_fraction": r["novelty"]["generated"]["too_far"],
            "defects_generated": defects["generated"], "defects_test": defects["test"],
            "defects_ratio": defects["generated"] / max(defects["test"], 1e-12),
            "ks_Q": r["ks_Q"], "ks_Mz": r["ks_Mz"], "ks_defects": r["ks_defects"],
            "lattice_fraction": r["skyrmion_lattice_fraction"]["generated"],
            "reconstructed_lattice_fraction": split_gen["reconstructed_lattice_fraction"],
            "mean_Q": float(np.mean(split_gen["gen"][sampler]["Q"]))}


def generation_summary(per_split_gen: Sequence[Mapping], sampler: str) -> dict[str, dict]:
    """Mean and spread over splits of one sampler's generation numbers (ratios per split, then averaged)."""
    rows = [_generation_numbers(g, sampler) for g in per_split_gen]
    return {k: mean_and_spread(rows, k) for k in rows[0]}


# ----------------------------------------------------------------------------- shared by the tables


def plus_minus(entry: Mapping, digits: int = 3) -> str:
    """``mean ± std`` of a :func:`mean_and_spread` entry, as text."""
    return f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}"
