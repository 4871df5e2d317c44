"""Skyrmion phases of the chiral magnet: lattice statistics, the phase label, the (D, B) phase scan and its pictures."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from support.chiral import magnet as hb
from support.parallel import map_ordered
from support.samplers.heisenberg import anneal_points
from support.store.data import load_json, load_npz, save_json, save_npz, to_jsonable

PHASES = ("ferromagnet", "isolated skyrmions", "skyrmion lattice", "spiral / mixed")


def spiral_period(D: float, J: float = 1.0) -> float:
    """Period ``2π / atan(D/J)`` (sites) of the lattice spin spiral; sets the skyrmion spacing."""
    return 2.0 * np.pi / np.arctan2(abs(D), J)


def expected_skyrmions(L: int, D: float, J: float = 1.0) -> float:
    """Skyrmions of a close-packed triangular lattice with spacing = spiral period on an L × L torus."""
    a = spiral_period(D, J)
    return L * L / (np.sqrt(3.0) / 2.0 * a * a)


ELONGATED = 2.0  # aspect ratio above which a detected core counts as stretched (a stripe fragment)
MAX_ELONGATED_FRACTION = 0.15  # more stretched cores than this: not a skyrmion lattice
#: The rule the scan, the dataset's filter and the generated lattices count skyrmions with (keywords of
#: :func:`support.chiral.magnet.find_skyrmions`): the core rule, which counts the small cores of large ``D`` that
#: the thesis's rule (:data:`support.chiral.magnet.THESIS_RULE`) drops.
DETECTION = dict(hb.CORE_RULE)


def detection_rule(rule: Mapping | None = None) -> dict:
    """``rule`` (``threshold``, ``min_size``, ``min_fraction``) completed from the thesis's rule; ``None``:
    :data:`DETECTION`."""
    if rule is None:
        return dict(DETECTION)
    unknown = set(rule) - set(hb.THESIS_RULE)
    if unknown:
        raise ValueError(f"unknown detection-rule keys {sorted(unknown)}; known: {sorted(hb.THESIS_RULE)}")
    return dict(hb.THESIS_RULE) | dict(rule)


def lattice_statistics(spins: np.ndarray, rule: Mapping | None = None) -> dict[str, np.ndarray]:
    """Skyrmion-lattice statistics of a batch ``(n, 3, L, L)`` of unit spins, one entry per lattice.

    Returns ``Q`` (Berg–Lüscher charge, float64; ``Q = -1`` per skyrmion with its core down in an
    up background, see "Heisenberg conventions" in the package docstring), ``Mz`` (mean ``S^z``,
    float64), and int64 counts: ``n_skyrmions`` (cores detected by ``rule``, :data:`DETECTION` by default;
    ``support.chiral.magnet.THESIS_RULE`` is the thesis's), ``n_defects`` (skyrmions whose periodic Delaunay
    coordination differs from 6) and ``n_elongated`` (cores with aspect ratio > ``ELONGATED``).
    """
    s = np.asarray(spins)
    if s.ndim != 4:
        raise ValueError(f"lattice_statistics: spins must be (n, 3, L, L), got shape {s.shape}")
    rule = detection_rule(rule)
    L = s.shape[-2:]
    centres = hb.find_skyrmions(s, **rule)
    return {
        "Q": np.asarray(hb.topological_charge(s), dtype=np.float64).reshape(len(s)),
        "Mz": np.asarray(hb.magnetization_z(s), dtype=np.float64).reshape(len(s)),
        "n_skyrmions": np.array([len(c) for c in centres], dtype=np.int64),
        "n_defects": np.array([hb.skyrmion_lattice_defects(c, L)["n_defects"] for c in centres], dtype=np.int64),
        "n_elongated": np.array([np.sum(hb.skyrmion_aspect_ratios(x, **rule) > ELONGATED) for x in s],
                                dtype=np.int64),
    }


def _stored(stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The dataset's storage types of :func:`lattice_statistics`: float32 ``Q``, ``Mz``; int32 counts."""
    return {k: v.astype(np.float32 if k in ("Q", "Mz") else np.int32) for k, v in stats.items()}


