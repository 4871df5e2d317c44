"""What each part of the exact chain buys: cost per independent field for kernel settings and ablations.

    python benchmarks/bench_exact.py [--checkpoint data/cpu/cwgan/learned/seed0.pt] [--L 64] [--T 0.1 0.3]

Per setting: low-mode acceptance, tau_int of E and |M| (steps), milliseconds per step and per independent
field (2 max tau, set-up and burn-in included), all on one pair map of a training class (not an
evaluation map), one core. Rows:
the defaults; other low-mode radii and sweeps per step; no low-mode moves (constrained Metropolis with
global rotations); the Villain field instead of the learned mean as the Gaussian's centre. Without a
checkpoint an untrained learned generator is used (its mean is the Villain field).
"""

import argparse
import sys
from pathlib import Path

import numba
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import xy  # noqa: E402
from support.cwgan import exact, load_generator  # noqa: E402
from support.cwgan.evaluation.exact_checks import autocorrelation, cost_per_independent  # noqa: E402
from support.cwgan.models.learned import LearnedGenerator  # noqa: E402


def measure(generator, k, T, n_steps, **kw) -> str:
    exact.sample_exact(generator, k, T, 2, burn_in_steps=2, **kw)
    theta, info = exact.sample_exact(generator, k, T, n_steps, seed=1, **kw)
    tau = autocorrelation(theta, T)
    ms = 1e3 * cost_per_independent(info["seconds"], n_steps, tau)
    return (f"acc {info['acceptance']:.2f}  tau E {tau['energy']:5.1f}  tau |M| {tau['abs_m']:6.1f}  "
            f"ms/step {1e3 * info['seconds'] / n_steps:5.2f}  ms/independent {ms:7.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default="data/cpu/cwgan/learned/seed0.pt")
    parser.add_argument("--L", type=int, default=64)
    parser.add_argument("--T", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--steps", type=int, default=1500)
    args = parser.parse_args()
    numba.set_num_threads(1)
    torch.set_num_threads(1)
    path = Path(args.checkpoint)
    generator = load_generator(path) if path.exists() else LearnedGenerator()
    print(f"generator: {path if path.exists() else 'untrained learned generator'}; L = {args.L}, one core")
    k = xy.pair_map(args.L, (0, 3), (5, 2))   # a training class (d = 3): settings are not chosen on evaluation maps
    settings = {"defaults": {}, **{f"modes {m}": {"modes": m} for m in (2, 5)},
                **{f"sweeps/step {s}": {"sweeps_per_step": s} for s in (2, 8)}, "no low-mode moves": {"modes": 0}}
    for T in args.T:
        for name, kw in settings.items():
            print(f"T = {T}  {name:>18}: {measure(generator, k, T, args.steps, **kw)}")
        learned_mean = exact.mean_field
        exact.mean_field = lambda g, charges, T_: xy.villain_field(charges[None])[0]
        print(f"T = {T}  {'Villain centre':>18}: {measure(generator, k, T, args.steps)}")
        exact.mean_field = learned_mean


if __name__ == "__main__":
    main()
