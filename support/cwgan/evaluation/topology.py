"""Topology of generated versus Monte Carlo fields: Θ-filtration curves per class, Acc_topo, persistence.

The measures and the cell complex are those of :mod:`support.topology.filtration`; here they are averaged per
pair-distance class and scored against Monte Carlo (Acc_topo, eq. 5; persim distances of H1
diagrams), with the two halves of the MC set as the noise floor.
"""

from __future__ import annotations

import numpy as np

from support.cwgan.split import first_per_class
from support.metrics import acc_topo
from support.topology import filtration as tda
from support.topology import persistence as tda_persistence

#: sources that get every field at the headline T (the weak baselines get a quarter: they are far off)
CLOSE_SOURCES = ("MC", "generator", "prior")


def topo_thresholds(theta_ref: np.ndarray, n: int, q_low: float = 0.1, q_high: float = 0.99) -> np.ndarray:
    """``n`` thresholds at evenly spaced quantiles (``q_low`` … ``q_high``) of the reference plaquette weights.

    The Θ-complex changes only where plaquettes enter, so a quantile grid spends its points
    where the reference measures move; below the range nothing is present and above it every
    measure saturates at its all-present value (points there would inflate Acc_topo for any
    generator). The grid starts at the 10 % quantile because below it the mean area is a few
    plaquettes per field and a 5 % relative tolerance (Acc_topo) would score sampling noise.
    Duplicate quantiles (ties) are removed.
    """
    if n < 1 or not 0 <= q_low < q_high <= 1:
        raise ValueError("need n >= 1 and 0 <= q_low < q_high <= 1")
    wp = tda.plaquette_weights(*tda.edge_weights(theta_ref))
    return np.unique(np.quantile(wp, np.linspace(q_low, q_high, n)))


