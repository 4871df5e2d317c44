"""The exact chain against the best Monte Carlo: chapter 04's cost table, and what each part of the chain buys.

    python benchmarks/bench_exact.py [--checkpoint data/cpu/cwgan/learned/seed0.pt] [--L 16 32 64 128]
                                     [--T 0.1 0.3] [--maps close_pair separated_pairs many_pairs] [--k 1 2 3 4 5]
    python benchmarks/bench_exact.py --settings [--L 64] [--T 0.1 0.3]

Default: the rows of chapter 04's cost section (:func:`support.cwgan.evaluation.exact_checks.cost_case`, same maps,
same protocol, same columns), the wall time of each row, and the verdict sentences computed from them. Every
sampler runs in this process, on one core for every timed run (replicas of the burn-in study use all numba threads).
``--settings``: the chain's settings on the close pair (tau_int of E, |M| and the helicity term in steps, ms per step
and per independent field), one row per alternative to the defaults: sweeps per step, over-relaxation sweeps,
low-mode radius, low-mode moves per step, no low-mode moves. Without a checkpoint an untrained learned generator is
used (its mean is the Villain field, so the Villain-centred rows equal the chain's).
"""

import argparse
import sys
import time
from pathlib import Path

import numba
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.cwgan import exact, load_generator  # noqa: E402
from support.cwgan.evaluation import exact_checks as ec  # noqa: E402
from support.cwgan.evaluation.cost import measure  # noqa: E402
from support.cwgan.models.learned import LearnedGenerator  # noqa: E402


def settings(generator, L: int, temps, unseen_class: int) -> None:
    k = ec.cost_maps(L, unseen_class, 0)["close_pair"]
    alternatives = {"defaults (2 x 1+1 OR)": {}, "1 sweep, 1 OR": dict(sweeps_per_step=1),
                    "3 sweeps, 1 OR": dict(sweeps_per_step=3), "2 sweeps, 2 OR": dict(overrelax=2),
                    "1 sweep, 2 OR": dict(sweeps_per_step=1, overrelax=2),
                    "1 sweep, 3 OR": dict(sweeps_per_step=1, overrelax=3), "2 sweeps, no OR": dict(overrelax=0),
                    "4 sweeps, no OR (old)": dict(sweeps_per_step=4, overrelax=0), "modes 2": dict(modes=2),
                    "modes 5": dict(modes=5), "2 low-mode moves": dict(low_moves=2), "no low-mode moves": dict(modes=0)}
    for T in temps:
        ec.warm_up(generator, k, T)
        for name, kw in alternatives.items():
            chain = exact.ExactChain(generator, k, T, seed=1, **kw)
            chain.burn_in(exact.BURN_IN_STEPS)
            m = measure(chain, pilot=200, min_steps=1000, max_seconds=30)
            tau = m["tau_int"]
            print(f"L = {L} T = {T} {name:>22}: acc {chain.acceptance[0]:.2f}  tau E {tau['energy']:5.2f}  "
                  f"|M| {tau['abs_m']:6.2f}  Y {tau['helicity']:5.2f}  ms/step {1e3 * m['seconds_per_step']:6.3f}  "
                  f"ms/independent {1e3 * m['seconds_per_independent']:7.3f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default="data/cpu/cwgan/learned/seed0.pt")
    parser.add_argument("--L", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--T", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--maps", nargs="+", default=["close_pair", "separated_pairs", "many_pairs"])
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 3], help="over-relaxation sweeps per sweep to try")
    parser.add_argument("--plain-max-L", type=int, default=64, help="plain Metropolis up to this L")
    parser.add_argument("--min-steps", type=int, default=500)
    parser.add_argument("--mc-min-cycles", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=20.0)
    parser.add_argument("--replicas", type=int, default=32)
    parser.add_argument("--unseen-class", type=int, default=10, help="the close pair's class (10: d = 4.12)")
    parser.add_argument("--settings", action="store_true", help="the chain's settings instead of the cost table")
    args = parser.parse_args()
    torch.set_num_threads(1)
    path = Path(args.checkpoint)
    generator = load_generator(path) if path.exists() else LearnedGenerator()
    print(f"generator: {path if path.exists() else 'untrained learned generator'}; numba threads "
          f"{numba.get_num_threads()} (timed runs use one)")
    if args.settings:
        for L in args.L:
            settings(generator, L, args.T, args.unseen_class)
        return
    rows, t_all = [], time.perf_counter()
    for L in args.L:
        maps = ec.cost_maps(L, args.unseen_class, 0)
        for name in args.maps:
            for T in args.T:
                t0 = time.perf_counter()
                rows.append(ec.cost_case(generator, maps[name], T, name=name, mc_k=args.k,
                                         plain_mc=L <= args.plain_max_L, min_steps=args.min_steps,
                                         mc_min_cycles=args.mc_min_cycles, max_seconds=args.max_seconds,
                                         n_replicas=args.replicas, seed=0))
                r = rows[-1]
                print(f"{name:>15} L = {L:3d} T = {T}: chain {1e3 * r['seconds_per_independent']:8.3f} ms "
                      f"(tau {r['tau_max']:.1f}+-{r['tau_max_err']:.1f} steps), best MC k = {r['best_mc_k']} "
                      f"{1e3 * r['best_mc_seconds_per_independent']:8.3f} ms (tau {r['best_mc_tau_max']:.1f}+-"
                      f"{r['best_mc']['tau_max_err']:.1f} cycles, run {r['best_mc']['run_over_tau']:.0f} tau), speedup "
                      f"{r['speedup_vs_best_mc']:5.2f}; new map {1e3 * r['new_map_seconds']:7.2f} ms vs "
                      f"{1e3 * r['mc_new_map_seconds']:7.2f} ms ({r['new_map_speedup']:.2f}x); row took "
                      f"{time.perf_counter() - t0:.1f} s", flush=True)
    print(f"\nall rows: {time.perf_counter() - t_all:.0f} s\n")
    print(ec.cost_table(rows).round(3).to_string())
    print()
    for sentence in ec.cost_verdicts(rows).values():
        print(sentence)


if __name__ == "__main__":
    main()
