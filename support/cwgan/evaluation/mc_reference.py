"""Constrained Monte Carlo as the cWGAN's reference: evaluation-set top-up, MC polish, autocorrelation and cost.

Every chain here is a constrained Metropolis chain of :mod:`support.samplers.xy` that keeps a
vortex map exactly; with ``overrelax = k > 0`` each Metropolis sweep is followed by ``k`` constrained
over-relaxation sweeps (still exact; on large lattices at low T it cuts tau_int of |M| by an order of
magnitude), and sweep counts (burn-in, spacing, polish, cost series) count these cycles.
:func:`mc_cost_per_sample` measures its wall seconds per independent sample (used by
:mod:`support.cwgan.evaluation.cost`).
"""

from __future__ import annotations

import math
import time
from typing import Sequence

import numpy as np

from support import xy
from support.cwgan.evaluation.scores import observables_by_class
from support.cwgan.split import first_per_class
from support.metrics import r2
from support.samplers.autocorrelation import integrated_autocorrelation_time  # noqa: F401  (re-exported)
from support.samplers.xy import MAX_WIDTH, sample_xy_chains
from support.store.data import chunk_seed

# ---------------------------------------------------------------------------------------------
# reference fields
# ---------------------------------------------------------------------------------------------

def top_up_mc(data: dict[str, np.ndarray], idx: np.ndarray, *, min_per_class: int, burn_in: int,
              sweeps_between: int, seed: int = 0, progress: bool = False, overrelax: int = 0) -> dict[str, np.ndarray]:
    """The evaluation set ``data[idx]``, plus fresh constrained MC fields where a (T, class) has too few.

    New chains start from the Villain field of maps already in the set for that (T, class) — or,
    where the set has none at that T, of its maps of that class at other temperatures (held-out ids
    are never trained on at any T) — so no training map enters; each gets ``burn_in`` sweeps and
    stores samples ``sweeps_between`` apart (cycles with ``overrelax`` OR sweeps each).
    """
    keys = ("theta", "charges", "T", "distance_class", "map_id", "chain")
    out = {k: [data[k][idx]] for k in keys}
    next_chain = int(data["chain"].max()) + 1
    for t in np.unique(data["T"][idx]):
        for c in np.unique(data["distance_class"][idx]):
            sel = idx[(data["T"][idx] == t) & (data["distance_class"][idx] == c)]
            missing = min_per_class - len(sel)
            if missing <= 0:
                continue
            if len(sel) == 0:
                sel = idx[data["distance_class"][idx] == c]
            maps, first = np.unique(data["map_id"][sel], return_index=True)
            charges = data["charges"][sel[first]]
            per_chain = -(-missing // len(maps))
            theta = sample_xy_chains(charges.shape[-1], float(t), per_chain, charges=charges, burn_in=burn_in,
                                     sweeps_between=sweeps_between, seed=chunk_seed(seed, 4, int(c), int(round(1e3 * t))),
                                     progress=progress, overrelax=overrelax)
            n_new = theta.shape[0] * theta.shape[1]
            rep = lambda a: np.repeat(a, per_chain, axis=0)  # noqa: E731
            out["theta"].append(theta.reshape(n_new, *theta.shape[2:]))
            out["charges"].append(rep(charges))
            out["T"].append(np.full(n_new, t, np.float32))
            out["distance_class"].append(np.full(n_new, c, data["distance_class"].dtype))
            out["map_id"].append(rep(maps))
            out["chain"].append(rep(np.arange(next_chain, next_chain + len(maps))))
            next_chain += len(maps)
    return {k: np.concatenate(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# MC polish
# ---------------------------------------------------------------------------------------------

def _proposal_width(T: float) -> float:
    # Metropolis acceptance near 0.5 at low T for rotations of about 2 sqrt(T) (harmonic estimate)
    return float(min(max(2.0 * math.sqrt(T), 0.05), MAX_WIDTH))


def polish_series(theta: np.ndarray, T: float, sweeps: Sequence[int], *, seed: int = 0,
                  J: float = 1.0, overrelax: int = 0) -> dict[int, np.ndarray]:
    """Constrained Metropolis sweeps at ``T`` applied to given fields, snapshots after cumulative sweeps.

    Each field is one chain started from that field; the constraint keeps each field's *own*
    vortex map (a generated field with a wrong map stays wrong). The proposal width is fixed
    (:func:`_proposal_width`), so the chain is an exact Metropolis chain from the first sweep on.

    Args:
        theta: start fields ``(n, L, L)``.
        T: temperature.
        sweeps: sorted numbers of sweeps at which to return snapshots (0 = the input).
        seed: root seed of the chains.
        overrelax: over-relaxation sweeps after each Metropolis sweep; ``sweeps`` then counts cycles.

    Returns:
        ``{n_sweeps: float32 (n, L, L)}``.
    """
    sweeps = [int(s) for s in sweeps]
    if any(s < 0 for s in sweeps) or sweeps != sorted(sweeps):
        raise ValueError("sweeps must be sorted non-negative integers")
    if not T > 0:
        raise ValueError("T must be > 0")
    theta = np.asarray(theta, dtype=np.float64)
    n = theta.shape[0]
    own = xy.vortices(theta) if n else None   # each chain keeps its field's own map
    out, done, cur = {}, 0, theta
    for m, target in enumerate(sweeps):
        if target > done and n:
            # burn_in = 0: no width adaptation, an exact Metropolis chain from the first sweep
            cur = sample_xy_chains(theta.shape[-1], T, 1, charges=own, burn_in=0, sweeps_between=target - done,
                                   seed=chunk_seed(seed, m), J=J, init_width=_proposal_width(T),
                                   init_theta=cur, overrelax=overrelax)[:, 0].astype(np.float64)
            done = target
        out[target] = xy.wrap_angle(cur).astype(np.float32)
    return out


def polish_starts(classes: np.ndarray, at_T: np.ndarray, matched: np.ndarray, n_per_class: int) -> dict[str, np.ndarray]:
    """Indices of the fields the polish starts from: per class the first generated fields with the right map.

    A wrong map cannot be repaired by constrained sweeps, so the generator's polish starts from
    fields with the right map — unless some class has fewer than two of them, then from all.
    The T = 0 (``"villain"``) polish starts from the first fields of every class.
    """
    i0 = np.flatnonzero(at_T)
    ok = matched[i0].copy()
    if np.bincount(classes[i0][ok], minlength=classes.max() + 1)[np.unique(classes[i0])].min() < 2:
        ok[:] = True
    return {"generator": i0[ok][first_per_class(classes[i0][ok], n_per_class)],
            "villain": i0[first_per_class(classes[i0], n_per_class)]}


def polish_scores(series: dict[int, np.ndarray], classes: np.ndarray, T: float, ref: dict[str, np.ndarray]) -> list[dict]:
    """Per snapshot of :func:`polish_series`: R² of C_v, χ and <E> versus d and the class-mean ratios of C_v and χ."""
    rows = []
    for n_sw, th in series.items():
        tab = observables_by_class(th, classes, T)
        rows.append(dict(sweeps=n_sw, **{f"r2_{o}": r2(ref[o], tab[o]) for o in ("cv", "chi", "energy")},
                         cv_ratio=float(np.mean(tab["cv"] / ref["cv"])),
                         chi_ratio=float(np.mean(tab["chi"] / ref["chi"]))))
    return rows


def sweeps_needed(rows: list[dict], tol: float = 0.1) -> int | None:
    """The fewest polish sweeps after which C_v and χ are both within ``tol`` of Monte Carlo (None: never)."""
    ok = [r["sweeps"] for r in rows if abs(r["cv_ratio"] - 1) <= tol and abs(r["chi_ratio"] - 1) <= tol]
    return min(ok) if ok else None


def polish_table(polish: dict[str, list[dict]], names: dict[str, str], unit: str = "sweeps"):
    """A DataFrame per (source, sweeps): C_v and χ ratios to MC and their R² versus d; a last column with the
    sweeps after which both ratios are within 10 % (:func:`sweeps_needed`). ``unit`` names the counts in the
    labels (sweeps, or cycles with over-relaxation)."""
    import pandas as pd

    rows = {(names[n], r["sweeps"]): {"C_v / MC": r["cv_ratio"], "R² C_v": r["r2_cv"], "χ / MC": r["chi_ratio"],
                                      "R² χ": r["r2_chi"], f"{unit} to 10 %": sweeps_needed(rs)}
            for n, rs in polish.items() for r in rs}
    return pd.DataFrame(rows).T.rename_axis(["source", unit]).astype(float).round(3)


# ---------------------------------------------------------------------------------------------
# autocorrelation and cost per independent sample
# ---------------------------------------------------------------------------------------------

def _series(observable, theta: np.ndarray, block: int = 1024) -> np.ndarray:
    """``observable`` of every field of a long series ``(n, L, L)``, ``block`` fields at a time, so its float64
    temporaries stay small (a whole 48000-field series at L = 64 is 1.6 GB per float64 copy)."""
    return np.concatenate([observable(theta[s:s + block]) for s in range(0, len(theta), block)])


def mc_cost_per_sample(L: int, T: float, *, charges: np.ndarray | None = None, n_sweeps: int = 4000,
                       burn_in: int = 500, n_chains: int | None = None, seed: int = 0,
                       overrelax: int = 0) -> dict[str, float]:
    """Wall seconds per independent constrained-MC sample: (seconds per chain-sweep) × 2 τ_int.

    ``n_chains`` chains (default: one per numba thread, so that MC uses the machine as fully as
    a batched generator does) run ``burn_in`` + ``n_sweeps`` sweeps, storing every sweep; τ_int
    (in sweeps, Sokal window) is the larger of those of the energy and of |M| (the stored global
    rotation does not enter |M|), averaged over chains. A short first call compiles the kernels
    so that compilation is not timed. With ``overrelax = k > 0`` every "sweep" here is a cycle of one
    Metropolis sweep and ``k`` over-relaxation sweeps (τ_int and the seconds per sweep are per cycle).

    Returns:
        dict with ``L``, ``n_chains``, ``seconds_per_sweep`` (per chain), ``tau_int_energy``,
        ``tau_int_m``, ``tau_int``, ``seconds_per_sample``.
    """
    import numba

    if charges is not None:
        charges = xy.check_charges(charges)
    n_chains = int(n_chains or numba.get_num_threads())
    sample_xy_chains(L, T, 2, n_chains=n_chains, charges=charges, burn_in=2, sweeps_between=1, seed=seed,
                     overrelax=overrelax)
    t0 = time.perf_counter()
    theta = sample_xy_chains(L, T, n_sweeps, n_chains=n_chains, charges=charges, burn_in=burn_in, sweeps_between=1,
                             seed=seed, overrelax=overrelax)
    seconds = time.perf_counter() - t0
    per_sweep = seconds / ((burn_in + n_sweeps) * n_chains)
    tau_e = float(np.mean([integrated_autocorrelation_time(_series(xy.energy, th)) for th in theta]))
    tau_m = float(np.mean([integrated_autocorrelation_time(_series(xy.magnetization, th)) for th in theta]))
    tau = max(tau_e, tau_m)
    return dict(L=int(L), n_chains=n_chains, seconds_per_sweep=per_sweep, tau_int_energy=tau_e, tau_int_m=tau_m,
                tau_int=tau, seconds_per_sample=per_sweep * max(1.0, 2 * tau))


def pair_maps_for_cost(L: int, n: int, rng: np.random.Generator, d_index: int = 9) -> np.ndarray:
    """``n`` one-pair maps at ``PAIR_DISTANCES[d_index]`` (default d ≈ 4.12) in random positions."""
    pd = xy.PAIR_DISTANCES[d_index]
    pos = rng.integers(0, L, size=(n, 2))
    return np.stack([xy.pair_map(L, pd.displacement, tuple(p)) for p in pos])
