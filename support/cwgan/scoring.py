"""Generated versus Monte Carlo ensembles per pair-distance class: observables, R², correlations, match rates.

Everything here works on plain arrays grouped by *class* (the ``distance_class`` of
:mod:`support.xy_dataset`: 0 = no pair, ``c`` = the pair distance ``PAIR_DISTANCES[c - 1]``),
so the same functions score the generator, its polished fields and the baselines. Ensemble
observables per class are pooled over all maps of the class: maps of one class differ by a lattice
translation or a symmetry of the square, which leaves every observable unchanged. Tables per
temperature are keyed by :func:`support.xy_dataset.temperature_key`.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from support import xy
from support.metrics import r2
from support.xy_dataset import temperature_key

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


def score_table(rows: dict[str, dict[str, float]], columns: Iterable[str], *, digits: int = 3,
                label_width: int = 24) -> str:
    """Plain-text table of scores: one row per label, one 9-character column per score name."""
    columns = list(columns)
    lines = [" " * label_width + " " + " ".join(f"{c:>9}" for c in columns)]
    lines += [f"{label:>{label_width}} " + " ".join(f"{row[c]:9.{digits}f}" for c in columns) for label, row in rows.items()]
    return "\n".join(lines)


def stiffness_table(priors: dict[str, tuple[dict, dict]], mc_tables: dict[str, dict],
                    shown: tuple[str, ...] = ("energy", "abs_m", "chi", "helicity")) -> str:
    """Plain-text comparison of prior versions per temperature: R² of ``shown`` and the mean <E>/N offset from MC.

    Args:
        priors: ``{label: (r2 by T key, observable tables by T key)}``.
        mc_tables: Monte Carlo observable tables by T key.
    """
    lines = [f"{'T':>5} {'prior':>16} " + " ".join(f"{o:>9}" for o in shown) + f" {'<E>/N - MC':>11}"]
    for t in mc_tables:
        for label, (r2s, tab) in priors.items():
            de = np.mean(tab[t]["energy"] - mc_tables[t]["energy"])
            lines.append(f"{t:>5} {label:>16} " + " ".join(f"{r2s[t][o]:9.3f}" for o in shown) + f" {de:+11.4f}")
    return "\n".join(lines)
