"""Scores of the learned generator against Monte Carlo on chosen pair classes: map, redraws, E/N, R² versus distance.

One generated field per Monte Carlo field (same map, same T), drawn with :func:`support.cwgan.learned.sample_learned`
(:func:`learned_fields`), scored on a set of pair classes (:func:`score_block`),
with or without the learned correction (the physics layers alone get the same draws). Per temperature:
the exact-map rate at the first try and after redraws, the mean number of tries, the relative error
of ``<E>/N``, the within-map spread ratios of E and |M| (:func:`support.cwgan.heldout_evaluation.compare_groups`),
and the R² of ``<|M|>``, ``<E>``, ``Upsilon`` and ``chi`` versus pair distance, with the R² of one Monte
Carlo half against the other as the noise floor.
"""

from __future__ import annotations

import time
from typing import Iterable

import numpy as np

from support import xy
from support.cwgan.heldout_evaluation import compare_groups, field_stats
from support.cwgan.learned import LearnedGenerator, sample_learned
from support.cwgan.scoring import observables_by_class, r2_by_observable
from support.cwgan.split import split_half_mask
from support.xy_dataset import temperature_key

#: the observables whose curves versus pair distance are scored
R2_OBSERVABLES = ("abs_m", "energy", "helicity", "chi")


def _r2(ref: np.ndarray, gen: np.ndarray, ref_classes: np.ndarray, gen_classes: np.ndarray, T: float) -> dict:
    return r2_by_observable(observables_by_class(ref, ref_classes, T), observables_by_class(gen, gen_classes, T),
                            R2_OBSERVABLES)


def _scores_at_T(theta: np.ndarray, tries: np.ndarray, mc: dict[str, np.ndarray], T: float, max_tries: int) -> dict:
    """Scores of generated fields ``theta`` (one per MC row of ``mc``) at one temperature."""
    classes, maps = mc["distance_class"], mc["map_id"]
    e_gen, e_mc = xy.energy_per_site(theta).mean(), xy.energy_per_site(mc["theta"]).mean()
    spread = compare_groups(field_stats(theta, mc["charges"]), field_stats(mc["theta"], mc["charges"]), maps, maps)
    half = split_half_mask(classes, mc["chain"])
    out = dict(first_try_rate=float(np.mean(tries == 1)), mean_tries=float(tries.mean()),
               match_rate=float(xy.matches_map(theta, mc["charges"]).mean()),
               exhausted_rate=float(np.mean(tries >= max_tries)),
               energy_gen=float(e_gen), energy_mc=float(e_mc), energy_rel_error=float((e_gen - e_mc) / abs(e_mc)),
               magnetization_abs_error=spread["magnetization_abs_error"],
               energy_std_ratio=spread["energy_std_ratio"], magnetization_std_ratio=spread["magnetization_std_ratio"])
    out["r2"] = _r2(mc["theta"], theta, classes, classes, T)
    out["r2_mc_halves"] = _r2(mc["theta"][half], mc["theta"][~half], classes[half], classes[~half], T)
    return out


def learned_fields(generator: LearnedGenerator, data: dict[str, np.ndarray], *, seed: int = 0,
                   use_correction: bool = True, temperatures: Iterable[float] | None = None,
                   batch_size: int = 256) -> dict[str, np.ndarray]:
    """One generated field per MC field of ``data`` (same map and T), with tries and the MC rows it answers.

    Returns:
        ``{"theta", "tries", "seconds"`` and the MC columns ``"mc_theta", "charges", "T", "map_id",
        "distance_class", "chain"}`` (rows at the chosen ``temperatures``, default all).
    """
    sel = np.ones(len(data["T"]), bool) if temperatures is None else np.isin(
        data["T"], np.asarray(list(temperatures), np.float32))
    out = {k: data[k][sel] for k in ("charges", "T", "map_id", "distance_class", "chain")}
    out["mc_theta"] = data["theta"][sel]
    t0 = time.perf_counter()
    out["theta"], out["tries"] = sample_learned(generator, out["charges"], out["T"], seed=seed, batch_size=batch_size,
                                                use_correction=use_correction)
    out["seconds"] = np.array(time.perf_counter() - t0)
    return out


