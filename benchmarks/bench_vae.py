"""Training throughput of the residual VAE (samples per second, forward + backward + Adam step).

Usage: ``python benchmarks/bench_vae.py [--L 48] [--widths 16,32,64] [--latent 64] [--batch 32]
[--threads 2] [--seconds 10] [--augment] [--canonical] [--device auto]``. Random unit spins stand in for data
(the cost does not depend on the values). Figures on a shared machine are noisy.
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
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    widths = [int(w) for w in a.widths.split(",")]
    r = bench(a.L, widths, a.latent, a.batch, a.seconds, a.augment, a.device, a.canonical)
    print(f"ResidualVAE L={a.L} widths={widths} latent={a.latent} batch={a.batch} threads={a.threads} "
          f"augment={a.augment} canonical={a.canonical}: {r['params'] / 1e6:.2f} M params, {r['ms_per_batch']:.1f} ms/batch, "
          f"{r['samples_per_s']:.0f} training samples/s")


if __name__ == "__main__":
    main()
