"""Chapter 05's tables (pandas DataFrames, shown as HTML), its targets and the entries of its results file.

Every number comes from :mod:`support.vae.evaluation.heldout` (per split, then
:func:`~support.vae.evaluation.heldout.mean_and_spread` over splits); nothing here computes a score.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from support.vae.latent import sampling
from support.vae.evaluation.heldout import QUANTITIES, defined_mean_and_spread, mean_and_spread, plus_minus
from support.vae.latent.analysis import MIN_GROUP_SIZE

#: The typed targets of chapter 05 (cpu profile): (key, name, rule, bound(s)); checked by :func:`targets`.
TARGETS = (("test_mse", "test MSE", "<=", 0.012), ("probe_Q", "ridge R² Q", ">=", 0.9),
           ("probe_Mz", "ridge R² Mz", ">=", 0.9), ("probe_D", "ridge R² D", ">=", 0.8),
           ("probe_skill_Q", "skill of the Q probe over (D, B)", ">=", 0.25),
           ("pc0_Q", "|r(PC0, Q)|", ">=", 0.75), ("direction_Q", "Q direction |r|", ">=", 0.8),
           ("mse_defects", "group-mean r(defects, MSE)", ">=", 0.8),  # issue 27 (0.6 was issue 15's, per lattice)
           ("novel_fraction", "generated inside both novelty bounds", ">=", 0.8),
           ("defects_ratio", "defects gen / test", "in", (0.5, 2.0)),
           ("skx_fraction", "skyrmion-lattice fraction (gen)", ">=", 0.8))


def summarize_scores(per_split: Sequence[Mapping]) -> dict:
    """Means and spreads over splits of the held-out scores of :func:`support.vae.evaluation.heldout.split_scores`; the
    group-mean error–defects Pearson (``mse_defects_group_mean``) over the splits where it is defined."""
    keys = ("pearson_pc0_test", "probe_r2_test", "test_mse", "phase_baseline_r2", "probe_skill_Q",
            "q_direction_test", "defects_std_test")
    return {k: mean_and_spread(per_split, k) for k in keys} | {
        "mse_defects": mean_and_spread([{"r": s["mse_defects"]["r"]} for s in per_split], "r"),
        "mse_defects_group_mean": defects_summary(per_split)["group_mean_pearson"]}


def _score_row(s: Mapping) -> dict:
    return {"test MSE": s["test_mse"], **{f"|r(PC0, {k})|": s["pearson_pc0_test"][k] for k in QUANTITIES},
            **{f"R² {k}": s["probe_r2_test"][k] for k in QUANTITIES},
            "skill Q over (D, B)": s["probe_skill_Q"], "Q direction |r|": s["q_direction_test"]}


def _with_mean(rows: Sequence[dict], label: str) -> list[tuple[str, dict]]:
    out = [(f"{label}, split {k}", r) for k, r in enumerate(rows)]
    keys = list(rows[0])
    out.append((f"{label}, mean", {k: float(np.nanmean([r.get(k, np.nan) for r in rows])) for k in keys}))
    out.append((f"{label}, std", {k: float(np.nanstd([r.get(k, np.nan) for r in rows])) for k in keys}))
    return out


def score_table(per_split: Sequence[Mapping], control: Sequence[Mapping], baseline: Sequence[float]) -> pd.DataFrame:
    """Held-out scores per split, mean and standard deviation, for the trained and the untrained encoder.

    ``control``: :func:`support.vae.evaluation.heldout.untrained_scores` per split; ``baseline``: the (D, B) ridge's R² of Q per split (the same for both encoders).
    """
    rows = [{**_score_row(s), "R² Q from (D, B)": b} for s, b in zip(per_split, baseline)]
    ctrl = [{"test MSE": c["test_mse"], **{f"|r(PC0, {k})|": c["pearson_pc0_test"][k] for k in QUANTITIES},
             **{f"R² {k}": c["probe_r2_test"][k] for k in QUANTITIES}, "skill Q over (D, B)": c["probe_skill_Q"],
             "Q direction |r|": c["q_direction_test"], "R² Q from (D, B)": b} for c, b in zip(control, baseline)]
    table = _with_mean(rows, "trained") + _with_mean(ctrl, "untrained")
    return pd.DataFrame([r for _, r in table], index=[n for n, _ in table]).round(3)


def defects_table(per_split: Sequence[Mapping]) -> pd.DataFrame:
    """The thesis's group-mean Pearson beside the per-lattice one, per split, with the groups that enter."""
    rows = []
    for k, s in enumerate(per_split):
        g, a, p = s["mse_defects_groups"], s["mse_defects_groups_all"], s["mse_defects"]
        rows.append({"split": k, "test lattices": sum(a["sizes"]), "per-lattice r": p["r"],
                     "95 % interval": f"[{p['low']:.2f}, {p['high']:.2f}]",
                     f"group-mean r (≥ {MIN_GROUP_SIZE} lattices)": g["r"], "group-mean r (all counts)": a["r"],
                     "defects: lattices (all counts)": ", ".join(f"{c}: {n}" for c, n in zip(a["counts"], a["sizes"]))})
    return pd.DataFrame(rows).set_index("split").round(3)


