"""Benchmark of the XY Metropolis kernel: ns per attempted single-spin update (L=64, T=0.7, one thread)."""

from __future__ import annotations

import time

import numpy as np


def _time_kernel(L: int, T: float, constrained: bool, sweeps: int, repeats: int) -> tuple[float, float]:
    from support import xy
    from support.samplers.rng import make_state
    from support.samplers.xy import N_TABLE, _fill_table, _sweeps, initial_spins

    charges = xy.pair_map(L, (0, 3), (L // 2, L // 2)) if constrained else None
    c, s = initial_spins(L, None if charges is None else charges[None], 1)
    c, s = np.array(c[0]), np.array(s[0])
    state = make_state(0)
    table = np.empty((N_TABLE, 2))
    _fill_table(table, 1.3)                     # ~ the adapted width at T = 0.7 (acceptance ~ 0.5)
    _sweeps(c, s, state, table, 1.0 / T, 1.0, 200, constrained)   # compile + equilibrate
    best, best_cpu = np.inf, np.inf
    acc = 0
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.thread_time()
        acc = _sweeps(c, s, state, table, 1.0 / T, 1.0, sweeps, constrained)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.thread_time() - c0)
    if constrained:
        theta = np.arctan2(s, c)
        assert np.array_equal(xy.vortices(theta), charges), "constraint violated"
    n = sweeps * L * L
    return best / n * 1e9, best_cpu / n * 1e9, acc / n


def main(L: int = 64, T: float = 0.7, sweeps: int = 200, repeats: int = 5) -> dict:
    """Print and return ns per attempted update, unconstrained and constrained (best of ``repeats``)."""
    import numba

    numba.set_num_threads(1)
    out = {}
    for constrained in (False, True):
        ns, ns_cpu, acc = _time_kernel(L, T, constrained, sweeps, repeats)
        name = "constrained" if constrained else "unconstrained"
        out[name] = ns
        # on a shared machine the thread's CPU time is the fairer figure; wall time is what a user waits
        print(f"XY Metropolis L={L} T={T} one thread, {name:>13}: {ns:6.1f} ns/update wall, "
              f"{ns_cpu:6.1f} ns/update CPU time (acceptance {acc:.2f})")
    return out


if __name__ == "__main__":
    main()
