"""Autocorrelation and cost per independent field of constrained XY Monte Carlo with k over-relaxation sweeps.

On chapter 04's cost map (one pair of class (1, 4), d = 4.12, placed by
:func:`support.cwgan.evaluation.mc_reference.pair_maps_for_cost` with the chapter's seed 0), for each (L, T)
and each k, one constrained chain (cycle = 1 Metropolis sweep + k OR sweeps) starts from the map's Villain
field, burns in (width adapted in the first half), then records E and |M| after every cycle until the run
spans ``--run-tau`` times the larger tau_int (Sokal window, :mod:`support.samplers.autocorrelation`) or
hits the per-run kernel budget. Seconds per cycle come from a separate timed call of the kernel alone
(one thread, thread CPU time, best of 3; no observables inside the timed region); seconds per independent
field are ``2 tau_max x seconds per cycle``.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_overrelax_tau.py            # L 32, 64; T 0.1, 0.3; k 0..5
    PYTHONPATH=. .venv/bin/python benchmarks/bench_overrelax_tau.py --L 16 --T 0.1 0.5 0.9

Errors of tau: Madras-Sokal, ``tau * sqrt(2 (2 M + 1) / N)`` with the window ``M ~ 5 tau``; with ``--chains n > 1``
every row averages n independent chains (seeds) and its errors are the standard errors of those means (long
tails make single-chain tau of over-relaxed chains at L = 64 vary by more than the Madras-Sokal error).
"""

from __future__ import annotations

import argparse
import math
import time

import numba as nb
import numpy as np

from support import xy
from support.samplers.autocorrelation import integrated_autocorrelation_time
from support.samplers.xy import LocalChain, _cycles, _sweeps
from support.samplers.xy_kernels import _renormalise


@nb.njit(cache=True)
def _series(c, s, state, table, beta, n, k, e_out, m_out):
    """``n`` constrained cycles (k OR sweeps each; plain sweeps for k = 0), E and |M| after each."""
    L = c.shape[0]
    for t in range(n):
        if k == 0:
            _sweeps(c, s, state, table, beta, 1.0, 1, True)
        else:
            _cycles(c, s, state, table, beta, 1.0, 1, k, True)
        if (t + 1) % 16 == 0:      # one cycle per call: the kernels' own cadence never triggers
            _renormalise(c, s)
        e = 0.0
        mx = 0.0
        my = 0.0
        for i in range(L):
            ip = i + 1 if i + 1 < L else 0
            for j in range(L):
                jp = j + 1 if j + 1 < L else 0
                e -= c[i, j] * (c[i, jp] + c[ip, j]) + s[i, j] * (s[i, jp] + s[ip, j])
                mx += c[i, j]
                my += s[i, j]
        e_out[t] = e
        m_out[t] = math.sqrt(mx * mx + my * my) / (L * L)


def _kernel(chain: LocalChain, n: int, k: int) -> None:
    if k == 0:
        _sweeps(chain.c, chain.s, chain.state, chain.table, chain.beta, 1.0, n, True)
    else:
        _cycles(chain.c, chain.s, chain.state, chain.table, chain.beta, 1.0, n, k, True)


def seconds_per_cycle(chain: LocalChain, k: int, min_seconds: float = 0.3) -> float:
    """Thread CPU seconds per cycle of the kernel alone (best of 3 calls of at least ``min_seconds``)."""
    n = max(1, int(min_seconds / (chain.c.size * (30 + 15 * k) * 1e-9)))
    best = math.inf
    for _ in range(3):
        t0 = time.thread_time()
        _kernel(chain, n, k)
        best = min(best, time.thread_time() - t0)
    return best / n


