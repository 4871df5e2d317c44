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
from support.vae import latent as lt
from support.vae import sampling
from support.vae.inference import reconstruct, unit_spins
from support.vae.reconstruction import per_sample_mse

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
        (ridge on quadratic (D, B) features), ``q_direction_test`` (|r| of the Q direction fitted
        on training PC0–PC1 scores), ``explained_variance_ratio`` (first 5), ``components_for_0999``
        (principal components for 99.9 % of the training latents' variance, the thesis's count), ``test_mse``,
        ``mse_defects`` (Pearson with bootstrap interval), ``defects_std_test``, and the arrays
        ``mu_train``, ``logvar_train``, ``scores_test``, ``reconstruction_test``, ``mse_per_lattice_test`` for figures,
        samplers and :mod:`support.vae.diagnostics`.
    """
    y_tr = {k: np.asarray(data[k], dtype=np.float64)[train] for k in QUANTITIES}
    y_te = {k: np.asarray(data[k], dtype=np.float64)[test] for k in QUANTITIES}
    ana = lt.pc0_analysis(model, spins[train], spins[test], y_te, batch_size=batch_size)
    pca = ana["pca"]["pca"]
    phase_tr, phase_te = (lt.quadratic_features(data["D"][i], data["B"][i]) for i in (train, test))
    recon = reconstruct(model, spins[test], batch_size)
    mse = per_sample_mse(spins[test], recon)
    defects = np.asarray(data["n_defects"], dtype=np.float64)[test]
    return {
        # |r|: the sign of a principal component is arbitrary, and may differ between splits
        "pearson_pc0_test": {k: abs(v) for k, v in ana["pearson_pc0"].items()},
        "probe_r2_test": lt.heldout_probe(ana["mu_train"], y_tr, ana["mu_test"], y_te),
        "phase_baseline_r2": lt.heldout_probe(phase_tr, {"Q": y_tr["Q"]}, phase_te, {"Q": y_te["Q"]})["Q"],
        "q_direction_test": lt.direction_correlation(pca.transform(ana["mu_train"])[:, :2], y_tr["Q"],
                                                     ana["scores_test"][:, :2], y_te["Q"]),
        "explained_variance_ratio": [float(v) for v in ana["pca"]["explained_variance_ratio"][:5]],
        "components_for_0999": int(ana["pca"]["components_for_threshold"]),
        "test_mse": float(np.mean(mse)), "mse_defects": lt.pearson_interval(mse, defects, n_boot=n_boot, seed=seed),
        "defects_std_test": float(np.std(defects)),
        "mu_train": ana["mu_train"], "logvar_train": ana["logvar_train"], "scores_test": ana["scores_test"],
        "reconstruction_test": recon, "mse_per_lattice_test": mse,
        "pca": pca,
    }


def mean_and_spread(per_split: Sequence[Mapping], key: str) -> dict:
    """Mean and standard deviation over splits of a number or of each entry of a dict of numbers."""
    first = per_split[0][key]
    if isinstance(first, Mapping):
        return {k: mean_and_spread([{k: s[key][k]} for s in per_split], k) for k in first}
    vals = np.array([float(s[key]) for s in per_split])
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "per_split": [float(v) for v in vals]}


def novelty_reference(x_train: np.ndarray, x_test: np.ndarray, dmi: str = "neel") -> dict[str, np.ndarray]:
    """What every sampler's lattices of one split are compared with, computed once: the training lattices in
    their canonical frame (``train_canonical``) and each test lattice's distance to the nearest of them (``d_test``)."""
    train_c = sampling.canonical(x_train, dmi)
    return {"train_canonical": train_c, "d_test": sampling.nearest_distance(sampling.canonical(x_test, dmi), train_c)}


