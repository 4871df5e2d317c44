"""Cost per independent sample versus lattice size, one protocol for Monte Carlo and every generator.

The use case is the paper's: fields for *new* defect maps. At each ``L`` we draw ``n_maps`` new one-pair maps
(d ≈ 4.12) and ask each method for ``samples_per_map`` independent fields of every map:

- constrained Monte Carlo pays a burn-in per map and ``2 τ_int`` sweeps per sample (τ_int measured at that
  ``L``, chains in parallel on every numba thread; with over-relaxation a "sweep" is a cycle of one
  Metropolis sweep and ``k`` over-relaxation sweeps);
- a generator (or the physics prior) is timed on one call for all maps and samples, its caches emptied
  first, so a per-map set-up and any redraw of a wrong map are included.

Seconds per sample are wall-clock seconds divided by the number of samples.

Samplers that are Markov chains (the exact chain of :mod:`support.cwgan.exact`, constrained Metropolis with ``k``
over-relaxation sweeps per sweep, :class:`MCCycles`) are measured alike by :func:`measure`: time per step from bare
kernel runs on one core, ``tau_int`` of ``E``, ``|M|`` and the helicity term (with errors) from a separate run of at
least :data:`MIN_RUN_OVER_TAU` of them, ``2 tau_max`` steps per independent field; :func:`burn_in_length` reads a new
map's burn-in off replicas (:mod:`support.cwgan.evaluation.exact_checks` builds the chapter's rows from these).
A caveat the numbers carry: over-relaxation makes the long modes oscillate, and the windowed estimator then errs
low on ``|M|`` unless the run is long (hence the minimum run lengths); an underestimate favours Monte Carlo.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Mapping, Sequence

import numpy as np

from support import xy
from support.cwgan.evaluation.mc_reference import mc_cost_per_sample, pair_maps_for_cost
from support.cwgan.models.prior import clear_caches
from support.samplers.autocorrelation import tau_with_error
from support.samplers.rng import make_states
from support.samplers.xy import initial_spins
from support.samplers.xy_chain import cycle_replicas, run_cycles
from support.samplers.xy_kernels import MAX_WIDTH, N_TABLE, TARGET_ACCEPTANCE, _fill_table

Variant = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def mc_seconds_per_sample(L: int, T: float, *, samples_per_map: int, burn_in: int, mc_sweeps_at_16: int,
                          seed: int, overrelax: int = 0) -> dict[str, float]:
    """Constrained MC on a new map: ``(burn_in + samples_per_map · 2 τ_int) · t_sweep / samples_per_map``
    (sweeps are cycles with ``overrelax`` OR sweeps each)."""
    rng = np.random.default_rng(seed)
    mc = mc_cost_per_sample(L, T, charges=pair_maps_for_cost(L, 1, rng)[0], burn_in=burn_in, seed=seed,
                            n_sweeps=int(mc_sweeps_at_16 * (L / 16) ** 2), overrelax=overrelax)
    sweeps = burn_in + samples_per_map * max(1.0, 2 * mc["tau_int"])
    return {"seconds_per_sample": mc["seconds_per_sweep"] * sweeps / samples_per_map, "tau_int": mc["tau_int"]}


def variant_seconds_per_sample(variant: Variant, L: int, T: float, *, n_maps: int, samples_per_map: int,
                               seed: int) -> float:
    """Wall seconds per field of one call on ``n_maps`` new maps × ``samples_per_map`` (caches emptied)."""
    maps = np.repeat(pair_maps_for_cost(L, n_maps, np.random.default_rng(seed)), samples_per_map, axis=0)
    clear_caches()
    t0 = time.perf_counter()
    variant(maps, np.full(len(maps), T, np.float32), seed)
    return (time.perf_counter() - t0) / len(maps)


def cost_by_size(variants: Mapping[str, Variant], sizes: Sequence[int], T: float, *, n_maps: int,
                 samples_per_map: int, mc_burn_in: int, mc_sweeps_at_16: int, seed: int,
                 budget_seconds: float, max_L: Mapping[str, int] | None = None,
                 mc_overrelax: int = 0) -> dict[str, dict[int, float | None]]:
    """``{method: {L: seconds per sample}}`` for ``"mc"`` and every variant, sizes ascending.

    A variant whose call at the previous size took more than ``budget_seconds / 16`` is not run at the
    next size (``None``): a cost growing like N² would already break the budget. ``max_L[name]`` caps the
    sizes a variant runs at (``None`` above it), for methods whose per-map set-up grows too fast to time at
    the largest sizes (the prior's dense-Hessian set-up grows like L^6). ``mc_overrelax``: over-relaxation
    sweeps per Metropolis sweep of the Monte Carlo row.
    """
    out: dict[str, dict[int, float | None]] = {"mc": {}, **{name: {} for name in variants}}
    last_total = {name: 0.0 for name in variants}
    for L in sorted(sizes):
        out["mc"][L] = mc_seconds_per_sample(L, T, samples_per_map=samples_per_map, burn_in=mc_burn_in,
                                             mc_sweeps_at_16=mc_sweeps_at_16, seed=seed,
                                             overrelax=mc_overrelax)["seconds_per_sample"]
        for name, variant in variants.items():
            if last_total[name] > budget_seconds / 16 or L > (max_L or {}).get(name, L):
                out[name][L] = None
                continue
            out[name][L] = variant_seconds_per_sample(variant, L, T, n_maps=n_maps, samples_per_map=samples_per_map,
                                                      seed=seed)
            last_total[name] = out[name][L] * n_maps * samples_per_map
    return out


def speedup_over_mc(costs: Mapping[str, Mapping[int, float | None]]) -> dict[str, dict[int, float | None]]:
    """``{method: {L: MC seconds / method seconds}}`` per sample, ``None`` where either was not timed."""
    return {m: {L: (costs["mc"].get(L) / c if c and costs["mc"].get(L) else None) for L, c in by_L.items()}
            for m, by_L in costs.items() if m != "mc"}


def log_log_slope(costs: Mapping[int, float | None]) -> float:
    """Least-squares slope of log(seconds) against log(L) over the measured sizes (NaN with fewer than two)."""
    pts = [(L, c) for L, c in costs.items() if c]
    if len(pts) < 2:
        return float("nan")
    L, c = np.array(pts, dtype=float).T
    return float(np.polyfit(np.log(L), np.log(c), 1)[0])


def plot_cost(costs: Mapping[str, Mapping[int, float | None]]):
    """Log-log figure of seconds per independent sample versus L, one curve per method, slopes in the legend."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for name, by_L in costs.items():
        pts = sorted((L, c) for L, c in by_L.items() if c)
        if pts:
            ax.loglog(*zip(*pts), "s-" if name == "mc" else "o-",
                      label=f"{'constrained MC' if name == 'mc' else name} (slope {log_log_slope(by_L):.1f})")
    ax.set_xlabel("lattice size L")
    ax.set_ylabel("seconds per independent sample (CPU)")
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------------------------------------
# the exact chain against the best Monte Carlo, one (map, L, T) at a time
# ---------------------------------------------------------------------------------------------
#
# Fair by construction: every sampler runs in this process on one core, on the same map and T; its time per
# step comes from bare kernel runs (nothing stored, no map check, no trigonometry of the states; the fastest of
# a few repeats, which a busy machine disturbs least), its tau_int from a separate recorded run of at least
# MIN_RUN_OVER_TAU autocorrelation times (extended until it is, within a wall-time cap), with Madras–Sokal errors.

#: the observables whose largest tau_int sets the spacing of independent fields (E, |M|, helicity term)
SERIES = ("energy", "abs_m", "helicity")
#: a tau_int comes from a run at least this many tau_int long (else the row says how long it was)
MIN_RUN_OVER_TAU = 50
#: burn-in ends when every replica-mean observable is within this many equilibrium standard deviations
BIAS_TOL = 0.5


def series_taus(obs: np.ndarray) -> dict[str, tuple[float, float]]:
    """``{observable: (tau_int, error)}`` of a recorded run ``(n, 3)`` (columns :data:`SERIES`)."""
    return {name: tau_with_error(obs[:, k]) for k, name in enumerate(SERIES)}


def burn_in_length(replicas: np.ndarray, mean: np.ndarray, std: np.ndarray, tol: float = BIAS_TOL) -> tuple[int, bool]:
    """First step ``t`` at which the mean over replicas ``(R, n, 3)`` of every observable lies within ``tol``
    equilibrium standard deviations ``std (3,)`` of the equilibrium mean ``mean (3,)``: ``(t, reached)``; not
    reached within the series: ``(n - 1, False)`` (a lower bound)."""
    bias = np.abs(replicas.mean(axis=0) - mean) / np.maximum(std, 1e-300)
    ok = np.flatnonzero((bias <= tol).all(axis=1))
    return (int(ok[0]), True) if len(ok) else (replicas.shape[1] - 1, False)


class MCCycles:
    """Constrained Metropolis with ``overrelax`` over-relaxation sweeps per sweep (a cycle), from the Villain field.

    The interface of :class:`support.cwgan.exact.ExactChain` (``setup_seconds``, ``burn_in``, ``run``,
    ``replicas``), so one protocol measures both; the kernel is :func:`support.samplers.xy_kernels._cycles`.
    """

    def __init__(self, charges: np.ndarray, T: float, *, overrelax: int = 0, seed: int = 0):
        t0 = time.perf_counter()
        self.charges, self.T, self.overrelax = xy.check_charges(charges), float(T), int(overrelax)
        c, s = initial_spins(self.charges.shape[-1], self.charges[None], 1)
        self.c, self.s = c[0].copy(), s[0].copy()
        self.state = make_states(seed, 1)[0]
        self.width = 1.0
        self.table = np.empty((N_TABLE, 2))
        _fill_table(self.table, self.width)
        self.setup_seconds = time.perf_counter() - t0
        self.acceptance = 0.0

    def burn_in(self, n_cycles: int) -> None:
        """``n_cycles`` cycles; the proposal width adapts towards acceptance 0.5 after every block of 10."""
        L = self.c.shape[0]
        for done in range(0, int(n_cycles), 10):
            n = min(10, int(n_cycles) - done)
            rate = run_cycles(self.c, self.s, self.state, self.table, 1.0 / self.T, n, self.overrelax,
                              np.zeros((0, 3))) / (n * L * L)
            self.width = min(max(self.width * math.exp(2.0 * (rate - TARGET_ACCEPTANCE)), 1e-3), MAX_WIDTH)
            _fill_table(self.table, self.width)

    def run(self, n_cycles: int, *, record: bool = False) -> tuple[None, np.ndarray | None]:
        """``n_cycles`` frozen cycles: ``(None, observables (n, 3) or None)`` (as ``ExactChain.run``)."""
        obs = np.empty((int(n_cycles), 3)) if record else np.zeros((0, 3))
        acc = run_cycles(self.c, self.s, self.state, self.table, 1.0 / self.T, int(n_cycles), self.overrelax, obs)
        self.acceptance = acc / max(1, int(n_cycles) * self.c.size)
        return None, (obs if record else None)

    def replicas(self, n_replicas: int, n_cycles: int, seed: int) -> np.ndarray:
        """Observables ``(R, n + 1, 3)`` of ``R`` copies started from the Villain field (frozen width, in parallel)."""
        c, s = initial_spins(self.charges.shape[-1], self.charges[None], 1)
        out = np.empty((int(n_replicas), int(n_cycles) + 1, 3))
        cycle_replicas(c[0], s[0], make_states(seed, int(n_replicas)), self.table, 1.0 / self.T, self.overrelax, out)
        return out


def _seconds_per_step(sampler, per_step_guess: float, *, seconds: float, repeats: int) -> float:
    """Fastest of ``repeats`` bare runs (nothing recorded) of about ``seconds`` each, per step: short windows, many of
    them, so that on a shared machine some run undisturbed."""
    n = max(2, int(seconds / max(per_step_guess, 1e-7)))
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        sampler.run(n)
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def measure(sampler, *, pilot: int, min_steps: int, max_seconds: float, time_seconds: float = 0.01,
            repeats: int = 10) -> dict:
    """tau_int (steps) per observable with errors, seconds per step, and seconds per independent field of a
    sampler that has been burnt in: a pilot run of ``pilot`` steps (also burn-in, discarded), then a recorded run
    of at least ``min_steps`` and :data:`MIN_RUN_OVER_TAU` tau_int, extended while shorter and the recorded runs
    took under ``max_seconds`` (``run_over_tau`` tells). The time per step is measured apart, on bare runs.

    Returns:
        ``tau_int``, ``tau_err`` (per observable of :data:`SERIES`), ``tau_max`` and its error, ``seconds_per_step``,
        ``seconds_per_independent`` (``2 tau_max`` steps, at least one) and its error, ``run_over_tau``, ``n_steps``,
        and the run's ``mean`` and ``std`` per observable.
    """
    t0 = time.perf_counter()
    _, obs = sampler.run(pilot, record=True)
    per_step = (time.perf_counter() - t0) / pilot
    tau = max(t for t, _ in series_taus(obs).values())
    obs = np.zeros((0, 3))
    spent = 0.0
    while True:   # the first run has at least min_steps; extensions stop at max_seconds
        n = max(int(1.1 * MIN_RUN_OVER_TAU * max(tau, 0.5)), int(min_steps)) - len(obs)
        n = max(int(min_steps) - len(obs), 1, min(n, int((max_seconds - spent) / per_step)))
        t0 = time.perf_counter()
        obs = np.concatenate([obs, sampler.run(n, record=True)[1]])
        spent += time.perf_counter() - t0
        taus = series_taus(obs)
        tau = max(t for t, _ in taus.values())
        if (len(obs) >= MIN_RUN_OVER_TAU * tau and len(obs) >= min_steps) or spent >= max_seconds:
            break
    step = _seconds_per_step(sampler, spent / len(obs), seconds=time_seconds, repeats=repeats)
    worst = max(taus, key=lambda k: taus[k][0])
    return {"tau_int": {k: v[0] for k, v in taus.items()}, "tau_err": {k: v[1] for k, v in taus.items()},
            "tau_max": tau, "tau_max_err": taus[worst][1], "seconds_per_step": step,
            "seconds_per_independent": step * max(1.0, 2 * tau),
            "seconds_per_independent_err": step * 2 * taus[worst][1], "run_over_tau": len(obs) / tau,
            "n_steps": len(obs), "mean": obs.mean(axis=0), "std": obs.std(axis=0)}
