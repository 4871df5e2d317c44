"""Skyrmion-lattice dataset: phase points in the scan's lattice region, chunked annealed lattices, splits by point."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from support.chiral.phases import _stored, detection_rule, is_skyrmion_lattice, lattice_statistics, skyrmion_points
from support.samplers.heisenberg import anneal_points
from support.store.data import chunk_seed, generate_chunked, load_chunked, load_json


def _cell_edges(values: np.ndarray) -> np.ndarray:
    """Edges of the cells around sorted grid values: midpoints, and half a spacing beyond the ends."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) == 1:  # a one-value axis: a cell of ±5 % around it
        return v[0] + np.array([-0.05, 0.05]) * (abs(v[0]) or 1.0)
    mid = 0.5 * (v[1:] + v[:-1])
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def sample_region_points(scan: dict, n_points: int, *, seed: int = 0) -> np.ndarray:
    """``n_points`` phase points drawn uniformly inside the skyrmion-lattice region of a phase scan.

    The region is the union of the grid cells of the scan points classified as skyrmion lattice
    where the detection agrees with ``-Q`` (all skyrmion-lattice points if there is no such point,
    see :func:`skyrmion_points`); a cell spans ``(D, b)`` (``b = B J / D²``, the scan's axes) half-way
    to the neighbouring grid values (half a spacing beyond the outermost ones). A cell is chosen with
    probability proportional to its area, then a point uniformly inside it, so the points are uniform
    in ``(D, b)`` over the region, as the thesis's dense sampling of its skyrmion-lattice region.
    Near the region's edge a point may fall outside the phase; the per-lattice filter
    :func:`is_skyrmion_lattice` removes what did not become a skyrmion lattice.

    Returns:
        float64 ``(n_points, 2)`` array of ``(D, B)``.
    """
    if n_points < 1:
        raise ValueError(f"n_points must be >= 1, got {n_points}")
    Dg, bg = np.array(sorted(set(scan["D"]))), np.array(sorted(set(scan["b"])))
    dE, bE = _cell_edges(Dg), _cell_edges(bg)
    keep = set(skyrmion_points(scan) or skyrmion_points(scan, require_detection=False))
    cells = [(np.searchsorted(Dg, d), np.searchsorted(bg, b)) for d, B, b in zip(scan["D"], scan["B"], scan["b"])
             if (d, B) in keep]
    if not cells:
        raise ValueError("the scan has no skyrmion-lattice point to sample around")
    lo = np.array([[dE[i], bE[j]] for i, j in cells])
    hi = np.array([[dE[i + 1], bE[j + 1]] for i, j in cells])
    area = np.prod(hi - lo, axis=1)
    rng = np.random.default_rng(chunk_seed(seed, 4_242))
    pick = rng.choice(len(cells), size=n_points, p=area / area.sum())
    Db = lo[pick] + rng.random((n_points, 2)) * (hi[pick] - lo[pick])
    return np.stack([Db[:, 0], Db[:, 1] * Db[:, 0] ** 2], axis=1)


def split_by_point(point: np.ndarray, *, split: int, n_splits: int, test_fraction: float, val_fraction: float,
                   seed: int = 0) -> dict[str, np.ndarray]:
    """Train/validation/test split of lattices by whole phase points (a test point is never seen in training).

    The phase points present in ``point`` are permuted once (seeded); split ``k`` tests the ``k``-th
    block of ``round(test_fraction · n_points)`` points, so the test points of different splits are
    disjoint. Of the remaining points, ``round(val_fraction · n_rest)`` (at least one) chosen by a
    per-split seed are the validation points (model selection); the rest are fitted.

    Args:
        point: phase-point id of every lattice ``(n,)``.
        split: which split, ``0 <= split < n_splits``.
        n_splits: number of splits; needs ``n_splits · test_fraction <= 1``.
        test_fraction, val_fraction: shares of the points (test) and of the remaining points (validation).
        seed: root seed.

    Returns:
        dict of sorted lattice indices ``fit``, ``val``, ``test`` and point ids ``train_points``
        (fit and validation) and ``test_points``.
    """
    point = np.asarray(point)
    ids = np.unique(point)
    n_test = int(round(test_fraction * len(ids)))
    if not 0 <= split < n_splits or n_test < 1 or n_splits * n_test > len(ids) or not 0 < val_fraction < 1:
        raise ValueError(f"cannot make split {split} of {n_splits} with test_fraction={test_fraction}, "
                         f"val_fraction={val_fraction} from {len(ids)} phase points")
    order = np.random.default_rng(chunk_seed(seed, 7_777)).permutation(ids)
    test_pts = np.sort(order[split * n_test:(split + 1) * n_test])
    rest = np.setdiff1d(ids, test_pts)
    n_val = max(1, int(round(val_fraction * len(rest))))
    if n_val >= len(rest):
        raise ValueError(f"{len(rest)} training points are too few for val_fraction={val_fraction}")
    val_pts = np.random.default_rng(chunk_seed(seed, 7_778, split)).permutation(rest)[:n_val]
    where = {name: np.flatnonzero(np.isin(point, pts)) for name, pts in (("test", test_pts), ("val", val_pts))}
    fit = np.flatnonzero(~np.isin(point, np.concatenate([test_pts, val_pts])))
    return {"fit": fit, "val": where["val"], "test": where["test"], "train_points": rest, "test_points": test_pts}


