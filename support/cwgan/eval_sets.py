"""Evaluation sets of the cWGAN: maps, sizes and temperatures a generator never trained on.

A translation-equivariant generator (and a prior cached up to translation) treats a translated or
point-group image of a training map as the same map, so held-out *placements* test nothing new.
The five named sets below do:

- ``seen_class``: held-out placements of the training classes (what earlier versions called
  "held-out maps"; kept as the in-distribution reference) and the no-pair map;
- ``unseen_class``: whole pair-displacement classes absent from training, all their symmetry images
  included (one class per band of short, middle and long distances, drawn by the seed);
- ``multi_pair``: maps with 2 and 3 vortex-antivortex pairs on random distinct plaquettes;
- ``unseen_T``: single-pair maps of training classes at a temperature between the training ones;
- ``L32``: single-pair (one map of each training class, at most ``n_maps``) and multi-pair maps at
  ``L = 32`` (zero-shot size transfer), grouped by their number of pairs.

Every set is a list of maps with a temperature each. Its Monte Carlo reference is drawn fresh by the
constrained sampler, samples spaced by at least ``2 τ_int`` (measured on a pilot run), with a second,
independent chain per map that gives the *noise floor*: a perfect generator scores like it.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from support import xy
from support.data import chunk_seed
from support.samplers.xy import sample_xy_chains

SETS = ("seen_class", "unseen_class", "multi_pair", "unseen_T", "L32")
N_PAIR_CLASSES = len(xy.PAIR_DISTANCES)          # classes 1 .. 12 (class 0: no pair)
DISTANCE_BANDS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12))   # short, middle, long pair distances
MULTI = -1                                       # distance class of a multi-pair map


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
        map_id: per-sample map id (:func:`support.xy_dataset.map_id`).
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
    for c in range(1, N_PAIR_CLASSES + 1):
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


def multi_pair_maps(L: int, n_pairs: int, n_maps: int, rng: np.random.Generator) -> np.ndarray:
    """``n_maps`` charge maps with ``n_pairs`` vortices (+1) and as many antivortices (-1).

    The ``2 n_pairs`` plaquettes are distinct and uniformly random on the torus; total charge is 0.

    Returns:
        int8 ``(n_maps, L, L)``.
    """
    if n_pairs < 1 or 2 * n_pairs > L * L:
        raise ValueError(f"cannot place {n_pairs} pairs on a {L}x{L} lattice")
    out = np.zeros((n_maps, L * L), np.int8)
    for m in range(n_maps):
        sites = rng.choice(L * L, size=2 * n_pairs, replace=False)
        out[m, sites[:n_pairs]], out[m, sites[n_pairs:]] = 1, -1
    return out.reshape(n_maps, L, L)


def random_pair_maps(L: int, classes: Sequence[int], n_per_class: int, rng: np.random.Generator) -> np.ndarray:
    """``n_per_class`` one-pair maps of each class: uniform position, random symmetry image."""
    maps = []
    for c in classes:
        images = xy.symmetric_displacements(xy.PAIR_DISTANCES[c - 1].displacement)
        for _ in range(n_per_class):
            image = images[rng.integers(len(images))]
            maps.append(xy.pair_map(L, image, tuple(rng.integers(0, L, size=2))))
    return np.stack(maps).astype(np.int8)


def set_maps(name: str, *, L: int, target_T: float, n_maps: int, seed: int,
             dataset_maps: Mapping[str, np.ndarray] | None = None, unseen_T: float = 0.3,
             multi_T: Sequence[float] = (0.1, 0.5), multi_pairs: Sequence[int] = (2, 3),
             large_L: int = 32) -> dict[str, np.ndarray]:
    """The maps and temperatures of one evaluation set.

    Args:
        name: one of :data:`SETS`.
        L: training lattice size.
        target_T: the temperature of the class sets and of ``L32``.
        n_maps: maps per class (per pair count and temperature for ``multi_pair``).
        seed: root seed (fresh maps are drawn from it).
        dataset_maps: for ``seen_class``: ``{"charges", "map_id", "distance_class"}`` of the held-out
            placements (one row per map); for ``unseen_class`` the same for the unseen classes.
        unseen_T, multi_T, multi_pairs, large_L: the set definitions (see module docstring).

    Returns:
        ``{"charges": int8 (m, L', L'), "T": (m,), "distance_class": (m,) (MULTI for multi-pair maps),
        "n_pairs": (m,)}``.
    """
    rng = np.random.default_rng(chunk_seed(seed, 13, 3, SETS.index(name)))
    training_classes = [c for c in range(1, N_PAIR_CLASSES + 1) if c not in unseen_classes(seed)]
    if name in ("seen_class", "unseen_class"):
        if dataset_maps is None:
            raise ValueError(f"{name} needs dataset_maps (the held-out maps of chapter 01's dataset)")
        charges, cls = _first_maps_per_class(dataset_maps, n_maps)
        if name == "seen_class":
            charges = np.concatenate([np.zeros((1, L, L), np.int8), charges])
            cls = np.concatenate([[0], cls])
        return _rows(charges, np.full(len(cls), target_T), cls)
    if name == "multi_pair":
        parts = [(multi_pair_maps(L, p, n_maps, rng), t, p) for t in multi_T for p in multi_pairs]
        return _concat_rows([_rows(k, np.full(len(k), t), np.full(len(k), MULTI), p) for k, t, p in parts])
    if name == "unseen_T":
        charges = random_pair_maps(L, training_classes, n_maps, rng)
        return _rows(charges, np.full(len(charges), unseen_T), np.repeat(training_classes, n_maps))
    if name == "L32":   # grouped by number of pairs: size transfer is scored on E, |M|, map, C(r), topology
        single = random_pair_maps(large_L, training_classes, 1, rng)[rng.permutation(len(training_classes))]
        parts = [single[:n_maps]] + [multi_pair_maps(large_L, p, n_maps, rng) for p in multi_pairs]
        return _concat_rows([_rows(k, np.full(len(k), target_T), np.full(len(k), MULTI)) for k in parts])
    raise ValueError(f"unknown evaluation set {name!r}; choose from {SETS}")


def _first_maps_per_class(maps: Mapping[str, np.ndarray], n_maps: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n_maps`` distinct maps of every class, in order of first appearance."""
    ids, first = np.unique(np.asarray(maps["map_id"]), return_index=True)
    first = np.sort(first)
    cls = np.asarray(maps["distance_class"])[first]
    keep = np.concatenate([first[cls == c][:n_maps] for c in np.unique(cls)])
    return np.asarray(maps["charges"])[keep].astype(np.int8), np.asarray(maps["distance_class"])[keep]


