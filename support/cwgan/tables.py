"""Chapter 02's tables as pandas DataFrames, which the book shows as HTML: readable headers, rounded values.

* :func:`targets_frame`: each target of :data:`support.cwgan.evaluation.heldout.TARGETS`, its value per
  variant and whether it is met;
* :func:`match_rate_frame`: the exact-map rate per temperature and variant;
* :func:`headline_frame`: the learned generator's headline numbers (rows: generators);
* :func:`seed_mean_frame`: mean ± spread over training seeds of those numbers;
* :func:`curve_frame`: the rows of a learning curve.
"""

from __future__ import annotations

import pandas as pd

from support.cwgan.evaluation.heldout import TARGETS, check_targets

#: readable names of the targets
TARGET_NAMES = {"charge_match_rate": "exact-map rate", "energy_rel_error": "|ΔE/N| / |E/N|",
                "magnetization_abs_error": "|Δ⟨|M|⟩|", "energy_std_ratio": "std E/N ratio",
                "magnetization_std_ratio": "std |M| ratio"}


def targets_frame(summaries: dict[str, dict], digits: int = 3) -> pd.DataFrame:
    """One row per target: the value of each summary (``"0.512 ✗"``: ✓ met, ✗ missed) and the target."""
    checks = {v: check_targets(s) for v, s in summaries.items()}
    rows = {}
    for key in TARGETS:
        first = next(iter(checks.values()))[key]
        rows[TARGET_NAMES[key]] = {v: f"{c[key]['value']:.{digits}f} {'✓' if c[key]['met'] else '✗'}"
                                   for v, c in checks.items()} | {"target": first["target"]}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = f"T = {next(iter(summaries.values()))['target_T']}"
    return frame


def match_rate_frame(summaries: dict[str, dict], digits: int = 3) -> pd.DataFrame:
    """Exact-map rate: one row per temperature, one column per summary."""
    frame = pd.DataFrame({v: s["charge_match_rate"] for v, s in summaries.items()}).sort_index().round(digits)
    frame.index.name = "T"
    return frame


def headline_frame(rows: dict[str, dict[str, float]], digits: int = 3) -> pd.DataFrame:
    """One row per generator, one column per headline number (as from ``heldout.headline``)."""
    frame = pd.DataFrame.from_dict(rows, orient="index").round(digits)
    frame.index.name = "generator"
    return frame


def seed_mean_frame(means: dict[str, dict[str, tuple[float, float]]], digits: int = 3) -> pd.DataFrame:
    """``{part: {column: (mean, spread)}}`` (as from ``heldout.seed_mean``): one row per part, ``"mean ± spread"``."""
    frame = pd.DataFrame.from_dict({part: {k: f"{m:.{digits}f} ± {d:.{digits}f}" for k, (m, d) in cols.items()}
                                    for part, cols in means.items()}, orient="index")
    frame.index.name = "pair classes"
    return frame


def curve_frame(rows: list[dict], digits: int = 3) -> pd.DataFrame:
    """A learning curve: one row per evaluated generator step."""
    frame = pd.DataFrame(rows).set_index("step").round(digits)
    return frame.rename(columns={"exact_map": "exact-map rate", "dE_per_site": "ΔE/N (gen − MC)",
                                 "seconds": "scoring (s)"})
