"""cWGAN versus constrained Monte Carlo: observables, correlations, topology, baselines, MC polish, cost per sample.

Everything here works on plain arrays grouped by *class* (the ``distance_class`` of
:mod:`support.xy_dataset`: 0 = no pair, ``c`` = the pair distance ``PAIR_DISTANCES[c - 1]``),
so the same functions score the generator, its polished fields and the baselines:

* ``villain``: the T = 0 field of the map (:func:`support.xy.villain_field`), one per map;
* ``grf``: a Gaussian random field of angles (Gaussian covariance, no knowledge of the map);
* ``prior``: the physics prior of chapter 02, a fixed-map minimum of the cosine energy + Gaussian
  spin waves at T, redrawn until the map is right (:func:`support.cwgan_prior.prior_angles`).

Ensemble observables per class are pooled over all maps of the class: maps of one class differ by
a lattice translation or a symmetry of the square, which leaves every observable unchanged.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Iterable, Sequence

import numpy as np

from support import tda, xy
from support.data import chunk_seed
from support.metrics import acc_topo, r2

#: observables compared versus pair distance, with plot labels
OBSERVABLES = {
    "nu": r"$\langle\nu\rangle$ (vortices per plaquette)",
    "abs_m": r"$\langle|M|\rangle$",
    "energy": r"$\langle E\rangle/N$ (J)",
    "cv": r"$C_v$ ($k_B$ per site)",
    "helicity": r"$\Upsilon$ (J)",
    "chi": r"$\chi$ (1/J)",
}
BASELINES = ("villain", "grf", "prior")


# ---------------------------------------------------------------------------------------------
# classes and the evaluation set
# ---------------------------------------------------------------------------------------------

def class_distance(classes) -> np.ndarray:
    """Pair distance of each class (0 for class 0, the paper's rounded ``d`` otherwise)."""
    table = np.array([0.0] + [pd.d for pd in xy.PAIR_DISTANCES])
    classes = np.asarray(classes, dtype=np.int64)
    if np.any(classes < 0) or np.any(classes >= len(table)):
        raise ValueError(f"classes must be in [0, {len(table) - 1}]")
    return table[classes]


def class_of_distance(d: float) -> int:
    """The class whose pair distance is closest to ``d`` (0 for ``d = 0``)."""
    table = class_distance(np.arange(1 + len(xy.PAIR_DISTANCES)))
    return int(np.argmin(np.abs(table - float(d))))


def select_eval_set(data: dict[str, np.ndarray], heldout_map_ids: Iterable[int], *, max_per_class: int,
                    temperatures: Sequence[float] | None = None, seed: int = 0) -> np.ndarray:
    """Indices of the evaluation samples: every held-out map plus the no-pair class.

    The no-pair class has a single map (id 0), which chapter 02 cannot hold out; its Monte Carlo
    samples are used as they are (the comparison is statistical, not per sample). Per
    ``(T, class)`` at most ``max_per_class`` samples are kept, whole chains first, in a random
    chain order fixed by ``seed``.

    Args:
        data: dataset dict of :func:`support.xy_dataset.load_xy_dataset`.
        heldout_map_ids: map ids never used in training.
        max_per_class: cap per (T, class).
        temperatures: keep only these temperatures (default: all).
        seed: chain order.
    """
    if max_per_class < 1:
        raise ValueError("max_per_class must be >= 1")
    held = np.isin(data["map_id"], np.asarray(list(heldout_map_ids), dtype=np.int64)) | (data["distance_class"] == 0)
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


def top_up_mc(data: dict[str, np.ndarray], idx: np.ndarray, *, min_per_class: int, burn_in: int,
              sweeps_between: int, seed: int = 0, progress: bool = False) -> dict[str, np.ndarray]:
    """The evaluation set ``data[idx]``, plus fresh constrained MC fields where a (T, class) has too few.

    New chains start from the Villain field of maps already in the set for that (T, class) — or,
    where the set has none at that T, of its maps of that class at other temperatures (held-out ids
    are never trained on at any T) — so no training map enters; each gets ``burn_in`` sweeps and
    stores samples ``sweeps_between`` apart.
    """
    from support.samplers.xy import sample_xy_chains

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
                                     progress=progress)
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
# observables and their agreement
# ---------------------------------------------------------------------------------------------

