"""Throughput of the cWGAN on this machine: training samples/s and generated samples/s, per variant.

Usage: ``python benchmarks/bench_cwgan.py [--profile cpu] [--threads N] [--steps 5] [--L 16]``.
Model and training sizes come from the profile's ``02_train_cwgan`` section. Training samples/s
counts every field the critic and generator see: ``batch_size * (n_critic + 1)`` per generator
step. Stand-in training data (the prior itself) is used, so no dataset is needed; the timings
do not depend on the data values. On a machine shared with other jobs the figures are noisy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from support import xy
from support.cwgan.generator import generate
from support.cwgan.models.prior import prior_angles
from support.cwgan.training.wgan import train_cwgan


def standin_data(L: int, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    disp = [pd.displacement for pd in xy.PAIR_DISTANCES]
    k = np.stack([xy.pair_map(L, disp[i % len(disp)], tuple(rng.integers(0, L, 2))) for i in range(n)])
    T = rng.choice(np.float32([0.1, 0.5, 0.9]), n)
    # the cheap "relaxed" prior as stand-in fields: timings do not depend on the data values
    return dict(theta=prior_angles(k, T, rng, ground_state="relaxed", self_consistent=False), charges=k, T=T)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: all cores)")
    ap.add_argument("--steps", type=int, default=5, help="generator steps timed per variant")
    ap.add_argument("--L", type=int, default=16)
    ap.add_argument("--n-generate", type=int, default=2048)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    sec = yaml.safe_load(open(Path(__file__).resolve().parents[1] / "params" / f"{args.profile}.yaml"))["02_train_cwgan"]
    data = standin_data(args.L, 1024)
    print(f"profile {args.profile}, L = {args.L}, torch threads {torch.get_num_threads()}")
    for variant in sec["variants"]:
        model, training = sec[f"{variant}_model"], dict(sec[f"{variant}_training"])
        training.update(epochs=1, steps_per_epoch=args.steps, compile=False, critic_warmup=0)
        with tempfile.TemporaryDirectory() as tmp:
            # one warm-up step (allocations, villain cache), then the timed run
            train_cwgan(data, variant=variant, out_dir=Path(tmp) / "w", model=model,
                              training=dict(training, steps_per_epoch=1), progress=False)
            res = train_cwgan(data, variant=variant, out_dir=Path(tmp) / "t", model=model, training=training,
                                    progress=False)
        per_step = training["batch_size"] * (training["n_critic"] + 1)
        train_rate = args.steps * per_step / res["train_seconds"]
        k, T = data["charges"][: args.n_generate], data["T"][: args.n_generate]
        k = np.resize(k, (args.n_generate, args.L, args.L))
        T = np.resize(T, args.n_generate)
        generate(res["generator"], k[:64], T[:64], seed=0)
        t0 = time.perf_counter()
        generate(res["generator"], k, T, seed=1, batch_size=sec.get("eval_batch_size", 256))
        gen_rate = args.n_generate / (time.perf_counter() - t0)
        n_par = sum(p.numel() for p in res["generator"].parameters())
        print(f"{variant:6s}: generator {n_par / 1e3:.0f}k parameters | training {train_rate:7.0f} samples/s "
              f"({res['train_seconds'] / args.steps:.2f} s per generator step) | generation {gen_rate:7.0f} samples/s")


if __name__ == "__main__":
    main()
