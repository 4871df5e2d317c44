"""Which XY fields the cWGAN may see: the held-out maps, the monitor set, the evaluation set, MC halves.

Chapter 02 trains on the maps :func:`heldout_mask` leaves in and chapter 04 evaluates on the ones
it holds out; both call :func:`heldout_map_ids`, so the split exists in one place.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from support.data import chunk_seed


def heldout_mask(map_id: np.ndarray, distance: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Held-out mask: a ``fraction`` of the maps (placements) of every pair distance, never seen in training.

    Every distance with at least two maps keeps at least one map in each part, so held-out
    maps cover all distances (d = 1 included).

    Returns:
        bool ``(n,)``: True for samples of held-out maps.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"holdout fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    held = []
    dist_of_map = {}
    for m, d in zip(map_id.tolist(), np.round(distance, 3).tolist()):
        dist_of_map.setdefault(m, d)
    by_d: dict[float, list[int]] = {}
    for m, d in sorted(dist_of_map.items()):
        by_d.setdefault(d, []).append(m)
    for d, maps in sorted(by_d.items()):
        if len(maps) < 2:
            continue
        k = min(len(maps) - 1, max(1, int(round(fraction * len(maps)))))
        held += rng.choice(maps, size=k, replace=False).tolist()
    return np.isin(map_id, np.array(held, dtype=map_id.dtype))


def heldout_map_ids(data: dict[str, np.ndarray], fraction: float, seed: int) -> np.ndarray:
    """Sorted int64 ids of the held-out maps of a data set (:func:`heldout_mask` on its maps and distances)."""
    held = heldout_mask(data["map_id"], data["distance"], fraction, seed)
    return np.unique(data["map_id"][held]).astype(np.int64)


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
        data: dataset dict of :func:`support.xy_dataset.load_xy_dataset`.
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


def unseen_classes(seed: int) -> list[int]:
    """One pair class from each band (1-4), (5-8), (9-12), drawn in that order from ``seed``: never trained on."""
    rng = np.random.default_rng(chunk_seed(seed, 13, 1))
    return sorted(int(rng.choice(band)) for band in ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12)))