def generation_report(gen: Mapping[str, np.ndarray], *, reference: Mapping[str, np.ndarray],
                      test_stats: Mapping[str, np.ndarray], D_min: float, dmi: str = "neel") -> dict:
    """Are generated lattices new, and do they look like the test set?

    Args:
        gen: one sampler's output of :func:`support.vae.sampling.generate` (``spins`` and statistics).
        reference: :func:`novelty_reference` of the split's training and test lattices.
        test_stats: :func:`support.chiral.phases.lattice_statistics` of the test lattices.
        D_min: smallest DMI of the data; a generated lattice has no D of its own, so the
            skyrmion-lattice test (:func:`support.chiral.phases.is_skyrmion_lattice`) uses the
            most lenient close-packed count, that of ``D_min``.
        dmi: point group of the canonical frame.

    Returns:
        ``nearest_train_distance`` (medians for ``generated`` and ``test``, in the canonical frame),
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
    latents, whole phase points held out (:func:`support.vae.sampling.select_gmm`). The decoder's
    own reconstructions of the test lattices (all skyrmion lattices by the dataset's filter) are
    classified too: the fraction of them still classified as skyrmion lattices is what a perfect
    latent sampler could reach through this decoder.

    Args:
        model: the split's VAE; ``scores``: its :func:`split_scores` (training latents, test reconstructions).
        data: the skyrmion dataset (``spins``, ``point``, ``D`` and :data:`LATTICE_STATS`).
        train, test: lattice indices of the split.

    Returns:
        ``gmm`` (the choice and its scores), ``gen`` (per sampler: :func:`support.vae.sampling.generate`),
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
    reference = novelty_reference(spins[train], spins[test], dmi)
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


# ----------------------------------------------------------------------------- tables and the results file


def plus_minus(entry: Mapping, digits: int = 3) -> str:
    """``mean ± std`` of a :func:`mean_and_spread` entry, as text."""
    return f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}"


def score_table(per_split: Sequence[Mapping], summary: Mapping) -> str:
    """Held-out scores per split and their mean ± standard deviation, as text."""
    cols = [("test MSE", lambda s: s["test_mse"], summary["test_mse"])]
    cols += [(f"|r(PC0,{k})|", lambda s, k=k: s["pearson_pc0_test"][k], summary["pearson_pc0_test"][k])
             for k in QUANTITIES]
    cols += [(f"R² {k}", lambda s, k=k: s["probe_r2_test"][k], summary["probe_r2_test"][k]) for k in QUANTITIES]
    cols += [("R² Q | (D,B)²", lambda s: s["phase_baseline_r2"], summary["phase_baseline_r2"]),
             ("Q direction", lambda s: s["q_direction_test"], summary["q_direction_test"]),
             ("r(MSE,defects)", lambda s: s["mse_defects"]["r"], summary["mse_defects"])]
    lines = [f"{'':>14}" + "".join(f"{name:>15}" for name, _, _ in cols)]
    lines += [f"{'split ' + str(k):>14}" + "".join(f"{get(s):15.4f}" for _, get, _ in cols)
              for k, s in enumerate(per_split)]
    lines.append(f"{'mean ± std':>14}" + "".join(f"{plus_minus(m, 3):>15}" for _, _, m in cols))
    ci = "; ".join(f"split {k} [{s['mse_defects']['low']:.2f}, {s['mse_defects']['high']:.2f}]"
                   for k, s in enumerate(per_split))
    return "\n".join(lines) + f"\n95 % bootstrap intervals of r(MSE, defects): {ci}"


def frame_table(frames: Mapping[str, Mapping]) -> str:
    """Held-out scores of the frame comparison (one row per model), as text."""
    head = f"{'model (split 0)':>24}{'test MSE':>10}{'|r(PC0,Q)|':>12}{'|r(PC0,B)|':>12}" + "".join(
        f"{'R² ' + k:>9}" for k in QUANTITIES) + f"{'Q direction':>13}"
    rows = [f"{name.replace('_', ' '):>24}{s['test_mse']:10.4f}{s['pearson_pc0_test']['Q']:12.3f}"
            f"{s['pearson_pc0_test']['B']:12.3f}" + "".join(f"{s['probe_r2_test'][k]:9.3f}" for k in QUANTITIES)
            + f"{s['q_direction_test']:13.3f}" for name, s in frames.items()]
    return "\n".join([head, *rows])


def generation_table(reports: Mapping[str, Mapping], summaries: Mapping[str, Mapping]) -> str:
    """Generated versus test lattices per sampler: novelty, KS distances, defects, skyrmion-lattice fraction."""
    t = summaries["test"]
    lines = [f"{'':>8}{'d_near median':>14}{'KS Q':>7}{'KS Mz':>7}{'KS def':>8}{'defects':>9}{'mean Q':>8}"
             f"{'std Q':>7}{'mean Mz':>9}{'SkX frac':>9}",
             f"{'test':>8}{next(iter(reports.values()))['nearest_train_distance']['test']:14.4f}{'':>22}"
             f"{t['mean_defects']:9.2f}{t['mean_Q']:8.2f}{t['std_Q']:7.2f}{t['mean_Mz']:9.3f}"
             f"{next(iter(reports.values()))['skyrmion_lattice_fraction']['test']:9.2f}"]
    for k, r in reports.items():
        g = summaries[k]
        lines.append(f"{k:>8}{r['nearest_train_distance']['generated']:14.4f}{r['ks_Q']:7.2f}{r['ks_Mz']:7.2f}"
                     f"{r['ks_defects']:8.2f}{g['mean_defects']:9.2f}{g['mean_Q']:8.2f}{g['std_Q']:7.2f}"
                     f"{g['mean_Mz']:9.3f}{r['skyrmion_lattice_fraction']['generated']:9.2f}")
    return "\n".join(lines)


def generation_split_table(per_split_gen: Sequence[Mapping], gsum: Mapping[str, Mapping]) -> str:
    """One sampler's generation numbers per split (``gsum``, :func:`generation_summary`) beside the mixture
    chosen in each split: novelty, defects, skyrmion-lattice fractions of generated lattices and of the
    decoder's reconstructions of test lattices, as text."""
    cols = [("d_near gen/test", "nearest_ratio"), ("defects gen/test", "defects_ratio"), ("KS Q", "ks_Q"),
            ("SkX frac gen", "lattice_fraction"), ("SkX frac recon", "reconstructed_lattice_fraction")]
    lines = [f"{'':>10}{'mixture':>16}" + "".join(f"{name:>17}" for name, _ in cols)]
    for k, g in enumerate(per_split_gen):
        mix = f"{g['gmm']['n_components']} {g['gmm']['covariance_type']}"
        lines.append(f"{'split ' + str(k):>10}{mix:>16}" + "".join(f"{gsum[key]['per_split'][k]:17.3f}"
                                                                   for _, key in cols))
    lines.append(f"{'mean ± std':>10}{'':>16}" + "".join(f"{plus_minus(gsum[key]):>17}" for _, key in cols))
    return "\n".join(lines) + "\n\n" + _mixture_scores(per_split_gen)