def generate_skyrmion_dataset(out_dir: str | os.PathLike, *, L: int, points: Sequence[Sequence[float]],
                              configs_per_point: int, seed: int, progress: bool = True, sweeps: int = 2500,
                              n_temps: int = 50, T_start: float = 1.0, T_final: float = 0.006, dmi: str = "neel",
                              lattices_per_chunk: int = 32, scheduler: str | None = None,
                              rule: Mapping | None = None) -> Path:
    """Anneal ``configs_per_point`` lattices at every ``(D, B)`` point into a chunked dataset.

    Chunks hold ``lattices_per_chunk`` lattices (in point order), each chunk seeded with
    ``chunk_seed(seed, chunk)``; writes are atomic and a rerun resumes (see
    ``support.store.data.generate_chunked``). Per lattice the chunks store ``spins`` (float32
    ``(3, L, L)``), ``D``, ``B``, the :func:`lattice_statistics` (``Q``, ``Mz``, ``n_skyrmions``,
    ``n_defects``, ``n_elongated``), ``point`` (index into ``points``) and ``is_lattice``
    (:func:`is_skyrmion_lattice`). Train/test splits are made later, by whole points
    (:func:`split_by_point`). ``scheduler`` says where the chunks
    run (``None`` here, ``""`` a Dask LocalCluster, or a scheduler address; same bytes). ``rule`` is the skyrmion
    detection rule of the statistics and the filter (default :data:`support.chiral.phases.DETECTION`); it is part
    of the manifest's parameters, so data counted by another rule are not resumed.

    Returns:
        the dataset folder.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 0:
        raise ValueError("generate_skyrmion_dataset: no (D, B) points (the phase scan found no skyrmion lattice?)")
    if configs_per_point < 1 or L < 8 or lattices_per_chunk < 1:
        raise ValueError(f"bad dataset parameters: L={L}, configs_per_point={configs_per_point}, "
                         f"lattices_per_chunk={lattices_per_chunk}")
    n = len(pts) * configs_per_point
    point = np.repeat(np.arange(len(pts)), configs_per_point)
    Ds, Bs = pts[point, 0], pts[point, 1]
    n_chunks = -(-n // lattices_per_chunk)
    rule = detection_rule(rule)
    params = dict(L=L, points=pts.tolist(), configs_per_point=configs_per_point, seed=seed, sweeps=sweeps,
                  n_temps=n_temps, T_start=T_start, T_final=T_final, dmi=dmi, lattices_per_chunk=lattices_per_chunk,
                  J=1.0, rule=rule)

    def make_chunk(c: int) -> dict[str, np.ndarray]:
        sl = slice(c * lattices_per_chunk, min(n, (c + 1) * lattices_per_chunk))
        spins = anneal_points(L, Ds[sl], Bs[sl], seed=chunk_seed(seed, c), sweeps=sweeps, n_temps=n_temps,
                              T_start=T_start, T_final=T_final, dmi=dmi)
        stats = lattice_statistics(spins, rule)
        return dict(spins=spins, D=Ds[sl], B=Bs[sl], point=point[sl].astype(np.int32),
                    is_lattice=is_skyrmion_lattice(stats, L, Ds[sl]), **_stored(stats))

    return generate_chunked(out_dir, params, n_chunks, make_chunk, desc="skyrmion lattices", progress=progress,
                            scheduler=scheduler)


def load_skyrmion_dataset(out_dir: str | os.PathLike, *, lattices_only: bool = True) -> dict[str, np.ndarray]:
    """Load a complete skyrmion dataset written by :func:`generate_skyrmion_dataset`.

    Args:
        out_dir: the dataset folder.
        lattices_only: keep only the lattices that pass :func:`is_skyrmion_lattice` (what the VAE
            chapters use); ``False`` returns every annealed lattice.

    Returns:
        dict with ``spins`` float32 ``(n, 3, L, L)``; ``D``, ``B``, ``Q``, ``Mz``, ``n_skyrmions``,
        ``n_defects``, ``n_elongated``, ``point``, ``is_lattice`` ``(n,)``. The generation parameters
        are in :func:`skyrmion_dataset_params`.

    Raises:
        FileNotFoundError: no complete dataset there (made by chapter 01, 01_simulate).
    """
    data = load_chunked(out_dir, made_by="chapter 01 (notebooks/01_simulate.py, part 2)")
    data["is_lattice"] = data["is_lattice"].astype(bool)
    if lattices_only:
        data = {k: v[data["is_lattice"]] for k, v in data.items()}
    return data


def skyrmion_dataset_params(out_dir: str | os.PathLike) -> dict:
    """Generation parameters (``L``, ``points``, seeds, schedule) from a dataset's manifest."""
    return load_json(Path(out_dir) / "manifest.json")["params"]