def ensemble_observables(theta: np.ndarray, T: float) -> dict[str, float]:
    """The six observables of one ensemble ``(n, L, L)`` at temperature ``T`` (see :data:`OBSERVABLES`)."""
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim != 3 or len(theta) < 2:
        raise ValueError(f"need an ensemble of at least 2 fields (n, L, L), got {theta.shape}")
    N = theta.shape[-1] * theta.shape[-2]
    e_tot = xy.energy(theta)
    m = xy.magnetization(theta)
    return dict(nu=float(xy.vorticity(theta).mean()), abs_m=float(m.mean()), energy=float(e_tot.mean() / N),
                cv=xy.specific_heat(e_tot, T, N), helicity=xy.helicity_modulus(theta, T),
                chi=xy.susceptibility(m, T, N))


def observables_by_class(theta: np.ndarray, classes: np.ndarray, T: float) -> dict[str, np.ndarray]:
    """Observables per class at one temperature: ``{"class", "d", obs: (n_classes,)}``, classes sorted."""
    classes = np.asarray(classes)
    cls = np.unique(classes)
    rows = [ensemble_observables(theta[classes == c], T) for c in cls]
    out = {"class": cls, "d": class_distance(cls)}
    for k in OBSERVABLES:
        out[k] = np.array([r[k] for r in rows])
    return out


def r2_by_observable(ref: dict[str, np.ndarray], gen: dict[str, np.ndarray],
                     observables: Iterable[str] = OBSERVABLES) -> dict[str, float]:
    """R² (eq. 4) of each observable's curve versus pair distance, ``ref`` = Monte Carlo."""
    if not np.array_equal(ref["class"], gen["class"]):
        raise ValueError("reference and generated tables cover different classes")
    return {k: r2(ref[k], gen[k]) for k in observables}


