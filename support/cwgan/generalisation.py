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

from support.cwgan import set_scores
from support.data import chunk_seed, save_npz

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
    for i, (name, variant) in enumerate(variants.items()):
        t0 = time.perf_counter()
        rows[name] = generated_rows(ref, variant, chunk_seed(seed, 14, i))
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