def frame_table(frames: Mapping[str, Mapping]) -> pd.DataFrame:
    """Held-out scores of the frame comparison on split 0, one row per model."""
    return pd.DataFrame({name.replace("_", " "): {k: v for k, v in _score_row(s).items()}
                         for name, s in frames.items()}).T.round(3)


def generation_split_table(per_split_gen: Sequence[Mapping], gsum: Mapping[str, Mapping]) -> pd.DataFrame:
    """One sampler's generation numbers per split beside the mixture chosen in each split."""
    cols = {"inside both bounds": "novel_fraction", "copies": "copy_fraction", "too far": "too_far_fraction",
            "test inside": "novel_fraction_test", "d_near gen / test": "nearest_ratio",
            "defects gen / test": "defects_ratio", "KS Q": "ks_Q", "SkX gen": "lattice_fraction",
            "SkX recon": "reconstructed_lattice_fraction"}
    rows = {f"split {k}": {"mixture": f"{g['gmm']['n_components']} {g['gmm']['covariance_type']}",
                           **{c: round(gsum[key]["per_split"][k], 3) for c, key in cols.items()}}
            for k, g in enumerate(per_split_gen)}
    rows["mean ± std"] = {"mixture": "", **{c: plus_minus(gsum[key], 2) for c, key in cols.items()}}
    return pd.DataFrame(rows).T


def mixture_table(per_split_gen: Sequence[Mapping]) -> pd.DataFrame:
    """Best held-out log-likelihood per training latent of each covariance type (its size in brackets), per split."""
    return pd.DataFrame({f"split {k}": {cov: f"{v:.4g} ({n})" for cov, (v, n) in best_per_covariance(
        g["gmm"]["scores"]).items()} for k, g in enumerate(per_split_gen)}).T


def best_per_covariance(scores: Mapping[str, float]) -> dict[str, tuple[float, int]]:
    """``{covariance: (best held-out log-likelihood, its size)}`` from the scores of
    :func:`support.vae.latent.sampling.select_gmm`."""
    best: dict[str, tuple[float, int]] = {}
    for key, value in scores.items():
        cov, size = key.split(":")
        if cov not in best or value > best[cov][0]:
            best[cov] = (value, int(size))
    return best


def generation_table(reports: Mapping[str, Mapping], summaries: Mapping[str, Mapping]) -> pd.DataFrame:
    """Generated versus test lattices per sampler (one split): novelty, KS distances, defects, Q, Mz, SkX fraction."""
    first = next(iter(reports.values()))
    t = summaries["test"]
    rows = {"test": {"d_near median": first["nearest_train_distance"]["test"],
                     "inside both bounds": first["novelty"]["test"]["inside"], "defects": t["mean_defects"],
                     "mean Q": t["mean_Q"], "std Q": t["std_Q"], "mean Mz": t["mean_Mz"],
                     "SkX fraction": first["skyrmion_lattice_fraction"]["test"]}}
    for k, r in reports.items():
        g = summaries[k]
        rows[k] = {"d_near median": r["nearest_train_distance"]["generated"],
                   "inside both bounds": r["novelty"]["generated"]["inside"], "KS Q": r["ks_Q"], "KS Mz": r["ks_Mz"],
                   "KS defects": r["ks_defects"], "defects": g["mean_defects"], "mean Q": g["mean_Q"],
                   "std Q": g["std_Q"], "mean Mz": g["mean_Mz"],
                   "SkX fraction": r["skyrmion_lattice_fraction"]["generated"]}
    return pd.DataFrame(rows).T.round(3)


_ALONG_NAMES = {"Q": "Q", "Mz": "Mz", "n_defects": "defects"}