def first_configs(data: Mapping[str, np.ndarray], configs_per_point: int) -> dict[str, np.ndarray]:
    """The first ``configs_per_point`` annealed lattices of every point (datasets are stored in point order)."""
    point = np.asarray(data["point"])
    if np.any(np.diff(point) < 0):
        raise ValueError("the dataset is not in point order")
    config = np.arange(len(point)) - np.searchsorted(point, point, side="left")
    keep = config < configs_per_point
    return {k: np.asarray(v)[keep] for k, v in data.items()}


def charge_spread(data: Mapping[str, np.ndarray]) -> dict[str, float]:
    """How widely a set of lattices spreads in charge, and how ``Q`` goes with ``D`` and ``M_z`` over it.

    The latent analysis reads ``Q`` off the latent; a narrow ``Q`` (few skyrmion counts, or ``Q`` set by ``D``
    alone) leaves it little to read. Returns ``n``, ``D_min``, ``D_max``, ``Q_mean``, ``Q_std``, ``Q_min``,
    ``Q_max`` and the Pearson coefficients ``r_D_Q``, ``r_Q_Mz`` (NaN for fewer than two lattices or a constant).
    """
    D, Q, Mz = (np.asarray(data[k], dtype=np.float64).ravel() for k in ("D", "Q", "Mz"))
    if len(Q) == 0:
        nan = float("nan")
        return {"n": 0, **{k: nan for k in ("D_min", "D_max", "Q_mean", "Q_std", "Q_min", "Q_max", "r_D_Q", "r_Q_Mz")}}

    def r(x, y):
        return float(np.corrcoef(x, y)[0, 1]) if len(x) > 1 and np.ptp(x) > 0 and np.ptp(y) > 0 else float("nan")
    return {"n": int(len(Q)), "D_min": float(D.min()), "D_max": float(D.max()), "Q_mean": float(Q.mean()),
            "Q_std": float(Q.std()), "Q_min": float(Q.min()), "Q_max": float(Q.max()), "r_D_Q": r(D, Q),
            "r_Q_Mz": r(Q, Mz)}


def filter_spreads(annealed: Mapping[str, np.ndarray], rules: Mapping[str, Mapping | None]) -> dict[str, dict]:
    """:func:`charge_spread` of the lattices each detection rule's filter keeps from the same annealed lattices.

    Args:
        annealed: every annealed lattice of a dataset (``load_skyrmion_dataset(..., lattices_only=False)``).
        rules: named detection rules (``None``: :data:`support.chiral.phases.DETECTION`).

    Returns:
        per rule name, the spread of its kept lattices plus ``n_annealed``.
    """
    L = annealed["spins"].shape[-1]
    out = {}
    for name, rule in rules.items():
        stats = lattice_statistics(annealed["spins"], rule)
        keep = is_skyrmion_lattice(stats, L, annealed["D"])
        kept = {"D": np.asarray(annealed["D"])[keep], "Q": stats["Q"][keep], "Mz": stats["Mz"][keep]}
        out[name] = charge_spread(kept) | {"n_annealed": int(len(keep))}
    return out


def anneal_seconds(L: int, *, sweeps: int = 100, n_temps: int = 10, dmi: str = "neel", seed: int = 0,
                   repeats: int = 2) -> float:
    """Wall seconds of one short anneal of one ``L × L`` lattice (best of ``repeats``: the machine may be shared).

    An anneal costs ``sweeps`` Metropolis plus as many over-relaxation sweeps of ``L²`` updates each, so the
    time of the chapter's anneals is this one scaled by their sweeps over ``sweeps``.
    """
    timed = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        anneal_points(L, np.array([0.6]), np.array([0.12]), seed=seed, sweeps=sweeps, n_temps=n_temps, dmi=dmi)
        timed.append(time.perf_counter() - t0)
    return min(timed)