def _best_per_covariance(scores: Mapping[str, float]) -> dict[str, tuple[float, int]]:
    """``{covariance: (best held-out log-likelihood, its size)}`` from the scores of
    :func:`support.vae.sampling.select_gmm`."""
    best: dict[str, tuple[float, int]] = {}
    for key, value in scores.items():
        cov, size = key.split(":")
        if cov not in best or value > best[cov][0]:
            best[cov] = (value, int(size))
    return best


def _mixture_scores(per_split_gen: Sequence[Mapping]) -> str:
    """Best held-out log-likelihood per latent of each covariance type (its size in brackets), per split."""
    per_split = [_best_per_covariance(g["gmm"]["scores"]) for g in per_split_gen]
    lines = ["held-out log-likelihood per training latent (best size per covariance type):",
             f"{'':>10}" + "".join(f"{c:>20}" for c in per_split[0])]
    for k, best in enumerate(per_split):
        lines.append(f"{'split ' + str(k):>10}" + "".join(f"{f'{v:.4g} ({n})':>20}" for v, n in best.values()))
    return "\n".join(lines)


def _scores_only(scores: Mapping) -> dict:
    return {k: v for k, v in scores.items()
            if k not in ("mu_train", "logvar_train", "scores_test", "reconstruction_test", "mse_per_lattice_test",
                         "pca")}


def _mean_over_splits(per_split_gen: Sequence[Mapping], sampler: str) -> dict[str, float]:
    per = [sampling.summarize(g["gen"][sampler]) for g in per_split_gen]
    return {k: float(np.mean([p[k] for p in per])) for k in per[0]}


