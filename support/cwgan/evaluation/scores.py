"""Generated versus Monte Carlo XY fields: observables, R², correlations and match rates, per class and per set.

Two groupings, one module (both answer "how close are these fields to Monte Carlo's?"):

* per *pair-distance class* (the ``distance_class`` of :mod:`support.xy.dataset`: 0 = no pair, ``c`` =
  the pair distance ``PAIR_DISTANCES[c - 1]``), on plain arrays, so the same functions score the
  generator, its polished fields and the baselines. Ensemble observables per class are pooled over all
  maps of the class: maps of one class differ by a lattice translation or a symmetry of the square,
  which leaves every observable unchanged (:func:`observables_by_class`, :func:`score_table`, ...);
* per *evaluation set* (see :mod:`support.cwgan.evaluation.sets`; rows ``theta, charges, T,
  distance_class, n_pairs, map``): fields are compared in *groups*, the pair-distance class of a
  single-pair map or the number of pairs of a multi-pair map. Every score is also computed for the
  set's independent Monte Carlo copy (the noise floor): a generator cannot be told apart from Monte
  Carlo where it scores like that copy (:func:`score_set`).

Tables per temperature are keyed by :func:`support.xy.dataset.temperature_key`.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from support import xy
from support.cwgan.evaluation.topology import topo_thresholds
from support.metrics import acc_topo, r2
from support.topology import filtration as tda
from support.xy.dataset import temperature_key

#: plot labels of the observables of :func:`support.xy.ensemble_observables`
OBSERVABLES = {
    "nu": r"$\langle\nu\rangle$ (vortices per plaquette)",
    "abs_m": r"$\langle|M|\rangle$",
    "energy": r"$\langle E\rangle/N$ (J)",
    "cv": r"$C_v$ ($k_B$ per site)",
    "helicity": r"$\Upsilon$ (J)",
    "chi": r"$\chi$ (1/J)",
}
assert tuple(OBSERVABLES) == xy.ENSEMBLE_OBSERVABLES


def class_distance(classes) -> np.ndarray:
    """Pair distance of each class (0 for class 0, the paper's rounded ``d`` otherwise)."""
    table = np.array([0.0] + [pd.d for pd in xy.PAIR_DISTANCES])
    classes = np.asarray(classes, dtype=np.int64)
    if np.any(classes < 0) or np.any(classes >= len(table)):
        raise ValueError(f"classes must be in [0, {len(table) - 1}]")
    return table[classes]


def class_of_distance(d: float) -> int:
    """The class whose pair distance is closest to ``d`` (0 for ``d = 0``)."""
    table = class_distance(np.arange(1 + len(xy.PAIR_DISTANCES)))
    return int(np.argmin(np.abs(table - float(d))))


def distance_label(c: int) -> str:
    """The results-JSON key of a class: its pair distance, e.g. ``"4.12"`` (``"0"`` for no pair)."""
    return f"{class_distance([c])[0]:g}"


def charge_match_rate(theta: np.ndarray, charges: np.ndarray) -> float:
    """Fraction of fields whose exact vortex map equals the requested map (:func:`support.xy.matches_map`)."""
    return float(xy.matches_map(theta, charges).mean())


def match_rates_by_T(sources: dict[str, np.ndarray], charges: np.ndarray, T: np.ndarray) -> dict[str, dict[str, float]]:
    """``{source: {T key: exact-map match rate}}`` for fields of every source drawn for the same (map, T) rows."""
    temps = np.unique(T)
    return {name: {temperature_key(t): charge_match_rate(th[T == t], charges[T == t]) for t in temps}
            for name, th in sources.items()}


# ---------------------------------------------------------------------------------------------
# observables versus pair distance
# ---------------------------------------------------------------------------------------------

def observables_by_class(theta: np.ndarray, classes: np.ndarray, T: float) -> dict[str, np.ndarray]:
    """Observables per class at one temperature: ``{"class", "d", obs: (n_classes,)}``, classes sorted."""
    theta = np.asarray(theta, dtype=np.float64)
    classes = np.asarray(classes)
    cls = np.unique(classes)
    rows = [xy.ensemble_observables(theta[classes == c], T) for c in cls]
    out = {"class": cls, "d": class_distance(cls)}
    for k in OBSERVABLES:
        out[k] = np.array([r[k] for r in rows])
    return out


def observable_tables(theta: np.ndarray, classes: np.ndarray, T: np.ndarray,
                      mask: np.ndarray | None = None) -> dict[str, dict[str, np.ndarray]]:
    """:func:`observables_by_class` for every temperature present: ``{T key: table}``."""
    T = np.asarray(T)
    mask = np.ones(len(T), bool) if mask is None else np.asarray(mask)
    classes = np.asarray(classes)
    return {temperature_key(t): observables_by_class(theta[mask & (T == t)], classes[mask & (T == t)], float(t))
            for t in np.unique(T[mask])}


def r2_by_observable(ref: dict[str, np.ndarray], gen: dict[str, np.ndarray],
                     observables: Iterable[str] = OBSERVABLES) -> dict[str, float]:
    """R² (eq. 4) of each observable's curve versus pair distance, ``ref`` = Monte Carlo."""
    if not np.array_equal(ref["class"], gen["class"]):
        raise ValueError("reference and generated tables cover different classes")
    return {k: r2(ref[k], gen[k]) for k in observables}


def r2_by_T(ref_tables: dict[str, dict], tables: dict[str, dict]) -> dict[str, dict[str, float]]:
    """:func:`r2_by_observable` at every temperature of ``tables``: ``{T key: {observable: R²}}``."""
    return {t: r2_by_observable(ref_tables[t], tables[t]) for t in tables}


def observable_scores(sources: dict[str, np.ndarray], classes: np.ndarray, T: np.ndarray,
                      half: np.ndarray) -> tuple[dict, dict]:
    """Observable tables of every source and R² of each non-MC source against ``sources["MC"]``.

    The row ``"MC halves"`` compares the two halves of the MC set (``half`` and ``~half``): the
    noise floor of every R².

    Returns:
        ``(tables, r2s)``: ``{source: {T key: table}}`` and ``{source: {T key: {observable: R²}}}``.
    """
    tables = {name: observable_tables(th, classes, T) for name, th in sources.items()}
    r2s = {name: r2_by_T(tables["MC"], tables[name]) for name in sources if name != "MC"}
    r2s["MC halves"] = r2_by_T(observable_tables(sources["MC"], classes, T, mask=half),
                               observable_tables(sources["MC"], classes, T, mask=~half))
    return tables, r2s


def r2_on_subset(theta: np.ndarray, classes: np.ndarray, T: np.ndarray, mask: np.ndarray,
                 ref_tables: dict[str, dict]) -> dict[str, dict[str, float]] | None:
    """R² of the fields selected by ``mask`` (e.g. those with the right map); None if a class has < 2 of them."""
    try:
        return r2_by_T(ref_tables, observable_tables(theta, classes, T, mask=mask))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# spin correlations
# ---------------------------------------------------------------------------------------------

def correlation_curves(theta: np.ndarray, classes: np.ndarray, class_ids: Iterable[int],
                       max_r: float | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``{class: (r, C(r))}`` of the spin correlation ``<S_i·S_j>`` (r > 0 only, C(0) = 1 is trivial)."""
    out = {}
    for c in class_ids:
        sel = np.asarray(classes) == c
        if not sel.any():
            raise ValueError(f"no fields of class {c}")
        r, C = xy.correlation_function(theta[sel], max_r=max_r)
        out[int(c)] = (r[1:], C[1:])
    return out


def correlation_r2(ref_curves: dict, gen_curves: dict) -> dict[int, float]:
    """R² of ``C(r)`` per class, ``ref`` = Monte Carlo."""
    return {c: r2(ref_curves[c][1], gen_curves[c][1]) for c in ref_curves}


def correlation_scores(sources: dict[str, np.ndarray], classes: np.ndarray, class_ids: list[int],
                       half: np.ndarray) -> tuple[dict, dict]:
    """Correlation curves of every source and their R² against ``sources["MC"]`` (plus the MC-halves floor).

    Returns:
        ``(curves, r2s)``: ``{source: {class: (r, C)}}`` and ``{source: {class: R²}}``.
    """
    curves = {name: correlation_curves(th, classes, class_ids) for name, th in sources.items()}
    r2s = {name: correlation_r2(curves["MC"], curves[name]) for name in sources if name != "MC"}
    r2s["MC halves"] = correlation_r2(correlation_curves(sources["MC"][half], classes[half], class_ids),
                                      correlation_curves(sources["MC"][~half], classes[~half], class_ids))
    return curves, r2s


def score_table(rows: dict[str, dict[str, float]], columns: Iterable[str], *, digits: int = 3) -> pd.DataFrame:
    """A table of scores (shown as HTML in the book): one row per label, one column per score, rounded."""
    return pd.DataFrame({label: {c: row[c] for c in columns} for label, row in rows.items()}).T.astype(float).round(digits)


def stiffness_table(priors: dict[str, tuple[dict, dict]], mc_tables: dict[str, dict],
                    shown: tuple[str, ...] = ("energy", "abs_m", "chi", "helicity")) -> pd.DataFrame:
    """Prior versions per temperature: R² of ``shown`` and the mean <E>/N offset from MC.

    Args:
        priors: ``{label: (r2 by T key, observable tables by T key)}``.
        mc_tables: Monte Carlo observable tables by T key.
    """
    rows = {(t, label): {**{f"R² {o}": r2s[t][o] for o in shown},
                         "<E>/N − MC": float(np.mean(tab[t]["energy"] - mc_tables[t]["energy"]))}
            for t in mc_tables for label, (r2s, tab) in priors.items()}
    return pd.DataFrame(rows).T.rename_axis(["T", "prior"]).round(4)


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
