"""Every generator on every evaluation set: generate one field per Monte Carlo field, score, save.

A *variant* is any function ``(charges int8 (n, L, L), T (n,), seed) -> theta float32 (n, L, L)``: a
trained generator, the physics prior alone, or a baseline. The Monte Carlo noise floor (the set's
independent chains) is scored beside them as the row a perfect generator would match.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from support.cwgan.evaluation import scores as set_scores
from support.store.data import chunk_seed, save_npz

Variant = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
NOISE_FLOOR = "mc_noise_floor"


def generated_rows(reference: Mapping[str, np.ndarray], variant: Variant, seed: int) -> dict[str, np.ndarray]:
    """The reference rows with ``theta`` replaced by the variant's fields on the same maps and T."""
    theta = np.asarray(variant(reference["charges"], reference["T"], seed), np.float32)
    if theta.shape != reference["theta"].shape:
        raise ValueError(f"variant returned {theta.shape}, expected {reference['theta'].shape}")
    return {**reference, "theta": theta}


def score_variants(eval_set: Mapping[str, object], variants: Mapping[str, Variant], *, n_thresholds: int,
                   topo_fields: int, seed: int) -> tuple[dict[str, dict], dict[str, np.ndarray], dict[str, float]]:
    """Scores of the noise floor and of every variant on one set.

    Returns:
        ``(scores {variant: score_set(...)}, fields {variant: theta}, seconds {variant: generation time})``.
    """
    ref = eval_set["reference"]
    thresholds = set_scores.set_thresholds(ref, n_thresholds)
    ref_summary = set_scores.summarize_set(ref, thresholds, topo_fields=topo_fields)
    rows = {NOISE_FLOOR: eval_set["noise_floor"]}
    seconds = {}
    for name, variant in variants.items():   # one seed for all: a residual variant and its prior draw alike
        t0 = time.perf_counter()
        rows[name] = generated_rows(ref, variant, chunk_seed(seed, 14))
        seconds[name] = time.perf_counter() - t0
    scores = {name: set_scores.score_set(ref_summary, set_scores.summarize_set(r, thresholds, topo_fields=topo_fields))
              for name, r in rows.items()}
    return scores, {name: r["theta"] for name, r in rows.items()}, seconds


def save_set_fields(path: str | Path, eval_set: Mapping[str, object], fields: Mapping[str, np.ndarray]) -> None:
    """``theta_real``, ``charges``, ``T`` of the reference and ``theta_<variant>`` for every variant."""
    ref = eval_set["reference"]
    save_npz(path, theta_real=ref["theta"], charges=ref["charges"], T=ref["T"],
             distance_class=ref["distance_class"], n_pairs=ref["n_pairs"],
             **{f"theta_{name}": theta for name, theta in fields.items()})


def set_table(scores: Mapping[str, Mapping[str, object]], columns: list[str] | None = None):
    """A pandas DataFrame of one set's scores: one row per variant, one column per score."""
    import pandas as pd

    frame = pd.DataFrame({name: {k: v for k, v in s.items() if k != "by_T"} for name, s in scores.items()}).T
    return frame[columns] if columns else frame


IDEAL = {"exact_map": 1.0, "dE_per_site": 0.0, "dE_rel": 0.0, "d_abs_m": 0.0, "spread_ratio_E": 1.0,
         "spread_ratio_abs_m": 1.0}


def ideal_value(metric: str) -> float:
    """The score of a perfect generator with infinitely many samples: 0 for differences, else 1."""
    return IDEAL.get(metric, 1.0)


def matches_monte_carlo(scores: Mapping[str, Mapping[str, object]], variant: str, metric: str,
                        factor: float = 2.0) -> bool:
    """Whether ``variant`` is as close to the ideal value as Monte Carlo itself, up to ``factor``.

    The noise floor's distance from the ideal value (MC against an independent MC set of the same
    size) is what finite samples cost; a variant within ``factor`` times that distance (or within
    1e-3 when the floor is exact) cannot be told apart from Monte Carlo on this metric.
    """
    ideal = ideal_value(metric)
    floor = abs(float(scores[NOISE_FLOOR][metric]) - ideal)
    value = float(scores[variant][metric])
    return bool(np.isfinite(value) and abs(value - ideal) <= max(factor * floor, 1e-3))


def generator_variant(generator, *, batch_size: int = 256) -> Variant:
    """A trained generator as a variant; a U-Net runs resized at another L (fully convolutional), the learned
    generator runs at any L it admits as it is."""
    from support.cwgan.generator import generate, resize_generator

    def draw(charges: np.ndarray, T: np.ndarray, seed: int) -> np.ndarray:
        same = getattr(generator, "L", None) in (None, charges.shape[-1])
        g = generator if same else resize_generator(generator, charges.shape[-1])
        if g is None:
            raise ValueError(f"the generator cannot run at L = {charges.shape[-1]}")
        return generate(g, charges, T, seed=seed, batch_size=batch_size)
    return draw