def results_entry(summary: Mapping, per_split: Sequence[Mapping], per_split_gen: Sequence[Mapping],
                  gsum: Mapping[str, Mapping], improved: str, splits: Sequence[Mapping],
                  frames: Mapping[str, Mapping]) -> dict:
    """The entries of ``05_latent_analysis.json`` (headline values are means over splits; spreads beside them)."""
    means = {k: ({q: v["mean"] for q, v in summary[k].items()}) for k in ("pearson_pc0_test", "probe_r2_test")}
    spreads = {k + "_std": ({q: v["std"] for q, v in summary[k].items()}) for k in ("pearson_pc0_test", "probe_r2_test")}
    gen_summary = {name: _mean_over_splits(per_split_gen, name) for name in per_split_gen[0]["gen"]}
    test_fraction = float(np.mean([g["reports"][improved]["skyrmion_lattice_fraction"]["test"] for g in per_split_gen]))
    return {
        "split": "phase_point", "n_splits": len(splits),
        "n_points_train": [int(len(s["train_points"])) for s in splits],
        "n_points_test": [int(len(s["test_points"])) for s in splits], **means, **spreads,
        "phase_baseline_r2_Q": summary["phase_baseline_r2"], "q_direction_test": summary["q_direction_test"],
        "pearson_mse_defects": summary["mse_defects"], "test_mse": summary["test_mse"],
        "mse_defects_interval_split0": dict(per_split[0]["mse_defects"]),
        "explained_variance_ratio": np.mean([s["explained_variance_ratio"] for s in per_split], axis=0).tolist(),
        "components_for_0999": mean_and_spread(per_split, "components_for_0999"),
        "nearest_train_distance": {"generated": gsum["nearest_generated"]["mean"],
                                   "test": gsum["nearest_test"]["mean"]},
        "generated": {"thesis": {k: gen_summary["thesis"][k] for k in ("mean_defects", "mean_Q")},
                      "improved": {k: gen_summary[improved][k] for k in ("mean_defects", "mean_Q")},
                      **{k: gsum[k]["mean"] for k in ("ks_Q", "ks_Mz", "ks_defects")},
                      "skyrmion_lattice_fraction": {
                          "generated": gsum["lattice_fraction"]["mean"], "test": test_fraction,
                          "reconstructed_test": gsum["reconstructed_lattice_fraction"]["mean"]},
                      "test": {"mean_defects": gsum["defects_test"]["mean"]}},
        "generation": dict(gsum), "gmm_choice": [g["gmm"] for g in per_split_gen],
        "generated_all": gen_summary, "improved_sampler": improved,
        "per_split": [_scores_only(s) for s in per_split],
        "frame_comparison": {name: _scores_only(s) for name, s in frames.items()},
    }


def targets(summary: Mapping, gsum: Mapping[str, Mapping]) -> list[dict]:
    """The chapter's targets (cpu profile), means over splits.

    Args:
        summary: held-out scores, :func:`mean_and_spread` of :func:`split_scores` per key.
        gsum: :func:`generation_summary` of the improved sampler.

    Returns:
        one dict per target: ``key`` (a glue name), ``name``, ``value`` (measured), ``target`` (text), ``met``.
    """
    r2, pc0 = summary["probe_r2_test"], summary["pearson_pc0_test"]
    ratio_near, ratio_def = gsum["nearest_ratio"]["mean"], gsum["defects_ratio"]["mean"]
    gain = r2["Q"]["mean"] - summary["phase_baseline_r2"]["mean"]
    sky = gsum["lattice_fraction"]["mean"]
    rows = [("test_mse", "test MSE", summary["test_mse"]["mean"], "<= 0.012", summary["test_mse"]["mean"] <= 0.012),
            ("probe_Q", "ridge R² Q", r2["Q"]["mean"], ">= 0.9", r2["Q"]["mean"] >= 0.9),
            ("probe_Mz", "ridge R² Mz", r2["Mz"]["mean"], ">= 0.9", r2["Mz"]["mean"] >= 0.9),
            ("probe_D", "ridge R² D", r2["D"]["mean"], ">= 0.8", r2["D"]["mean"] >= 0.8),
            ("probe_gain_Q", "R² Q minus (D,B) baseline", gain, ">= 0.05", gain >= 0.05),
            ("pc0_Q", "|r(PC0, Q)|", pc0["Q"]["mean"], ">= 0.75", pc0["Q"]["mean"] >= 0.75),
            ("direction_Q", "Q direction |r|", summary["q_direction_test"]["mean"], ">= 0.8",
             summary["q_direction_test"]["mean"] >= 0.8),
            ("mse_defects", "r(MSE, defects)", summary["mse_defects"]["mean"], ">= 0.6",
             summary["mse_defects"]["mean"] >= 0.6),
            ("nearest_ratio", "nearest-train distance gen / test", ratio_near, ">= 0.8", ratio_near >= 0.8),
            ("defects_ratio", "defects gen / test", ratio_def, "0.5 .. 2", 0.5 <= ratio_def <= 2.0),
            ("skx_fraction", "skyrmion-lattice fraction (gen)", sky, ">= 0.8", sky >= 0.8)]
    return [{"key": k, "name": n, "value": float(v), "target": t, "met": bool(ok)} for k, n, v, t, ok in rows]


def target_table(rows: Sequence[Mapping]) -> str:
    """:func:`targets` as text, one line per target."""
    return "\n".join(f"{r['name']:>36}: {r['value']:8.4f}  (target {r['target']:>8})  {'met' if r['met'] else 'MISSED'}"
                     for r in rows)
