"""Scores of generated XY fields against the Monte Carlo reference of one evaluation set.

A set (see :mod:`support.cwgan.eval_sets`) has rows ``theta, charges, T, distance_class, n_pairs, map``.
Fields are compared in *groups*: the pair-distance class of a single-pair map, or the number of pairs
of a multi-pair map. Every score is also computed for the set's independent Monte Carlo copy (the noise
floor): a generator cannot be told apart from Monte Carlo where it scores like that copy.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from support import tda, xy
from support.cwgan.scoring import charge_match_rate
from support.cwgan.topology_scores import topo_thresholds
from support.metrics import acc_topo, r2
from support.xy_dataset import temperature_key

MULTI_GROUP = 100          # group id of a multi-pair map: MULTI_GROUP + number of pairs


def groups(rows: Mapping[str, np.ndarray]) -> np.ndarray:
    """Group id per field: the distance class of a single-pair (or empty) map, else 100 + pairs."""
    cls = np.asarray(rows["distance_class"]).astype(np.int64)
    return np.where(cls >= 0, cls, MULTI_GROUP + np.asarray(rows["n_pairs"]).astype(np.int64))


def within_map_spread(values: np.ndarray, maps: np.ndarray) -> float:
    """Mean over maps of the standard deviation of ``values`` among the fields of one map."""
    return float(np.mean([values[maps == m].std(ddof=1) for m in np.unique(maps) if (maps == m).sum() > 1]))


def _first_per_group(g: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([np.flatnonzero(g == k)[:n] for k in np.unique(g)])


def summarize(rows: Mapping[str, np.ndarray], T: float, *, thresholds: np.ndarray, topo_fields: int
              ) -> dict[str, object]:
    """Everything the scores need from one ensemble at one temperature (computed once per variant).

    Topological curves use the first ``topo_fields`` fields of every group (cluster radius and
    diameter cost O(N²) per field); every other quantity uses every field.
    """
    theta, g = np.asarray(rows["theta"]), groups(rows)
    ids = np.unique(g)
    sub = _first_per_group(g, topo_fields)
    meas = tda.topo_measures(theta[sub], thresholds)
    single = ids[(ids > 0) & (ids < MULTI_GROUP)]
    return {"groups": ids, "energy": xy.energy_per_site(theta), "abs_m": xy.magnetization(theta),
            "map": np.asarray(rows["map"]), "exact_map": charge_match_rate(theta, rows["charges"]),
            "corr": {int(k): xy.correlation_function(theta[g == k])[1][1:] for k in ids},
            "topo": {m: np.stack([meas[m][g[sub] == k].mean(axis=0) for k in ids]) for m in tda.MEASURES},
            "observables": ({int(k): xy.ensemble_observables(theta[g == k], T) for k in single}
                            if len(single) >= 3 else None)}


def compare(ref: Mapping[str, object], gen: Mapping[str, object]) -> dict[str, float]:
    """Scores of the summary ``gen`` against the Monte Carlo summary ``ref`` (same maps, same sizes).

    Returns a flat dict: ``exact_map``, ``dE_per_site``, ``dE_rel``, ``d_abs_m``, ``spread_ratio_E``,
    ``spread_ratio_abs_m`` (within-map standard deviations, generated over MC), ``corr_r2`` (mean over
    groups of the R² of C(r)), ``acc_<measure>`` (eq. 5 over every (group, Θ) point of the mean
    curves) and, where the set has at least three pair distances, ``r2_<observable>`` versus distance.
    """
    if not np.array_equal(ref["groups"], gen["groups"]) or len(ref["energy"]) != len(gen["energy"]):
        raise ValueError("generated fields must come one per reference field, on the same maps")
    e_ref, e_gen = ref["energy"].mean(), gen["energy"].mean()
    out = {"exact_map": gen["exact_map"], "dE_per_site": float(e_gen - e_ref), "dE_rel": float((e_gen - e_ref) / abs(e_ref)),
           "d_abs_m": float(gen["abs_m"].mean() - ref["abs_m"].mean())}
    for key, name in (("energy", "E"), ("abs_m", "abs_m")):
        out[f"spread_ratio_{name}"] = within_map_spread(gen[key], gen["map"]) / within_map_spread(ref[key], ref["map"])
    out["corr_r2"] = float(np.mean([r2(ref["corr"][k], gen["corr"][k]) for k in ref["corr"]]))
    for m in tda.MEASURES:
        out[f"acc_{m}"] = acc_topo(ref["topo"][m], gen["topo"][m])
    if ref["observables"] is not None:
        for name in xy.ENSEMBLE_OBSERVABLES:
            out[f"r2_{name}"] = r2([o[name] for o in ref["observables"].values()],
                                   [o[name] for o in gen["observables"].values()])
    return out


def temperatures(rows: Mapping[str, np.ndarray]) -> list[float]:
    """The temperatures of a set, ascending."""
    return [round(float(t), 6) for t in np.unique(rows["T"])]


def at_temperature(rows: Mapping[str, np.ndarray], T: float) -> dict[str, np.ndarray]:
    """The rows of one temperature."""
    sel = np.isclose(np.asarray(rows["T"]), T)
    return {k: np.asarray(v)[sel] for k, v in rows.items()}


def summarize_set(rows: Mapping[str, np.ndarray], thresholds: Mapping[float, np.ndarray], *, topo_fields: int
                  ) -> dict[float, dict]:
    """:func:`summarize` at every temperature of the set: ``{T: summary}``."""
    return {t: summarize(at_temperature(rows, t), t, thresholds=thresholds[t], topo_fields=topo_fields)
            for t in temperatures(rows)}


def set_thresholds(reference: Mapping[str, np.ndarray], n: int) -> dict[float, np.ndarray]:
    """Θ thresholds per temperature from the reference fields."""
    return {t: topo_thresholds(at_temperature(reference, t)["theta"], n) for t in temperatures(reference)}


def score_set(ref: Mapping[float, dict], gen: Mapping[float, dict]) -> dict[str, object]:
    """:func:`compare` per temperature; the lowest temperature's scores also at the top level."""
    per_T = {temperature_key(t): compare(ref[t], gen[t]) for t in sorted(ref)}
    first = per_T[temperature_key(min(ref))]
    return {**first, "by_T": per_T} if len(per_T) > 1 else dict(first)
