"""Benchmark of the XY kernels: ns per single-spin update of a Metropolis sweep and of an over-relaxation sweep.

Same lattice (L=64), temperature (T=0.7), process and thread; Metropolis counts attempted updates, an OR sweep
L² attempted reflections.
"""

from __future__ import annotations

import time

import numpy as np


def _best(run, repeats: int) -> tuple[float, float, int]:
    """Best wall and thread-CPU seconds of ``repeats`` calls of ``run()``, and the last call's return value."""
    best, best_cpu, out = np.inf, np.inf, 0
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.thread_time()
        out = run()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.thread_time() - c0)
    return best, best_cpu, out


def _time_kernels(L: int, T: float, constrained: bool, sweeps: int,
                  repeats: int) -> dict[str, tuple[float, float, float]]:
    """``{"metropolis" | "overrelax": (ns/update wall, ns/update CPU, acceptance)}`` on one equilibrated chain."""
    from support import xy
    from support.samplers.rng import make_state
    from support.samplers.xy import N_TABLE, _fill_table, _overrelax_sweeps, _sweeps, initial_spins

    charges = xy.pair_map(L, (0, 3), (L // 2, L // 2)) if constrained else None
    c, s = initial_spins(L, None if charges is None else charges[None], 1)
    c, s = np.array(c[0]), np.array(s[0])
    state = make_state(0)
    table = np.empty((N_TABLE, 2))
    _fill_table(table, 1.3)                     # ~ the adapted width at T = 0.7 (acceptance ~ 0.5)
    _sweeps(c, s, state, table, 1.0 / T, 1.0, 200, constrained)   # compile + equilibrate
    _overrelax_sweeps(c, s, 2, constrained)                        # compile
    n = sweeps * L * L
    out = {}
    for name, run in (("metropolis", lambda: _sweeps(c, s, state, table, 1.0 / T, 1.0, sweeps, constrained)),
                      ("overrelax", lambda: _overrelax_sweeps(c, s, sweeps, constrained))):
        wall, cpu, acc = _best(run, repeats)
        out[name] = (wall / n * 1e9, cpu / n * 1e9, acc / n)
    if constrained:
        theta = np.arctan2(s, c)
        assert np.array_equal(xy.vortices(theta), charges), "constraint violated"
    return out


def main(L: int = 64, T: float = 0.7, sweeps: int = 200, repeats: int = 5) -> dict:
    """Print and return ns per update (wall), Metropolis and OR, unconstrained and constrained (best of ``repeats``)."""
    import numba

    numba.set_num_threads(1)
    out = {}
    for constrained in (False, True):
        name = "constrained" if constrained else "unconstrained"
        for kernel, (ns, ns_cpu, acc) in _time_kernels(L, T, constrained, sweeps, repeats).items():
            out[f"{kernel} {name}"] = ns
            # on a shared machine the thread's CPU time is the fairer figure; wall time is what a user waits
            print(f"XY {kernel:>10} L={L} T={T} one thread, {name:>13}: {ns:6.1f} ns/update wall, "
                  f"{ns_cpu:6.1f} ns/update CPU time (acceptance {acc:.2f})")
    return out


if __name__ == "__main__":
    main()
