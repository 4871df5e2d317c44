"""The sentences chapter 04 states about the evaluation sets, built from the scores so that they can fail.

A variant *cannot be told from Monte Carlo* on a set when every z-score of the set (each observable at
each temperature, :mod:`support.cwgan.evaluation.z_scores`) lies within ±3 and every generated field
keeps its map. The noise floor, an independent Monte Carlo chain per map, checks the error bars: under
correct errors its z-scores are standard normal, so few lie beyond ±3.
"""

from __future__ import annotations

from typing import Mapping

from scipy import stats

from support.cwgan.evaluation.generalisation import NOISE_FLOOR, indistinguishable
from support.cwgan.evaluation.z_scores import WITHIN

BEYOND_NORMAL = 2 * stats.norm.sf(WITHIN)       # chance of |z| > 3 for a standard normal z (0.0027)
SURPRISE = 0.01                                  # a floor with fewer |z| <= 3 than this chance allows is flagged

Scores = Mapping[str, Mapping[str, Mapping[str, object]]]


def worst(row: Mapping[str, object]) -> tuple[float, str, str]:
    """The largest |z| of a row with its temperature and observable: ``(|z|, T, observable)``."""
    return max((abs(z), t, k) for t, by_obs in row["z_by_T"].items() for k, z in by_obs.items())


def floor_check(set_scores: Scores) -> dict[str, object]:
    """Whether the noise floor's z-scores look standard normal: counts over every set, and the chance of
    at least that many beyond ±3 under standard normal errors (a binomial tail)."""
    rows = [s[NOISE_FLOOR] for s in set_scores.values()]
    n = sum(r["n_z"] for r in rows)
    beyond = n - sum(round(r["z_within"] * r["n_z"]) for r in rows)
    p = float(stats.binom.sf(beyond - 1, n, BEYOND_NORMAL))
    words = ("no more than standard normal errors would give: the error bars hold" if p >= SURPRISE else
             "more than standard normal errors would give: the Monte Carlo error bars are too small, and a |z| "
             "within 3 below overstates agreement")
    return {"floor_n_z": n, "floor_beyond": beyond, "floor_p": p, "floor_words": words}


def variant_sentence(set_scores: Scores, variant: str, label: str) -> str:
    """Where ``variant`` cannot be told from Monte Carlo, inside and outside its training distribution,
    and its largest |z| outside (or inside, if it was scored on no set outside)."""
    scored = {name: s[variant] for name, s in set_scores.items() if variant in s}
    parts, largest, last = [], None, ""
    for inside, where in ((True, "inside"), (False, "outside")):
        group = {name: r for name, r in scored.items() if bool(r["in_training_distribution"]) is inside}
        if not group:
            continue
        good = [name for name, r in group.items() if indistinguishable(r)]
        parts.append(f"{len(good)} of {len(group)} sets {where} its training distribution"
                     + (f" ({', '.join(good)})" if good else ""))
        largest, last = max((worst(r) + (name,) for name, r in group.items())), where
    z, t, k, name = largest
    return (f"{label} cannot be told from Monte Carlo on {' and on '.join(parts)}; its largest |z| on the sets "
            f"{last} is {z:.1f} ({name}, {k} at T = {t}).")


R2_TARGET, ACC_TARGET = 0.9, 0.8                 # the chapter's targets (cpu profile)
R2_TARGETS = ("abs_m", "energy", "helicity", "chi", "nu")


def target_table(r2_by_source: Mapping[str, Mapping], acc_by_source: Mapping[str, Mapping], names: Mapping[str, str],
                 T_key: str):
    """The in-depth targets in one DataFrame: R² versus d (:data:`R2_TARGETS`) and Acc_topo per measure, one
    column per scored source (the MC halves included: what the reference set itself reaches), the target,
    and whether the headline generator meets it."""
    import pandas as pd

    rows = {}
    for o in R2_TARGETS:
        rows[f"R² {o}"] = {**{names[n]: r[T_key][o] for n, r in r2_by_source.items()}, "target": R2_TARGET}
    for m in next(iter(acc_by_source.values())):
        rows[f"Acc_topo {m}"] = {**{names[n]: a[m] for n, a in acc_by_source.items()}, "target": ACC_TARGET}
    frame = pd.DataFrame(rows).T
    frame["met"] = frame[names["generator"]] >= frame["target"]
    frame["floor meets"] = frame[names["MC halves"]] >= frame["target"]
    return frame


def target_sentence(table, label: str) -> str:
    """How many targets the headline generator meets, and how many of its misses the Monte Carlo halves
    miss as well (targets this reference set is too small to decide)."""
    missed = table[~table["met"].astype(bool)]
    undecided = int((~missed["floor meets"].astype(bool)).sum())
    own = len(missed) - undecided
    return (f"{label[:1].upper()}{label[1:]} meets {int(table['met'].sum())} of {len(table)} targets; of its "
            f"{len(missed)} misses, {undecided} {'is' if undecided == 1 else 'are'} missed by the two Monte Carlo "
            f"halves as well (this many reference fields cannot decide {'it' if undecided == 1 else 'them'}) and "
            f"{own} {'is' if own == 1 else 'are'} the generator's own.")