def score_block(fields: dict[str, np.ndarray], classes: Iterable[int], max_tries: int) -> dict:
    """Scores of :func:`learned_fields` on the given pair classes: ``{"classes", "by_T": {T key: scores}}``."""
    classes = sorted(int(c) for c in classes)
    by_T = {}
    for t in np.unique(fields["T"]):
        m = (fields["T"] == t) & np.isin(fields["distance_class"], classes)
        if not m.any():
            raise ValueError(f"no fields of classes {classes} at T = {t}")
        mc = {k: fields[k][m] for k in ("charges", "map_id", "distance_class", "chain")}
        mc["theta"] = fields["mc_theta"][m]
        by_T[temperature_key(t)] = _scores_at_T(fields["theta"][m], fields["tries"][m], mc, float(t), max_tries)
    return dict(classes=classes, by_T=by_T)


def class_curves(fields: dict[str, np.ndarray], T: float) -> dict[str, dict[str, np.ndarray]]:
    """Observables versus pair class at one T, generated and MC: ``{"generated": table, "MC": table}``."""
    m = np.isclose(fields["T"], T)
    c = fields["distance_class"][m]
    return {"generated": observables_by_class(fields["theta"][m], c, T),
            "MC": observables_by_class(fields["mc_theta"][m], c, T)}


#: headline columns of a block at one temperature: (table name, score key, key inside it)
HEADLINE = (("first try", "first_try_rate", None), ("match", "match_rate", None), ("tries", "mean_tries", None),
            ("dE/N %", "energy_rel_error", None)) + tuple((f"R2 {k}", "r2", k) for k in R2_OBSERVABLES)


def headline(block: dict, T_key: str) -> dict[str, float]:
    """The headline numbers of a :func:`score_block` block at one temperature (``dE/N`` in percent)."""
    s = block["by_T"][T_key]
    row = {name: (s[key] if sub is None else s[key][sub]) for name, key, sub in HEADLINE}
    row["dE/N %"] *= 100
    return {k: float(v) for k, v in row.items()}


def seed_mean(blocks: dict[str, dict], names: Iterable[str], T_key: str) -> dict[str, dict[str, tuple[float, float]]]:
    """Mean and spread (max - min) over training seeds of each headline number: ``{part: {column: (mean, spread)}}``."""
    names = list(names)
    out = {}
    for part in blocks[names[0]]:
        rows = [headline(blocks[n][part], T_key) for n in names]
        out[part] = {k: (float(np.mean([r[k] for r in rows])), float(np.ptp([r[k] for r in rows]))) for k in rows[0]}
    return out


def learned_glue(summary: dict, T_key: str) -> dict[str, str]:
    """Prose numbers of chapter 02's learned-generator answer: seed means (unseen classes) and physics-only R²."""
    mean = {k: v[0] for k, v in summary["trained_seed_mean"]["unseen"].items()}
    physics = headline(summary["physics_only"]["unseen"], T_key)
    out = {"learned_first_try": f"{mean['first try']:.2f}", "learned_tries": f"{mean['tries']:.2f}",
           "learned_dE": f"{mean['dE/N %']:+.2f}", "learned_rms": f"{summary['correction_rms']:.3f}",
           "physics_dE": f"{physics['dE/N %']:+.2f}",
           "learned_seen_first_try": f"{summary['trained_seed_mean']['seen']['first try'][0]:.2f}",
           "learned_seen_tries": f"{summary['trained_seed_mean']['seen']['tries'][0]:.2f}",
           "learned_seen_r2_helicity": f"{summary['trained_seed_mean']['seen']['R2 helicity'][0]:.3f}",
           "learned_seen_r2_chi": f"{summary['trained_seed_mean']['seen']['R2 chi'][0]:.3f}"}
    for k in R2_OBSERVABLES:
        out[f"learned_r2_{k}"] = f"{mean[f'R2 {k}']:.3f}"
        out[f"physics_r2_{k}"] = f"{physics[f'R2 {k}']:.3f}"
    return out