def classify(Q: float, Mz: float, L: int, D: float, elongated_fraction: float = 0.0) -> str:
    """Phase label of one annealed lattice from its charge, magnetization and core shapes.

    ``skyrmion lattice``: at least half the close-packed skyrmion count and at most
    ``MAX_ELONGATED_FRACTION`` of the detected cores stretched (else stripes and skyrmions
    coexist: ``spiral / mixed``); ``isolated skyrmions``:
    fewer, in a polarised background (Mz > 0.6); ``ferromagnet``: no charge and Mz > 0.9;
    otherwise ``spiral / mixed`` (stripes, or stripes with some skyrmions).
    """
    n = -Q  # cores point down in an up background: each skyrmion carries Q = -1
    if n >= 0.5 * expected_skyrmions(L, D):
        return "skyrmion lattice" if elongated_fraction <= MAX_ELONGATED_FRACTION else "spiral / mixed"
    if round(n) == 0 and Mz > 0.9:
        return "ferromagnet"
    if n >= 0.5 and Mz > 0.6:
        return "isolated skyrmions"
    return "spiral / mixed"


def phase_scan(L: int, D_values: Sequence[float], b_values: Sequence[float], *, configs_per_point: int = 1,
               seed: int = 0, sweeps: int = 2500, n_temps: int = 50, T_start: float = 1.0,
               T_final: float = 0.006, dmi: str = "neel", progress: bool = True,
               scheduler: str | None = None, rule: Mapping | None = None) -> dict[str, list]:
    """Anneal lattices on a grid of DMI ``D`` and field ``B = b D²`` and chart the phases.

    The field is scanned in units of ``D²/J`` because the continuum phase boundaries scale so
    (skyrmion crystal around ``B ≈ 0.2–0.8 D²/J``).

    Args:
        L: lattice size.
        D_values: DMI strengths.
        b_values: reduced fields ``b = B J / D²``.
        configs_per_point: independent anneals per point (observables are averaged).
        seed: root seed.
        sweeps, n_temps, T_start, T_final, dmi: annealing schedule (see ``anneal_heisenberg``).
        progress: progress bar.
        scheduler: ``None`` anneals here; ``""`` (a Dask LocalCluster) or a scheduler address
            spreads the points over the cluster as tasks (the same lattices: configuration ``k``
            keeps its random stream).
        rule: the skyrmion detection rule of :func:`lattice_statistics` (default :data:`DETECTION`).

    Returns:
        dict of equal-length lists, one entry per grid point: ``D``, ``B``, ``b``, ``Q``, ``Mz``,
        ``n_skyrmions``, ``n_defects``, ``elongated_fraction`` (stretched cores / detected cores)
        (means over the configurations), ``phase`` (label of the first configuration, see
        :func:`classify`), ``detection_agrees`` (every configuration's
        detected skyrmion count equals ``round(-Q)``); plus ``spins``, float32 ``(n_points, 3, L, L)``,
        the first configuration of every point (for pictures).
    """
    D_values = [float(d) for d in D_values]
    b_values = [float(b) for b in b_values]
    if not D_values or not b_values or configs_per_point < 1:
        raise ValueError("phase_scan needs at least one D, one b and configs_per_point >= 1")
    if any(d <= 0 for d in D_values):
        raise ValueError(f"D values must be > 0, got {D_values}")
    grid = [(d, b) for d in D_values for b in b_values]
    Ds = np.repeat([d for d, _ in grid], configs_per_point)
    Bs = np.repeat([b * d * d for d, b in grid], configs_per_point)
    schedule = dict(seed=seed, sweeps=sweeps, n_temps=n_temps, T_start=T_start, T_final=T_final, dmi=dmi)
    if scheduler is None:
        spins = anneal_points(L, Ds, Bs, progress=progress, desc="phase scan", **schedule)
    else:
        blocks = [(a, min(len(Ds), a + configs_per_point)) for a in range(0, len(Ds), configs_per_point)]
        spins = np.concatenate(map_ordered(partial(_anneal_block, L, Ds, Bs, schedule), blocks,
                                           scheduler=scheduler, desc="phase scan", progress=progress))
    obs = _stored(lattice_statistics(spins, rule))
    res: dict[str, list] = {k: [] for k in ("D", "B", "b", "Q", "Mz", "n_skyrmions", "n_defects",
                                            "elongated_fraction", "phase", "detection_agrees")}
    elong = obs["n_elongated"] / np.maximum(obs["n_skyrmions"], 1)
    for p, (d, b) in enumerate(grid):
        sl = slice(p * configs_per_point, (p + 1) * configs_per_point)
        res["D"].append(d)
        res["B"].append(b * d * d)
        res["b"].append(b)
        for k in ("Q", "Mz", "n_skyrmions", "n_defects"):
            res[k].append(float(np.mean(obs[k][sl])))
        res["elongated_fraction"].append(float(np.mean(elong[sl])))
        res["phase"].append(classify(float(obs["Q"][sl][0]), float(obs["Mz"][sl][0]), L, d, float(elong[sl][0])))
        res["detection_agrees"].append(bool(np.all(obs["n_skyrmions"][sl] == np.rint(-obs["Q"][sl]))))
    res["spins"] = spins[::configs_per_point]
    return res