def baseline_variant(kind: str, **settings) -> Variant:
    """A non-learned baseline (``"villain"``, ``"grf"`` or ``"prior"``) as a variant."""
    from support.cwgan.models.baselines import baseline_fields

    return lambda charges, T, seed: baseline_fields(kind, charges, T, np.random.default_rng(seed), **settings)


PRIOR_BASED = ("prior", "prior_alone")   # variants that solve the fixed-map landscape of every new map


def variants_for_set(variants: Mapping[str, Variant], name: str, prior_sets: list[str]) -> dict[str, Variant]:
    """The variants scored on set ``name``: all, except the prior-based ones outside ``prior_sets`` (their
    per-map set-up grows steeply with the number of vortices and with L; the cost section measures it)."""
    return {v: f for v, f in variants.items() if v not in PRIOR_BASED or name in prior_sets}


def all_variants(generators: Mapping[str, object], *, prior: dict, grf_corr_length: float, grf_amplitude: float,
                 batch_size: int = 256) -> dict[str, Variant]:
    """The rows of every set's table: each trained generator, the physics prior alone, the T = 0 Villain
    field and the Gaussian random field (``prior``: the prior settings of the prior variant's checkpoint)."""
    return {**{name: generator_variant(g, batch_size=batch_size) for name, g in generators.items()},
            "prior_alone": baseline_variant("prior", prior=prior),
            "villain": baseline_variant("villain"),
            "grf": baseline_variant("grf", grf_corr_length=grf_corr_length, grf_amplitude=grf_amplitude)}


def paired_residual(eval_set: Mapping[str, object], fields: Mapping[str, np.ndarray], variant: str,
                    prior: str = "prior_alone") -> dict[str, float]:
    """What a residual generator adds to its prior, on the same prior draws (same seed, same maps).

    Returns the RMS of the wrapped angle difference (the learned residual) and, for ``<E>/N`` and
    ``<|M|>``, generator minus prior in units of the Monte Carlo noise floor: the standard error of the
    difference between the reference and the independent noise-floor set (fields independent, being
    ``2 τ_int`` apart on independent chains).
    """
    from support import xy

    out = {"rms_residual": float(np.sqrt(np.mean(xy.wrap_angle(fields[variant] - fields[prior]) ** 2)))}
    ref, floor = eval_set["reference"]["theta"], eval_set["noise_floor"]["theta"]
    for name, obs in (("energy", xy.energy_per_site), ("abs_m", xy.magnetization)):
        se = np.sqrt(obs(ref).var(ddof=1) / len(ref) + obs(floor).var(ddof=1) / len(floor))
        out[f"d_{name}_in_noise_floor"] = float((obs(fields[variant]).mean() - obs(fields[prior]).mean()) / se)
    return out


def scored_metrics(scores: Mapping[str, Mapping[str, object]]) -> list[str]:
    """The metrics of a set that the noise floor defines (finite numbers; ``by_T`` left out)."""
    return [k for k, v in scores[NOISE_FLOOR].items() if k != "by_T" and np.isfinite(v)]


def verdict(set_scores: Mapping[str, Mapping[str, Mapping[str, object]]]):
    """A DataFrame: for every variant (rows) and set (columns), ``"k/m"``: on how many of the set's ``m``
    metrics the variant cannot be told from Monte Carlo (:func:`matches_monte_carlo`)."""
    import pandas as pd

    table = {}
    for name, scores in set_scores.items():
        metrics = scored_metrics(scores)
        table[name] = {v: f"{sum(matches_monte_carlo(scores, v, m) for m in metrics)}/{len(metrics)}"
                       for v in scores if v != NOISE_FLOOR}
    return pd.DataFrame(table)


def headline(set_scores: Mapping[str, Mapping[str, Mapping[str, object]]], variants: list[str]) -> dict[str, object]:
    """Numbers for the chapter's prose: per set and variant, metrics matching MC and the exact-map rate."""
    out = {}
    for name, scores in set_scores.items():
        metrics = scored_metrics(scores)
        out[f"{name}_n_metrics"] = len(metrics)
        for v in variants:   # a variant not scored on this set reads "not scored" / NaN
            scored = v in scores
            out[f"{name}_{v}_match"] = (int(sum(matches_monte_carlo(scores, v, m) for m in metrics)) if scored
                                        else "not scored")
            out[f"{name}_{v}_exact_map"] = float(scores[v]["exact_map"]) if scored else float("nan")
            out[f"{name}_{v}_dE_rel"] = float(scores[v]["dE_rel"]) if scored else float("nan")
    return out


def cost_table(costs: Mapping[str, Mapping[int, float | None]]):
    """A DataFrame of seconds per sample (rows: methods, columns: L) with each method's speed-up over MC."""
    import pandas as pd

    from support.cwgan.evaluation.cost import speedup_over_mc

    frame = pd.DataFrame({m: {f"L={L} s/sample": c for L, c in by_L.items()} for m, by_L in costs.items()}).T
    speedup = speedup_over_mc(costs)
    for L in costs["mc"]:
        frame[f"L={L} x faster than MC"] = [speedup.get(m, {}).get(L) if m != "mc" else 1.0 for m in frame.index]
    return frame