def along_pc0_table(split0: Mapping, summary: Mapping) -> pd.DataFrame:
    """Pearson of PC0 with each statistic per ensemble (the samplers' latent samples, the test lattices' latent
    means): split 0 and mean ± std over splits (:func:`support.vae.evaluation.correlations.generated_along_pc0`, its summary)."""
    rows = {}
    for ens, r in split0["pearson"].items():
        row = {}
        for q, name in _ALONG_NAMES.items():
            m = summary["pearson"][ens][q]
            row |= {(f"r(PC0, {name})", "split 0"): r[q], (f"r(PC0, {name})", "mean"): m["mean"],
                    (f"r(PC0, {name})", "std"): m["std"]}
        rows["test (latent means)" if ens == "test" else f"{ens} (latent samples)"] = row
    return pd.DataFrame.from_dict(rows, orient="index").round(3)


def correlation_table(dqm: Mapping) -> pd.DataFrame:
    """The Pearson matrix among the quantities over all lattices beside its mean over the splits' test lattices."""
    names = dqm["quantities"]
    full = pd.DataFrame(dqm["dataset"]).loc[names, names]
    test = pd.DataFrame({a: {b: dqm["test"][a][b]["mean"] for b in names} for a in names}).loc[names, names]
    return pd.concat({"all lattices": full, "test lattices (mean over splits)": test}, axis=1).round(3)


def pc0_partial_table(dqm: Mapping) -> pd.DataFrame:
    """PC0's plain and partial coefficients on the test lattices, per split, mean and std (PC0 oriented per split)."""
    cols = {"r(PC0, Q)": "pc0_Q_test", "r(PC0, Q | D)": "partial_pc0_Q_given_D",
            "r(PC0, D | Q)": "partial_pc0_D_given_Q"}
    n = len(dqm["pc0_Q_test"]["per_split"])
    rows = {f"split {k}": {c: dqm[key]["per_split"][k] for c, key in cols.items()} for k in range(n)}
    rows |= {stat: {c: dqm[key][stat] for c, key in cols.items()} for stat in ("mean", "std")}
    return pd.DataFrame(rows).T.round(3)


def _check(rule: str, bound, value: float) -> bool | None:
    """Whether ``value`` meets the target; ``None`` when it is undefined (NaN)."""
    if not np.isfinite(value):
        return None
    if rule == "in":
        return bool(bound[0] <= value <= bound[1])
    return bool(value <= bound) if rule == "<=" else bool(value >= bound)


def target_bound(key: str):
    """The bound of one of the :data:`TARGETS` (a number, or the ``(low, high)`` of an ``in`` rule)."""
    return {k: bound for k, _, _, bound in TARGETS}[key]


def targets(values: Mapping[str, float]) -> list[dict]:
    """The :data:`TARGETS` checked against measured means over splits ``{key: value}``.

    Returns:
        one dict per target: ``key`` (a glue name), ``name``, ``value``, ``target`` (text), ``met`` (``None``:
        undefined) and ``verdict`` (``met``, ``missed`` or ``undefined``).
    """
    rows = []
    for key, name, rule, bound in TARGETS:
        value = float(values[key])
        met = _check(rule, bound, value)
        text = f"{bound[0]} .. {bound[1]}" if rule == "in" else f"{rule} {bound}"
        rows.append({"key": key, "name": name, "value": value, "target": text, "met": met,
                     "verdict": "undefined" if met is None else ("met" if met else "missed")})
    return rows


def target_values(summary: Mapping, gsum: Mapping[str, Mapping]) -> dict[str, float]:
    """The measured value of every target (means over splits) from the score summary and the generation summary."""
    r2 = summary["probe_r2_test"]
    return {"test_mse": summary["test_mse"]["mean"], "probe_Q": r2["Q"]["mean"], "probe_Mz": r2["Mz"]["mean"],
            "probe_D": r2["D"]["mean"], "probe_skill_Q": summary["probe_skill_Q"]["mean"],
            "pc0_Q": summary["pearson_pc0_test"]["Q"]["mean"], "direction_Q": summary["q_direction_test"]["mean"],
            "mse_defects": summary["mse_defects_group_mean"]["mean"], "novel_fraction": gsum["novel_fraction"]["mean"],
            "defects_ratio": gsum["defects_ratio"]["mean"], "skx_fraction": gsum["lattice_fraction"]["mean"]}


def target_table(rows: Sequence[Mapping]) -> pd.DataFrame:
    """:func:`targets` as a table."""
    return pd.DataFrame([{"target": r["name"], "measured": round(r["value"], 4), "rule": r["target"],
                          "verdict": r["verdict"]} for r in rows]).set_index("target")


