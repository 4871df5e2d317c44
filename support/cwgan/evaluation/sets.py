"""Evaluation sets of the cWGAN, labelled by what each generator trained on.

A translation-equivariant generator (and a prior cached up to translation) treats a translated or
point-group image of a training map as the same map, so held-out *placements* test nothing new.
The named sets below do:

- ``seen_class``: held-out placements of the training classes and the no-pair map (in distribution
  for every generator: the reference);
- ``unseen_class``: whole pair-displacement classes absent from training, all their symmetry images
  included (one class per band of short, middle and long distances, drawn by the seed);
- ``multi_pair``: maps with 2 and 3 vortex-antivortex pairs on random distinct plaquettes (the learned
  generator's training recipe draws such maps; the U-Nets never saw more than one pair);
- ``unseen_T``: single-pair maps of training classes at a temperature between the U-Nets' training
  temperatures (inside the learned generator's training range);
- ``L32``: single-pair (one map of each training class, at most ``n_maps``) and multi-pair maps at
  ``L = 32`` (zero-shot size transfer), grouped by their number of pairs;
- ``many_pairs``: 4 to 6 pairs (more than any training map);
- ``L64``: as ``L32`` at ``L = 64``;
- ``outside_T``: single-pair maps of training classes at a temperature above every training range.

Whether a set lies inside a generator's training distribution is computed from the set's maps and the
generator's training conditions (:func:`in_training_distribution`), not declared.

Every set is a list of maps with a temperature each. Its Monte Carlo reference is drawn fresh by the
constrained sampler, samples spaced by at least ``2 τ_int`` (measured on a pilot run), with a second,
independent chain per map that gives the *noise floor*: a perfect generator scores like it. With
``overrelax = k > 0`` every chain (pilot, reference, noise floor) runs cycles of one Metropolis sweep and ``k``
constrained over-relaxation sweeps, and burn-in, pilot length, τ_int and spacing count cycles.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from support import xy
from support.cwgan.evaluation.mc_reference import integrated_autocorrelation_time
from support.cwgan.split import unseen_classes
from support.samplers.xy import sample_xy_chains
from support.store.data import chunk_seed

SETS = ("seen_class", "unseen_class", "multi_pair", "unseen_T", "L32", "many_pairs", "L64", "outside_T")
SIZE_SETS = {"L32": 32, "L64": 64}           # zero-shot size transfer: the set's lattice size
MULTI = -1                                       # distance class of a multi-pair map


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
             many_pairs: Sequence[int] = (4, 5, 6), outside_T: float = 1.1) -> dict[str, np.ndarray]:
    """The maps and temperatures of one evaluation set.

    Args:
        name: one of :data:`SETS`.
        L: training lattice size.
        target_T: the temperature of the class sets and of the size sets.
        n_maps: maps per class (per pair count and temperature for ``multi_pair`` and ``many_pairs``).
        seed: root seed (fresh maps are drawn from it).
        dataset_maps: for ``seen_class``: ``{"charges", "map_id", "distance_class"}`` of the held-out
            placements (one row per map); for ``unseen_class`` the same for the unseen classes.
        unseen_T, multi_T, multi_pairs, many_pairs, outside_T: the set definitions (module docstring).

    Returns:
        ``{"charges": int8 (m, L', L'), "T": (m,), "distance_class": (m,) (MULTI for multi-pair maps),
        "n_pairs": (m,)}``.
    """
    rng = np.random.default_rng(chunk_seed(seed, 13, 3, SETS.index(name)))
    training_classes = [c for c in range(1, len(xy.PAIR_DISTANCES) + 1) if c not in unseen_classes(seed)]
    if name in ("seen_class", "unseen_class"):
        if dataset_maps is None:
            raise ValueError(f"{name} needs dataset_maps (the held-out maps of chapter 01's dataset)")
        charges, cls = _first_maps_per_class(dataset_maps, n_maps)
        if name == "seen_class":
            charges = np.concatenate([np.zeros((1, L, L), np.int8), charges])
            cls = np.concatenate([[0], cls])
        return _rows(charges, np.full(len(cls), target_T), cls)
    if name in ("multi_pair", "many_pairs"):
        counts = multi_pairs if name == "multi_pair" else many_pairs
        parts = [(multi_pair_maps(L, p, n_maps, rng), t, p) for t in multi_T for p in counts]
        return _concat_rows([_rows(k, np.full(len(k), t), np.full(len(k), MULTI), p) for k, t, p in parts])
    if name in ("unseen_T", "outside_T"):
        charges = random_pair_maps(L, training_classes, n_maps, rng)
        t = unseen_T if name == "unseen_T" else outside_T
        return _rows(charges, np.full(len(charges), t), np.repeat(training_classes, n_maps))
    if name in SIZE_SETS:   # grouped by number of pairs: size transfer is scored on E, |M|, map, C(r), topology
        large_L = SIZE_SETS[name]
        single = random_pair_maps(large_L, training_classes, 1, rng)[rng.permutation(len(training_classes))]
        parts = [single[:n_maps]] + [multi_pair_maps(large_L, p, n_maps, rng) for p in multi_pairs]
        return _concat_rows([_rows(k, np.full(len(k), target_T), np.full(len(k), MULTI)) for k in parts])
    raise ValueError(f"unknown evaluation set {name!r}; choose from {SETS}")


def unet_conditions(data: Mapping[str, np.ndarray], unseen: Sequence[int]) -> dict[str, object]:
    """What the U-Nets (paper and prior variants) trained on: chapter 01's maps at its lattice size and
    temperatures, each with no pair or one pair of a training class."""
    classes = [int(c) for c in np.unique(data["distance_class"]) if c > 0 and c not in set(unseen)]
    return {"L": int(np.asarray(data["charges"]).shape[-1]), "T": sorted({round(float(t), 6) for t in data["T"]}),
            "T_range": None, "pairs": [0, 1], "classes": classes}


def learned_conditions(training: Mapping[str, object], unseen: Sequence[int]) -> dict[str, object]:
    """What the learned generator trained on (its checkpoint's training settings): one pair of a training class
    or, when ``multi_pair_fraction > 0``, 2-3 pairs; temperatures uniform in ``[T_min, T_max]``; one size."""
    classes = [c for c in range(1, len(xy.PAIR_DISTANCES) + 1) if c not in set(unseen)]
    pairs = [1, 2, 3] if float(training["multi_pair_fraction"]) > 0 else [1]
    return {"L": int(training["L"]), "T": None, "T_range": [float(training["T_min"]), float(training["T_max"])],
            "pairs": pairs, "classes": classes}


def in_training_distribution(maps: Mapping[str, np.ndarray], conditions: Mapping[str, object]) -> bool:
    """Whether every map of a set (``set_maps`` rows) could have been drawn by a generator's training recipe.

    ``conditions``: ``{"L", "T" (list) or "T_range" ([lo, hi]), "pairs" (allowed pair counts), "classes"
    (allowed distance classes of single-pair maps)}``, as built by :func:`unet_conditions` or
    :func:`learned_conditions`. Multi-pair maps count as in distribution when their pair count is allowed.
    """
    T = np.asarray(maps["T"], np.float64)
    if np.asarray(maps["charges"]).shape[-1] != conditions["L"]:
        return False
    if conditions["T_range"] is not None:
        lo, hi = conditions["T_range"]
        T_ok = np.all((T >= lo - 1e-6) & (T <= hi + 1e-6))
    else:
        T_ok = np.all(np.isclose(T[:, None], np.asarray(conditions["T"])[None, :], atol=1e-5).any(axis=1))
    cls = np.asarray(maps["distance_class"])
    single = cls > 0
    return bool(T_ok and np.isin(maps["n_pairs"], conditions["pairs"]).all()
                and np.isin(cls[single], conditions["classes"]).all())


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


def measured_spacing(charges: np.ndarray, T: float, *, burn_in: int, pilot_sweeps: int, seed: int,
                     min_spacing: int = 1, overrelax: int = 0) -> dict[str, float]:
    """Sweeps between independent constrained-MC samples: ``ceil(2 τ_int)``, τ measured on pilot chains.

    One pilot chain per map in ``charges`` (``(n, L, L)``) runs ``burn_in`` sweeps, then stores every
    sweep for ``pilot_sweeps``; τ_int is the larger of those of the energy and of |M| (the stored global
    rotation does not enter either), averaged over chains.

    Returns:
        ``{"tau_int_energy", "tau_int_m", "tau_int", "spacing"}`` (spacing in sweeps, >= ``min_spacing``).
    """
    theta = sample_xy_chains(charges.shape[-1], float(T), int(pilot_sweeps), charges=charges, burn_in=burn_in,
                             sweeps_between=1, seed=seed, overrelax=overrelax)
    tau_e = float(np.mean([integrated_autocorrelation_time(xy.energy(th)) for th in theta]))
    tau_m = float(np.mean([integrated_autocorrelation_time(xy.magnetization(th)) for th in theta]))
    tau = max(tau_e, tau_m)
    return {"tau_int_energy": tau_e, "tau_int_m": tau_m, "tau_int": tau,
            "spacing": int(max(min_spacing, math.ceil(2 * tau)))}


def mc_reference(maps: Mapping[str, np.ndarray], *, samples_per_map: int, spacing: Mapping[float, int],
                 burn_in: int, seed: int, progress: bool = False,
                 overrelax: int = 0) -> dict[str, dict[str, np.ndarray]]:
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
                                 seed=chunk_seed(seed, 13, 4, int(round(1e3 * t))), progress=progress,
                                 overrelax=overrelax)
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
                   overrelax: int = 0, **definition) -> dict[str, object]:
    """Maps, measured MC spacing, reference and noise-floor fields of one evaluation set.

    ``definition`` passes the set definitions (``unseen_T``, ``multi_T``, ...) to :func:`set_maps`.
    The spacing is measured per temperature on pilot chains of the set's first maps (up to 8). On a set of
    another size ``L'``, burn-in and pilot sweeps are scaled by ``(L'/L)^2``: local Metropolis moves the
    longest spin waves in about ``L^2`` sweeps, and a pilot much shorter than that underestimates tau; the
    pilot runs on ``(L/L')^2`` as many maps (at least 2). The same scaling is kept with over-relaxation
    (``overrelax`` OR sweeps per Metropolis sweep, all counts in cycles): it is conservative there (tau_int of
    |M| with two OR sweeps grew about tenfold from L = 16 to 64 at T = 0.1-0.3, not sixteenfold;
    ``benchmarks/bench_overrelax_tau.py``).

    Returns:
        ``{"maps": rows, "spacing": {T: measured_spacing(...)}, "reference": rows, "noise_floor": rows}``.
    """
    maps = set_maps(name, L=L, target_T=target_T, n_maps=n_maps, seed=seed, dataset_maps=dataset_maps, **definition)
    scale = max(1.0, (maps["charges"].shape[-1] / L) ** 2)
    burn_in, pilot_sweeps = int(round(burn_in * scale)), int(round(pilot_sweeps * scale))
    n_pilot = max(2, int(8 / scale))          # as many sweeps x sites of pilot as at L, up to the longer chains
    spacing = {}
    for t in np.unique(maps["T"]):
        pilot = maps["charges"][maps["T"] == t][:n_pilot]
        spacing[round(float(t), 6)] = measured_spacing(pilot, float(t), burn_in=burn_in, pilot_sweeps=pilot_sweeps,
                                                       seed=chunk_seed(seed, 13, 5, SETS.index(name)),
                                                       overrelax=overrelax)
    mc = mc_reference(maps, samples_per_map=samples_per_map, burn_in=burn_in, overrelax=overrelax,
                      spacing={t: s["spacing"] for t, s in spacing.items()}, seed=chunk_seed(seed, 13, 6, SETS.index(name)))
    return {"maps": maps, "spacing": spacing, **mc}


def dataset_maps(data: Mapping[str, np.ndarray], mask: np.ndarray, T: float) -> dict[str, np.ndarray]:
    """The distinct maps of the dataset rows in ``mask`` at temperature ``T`` (one row per map)."""
    sel = np.flatnonzero(np.asarray(mask) & np.isclose(data["T"], T))
    _, first = np.unique(data["map_id"][sel], return_index=True)
    rows = sel[np.sort(first)]
    return {"charges": data["charges"][rows], "map_id": data["map_id"][rows], "distance_class": data["distance_class"][rows]}


def build_all(data: Mapping[str, np.ndarray], parts: Mapping[str, np.ndarray], *, L: int, target_T: float,
              n_maps: Mapping[str, int], samples_per_map: int, burn_in: int, pilot_sweeps: int, seed: int,
              overrelax: int = 0, **definition) -> dict[str, dict]:
    """Every set of :data:`SETS`: ``seen_class`` and ``unseen_class`` take their maps from the dataset parts of
    chapter 02's split (at ``target_T``), the others draw new maps; ``n_maps[name]`` maps per class/group."""
    out = {}
    for name in SETS:
        maps = dataset_maps(data, parts[name], target_T) if name in ("seen_class", "unseen_class") else None
        out[name] = build_eval_set(name, L=L, target_T=target_T, n_maps=int(n_maps[name]), samples_per_map=samples_per_map,
                                   burn_in=burn_in, pilot_sweeps=pilot_sweeps, seed=seed, dataset_maps=maps,
                                   overrelax=overrelax, **definition)
    return out


def set_overview(sets: Mapping[str, Mapping[str, object]], unit: str = "sweeps"):
    """A DataFrame, one row per set: lattice size, maps, reference fields (as many again on the noise floor),
    temperatures, and the measured spacing per temperature in ``unit`` (sweeps, or cycles with over-relaxation)."""
    import pandas as pd

    rows = {name: {"L": st["maps"]["charges"].shape[-1], "maps": len(st["maps"]["T"]),
                   "MC fields": len(st["reference"]["T"]), "T": ", ".join(f"{t:g}" for t in st["spacing"]),
                   f"spacing ({unit})": ", ".join(str(v["spacing"]) for v in st["spacing"].values())}
            for name, st in sets.items()}
    return pd.DataFrame(rows).T


def topo_fields_at(n: int, L: int, set_L: int) -> int:
    """Fields per group for a set's topological measures: ``n`` at the training size ``L``, scaled by
    ``(L / set_L)^2`` on larger lattices (the cluster radius and diameter cost O(N^2) per field), at least 2."""
    return max(2, int(round(n * (L / set_L) ** 2)))