def measure(charges: np.ndarray, T: float, k: int, *, run_tau: float, min_cycles: int, max_seconds: float,
            seed: int) -> dict:
    """tau_int of E and |M| (cycles), run length and seconds per cycle of one (map, T, k)."""
    L = charges.shape[-1]
    chain = LocalChain(xy.villain_field(charges), T, charges=charges, seed=seed, width=min(2 * math.sqrt(T), 3.0))
    burn = max(500, 2 * L * L // (1 + k))
    for _ in range(burn // 20):                         # adapt the width in the first half of the burn-in
        chain.sweeps(10, adapt=True, overrelax=k)
    chain.sweeps(burn // 2, overrelax=k)
    per_cycle = seconds_per_cycle(chain, k)
    max_cycles = max(min_cycles, int(max_seconds / per_cycle))
    e, m = np.empty(0), np.empty(0)
    n_next = min_cycles
    while True:
        e_new, m_new = np.empty(n_next), np.empty(n_next)
        _series(chain.c, chain.s, chain.state, chain.table, chain.beta, n_next, k, e_new, m_new)
        e, m = np.concatenate([e, e_new]), np.concatenate([m, m_new])
        tau_e, tau_m = integrated_autocorrelation_time(e), integrated_autocorrelation_time(m)
        need = int(run_tau * max(tau_e, tau_m))
        if len(e) >= need or len(e) >= max_cycles:
            break
        n_next = min(need, max_cycles, 4 * len(e)) - len(e)   # grow in steps: early tau estimates are rough
    if not np.array_equal(xy.vortices(chain.theta), charges):
        raise RuntimeError("the chain lost its map")
    tau = max(tau_e, tau_m)
    err = lambda t: t * math.sqrt(2 * (10 * t + 1) / len(e))  # noqa: E731  (Madras-Sokal, window ~ 5 tau)
    return dict(L=L, T=T, k=k, cycles=len(e), run_over_tau=len(e) / tau, tau_e=tau_e, tau_e_err=err(tau_e),
                tau_m=tau_m, tau_m_err=err(tau_m), ms_per_cycle=1e3 * per_cycle,
                ms_per_field=1e3 * 2 * tau * per_cycle, acceptance=chain.sweeps(1, overrelax=k),
                or_acceptance=chain.overrelax_acceptance if k else float("nan"))


def averaged(rows: list[dict]) -> dict:
    """One row from independent chains of the same (L, T, k): means, and standard errors of the tau means."""
    out = {key: (float(np.mean([r[key] for r in rows])) if key not in ("L", "T", "k") else rows[0][key])
           for key in rows[0]}
    out["cycles"] = int(np.mean([r["cycles"] for r in rows]))
    for key in ("tau_e", "tau_m"):
        out[f"{key}_err"] = float(np.std([r[key] for r in rows], ddof=1) / np.sqrt(len(rows)))
    # cost per field from the mean tau_max, not the mean of per-chain costs
    out["ms_per_field"] = 2 * max(out["tau_e"], out["tau_m"]) * out["ms_per_cycle"]
    return out


def cost_map(L: int, seed: int = 0) -> np.ndarray:
    """Chapter 04's cost map at ``L`` (as :func:`support.cwgan.evaluation.cost.mc_seconds_per_sample` draws it)."""
    from support.cwgan.evaluation.mc_reference import pair_maps_for_cost

    return pair_maps_for_cost(L, 1, np.random.default_rng(seed))[0]


def _print_rows(rows: list[dict]) -> None:
    print(f"{'L':>3} {'T':>4} {'k':>2} {'cycles':>7} {'run/tau':>7} {'tau_E (cycles)':>15} {'tau_|M| (cycles)':>17}"
          f" {'ms/cycle':>8} {'ms/indep. field':>15} {'gain':>5} {'OR acc':>6}", flush=True)
    for r in rows:
        base = next(b for b in rows if b["L"] == r["L"] and b["T"] == r["T"] and b["k"] == 0)
        print(f"{r['L']:>3} {r['T']:>4} {r['k']:>2} {r['cycles']:>7} {r['run_over_tau']:>7.0f} "
              f"{r['tau_e']:>7.1f} +- {r['tau_e_err']:>4.1f} {r['tau_m']:>8.1f} +- {r['tau_m_err']:>5.1f} "
              f"{r['ms_per_cycle']:>8.3f} {r['ms_per_field']:>15.2f} {base['ms_per_field'] / r['ms_per_field']:>5.1f} "
              f"{r['or_acceptance']:>6.3f}", flush=True)


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure every (L, T, k), print the table and the best k per (L, T); return the rows."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--L", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--T", type=float, nargs="+", default=[0.1, 0.3])
    ap.add_argument("--k", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    ap.add_argument("--run-tau", type=float, default=300.0, help="run length in units of tau_max (target)")
    ap.add_argument("--min-cycles", type=int, default=4000)
    ap.add_argument("--max-seconds", type=float, default=12.0, help="kernel CPU seconds per run at most")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chains", type=int, default=1, help="independent chains per row (errors from their spread)")
    args = ap.parse_args(argv)
    nb.set_num_threads(1)
    t_start = time.perf_counter()
    rows = []
    for L in args.L:
        k_map = cost_map(L, args.seed)
        for T in args.T:
            for k in sorted(set(args.k) | {0}):
                runs = [measure(k_map, T, k, run_tau=args.run_tau, min_cycles=args.min_cycles,
                                max_seconds=args.max_seconds, seed=args.seed + 1 + c) for c in range(args.chains)]
                rows.append(runs[0] if args.chains == 1 else averaged(runs))
                print(f"  done L={L} T={T} k={k} ({time.perf_counter() - t_start:.0f} s)", flush=True)
    _print_rows(rows)
    for L in args.L:
        for T in args.T:
            best = min((r for r in rows if r["L"] == L and r["T"] == T), key=lambda r: r["ms_per_field"])
            print(f"best at L={L} T={T}: k={best['k']} ({best['ms_per_field']:.2f} ms per independent field)")
    print(f"total {time.perf_counter() - t_start:.0f} s wall")
    return rows


if __name__ == "__main__":
    main()
