"""Which XY fields the cWGAN may see: the split, the monitor set, the evaluation set, MC halves.

Chapter 02 trains on the ``train`` part of :func:`split_maps`, chooses its variant on ``validation``,
and chapter 04 evaluates on ``seen_class`` (held-out placements of training classes) and
``unseen_class`` (whole pair classes never trained on, :func:`unseen_classes`); both chapters call
:func:`split_maps`, so the split exists in one place.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from support import xy
from support.store.data import chunk_seed

DISTANCE_BANDS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12))   # pair classes of short, middle, long distance


def unseen_classes(seed: int) -> tuple[int, ...]:
    """The pair classes chapter 02 never trains on: one from each distance band, drawn by ``seed``."""
    rng = np.random.default_rng(chunk_seed(seed, 13, 1))
    return tuple(sorted(int(rng.choice(band)) for band in DISTANCE_BANDS))


def split_maps(map_id: np.ndarray, distance_class: np.ndarray, *, holdout_fraction: float,
               validation_fraction: float, seed: int) -> dict[str, np.ndarray]:
    """Sample masks of the training split: ``train``, ``validation``, ``seen_class``, ``unseen_class``.

    Every sample of an unseen class (:func:`unseen_classes`) is out of training. Of every other pair
    class, a ``holdout_fraction`` of the placements (map ids) is held out for the ``seen_class`` set
    and a ``validation_fraction`` for model choice; both keep at least one placement per class when
    the class has three or more. The no-pair map (one map) stays in training.

    Args:
        map_id: per-sample map id (:func:`support.xy.dataset.map_id`).
        distance_class: per-sample class (0: no pair, c >= 1: ``xy.PAIR_DISTANCES[c - 1]``).
        holdout_fraction, validation_fraction: fractions of the placements of each training class.
        seed: root seed of the split.

    Returns:
        dict of bool masks ``(n,)``; ``train | validation | seen_class | unseen_class`` covers every
        sample, and the four are disjoint.
    """
    if not (0 < holdout_fraction and 0 <= validation_fraction and holdout_fraction + validation_fraction < 1):
        raise ValueError(f"need 0 < holdout_fraction, 0 <= validation_fraction and their sum < 1, got "
                         f"{holdout_fraction}, {validation_fraction}")
    map_id, distance_class = np.asarray(map_id), np.asarray(distance_class)
    unseen = np.isin(distance_class, unseen_classes(seed))
    rng = np.random.default_rng(chunk_seed(seed, 13, 2))
    held, val = [], []
    for c in range(1, len(xy.PAIR_DISTANCES) + 1):
        maps = np.unique(map_id[(distance_class == c) & ~unseen])
        if len(maps) < 3:
            continue
        maps = rng.permutation(maps)
        n_held = max(1, int(round(holdout_fraction * len(maps))))
        n_val = max(int(validation_fraction > 0), int(round(validation_fraction * len(maps))))
        held += maps[:n_held].tolist()
        val += maps[n_held:n_held + n_val].tolist()
    seen = np.isin(map_id, held)
    validation = np.isin(map_id, val)
    return {"train": ~(unseen | seen | validation), "validation": validation, "seen_class": seen,
            "unseen_class": unseen}


def monitor_set(data: dict[str, np.ndarray], T: float, n_maps: int, seed: int) -> dict[str, np.ndarray]:
    """A fixed small monitor set: up to ``n_maps`` held-out maps at temperature ``T`` and their MC fields."""
    sel = np.flatnonzero(np.isclose(data["T"], T))
    if not len(sel):
        raise ValueError(f"no monitor data at T={T}; available: {np.unique(data['T']).tolist()}")
    maps = np.unique(data["map_id"][sel])
    maps = np.random.default_rng(seed).choice(maps, size=min(n_maps, len(maps)), replace=False)
    sel = sel[np.isin(data["map_id"][sel], maps)]
    return {k: data[k][sel] for k in ("theta", "charges", "T", "map_id")}


def evaluation_set(data: dict[str, np.ndarray], heldout_ids: Iterable[int], *, max_per_class: int,
                   temperatures: Sequence[float] | None = None, seed: int = 0) -> np.ndarray:
    """Indices of the evaluation samples: every held-out map plus the no-pair class.

    The no-pair class has a single map (id 0), which chapter 02 cannot hold out; its Monte Carlo
    samples are used as they are (the comparison is statistical, not per sample). Per
    ``(T, class)`` at most ``max_per_class`` samples are kept, whole chains first, in a random
    chain order fixed by ``seed``.

    Args:
        data: dataset dict of :func:`support.xy.dataset.load_xy_dataset`.
        heldout_ids: map ids never used in training.
        max_per_class: cap per (T, class).
        temperatures: keep only these temperatures (default: all).
        seed: chain order.
    """
    if max_per_class < 1:
        raise ValueError("max_per_class must be >= 1")
    held = np.isin(data["map_id"], np.asarray(list(heldout_ids), dtype=np.int64)) | (data["distance_class"] == 0)
    if temperatures is not None:
        held &= np.isin(np.round(data["T"], 6), np.round(np.asarray(temperatures, dtype=np.float32), 6))
    rng = np.random.default_rng(seed)
    keep = []
    for t in np.unique(data["T"][held]):
        for c in np.unique(data["distance_class"][held]):
            idx = np.flatnonzero(held & (data["T"] == t) & (data["distance_class"] == c))
            if not len(idx):  # maps are drawn per temperature: no held-out map here (top_up_mc fills in)
                continue
            chains = rng.permutation(np.unique(data["chain"][idx]))
            order = np.concatenate([idx[data["chain"][idx] == ch] for ch in chains])
            keep.append(order[:max_per_class])
    if not keep:
        raise ValueError("no evaluation samples: no held-out maps at the requested temperatures")
    return np.sort(np.concatenate(keep))


def split_half_mask(classes: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Boolean mask of one half of every class, made of whole groups (chains) taken alternately.

    Comparing the two halves of the Monte Carlo set gives the noise floor of every score:
    the R² and Acc_topo that a perfect generator would get with this many reference samples.
    """
    classes, groups = np.asarray(classes), np.asarray(groups)
    mask = np.zeros(len(classes), bool)
    for c in np.unique(classes):
        sel = classes == c
        g = np.unique(groups[sel])
        if len(g) >= 2:
            mask[sel & np.isin(groups, g[::2])] = True
        else:  # one chain only: alternate samples
            idx = np.flatnonzero(sel)
            mask[idx[::2]] = True
    return mask


def first_per_class(classes: np.ndarray, n_per_class: int) -> np.ndarray:
    """Indices of the first ``n_per_class`` fields of every class (sorted classes)."""
    classes = np.asarray(classes)
    return np.concatenate([np.flatnonzero(classes == c)[:n_per_class] for c in np.unique(classes)])


def split_record(data: dict[str, np.ndarray], parts: dict[str, np.ndarray], holdout_fraction: float,
                 validation_fraction: float, seed: int) -> dict:
    """What chapter 02 writes about its split, so chapter 04 can recompute and check it."""
    return {"holdout_fraction": float(holdout_fraction), "validation_fraction": float(validation_fraction),
            "seed": int(seed), "unseen_classes": list(unseen_classes(seed)),
            **{f"{p}_map_ids": np.unique(data["map_id"][parts[p]]).astype(np.int64).tolist()
               for p in ("validation", "seen_class", "unseen_class")}}
