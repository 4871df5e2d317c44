"""Scores of the learned generator against Monte Carlo on chosen pair classes: map, redraws, E/N, R² versus distance.

One generated field per Monte Carlo field (same map, same T), drawn with :func:`support.cwgan.learned.sample_learned`,
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


def score_learned(generator: LearnedGenerator, data: dict[str, np.ndarray], classes: Iterable[int], *,
                  seed: int = 0, use_correction: bool = True, temperatures: Iterable[float] | None = None,
                  batch_size: int = 256) -> dict:
    """Scores of the learned generator on the MC fields of the given pair classes (module docstring).

    Args:
        generator: the learned generator.
        data: chapter 01's data set (``theta``, ``charges``, ``T``, ``map_id``, ``distance_class``, ``chain``).
        classes: the pair classes scored (e.g. the unseen ones; class 0 is the no-pair map).
        seed: generation seed (the same seed gives the physics layers alone the same draws).
        use_correction: ``False`` scores the physics layers alone.
        temperatures: the temperatures scored (default: all of ``data``).

    Returns:
        ``{"classes", "by_T": {T key: scores}, "samples_per_second", "tries_per_sample"}``.
    """
    classes = sorted(int(c) for c in classes)
    sel = np.isin(data["distance_class"], classes)
    temps = np.unique(data["T"][sel]) if temperatures is None else np.asarray(list(temperatures), np.float32)
    sel &= np.isin(data["T"], temps)
    if not sel.any():
        raise ValueError(f"no MC fields of classes {classes} at T = {temps.tolist()}")
    mc = {k: data[k][sel] for k in ("theta", "charges", "T", "map_id", "distance_class", "chain")}
    t0 = time.perf_counter()
    theta, tries = sample_learned(generator, mc["charges"], mc["T"], seed=seed, batch_size=batch_size,
                                  use_correction=use_correction)
    seconds = time.perf_counter() - t0
    by_T = {}
    for t in np.unique(mc["T"]):
        m = mc["T"] == t
        by_T[temperature_key(t)] = _scores_at_T(theta[m], tries[m], {k: v[m] for k, v in mc.items()}, float(t),
                                                generator.config["max_tries"])
    return dict(classes=classes, by_T=by_T, samples_per_second=len(theta) / max(seconds, 1e-9),
                tries_per_sample=float(tries.mean()))


def headline(block: dict, T_key: str) -> dict[str, float]:
    """The headline numbers of a :func:`score_learned` block at one temperature (flat, rounded for a table)."""
    s = block["by_T"][T_key]
    row = {"first try": s["first_try_rate"], "match": s["match_rate"], "tries": s["mean_tries"],
           "ΔE/N %": 100 * s["energy_rel_error"]}
    row.update({f"R² {k}": s["r2"][k] for k in R2_OBSERVABLES})
    return {k: round(float(v), 3) for k, v in row.items()}