def _anneal_block(L: int, Ds: np.ndarray, Bs: np.ndarray, schedule: dict, block: tuple[int, int]) -> np.ndarray:
    """Configurations ``a:b`` of a scan, each on its own stream of the scan's seed (one Dask task)."""
    a, b = block
    return anneal_points(L, Ds[a:b], Bs[a:b], first_stream=a, **schedule)


def cached_phase_scan(folder: str | os.PathLike, L: int, D_values: Sequence[float], b_values: Sequence[float],
                      **kwargs) -> dict:
    """:func:`phase_scan`, stored in ``folder`` (``scan.json`` + ``scan.npz``) and reused when rerun
    with the same parameters (``progress`` and ``scheduler`` do not count; the detection rule does, default or not).

    ``scan.json`` records the size and checksum of ``scan.npz``; a damaged or unreadable cache is
    reported (naming the file) and computed again. One process at a time computes into ``folder``.
    """
    from support.store.integrity import file_record
    from support.store.locks import file_lock

    folder = Path(folder)
    kwargs["rule"] = detection_rule(kwargs.get("rule"))  # a scan labelled by another rule is another scan
    params = to_jsonable(dict(L=L, D_values=list(D_values), b_values=list(b_values),
                              **{k: v for k, v in kwargs.items() if k not in ("progress", "scheduler")}))
    with file_lock(folder):
        cached = _cached_scan(folder, params)
        if cached is not None:
            return cached
        scan = phase_scan(L, D_values, b_values, **kwargs)
        save_npz(folder / "scan.npz", spins=scan["spins"])
        save_json(folder / "scan.json", {"params": params, "scan": {k: v for k, v in scan.items() if k != "spins"},
                                         "spins_file": file_record(folder / "scan.npz")})
    return scan


def _cached_scan(folder: Path, params: dict) -> dict | None:
    """The stored scan if it has these parameters and its files are intact, else ``None`` (says why)."""
    from support.store.integrity import CorruptFileError, verify_file

    if not ((folder / "scan.json").exists() and (folder / "scan.npz").exists()):
        return None
    try:
        stored = load_json(folder / "scan.json")
        if stored.get("params") != params:
            return None
        if "spins_file" in stored:  # caches written before records existed are only parsed
            verify_file(folder / "scan.npz", stored["spins_file"])
        return {**stored["scan"], "spins": load_npz(folder / "scan.npz")["spins"]}
    except CorruptFileError as err:
        print(f"{err} Computing the phase scan again.")
        return None


def phase_table(scan: dict) -> str:
    """The scan as text: one row per reduced field ``b``, one column per ``D``, entries ``phase(Q)``
    (FM ferromagnet, iso isolated skyrmions, SkX skyrmion lattice, sp spiral / mixed)."""
    short = dict(zip(PHASES, ("FM", "iso", "SkX", "sp")))
    Ds, bs = sorted(set(scan["D"])), sorted(set(scan["b"]))
    grid = {(d, b): f"{short[p]}({q:4.0f})" for d, b, p, q in zip(scan["D"], scan["b"], scan["phase"], scan["Q"])}
    lines = ["phase (Q) per point; rows b = B J / D^2, columns D", "   b  " + "".join(f"{d:>11.2f}" for d in Ds)]
    lines += [f"{b:5.2f} " + "".join(f"{grid.get((d, b), ''):>11}" for d in Ds) for b in bs]
    return "\n".join(lines)


def skyrmion_points(scan: dict, require_detection: bool = True) -> list[tuple[float, float]]:
    """The ``(D, B)`` points of a scan classified as skyrmion lattice (and, by default, where the
    scan's detection rule counts every skyrmion)."""
    return [(d, B) for d, B, ph, ok in zip(scan["D"], scan["B"], scan["phase"], scan["detection_agrees"])
            if ph == "skyrmion lattice" and (ok or not require_detection)]


