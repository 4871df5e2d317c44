"""The cWGAN training set: constrained XY Metropolis samples for no-pair and one-pair vortex maps.

For every temperature there are ``1 + len(PAIR_DISTANCES)`` classes: the empty map and one
vortex-antivortex pair at each distance of the paper. Each class gets ``n_maps`` chains; a pair
chain has its own random placement (uniform position, random image of the displacement under the
square's 8 symmetries), and each chain stores ``samples_per_map`` samples. With ``overrelax = k > 0``
each Metropolis sweep is followed by ``k`` constrained over-relaxation sweeps, and burn-in and spacing
count these cycles. Chunks hold consecutive chains of one temperature, are generated in parallel over
chains (numba threads) with per-chunk seeds, written atomically and skipped when present (resumable).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from support import xy
from support.book.runtime import profile_dir
from support.samplers.xy import check_overrelax, sample_xy_chains
from support.store.data import chunk_seed, generate_chunked, load_chunked

MADE_BY = "chapter 01 (notebooks/01_simulate.py, part 1)"
N_CLASSES = 1 + len(xy.PAIR_DISTANCES)   # class 0: no pair; class c >= 1: PAIR_DISTANCES[c - 1]


def default_dir(data_dir: str | os.PathLike, profile: str) -> Path:
    """Where chapter 01 writes the XY dataset: ``data_dir/profile/xy_dataset`` (a relative ``data_dir``
    from the repository root, like every other output, see ``support.book.runtime.profile_dir``)."""
    return profile_dir(data_dir, profile) / "xy_dataset"


def temperature_key(T: float) -> str:
    """The string key of a data-set temperature in dicts and results JSON (4 significant digits).

    Temperatures are stored as float32, so ``0.1`` reads back as ``0.10000000149``; every key built
    from a temperature goes through this one function so that ``0.1`` is always ``"0.1"``.
    """
    return f"{float(T):.4g}"


def map_id(charges: np.ndarray) -> np.ndarray:
    """Canonical id of a one-pair (or empty) charge map: ``0`` for no pair, else ``1 + p L^2 + m``.

    ``p`` and ``m`` are the flat indices ``i L + j`` of the ``+1`` and the ``-1``; the same map
    has the same id at every temperature (chapter 02 holds out placements by id). Maps with
    other charge content get ``-1``.
    """
    k = np.asarray(charges)
    L = k.shape[-1]
    flat = k.reshape(-1, L * L)
    n_plus, n_minus = (flat == 1).sum(1), (flat == -1).sum(1)
    ids = np.full(flat.shape[0], -1, np.int64)
    ids[(n_plus == 0) & (n_minus == 0) & (np.abs(flat).sum(1) == 0)] = 0
    one = (n_plus == 1) & (n_minus == 1) & (np.abs(flat).sum(1) == 2)
    ids[one] = 1 + np.argmax(flat[one] == 1, axis=1) * L * L + np.argmax(flat[one] == -1, axis=1)
    return ids.reshape(k.shape[:-2])


def draw_maps(L: int, n_maps: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Charge maps of one temperature: ``n_maps`` per class, class-major.

    Returns:
        ``(charges int8 (N_CLASSES * n_maps, L, L), classes int8 (N_CLASSES * n_maps,))``.
    """
    maps = np.zeros((N_CLASSES, n_maps, L, L), np.int8)
    for c, pd in enumerate(xy.PAIR_DISTANCES, start=1):
        images = xy.symmetric_displacements(pd.displacement)
        pos = rng.integers(0, L, size=(n_maps, 2))
        which = rng.integers(0, len(images), size=n_maps)
        for r in range(n_maps):
            maps[c, r] = xy.pair_map(L, images[which[r]], tuple(pos[r]))
    classes = np.repeat(np.arange(N_CLASSES, dtype=np.int8), n_maps)
    return maps.reshape(-1, L, L), classes


def _check(L, temperatures, n_maps, samples_per_map, burn_in, sweeps_between):
    if int(L) != L or L < 2 * max(max(abs(v) for v in pd.displacement) for pd in xy.PAIR_DISTANCES) + 1:
        raise ValueError(f"L={L} is too small for the pair distances up to 5 (need L >= 11)")
    temps = [float(t) for t in temperatures]
    if not temps or any(not t > 0 for t in temps):
        raise ValueError(f"temperatures must be a non-empty list of positive numbers, got {temperatures}")
    for name, v, lo in (("n_maps", n_maps, 1), ("samples_per_map", samples_per_map, 1),
                        ("burn_in", burn_in, 0), ("sweeps_between", sweeps_between, 1)):
        if int(v) != v or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v}")
    return temps


