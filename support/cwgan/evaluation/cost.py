"""Cost per independent sample versus lattice size, one protocol for Monte Carlo and every generator.

The use case is the paper's: fields for *new* defect maps. At each ``L`` we draw ``n_maps`` new one-pair maps
(d ≈ 4.12) and ask each method for ``samples_per_map`` independent fields of every map:

- constrained Monte Carlo pays a burn-in per map and ``2 τ_int`` sweeps per sample (τ_int measured at that
  ``L``, chains in parallel on every numba thread; with over-relaxation a "sweep" is a cycle of one
  Metropolis sweep and ``k`` over-relaxation sweeps);
- a generator (or the physics prior) is timed on one call for all maps and samples, its caches emptied
  first, so a per-map set-up and any redraw of a wrong map are included.

Seconds per sample are wall-clock seconds divided by the number of samples.
"""

from __future__ import annotations

import time
from typing import Callable, Mapping, Sequence

import numpy as np

from support.cwgan.evaluation.mc_reference import mc_cost_per_sample, pair_maps_for_cost
from support.cwgan.models.prior import clear_caches

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