def is_skyrmion_lattice(stats: dict[str, np.ndarray], L: int, D) -> np.ndarray:
    """Per-lattice filter of the dataset: classified as skyrmion lattice *and* detected count = ``-Q``.

    Args:
        stats: :func:`lattice_statistics` of the lattices.
        L: lattice size.
        D: DMI of each lattice (sets the close-packed count of :func:`classify`), scalar or ``(n,)``.
    """
    n = len(stats["Q"])
    D = np.broadcast_to(np.asarray(D, dtype=np.float64), (n,))
    elong = stats["n_elongated"] / np.maximum(stats["n_skyrmions"], 1)
    phase = [classify(float(q), float(m), L, float(d), float(e)) for q, m, d, e in zip(stats["Q"], stats["Mz"], D, elong)]
    return np.array([p == "skyrmion lattice" for p in phase]) & (stats["n_skyrmions"] == np.rint(-stats["Q"]))


# ----------------------------------------------------------------------------------------------
# Pictures (matplotlib imported lazily)
# ----------------------------------------------------------------------------------------------

def plot_skyrmion_lattice(ax, spins: np.ndarray, *, title: str = "", mesh: bool = True):
    """``S^z`` of one lattice ``(3, L, L)`` with skyrmion centres, the periodic Delaunay mesh and
    the defects in two colours (5 or fewer neighbours gold, 7 or more magenta), as in the thesis."""
    s = np.asarray(spins, dtype=np.float64)
    L = s.shape[-1]
    im = ax.imshow(s[2], cmap="RdBu_r", vmin=-1, vmax=1, origin="lower", interpolation="nearest")
    c = hb.find_skyrmions(s, **DETECTION)
    if mesh and len(c):
        res = hb.skyrmion_lattice_defects(c, s.shape[-2:])
        for p, q in res["edges"]:
            ax.plot([p[1], q[1]], [p[0], q[0]], color="k", lw=0.6, alpha=0.7)
        ax.scatter(c[:, 1], c[:, 0], s=8, c="k", zorder=3)
        nb_ = res["n_neighbours"]
        for sel, colour in ((nb_ < 6, "gold"), (nb_ > 6, "magenta")):
            if sel.any():
                ax.scatter(c[sel, 1], c[sel, 0], s=60, facecolors="none", edgecolors=colour, lw=1.8, zorder=4)
    ax.set_xlim(-0.5, L - 0.5)
    ax.set_ylim(-0.5, L - 0.5)
    ax.set_xlabel("x (sites)")
    ax.set_ylabel("y (sites)")
    ax.set_title(title, fontsize=9)
    return im


def plot_phase_scan(scan: dict, selected: Sequence[Sequence[float]] = ()):
    """Three panels over the (D, B) grid: skyrmion density ``-Q`` relative to close packing, ``Mz``,
    and the phase labels with the dataset points circled. Returns the figure."""
    import matplotlib.pyplot as plt

    D, B = np.asarray(scan["D"]), np.asarray(scan["B"])
    L = scan["spins"].shape[-1]
    fill = -np.asarray(scan["Q"]) / np.array([expected_skyrmions(L, d) for d in D])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    for ax, val, label, cmap in ((axes[0], fill, r"$-Q\,/\,N_{\rm close\ packed}$", "viridis"),
                                 (axes[1], np.asarray(scan["Mz"]), r"$M_z$", "coolwarm")):
        sc = ax.scatter(D, B, c=val, s=160, marker="s", cmap=cmap)
        fig.colorbar(sc, ax=ax, label=label)
    colours = dict(zip(PHASES, ("tab:gray", "tab:orange", "tab:green", "tab:purple")))
    for ph in PHASES:
        m = np.array([p == ph for p in scan["phase"]])
        if m.any():
            axes[2].scatter(D[m], B[m], s=160, marker="s", color=colours[ph], label=ph)
    sel = np.asarray(selected, dtype=float).reshape(-1, 2)
    if len(sel):
        axes[2].scatter(sel[:, 0], sel[:, 1], s=260, facecolors="none", edgecolors="k", lw=1.5,
                        label="dataset points")
    bad = ~np.asarray(scan["detection_agrees"]) & np.array([p == "skyrmion lattice" for p in scan["phase"]])
    if bad.any():
        axes[2].scatter(D[bad], B[bad], marker="x", color="k", s=50, label="detection ≠ −Q")
    axes[2].legend(fontsize=8, loc="upper left")
    for ax in axes:
        ax.set_xlabel("DMI $D$ (units of $J$)")
        ax.set_ylabel("field $B$ (units of $J$)")
    return fig