def generate_xy_dataset(out_dir: str | os.PathLike, *, L: int, temperatures: Sequence[float], n_maps: int,
                        samples_per_map: int, burn_in: int, sweeps_between: int, seed: int,
                        progress: bool = True, chains_per_chunk: int = 256, scheduler: str | None = None,
                        overrelax: int = 0) -> Path:
    """Generate (or resume) the XY dataset in ``out_dir``.

    Args:
        out_dir: dataset folder (chunks + ``manifest.json``).
        L: lattice size (>= 11 so that a pair at distance 5 fits).
        temperatures: temperatures; each gets ``N_CLASSES * n_maps * samples_per_map`` samples.
        n_maps: chains (= placements for pair classes) per class and temperature.
        samples_per_map: samples stored per chain.
        burn_in, sweeps_between: Metropolis schedule per chain (sweeps; cycles with ``overrelax``).
        seed: root seed; maps and chains of chunk ``i`` derive from ``chunk_seed(seed, ...)``.
        progress: tqdm bar over chunks.
        chains_per_chunk: chains per chunk (the unit of parallel work and of resuming).
        scheduler: where chunks run: ``None`` here, ``""`` an embedded Dask LocalCluster, or a
            scheduler address (see ``support.parallel``); the bytes are the same.
        overrelax: over-relaxation sweeps after each Metropolis sweep (0: plain Metropolis).

    Returns:
        the dataset folder.
    """
    temps = _check(L, temperatures, n_maps, samples_per_map, burn_in, sweeps_between)
    overrelax = check_overrelax(overrelax)
    L, n_maps = int(L), int(n_maps)
    per_T = N_CLASSES * n_maps
    chunks_per_T = -(-per_T // int(chains_per_chunk))
    params = dict(L=L, temperatures=temps, n_maps=n_maps, samples_per_map=int(samples_per_map),
                  burn_in=int(burn_in), sweeps_between=int(sweeps_between), overrelax=overrelax, seed=int(seed),
                  chains_per_chunk=int(chains_per_chunk),
                  pair_distances=[[pd.d, list(pd.displacement)] for pd in xy.PAIR_DISTANCES],
                  sampler=("constrained Metropolis" + (f", each sweep followed by {overrelax} constrained "
                                                        "over-relaxation sweep(s)" if overrelax else "")
                           + " (support.samplers.xy), start: Villain field of the map"),
                  global_rotation="each stored sample is rotated by a uniform random global angle "
                                  "(exact O(2) symmetry)")
    maps_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def maps_of(t: int):
        if t not in maps_cache:
            maps_cache[t] = draw_maps(L, n_maps, np.random.default_rng(chunk_seed(seed, 1, t)))
        return maps_cache[t]

    def make_chunk(i: int) -> dict[str, np.ndarray]:
        t, part = divmod(i, chunks_per_T)
        lo, hi = part * chains_per_chunk, min(per_T, (part + 1) * chains_per_chunk)
        charges, classes = maps_of(t)
        charges, classes = charges[lo:hi], classes[lo:hi]
        theta = sample_xy_chains(L, temps[t], samples_per_map, charges=charges, burn_in=burn_in,
                                 sweeps_between=sweeps_between, seed=chunk_seed(seed, 2, i), overrelax=overrelax)
        n_ch, spm = theta.shape[:2]
        rep = lambda a: np.repeat(a, spm, axis=0)  # noqa: E731  (chain-major, like theta)
        ks = rep(charges)
        if not np.array_equal(xy.vortices(theta.reshape(-1, L, L)), ks):
            raise RuntimeError("a stored sample does not carry its label map")
        return dict(theta=theta.reshape(-1, L, L), charges=ks,
                    T=np.full(n_ch * spm, temps[t], np.float32),
                    distance=rep(xy.pair_distance(charges).astype(np.float32)),
                    distance_class=rep(classes),
                    map_id=rep(map_id(charges)),
                    chain=rep(np.arange(t * per_T + lo, t * per_T + hi, dtype=np.int64)))

    return generate_chunked(out_dir, params, len(temps) * chunks_per_T, make_chunk, desc="XY dataset chunks",
                            progress=progress, scheduler=scheduler)


def load_xy_dataset(out_dir: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load the whole dataset.

    Returns:
        dict with ``theta`` float32 (n, L, L), ``charges`` int8 (n, L, L), ``T`` float32 (n,),
        ``distance`` float32 (n,) (exact minimum-image pair distance, 0 for no pair),
        ``distance_class`` int8 (n,) (0: no pair, c: ``PAIR_DISTANCES[c - 1]``), ``map_id`` int64
        (n,) (see :func:`map_id`), ``chain`` int64 (n,) (samples of one chain are correlated).

    Raises:
        FileNotFoundError: no complete dataset there (made by chapter 01).
    """
    return load_chunked(out_dir, needed_by="the cWGAN chapters", made_by=MADE_BY)


def dataset_summary(data: dict[str, np.ndarray], temperatures: Sequence[float]) -> dict[str, dict]:
    """What an XY data set holds at each temperature: samples, maps and the pair-distance classes.

    Args:
        data: a data set as from :func:`load_xy_dataset` (``T``, ``distance``, ``map_id``).
        temperatures: the temperatures to report.

    Returns:
        ``{str(T): {"n_samples", "n_maps", "pair_distances", "samples_per_distance"}}``: the distances
        (rounded to 2 digits, ``0`` for the no-pair class) sorted, with the number of samples of each.
    """
    per_T = {}
    for T in temperatures:
        sel = data["T"] == np.float32(T)
        d_vals, counts = np.unique(np.round(data["distance"][sel].astype(float), 2), return_counts=True)
        per_T[str(T)] = {"n_samples": int(sel.sum()), "n_maps": int(len(np.unique(data["map_id"][sel]))),
                         "pair_distances": d_vals.tolist(), "samples_per_distance": counts.tolist()}
    return per_T