def defects_summary(per_split: Sequence[Mapping]) -> dict:
    """``mse_defects`` of the results file: group-mean and per-lattice Pearson, mean and spread over the splits where
    each is defined, the per-split values with the counts and group sizes, and the minimum group size."""
    spread = defined_mean_and_spread
    return {"group_mean_pearson": spread([s["mse_defects_groups"]["r"] for s in per_split]),
            "group_mean_pearson_all_counts": spread([s["mse_defects_groups_all"]["r"] for s in per_split]),
            "per_lattice_pearson": spread([s["mse_defects"]["r"] for s in per_split]),
            "min_group_size": MIN_GROUP_SIZE,
            "per_split": [{"per_lattice": s["mse_defects"], "group_mean": s["mse_defects_groups"],
                           "group_mean_all_counts": s["mse_defects_groups_all"]} for s in per_split]}


def control_summary(control: Sequence[Mapping]) -> dict:
    """Means and spreads over splits of the untrained encoder's scores (results keys ``*_untrained``), the Q entry
    at the top level of each (``mean``, ``std``, ``per_split``) and every quantity under ``by_quantity``."""
    out = {}
    for key in ("pearson_pc0_test", "probe_r2_test"):
        by_q = mean_and_spread(control, key)
        out[f"{key}_untrained"] = {**by_q["Q"], "quantity": "Q", "by_quantity": by_q}
    for key in ("q_direction_test", "probe_skill_Q", "test_mse"):
        out[f"{key}_untrained"] = mean_and_spread(control, key)
    return out


def explained_variance_summary(per_split: Sequence[Mapping]) -> dict:
    """``explained_variance`` of the results file: components for 99 % and 99.9 % of the training latents' variance
    (mean, spread, per split) and split 0's whole spectrum."""
    return {"components_for_99": mean_and_spread(per_split, "components_for_099"),
            "components_for_999": mean_and_spread(per_split, "components_for_0999"),
            "ratio_split0": per_split[0]["explained_variance_all"]}


def _scores_only(scores: Mapping) -> dict:
    return {k: v for k, v in scores.items()
            if k not in ("mu_train", "logvar_train", "scores_test", "reconstruction_test", "mse_per_lattice_test",
                         "pca")}


def _mean_over_splits(per_split_gen: Sequence[Mapping], sampler: str) -> dict[str, float]:
    per = [sampling.summarize(g["gen"][sampler]) for g in per_split_gen]
    return {k: float(np.mean([p[k] for p in per])) for k in per[0]}


def results_entry(summary: Mapping, per_split: Sequence[Mapping], per_split_gen: Sequence[Mapping],
                  gsum: Mapping[str, Mapping], improved: str, splits: Sequence[Mapping],
                  frames: Mapping[str, Mapping], control: Sequence[Mapping]) -> dict:
    """The entries of ``05_latent_analysis.json`` (headline values are means over splits; spreads beside them)."""
    means = {k: ({q: v["mean"] for q, v in summary[k].items()}) for k in ("pearson_pc0_test", "probe_r2_test")}
    spreads = {k + "_std": ({q: v["std"] for q, v in summary[k].items()}) for k in ("pearson_pc0_test", "probe_r2_test")}
    gen_summary = {name: _mean_over_splits(per_split_gen, name) for name in per_split_gen[0]["gen"]}
    test_fraction = float(np.mean([g["reports"][improved]["skyrmion_lattice_fraction"]["test"] for g in per_split_gen]))
    return {
        "split": "phase_point", "n_splits": len(splits),
        "n_points_train": [len(s["train_points"]) for s in splits],
        "n_points_test": [len(s["test_points"]) for s in splits], **means, **spreads,
        **control_summary(control),
        "phase_baseline_r2_Q": summary["phase_baseline_r2"], "probe_skill_Q": summary["probe_skill_Q"],
        "q_direction_test": summary["q_direction_test"],
        "pearson_mse_defects": summary["mse_defects"], "mse_defects": defects_summary(per_split),
        "test_mse": summary["test_mse"], "mse_defects_interval_split0": dict(per_split[0]["mse_defects"]),
        "explained_variance_ratio": np.mean([s["explained_variance_ratio"] for s in per_split], axis=0).tolist(),
        "components_for_0999": mean_and_spread(per_split, "components_for_0999"),
        "explained_variance": explained_variance_summary(per_split),
        "nearest_train_distance": {"generated": gsum["nearest_generated"]["mean"],
                                   "test": gsum["nearest_test"]["mean"]},
        "novelty": {k: gsum[k] for k in ("novel_fraction", "novel_fraction_test", "copy_fraction", "too_far_fraction")}
        | {"bounds_per_split": [g["reports"][improved]["novelty"]["bounds"] for g in per_split_gen]},
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
