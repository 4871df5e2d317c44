"""Training throughput of the residual VAE (samples per second, forward + backward + Adam step).

Usage: ``python benchmarks/bench_vae.py [--L 48] [--widths 16,32,64] [--latent 64] [--batch 32]
[--threads 2] [--seconds 10] [--augment] [--canonical] [--device auto]``. Random unit spins stand in for data
(the cost does not depend on the values). Figures on a shared machine are noisy.

``--compare-frame`` times, side by side and interleaved (so a busy machine slows each alike), a canonical-frame
training step two ways: the canonical frame found every batch, or once for the data (``in_frame=True``, what
:func:`support.vae.training.loop.train_vae` does without augmentation). Measured on this 2-core machine with one
thread: 1.14x (L = 48, widths 12-24-48) and 1.17x (L = 64, widths 8-16-32) the per-batch step's speed. A periodic
pad by concatenation instead of ``F.pad(mode="circular")`` gained only 2-5 % more and was left out; ``torch.compile``
took 80 s to compile per process (longer than a 600-step run) for a gain between 1.1x and 1.6x.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from support.book.runtime import pick_device
from support.vae.model import ResidualVAE
from support.vae.training.loop import augment_batch, vae_loss


def bench(L: int, widths: list[int], latent: int, batch: int, seconds: float, augment: bool, device: str,
          canonical: bool = False) -> dict:
    dev = pick_device(device)
    torch.manual_seed(0)
    model = ResidualVAE(L=L, widths=widths, latent_dim=latent, canonical_frame="neel" if canonical else None)
    model = model.to(dev).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    s = np.random.default_rng(0).normal(size=(batch * 8, 3, L, L)).astype(np.float32)
    x_all = torch.from_numpy(s / np.linalg.norm(s, axis=1, keepdims=True)).to(dev)
    gen = torch.Generator().manual_seed(0)

    def step(k):
        xb = x_all[(k % 8) * batch:(k % 8 + 1) * batch]
        if augment:
            xb = augment_batch(xb, gen)
        recon, mu, logvar = model(xb)
        loss = vae_loss(recon, xb, mu, logvar, 1e-4)[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for k in range(3):  # warm-up
        step(k)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step(n)
        n += 1
    if dev.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    n_params = sum(p.numel() for p in model.parameters())
    return {"samples_per_s": n * batch / dt, "ms_per_batch": 1e3 * dt / n, "params": n_params}


def compare_frame(L: int, widths: list[int], latent: int, batch: int, rounds: int = 5, steps: int = 10) -> dict:
    """Milliseconds per step with the canonical frame found every batch or once, median over interleaved rounds."""
    from support.chiral.symmetry import to_canonical_frame
    torch.manual_seed(0)
    m = ResidualVAE(L=L, widths=widths, latent_dim=latent, canonical_frame="neel").train()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    s = np.random.default_rng(0).normal(size=(batch, 3, L, L)).astype(np.float32)
    x = torch.from_numpy(s / np.linalg.norm(s, axis=1, keepdims=True))
    x_frame = to_canonical_frame(x, "neel")[0]

    def step(in_frame: bool) -> None:
        xb = x_frame if in_frame else x
        recon, mu, logvar = m(xb, in_frame=in_frame)
        loss = vae_loss(recon, xb, mu, logvar, 1e-4)[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    times: dict[str, list[float]] = {"frame every batch": [], "frame once": []}
    for _ in range(rounds):
        for name, in_frame in (("frame every batch", False), ("frame once", True)):
            step(in_frame)  # warm-up
            t0 = time.perf_counter()
            for _ in range(steps):
                step(in_frame)
            times[name].append(1e3 * (time.perf_counter() - t0) / steps)
    return {name: float(np.median(t)) for name, t in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--L", type=int, default=48)
    ap.add_argument("--widths", default="16,32,64")
    ap.add_argument("--latent", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--augment", action="store_true")
    ap.add_argument("--canonical", action="store_true", help="encode in the canonical frame (support.chiral.symmetry)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--compare-frame", action="store_true", help="time the canonical frame per batch and once (CPU)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    widths = [int(w) for w in a.widths.split(",")]
    if a.compare_frame:
        times = compare_frame(a.L, widths, a.latent, a.batch)
        for name, ms in times.items():
            print(f"{name:20s} {ms:7.1f} ms/step  ({times['frame every batch'] / ms:.2f}x the per-batch step's speed)")
        return
    r = bench(a.L, widths, a.latent, a.batch, a.seconds, a.augment, a.device, a.canonical)
    print(f"ResidualVAE L={a.L} widths={widths} latent={a.latent} batch={a.batch} threads={a.threads} "
          f"augment={a.augment} canonical={a.canonical}: {r['params'] / 1e6:.2f} M params, {r['ms_per_batch']:.1f} ms/batch, "
          f"{r['samples_per_s']:.0f} training samples/s")


if __name__ == "__main__":
    main()