def correlation_curves(theta: np.ndarray, classes: np.ndarray, class_ids: Iterable[int],
                       max_r: float | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``{class: (r, C(r))}`` of the spin correlation ``<S_i·S_j>`` (r > 0 only, C(0) = 1 is trivial)."""
    out = {}
    for c in class_ids:
        sel = np.asarray(classes) == c
        if not sel.any():
            raise ValueError(f"no fields of class {c}")
        r, C = xy.correlation_function(theta[sel], max_r=max_r)
        out[int(c)] = (r[1:], C[1:])
    return out


def correlation_r2(ref_curves: dict, gen_curves: dict) -> dict[int, float]:
    """R² of ``C(r)`` per class, ``ref`` = Monte Carlo."""
    return {c: r2(ref_curves[c][1], gen_curves[c][1]) for c in ref_curves}


def score_table(rows: dict[str, dict[str, float]], columns: Iterable[str], *, digits: int = 3,
                label_width: int = 24) -> str:
    """Plain-text table of scores: one row per label, one 9-character column per score name."""
    columns = list(columns)
    lines = [" " * label_width + " " + " ".join(f"{c:>9}" for c in columns)]
    lines += [f"{label:>{label_width}} " + " ".join(f"{row[c]:9.{digits}f}" for c in columns) for label, row in rows.items()]
    return "\n".join(lines)


def charge_match_rate(theta: np.ndarray, charges: np.ndarray) -> float:
    """Fraction of fields whose exact vortex map equals the requested map."""
    return float(np.all(xy.vortices(theta) == np.asarray(charges), axis=(-2, -1)).mean())


# ---------------------------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------------------------

def gaussian_random_field(L: int, n: int, rng: np.random.Generator, *, corr_length: float = 2.0,
                          amplitude: float = 1.0) -> np.ndarray:
    """Angles drawn as a stationary Gaussian field with covariance ``amplitude² exp(-r²/(2 ℓ²))``.

    Built by filtering white noise in Fourier space (periodic); it knows nothing of the map or of T.

    Returns:
        float64 ``(n, L, L)``.
    """
    if L < 2 or n < 0 or corr_length <= 0 or amplitude < 0:
        raise ValueError("need L >= 2, n >= 0, corr_length > 0, amplitude >= 0")
    q = 2 * np.pi * np.fft.fftfreq(L)
    q2 = q[:, None] ** 2 + q[None, :] ** 2
    filt = np.exp(-q2 * corr_length ** 2 / 4)          # sqrt of the Gaussian power spectrum
    filt *= amplitude / np.sqrt((filt ** 2).mean())    # unit-variance normalisation, then amplitude
    noise = rng.standard_normal((n, L, L))
    return np.fft.ifft2(np.fft.fft2(noise) * filt).real


def baseline_fields(kind: str, charges: np.ndarray, T: np.ndarray, rng: np.random.Generator, *,
                    grf_corr_length: float = 2.0, grf_amplitude: float = 1.0,
                    prior_config: dict | None = None) -> np.ndarray:
    """One baseline field per (map, T) row: ``"villain"``, ``"grf"`` or ``"prior"`` (module docstring).

    Every baseline gets a uniform random global angle (an exact symmetry; no observable changes).
    ``prior_config``: settings of :func:`support.cwgan_prior.prior_angles` for ``"prior"`` (default
    ``DEFAULT_PRIOR``; pass the generator's ``prior_config`` to compare with exactly its prior).
    """
    charges = np.asarray(charges)
    n, L = charges.shape[0], charges.shape[-1]
    T = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,))
    if kind == "villain":
        if n:  # one Villain solve per distinct map
            uniq, inv = np.unique(charges.reshape(n, -1), axis=0, return_inverse=True)
            theta = xy.villain_field(uniq.reshape(-1, L, L))[inv.ravel()]
        else:
            theta = np.zeros((0, L, L))
    elif kind == "grf":
        theta = gaussian_random_field(L, n, rng, corr_length=grf_corr_length, amplitude=grf_amplitude)
    elif kind == "prior":
        from support.cwgan_prior import DEFAULT_PRIOR, prior_angles

        cfg = prior_config or DEFAULT_PRIOR  # exactly what the generator draws (support.training.cwgan)
        return xy.wrap_angle(prior_angles(charges, T, rng, **cfg).astype(np.float64)).astype(np.float32)
    else:
        raise ValueError(f"unknown baseline {kind!r}; choose from {BASELINES}")
    theta = theta + rng.uniform(0, 2 * np.pi, size=(n, 1, 1))
    return xy.wrap_angle(theta).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# MC polish and Monte Carlo cost
# ---------------------------------------------------------------------------------------------

def _proposal_width(T: float) -> float:
    # Metropolis acceptance near 0.5 at low T for rotations of about 2 sqrt(T) (harmonic estimate)
    from support.samplers.xy import MAX_WIDTH

    return float(min(max(2.0 * math.sqrt(T), 0.05), MAX_WIDTH))


def polish_series(theta: np.ndarray, T: float, sweeps: Sequence[int], *, seed: int = 0,
                  J: float = 1.0) -> dict[int, np.ndarray]:
    """Constrained Metropolis sweeps at ``T`` applied to given fields, snapshots after cumulative sweeps.

    Each field is one chain of :mod:`support.samplers.xy` started from that field; the
    constraint keeps each field's *own* vortex map (a generated field with a wrong map stays
    wrong). The proposal width is fixed (:func:`_proposal_width`), so the chain is an exact
    Metropolis chain from the first sweep on.

    Args:
        theta: start fields ``(n, L, L)``.
        T: temperature.
        sweeps: sorted numbers of sweeps at which to return snapshots (0 = the input).
        seed: root seed of the chains.

    Returns:
        ``{n_sweeps: float32 (n, L, L)}``.
    """
    from support.samplers.xy import sample_xy_chains

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
                                   init_theta=cur)[:, 0].astype(np.float64)
            done = target
        out[target] = xy.wrap_angle(cur).astype(np.float32)
    return out


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


def mc_cost_per_sample(L: int, T: float, *, charges: np.ndarray | None = None, n_sweeps: int = 4000,
                       burn_in: int = 500, n_chains: int | None = None, seed: int = 0) -> dict[str, float]:
    """Wall seconds per independent constrained-MC sample: (seconds per chain-sweep) × 2 τ_int.

    ``n_chains`` chains (default: one per numba thread, so that MC uses the machine as fully as
    a batched generator does) run ``burn_in`` + ``n_sweeps`` sweeps, storing every sweep; τ_int
    (in sweeps, Sokal window) is the larger of those of the energy and of |M| (the stored global
    rotation does not enter |M|), averaged over chains. A short first call compiles the kernels
    so that compilation is not timed.

    Returns:
        dict with ``L``, ``n_chains``, ``seconds_per_sweep`` (per chain), ``tau_int_energy``,
        ``tau_int_m``, ``tau_int``, ``seconds_per_sample``.
    """
    import numba

    from support.samplers.xy import sample_xy_chains

    if charges is not None:
        charges = xy.check_charges(charges)
    n_chains = int(n_chains or numba.get_num_threads())
    sample_xy_chains(L, T, 2, n_chains=n_chains, charges=charges, burn_in=2, sweeps_between=1, seed=seed)
    t0 = time.perf_counter()
    theta = sample_xy_chains(L, T, n_sweeps, n_chains=n_chains, charges=charges, burn_in=burn_in, sweeps_between=1,
                             seed=seed)
    seconds = time.perf_counter() - t0
    per_sweep = seconds / ((burn_in + n_sweeps) * n_chains)
    tau_e = float(np.mean([integrated_autocorrelation_time(xy.energy(th)) for th in theta]))
    tau_m = float(np.mean([integrated_autocorrelation_time(xy.magnetization(th)) for th in theta]))
    tau = max(tau_e, tau_m)
    return dict(L=int(L), n_chains=n_chains, seconds_per_sweep=per_sweep, tau_int_energy=tau_e, tau_int_m=tau_m,
                tau_int=tau, seconds_per_sample=per_sweep * max(1.0, 2 * tau))


def generator_cost_per_sample(gen_fn: Callable[[np.ndarray, np.ndarray], np.ndarray], charges: np.ndarray,
                              T: np.ndarray, *, repeats: int = 3) -> dict[str, float]:
    """Wall seconds of a batched generator ``gen_fn(charges, T)``.

    Returns ``{"first_call": seconds of a first call on two maps, "per_sample": best-of-``repeats``
    seconds per sample of one call on all maps}``. With the prior variant the first call on a map the
    prior has not seen includes its per-map set-up (fixed-map minima, basins; cached afterwards):
    call :func:`support.cwgan_prior.clear_caches` before to measure it.
    """
    t0 = time.perf_counter()
    gen_fn(charges[:2], T[:2])
    first = time.perf_counter() - t0
    best = np.inf
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        gen_fn(charges, T)
        best = min(best, time.perf_counter() - t0)
    return {"first_call": float(first), "per_sample": float(best / len(charges))}


# ---------------------------------------------------------------------------------------------
# topology: curves per class, Acc_topo, persistence
# ---------------------------------------------------------------------------------------------

def topo_thresholds(theta_ref: np.ndarray, n: int, q_low: float = 0.1, q_high: float = 0.99) -> np.ndarray:
    """``n`` thresholds at evenly spaced quantiles (``q_low`` … ``q_high``) of the reference plaquette weights.

    The Θ-complex changes only where plaquettes enter, so a quantile grid spends its points
    where the reference measures move; below the range nothing is present and above it every
    measure saturates at its all-present value (points there would inflate Acc_topo for any
    generator). The grid starts at the 10 % quantile because below it the mean area is a few
    plaquettes per field and a 5 % relative tolerance (Acc_topo) would score sampling noise.
    Duplicate quantiles (ties) are removed.
    """
    if n < 1 or not 0 <= q_low < q_high <= 1:
        raise ValueError("need n >= 1 and 0 <= q_low < q_high <= 1")
    wp = tda.plaquette_weights(*tda.edge_weights(theta_ref))
    return np.unique(np.quantile(wp, np.linspace(q_low, q_high, n)))


def first_per_class(classes: np.ndarray, n_per_class: int) -> np.ndarray:
    """Indices of the first ``n_per_class`` fields of every class (sorted classes)."""
    classes = np.asarray(classes)
    return np.concatenate([np.flatnonzero(classes == c)[:n_per_class] for c in np.unique(classes)])


def topo_curves(theta: np.ndarray, classes: np.ndarray, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """Mean topological curves per class: ``{measure: (n_classes, m)}`` plus ``"class"``."""
    classes = np.asarray(classes)
    meas = tda.topo_measures(theta, thresholds)
    cls = np.unique(classes)
    out = {k: np.stack([v[classes == c].mean(axis=0) for c in cls]) for k, v in meas.items()}
    out["class"] = cls
    return out


def acc_topo_by_measure(ref: dict[str, np.ndarray], gen: dict[str, np.ndarray], tol: float = 0.05) -> dict[str, float]:
    """Acc_topo (eq. 5) per measure over all (class, Θ) points, ``ref`` = Monte Carlo."""
    if not np.array_equal(ref["class"], gen["class"]):
        raise ValueError("reference and generated curves cover different classes")
    return {k: acc_topo(ref[k], gen[k], tol=tol) for k in tda.MEASURES}


def persistence_by_class(theta: np.ndarray, classes: np.ndarray) -> dict[int, list]:
    """``{class: [per-field diagrams]}`` (see :func:`support.tda.persistence`)."""
    classes = np.asarray(classes)
    return {int(c): tda.persistence(theta[classes == c]) for c in np.unique(classes)}


def persistence_distance(ref: dict[int, list], gen: dict[int, list], *, dim: int = 1, n_pairs: int = 20,
                         metric: str = "wasserstein", seed: int = 0) -> float:
    """Class-averaged mean persim distance between the diagrams of two ensembles.

    For ``gen is ref`` the two halves of each class are compared (the noise floor).
    """
    vals = []
    for c in ref:
        a, b = ref[c], gen[c]
        if gen is ref:
            h = len(a) // 2
            a, b = a[:h], a[h:]
        vals.append(tda.ensemble_distance(a, b, dim=dim, metric=metric, n_pairs=n_pairs, seed=seed + c))
    return float(np.mean(vals))


def mean_h1_persistence(dgms: list) -> float:
    """Mean total H1 persistence (Σ death − birth over finite points) per field."""
    return float(np.mean([np.sum(np.diff(tda.finite(d[1]), axis=1)) for d in dgms]))


# ---------------------------------------------------------------------------------------------
# helpers for the chapter
# ---------------------------------------------------------------------------------------------

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


def resize_generator(generator, L: int):
    """The same (fully convolutional) generator rebuilt for lattice size ``L``, or ``None`` if it cannot be.

    A U-Net with circular padding and no dense layers has weights that do not depend on L; we
    rebuild it from its config with the new L and load the weights strictly.
    """
    import torch  # noqa: F401  (torch is only needed here)

    cfg = dict(getattr(generator, "config", {}))
    if not cfg:
        return None
    try:
        big = type(generator)(**{**cfg, "L": int(L)})
        big.load_state_dict(generator.state_dict(), strict=True)
    except (ValueError, RuntimeError):
        return None
    big.prior_config = getattr(generator, "prior_config", None)
    return big.to(next(generator.parameters()).device).eval()


def pair_maps_for_cost(L: int, n: int, rng: np.random.Generator, d_index: int = 9) -> np.ndarray:
    """``n`` one-pair maps at ``PAIR_DISTANCES[d_index]`` (default d ≈ 4.12) in random positions."""
    pd = xy.PAIR_DISTANCES[d_index]
    pos = rng.integers(0, L, size=(n, 2))
    return np.stack([xy.pair_map(L, pd.displacement, tuple(p)) for p in pos])


def curves_from_measures(meas: dict[str, np.ndarray], classes: np.ndarray,
                         mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Class means of per-field measures from :func:`support.tda.topo_measures` (optionally of a subset)."""
    classes = np.asarray(classes)
    mask = np.ones(len(classes), bool) if mask is None else np.asarray(mask)
    cls = np.unique(classes)
    out = {k: np.stack([meas[k][mask & (classes == c)].mean(axis=0) for c in cls]) for k in tda.MEASURES}
    out["class"] = cls
    return out


def curve_deviation(ref: dict[str, np.ndarray], ref_classes: np.ndarray, gen: dict[str, np.ndarray],
                    gen_classes: np.ndarray, measure: str) -> dict[str, np.ndarray]:
    """How far a generated class-mean curve lies from the reference's, and whether sampling explains it.

    ``ref``/``gen`` are per-field measures from :func:`support.tda.topo_measures`. Returns
    ``class``, ``rel`` = (gen - ref) / |ref| and ``z`` = (gen - ref) / sqrt(se_ref² + se_gen²) per
    (class, Θ), with ``se`` the standard error of each class mean (fields taken as independent).
    ``|z|`` of a few or more marks a deviation that the sample size cannot explain.
    """
    cls = np.unique(ref_classes)
    if not np.array_equal(cls, np.unique(gen_classes)):
        raise ValueError("reference and generated fields cover different classes")

    def means_and_errors(meas, classes):
        per_class = [meas[measure][np.asarray(classes) == c] for c in cls]
        return (np.stack([v.mean(axis=0) for v in per_class]),
                np.stack([v.std(axis=0, ddof=1) / np.sqrt(len(v)) for v in per_class]))

    (mr, sr), (mg, sg) = means_and_errors(ref, ref_classes), means_and_errors(gen, gen_classes)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"class": cls, "rel": (mg - mr) / np.abs(mr), "z": (mg - mr) / np.hypot(sr, sg)}