def curves_from_measures(meas: dict[str, np.ndarray], classes: np.ndarray,
                         mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Class means of per-field measures from :func:`support.topology.filtration.topo_measures` (of a subset)."""
    classes = np.asarray(classes)
    mask = np.ones(len(classes), bool) if mask is None else np.asarray(mask)
    cls = np.unique(classes)
    out = {k: np.stack([meas[k][mask & (classes == c)].mean(axis=0) for c in cls]) for k in tda.MEASURES}
    out["class"] = cls
    return out


def acc_topo_by_measure(ref: dict[str, np.ndarray], gen: dict[str, np.ndarray], tol: float = 0.05) -> dict[str, float]:
    """Acc_topo (eq. 5) per measure over all (class, Θ) points, ``ref`` = Monte Carlo."""
    if not np.array_equal(ref["class"], gen["class"]):
        raise ValueError("reference and generated curves cover different classes")
    return {k: acc_topo(ref[k], gen[k], tol=tol) for k in tda.MEASURES}


def topology_scores(sources: dict[str, np.ndarray], classes: np.ndarray, half: np.ndarray, thresholds: np.ndarray,
                    n_per_class: int) -> dict[str, dict]:
    """Θ-filtration curves per class of every source and their Acc_topo against ``sources["MC"]``.

    The :data:`CLOSE_SOURCES` are measured on every field (kept as ``measures_all`` for
    :func:`euler_deviation`) and compared on the first ``n_per_class`` fields of each class; the
    other sources on ``max(8, n_per_class // 4)`` fields. ``"MC halves"`` scores the two halves
    (``half``/``~half``) of the MC subset against each other.

    Args:
        sources: fields ``{name: (n, L, L)}`` of one temperature, the same (map, T) rows for each.
        classes: class of each row ``(n,)``.
        half: MC half mask ``(n,)``.
        thresholds: Θ grid (:func:`topo_thresholds`).
        n_per_class: fields per class for the close sources.

    Returns:
        dict with ``measures_all`` ``{close source: measures}``, ``curves`` ``{source: curves}``
        and ``acc`` ``{source or "MC halves": {measure: Acc_topo}}``.
    """
    first = {name: first_per_class(classes, n_per_class if name in CLOSE_SOURCES else max(8, n_per_class // 4))
             for name in sources}
    meas_all = {name: tda.topo_measures(sources[name], thresholds) for name in CLOSE_SOURCES}
    meas = {name: ({k: v[first[name]] for k, v in meas_all[name].items()} if name in CLOSE_SOURCES
                   else tda.topo_measures(sources[name][first[name]], thresholds)) for name in sources}
    curves = {name: curves_from_measures(m, classes[first[name]]) for name, m in meas.items()}
    acc = {name: acc_topo_by_measure(curves["MC"], curves[name]) for name in sources if name != "MC"}
    sub = first["MC"]
    acc["MC halves"] = acc_topo_by_measure(curves_from_measures(meas["MC"], classes[sub], half[sub]),
                                           curves_from_measures(meas["MC"], classes[sub], ~half[sub]))
    return dict(measures_all=meas_all, curves=curves, acc=acc)


def curve_deviation(ref: dict[str, np.ndarray], ref_classes: np.ndarray, gen: dict[str, np.ndarray],
                    gen_classes: np.ndarray, measure: str) -> dict[str, np.ndarray]:
    """How far a generated class-mean curve lies from the reference's, and whether sampling explains it.

    ``ref``/``gen`` are per-field measures from :func:`support.topology.filtration.topo_measures`. Returns
    ``class``, ``rel`` = (gen - ref) / |ref| and ``z`` = (gen - ref) / sqrt(se_ref² + se_gen²) per
    (class, Θ), with ``se`` the standard error of each class mean (fields taken as independent).
    ``|z|`` of a few or more marks a deviation that the sample size cannot explain.
    """
    cls = np.unique(ref_classes)
    if not np.array_equal(cls, np.unique(gen_classes)):
        raise ValueError("reference and generated fields cover different classes")

    def means_and_errors(meas, classes):
        per_class = [meas[measure][np.asarray(classes) == c] for c in cls]
        return (np.stack([v.mean(axis=0) for v in per_class]),
                np.stack([v.std(axis=0, ddof=1) / np.sqrt(len(v)) for v in per_class]))

    (mr, sr), (mg, sg) = means_and_errors(ref, ref_classes), means_and_errors(gen, gen_classes)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"class": cls, "rel": (mg - mr) / np.abs(mr), "z": (mg - mr) / np.hypot(sr, sg)}


def euler_deviation(measures_all: dict[str, dict], classes: np.ndarray, thresholds: np.ndarray,
                    names: tuple[str, ...] = ("generator", "prior")) -> tuple[dict, dict]:
    """The Euler characteristic of every field: Acc_topo, deviations in standard errors, upper-Θ bias.

    Returns:
        ``(deviations, summary)``: :func:`curve_deviation` per source, and per source ``acc_topo``
        (every measure, all fields), ``fraction_abs_z_above_3`` and ``rel_deviation_upper_theta``
        (mean relative deviation over the upper half of the Θ grid).
    """
    curves = {name: curves_from_measures(m, classes) for name, m in measures_all.items()}
    dev = {name: curve_deviation(measures_all["MC"], classes, measures_all[name], classes, "euler") for name in names}
    upper = thresholds >= np.median(thresholds)
    summary = {}
    for name, d in dev.items():
        z = d["z"][np.isfinite(d["z"])]
        summary[name] = dict(acc_topo=acc_topo_by_measure(curves["MC"], curves[name]),
                             fraction_abs_z_above_3=float(np.mean(np.abs(z) > 3)),
                             rel_deviation_upper_theta=float(np.nanmean(d["rel"][:, upper])))
    return dev, summary


def persistence_by_class(theta: np.ndarray, classes: np.ndarray) -> dict[int, list]:
    """``{class: [per-field diagrams]}`` (see :func:`support.topology.persistence.persistence`)."""
    classes = np.asarray(classes)
    return {int(c): tda_persistence.persistence(theta[classes == c]) for c in np.unique(classes)}


def persistence_distance(ref: dict[int, list], gen: dict[int, list], *, dim: int = 1, n_pairs: int = 20,
                         metric: str = "wasserstein", seed: int = 0) -> float:
    """Class-averaged mean persim distance between the diagrams of two ensembles.

    For ``gen is ref`` the two halves of each class are compared (the noise floor).
    """
    vals = []
    for c in ref:
        a, b = ref[c], gen[c]
        if gen is ref:
            h = len(a) // 2
            a, b = a[:h], a[h:]
        vals.append(tda_persistence.ensemble_distance(a, b, dim=dim, metric=metric, n_pairs=n_pairs, seed=seed + c))
    return float(np.mean(vals))


def mean_h1_persistence(dgms: list) -> float:
    """Mean total H1 persistence (Σ death − birth over finite points) per field."""
    return float(np.mean([np.sum(np.diff(tda_persistence.finite(d[1]), axis=1)) for d in dgms]))


def persistence_scores(sources: dict[str, np.ndarray], classes: np.ndarray, n_per_class: int, n_pairs: int,
                       seed: int = 0) -> tuple[dict, dict]:
    """H1 diagrams of the first ``n_per_class`` fields per class and their distances to the MC diagrams.

    Returns:
        ``(diagrams, distances)``: ``{source: {class: diagrams}}`` and ``{source: {"wasserstein",
        "bottleneck"}}`` with the MC row renamed ``"MC halves"`` (MC's two halves: the noise floor).
    """
    sub = first_per_class(classes, n_per_class)
    dgms = {name: persistence_by_class(th[sub], classes[sub]) for name, th in sources.items()}
    dist = {name: {m: persistence_distance(dgms["MC"], dgms[name], dim=1, n_pairs=n_pairs, metric=m, seed=seed)
                   for m in ("wasserstein", "bottleneck")} for name in sources}
    dist["MC halves"] = dist.pop("MC")
    return dgms, dist


def euler_table(checks: dict[str, dict], names: dict[str, str]):
    """:func:`euler_deviation`'s summary per source as a DataFrame: Acc_topo (Euler, perimeter) with every
    field, the fraction of (class, Θ) points with |z| > 3, the mean relative deviation at the upper Θ half."""
    import pandas as pd

    return pd.DataFrame({names[n]: {"Acc Euler": e["acc_topo"]["euler"], "Acc perimeter": e["acc_topo"]["perimeter"],
                                    "fraction |z| > 3": e["fraction_abs_z_above_3"],
                                    "rel. deviation, upper Θ": e["rel_deviation_upper_theta"]}
                         for n, e in checks.items()}).T.round(3)


def h1_table(w1: dict[str, dict], diagrams: dict[str, dict], names: dict[str, str]):
    """Mean H1 distances to the Monte Carlo diagrams per source, and the mean total H1 persistence."""
    import pandas as pd

    rows = {}
    for name, v in w1.items():
        own = diagrams[name if name in diagrams else "MC"]
        rows[names[name]] = {"W1": v["wasserstein"], "bottleneck": v["bottleneck"],
                             "mean total H1 persistence": float(np.mean([mean_h1_persistence(d) for d in own.values()]))}
    return pd.DataFrame(rows).T.round(3)