def _rows(charges, T, distance_class, n_pairs=None) -> dict[str, np.ndarray]:
    charges = xy.check_charges(charges)
    if n_pairs is None:
        n_pairs = (charges == 1).sum(axis=(-2, -1))
    return {"charges": charges, "T": np.asarray(T, np.float32), "distance_class": np.asarray(distance_class, np.int8),
            "n_pairs": np.broadcast_to(np.asarray(n_pairs, np.int8), (len(charges),)).copy()}


def _concat_rows(parts: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    sizes = {p["charges"].shape[-1] for p in parts}
    if len(sizes) != 1:
        raise ValueError(f"one lattice size per set, got {sorted(sizes)}")
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def integrated_autocorrelation_time(x: np.ndarray, c: float = 5.0) -> float:
    """Integrated autocorrelation time ``τ = 1/2 + Σ_t ρ(t)`` with Sokal's automatic window (M ≥ c τ(M)).

    Independent samples are ``2 τ`` steps apart (white noise gives ``τ = 1/2``).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    if n < 4:
        raise ValueError("need at least 4 points")
    x = x - x.mean()
    if not np.any(x):
        return 0.5
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    acf /= acf[0]
    taus = np.cumsum(acf) - 0.5     # τ(M) = 1/2 + Σ_{t=1..M} ρ(t)
    for m in range(1, n):
        if m >= c * taus[m]:
            return float(taus[m])
    return float(taus[-1])


def measured_spacing(charges: np.ndarray, T: float, *, burn_in: int, pilot_sweeps: int, seed: int,
                     min_spacing: int = 1) -> dict[str, float]:
    """Sweeps between independent constrained-MC samples: ``ceil(2 τ_int)``, τ measured on pilot chains.

    One pilot chain per map in ``charges`` (``(n, L, L)``) runs ``burn_in`` sweeps, then stores every
    sweep for ``pilot_sweeps``; τ_int is the larger of those of the energy and of |M| (the stored global
    rotation does not enter either), averaged over chains.

    Returns:
        ``{"tau_int_energy", "tau_int_m", "tau_int", "spacing"}`` (spacing in sweeps, >= ``min_spacing``).
    """
    theta = sample_xy_chains(charges.shape[-1], float(T), int(pilot_sweeps), charges=charges, burn_in=burn_in,
                             sweeps_between=1, seed=seed)
    tau_e = float(np.mean([integrated_autocorrelation_time(xy.energy(th)) for th in theta]))
    tau_m = float(np.mean([integrated_autocorrelation_time(xy.magnetization(th)) for th in theta]))
    tau = max(tau_e, tau_m)
    return {"tau_int_energy": tau_e, "tau_int_m": tau_m, "tau_int": tau,
            "spacing": int(max(min_spacing, math.ceil(2 * tau)))}


def mc_reference(maps: Mapping[str, np.ndarray], *, samples_per_map: int, spacing: Mapping[float, int],
                 burn_in: int, seed: int, progress: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """Monte Carlo reference and noise-floor sets of one evaluation set.

    Each map gets two independent chains from its Villain field (``burn_in`` sweeps, then
    ``samples_per_map`` samples ``spacing[T]`` sweeps apart): the first is the reference, the second
    the noise floor (an MC set of the same size as the generated set will be).

    Returns:
        ``{"reference": rows, "noise_floor": rows}``, rows ``{"theta" float32 (n, L, L), "charges",
        "T", "distance_class", "n_pairs", "map"}`` with ``n = samples_per_map * len(maps)``, map-major.
    """
    out = {"reference": [], "noise_floor": []}
    for t in np.unique(maps["T"]):
        sel = np.flatnonzero(maps["T"] == t)
        twice = np.concatenate([maps["charges"][sel], maps["charges"][sel]])
        theta = sample_xy_chains(twice.shape[-1], float(t), int(samples_per_map), charges=twice, burn_in=burn_in,
                                 sweeps_between=int(spacing[round(float(t), 6)]),
                                 seed=chunk_seed(seed, 13, 4, int(round(1e3 * t))), progress=progress)
        for half, key in enumerate(("reference", "noise_floor")):
            th = theta[half * len(sel):(half + 1) * len(sel)]
            rows = {k: np.repeat(np.asarray(maps[k])[sel], samples_per_map, axis=0)
                    for k in ("charges", "T", "distance_class", "n_pairs")}
            rows["theta"] = th.reshape(-1, *th.shape[2:])
            rows["map"] = np.repeat(sel, samples_per_map)
            out[key].append(rows)
    return {key: {k: np.concatenate([r[k] for r in parts]) for k in parts[0]} for key, parts in out.items()}


def build_eval_set(name: str, *, L: int, target_T: float, n_maps: int, samples_per_map: int, burn_in: int,
                   pilot_sweeps: int, seed: int, dataset_maps: Mapping[str, np.ndarray] | None = None,
                   **definition) -> dict[str, object]:
    """Maps, measured MC spacing, reference and noise-floor fields of one evaluation set.

    ``definition`` passes ``unseen_T``, ``multi_T``, ``multi_pairs``, ``large_L`` to :func:`set_maps`.
    The spacing is measured per temperature on pilot chains of the set's first maps (up to 8).

    Returns:
        ``{"maps": rows, "spacing": {T: measured_spacing(...)}, "reference": rows, "noise_floor": rows}``.
    """
    maps = set_maps(name, L=L, target_T=target_T, n_maps=n_maps, seed=seed, dataset_maps=dataset_maps, **definition)
    spacing = {}
    for t in np.unique(maps["T"]):
        pilot = maps["charges"][maps["T"] == t][:8]
        spacing[round(float(t), 6)] = measured_spacing(pilot, float(t), burn_in=burn_in, pilot_sweeps=pilot_sweeps,
                                                       seed=chunk_seed(seed, 13, 5, SETS.index(name)))
    mc = mc_reference(maps, samples_per_map=samples_per_map, burn_in=burn_in,
                      spacing={t: s["spacing"] for t, s in spacing.items()}, seed=chunk_seed(seed, 13, 6, SETS.index(name)))
    return {"maps": maps, "spacing": spacing, **mc}