def observable_tables(theta: np.ndarray, classes: np.ndarray, T: np.ndarray,
                      mask: np.ndarray | None = None) -> dict[float, dict[str, np.ndarray]]:
    """:func:`observables_by_class` for every temperature present: ``{T: table}`` (T rounded to 6 digits)."""
    T = np.asarray(T)
    mask = np.ones(len(T), bool) if mask is None else np.asarray(mask)
    return {round(float(t), 6): observables_by_class(theta[mask & (T == t)], np.asarray(classes)[mask & (T == t)],
                                                     float(t)) for t in np.unique(T[mask])}


def load_upstream(data_dir, profile: str, *, variant: str = "best", device="cpu") -> dict:
    """Chapter 01's XY dataset, chapter 02's held-out map ids and the chosen generator.

    The held-out ids are read from ``02_train_cwgan.json`` (``heldout_map_ids``, or recomputed
    with :func:`support.training.cwgan.split_holdout` from ``holdout_fraction``/``holdout_seed``).

    Returns:
        dict with ``data`` (dataset dict), ``heldout`` (int64 ids), ``generator``, ``variant``,
        ``generator_path``, ``results02`` (chapter 02's results dict).

    Raises:
        FileNotFoundError: naming the chapter to run when its output is missing.
    """
    from pathlib import Path

    from support.data import load_json
    from support.runtime import profile_dir, results_path
    from support.training.cwgan import load_generator, split_holdout
    from support.xy_dataset import default_dir, load_xy_dataset

    data = load_xy_dataset(default_dir(data_dir, profile))
    res_path = results_path(data_dir, profile, "02_train_cwgan")
    if not Path(res_path).exists():
        raise FileNotFoundError(f"{res_path} is missing: run chapter 02 (notebooks/02_train_cwgan.py) first "
                                "with the same profile and data_dir.")
    res = load_json(res_path)
    if variant == "best":
        variant = res.get("best_variant")
        if variant is None:
            raise KeyError(f"{res_path} has no 'best_variant'; pass gan_variant explicitly")
    ids = next((res[k] for k in ("heldout_map_ids", "holdout_map_ids", "held_out_map_ids") if k in res), None)
    if ids is None:
        if "holdout_fraction" not in res:
            raise KeyError(f"{res_path} names neither the held-out map ids nor the holdout fraction")
        held = split_holdout(data["map_id"], data["distance"], float(res["holdout_fraction"]),
                             int(res.get("holdout_seed", 0)))
        ids = np.unique(data["map_id"][held])
    ckpt = (res.get("checkpoints") or {}).get(variant)
    path = Path(ckpt) if ckpt else profile_dir(data_dir, profile) / "cwgan" / variant / "generator.pt"
    if path.is_dir():
        path = path / "generator.pt"
    if not path.exists():
        raise FileNotFoundError(f"generator checkpoint {path} is missing: run chapter 02 first")
    return dict(data=data, heldout=np.asarray(ids, dtype=np.int64), generator=load_generator(path, device),
                variant=variant, generator_path=str(path), results02=res)
