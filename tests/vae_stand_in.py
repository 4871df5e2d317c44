"""A tiny VAE configuration and toy skyrmion lattices shared by the VAE training and run tests (mechanics, not physics)."""

import math

import numpy as np

TINY = {"L": 8, "widths": [4, 8], "latent_dim": 4}


def bubbles(n, L=8, seed=0):
    """Smooth toy 'skyrmions': a down-pointing Gaussian bubble at a random site of an up background."""
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    out = np.empty((n, 3, L, L), np.float32)
    for k in range(n):
        ci, cj = rng.integers(L, size=2)
        di, dj = (i - ci + L / 2) % L - L / 2, (j - cj + L / 2) % L - L / 2
        theta = math.pi * np.exp(-(di ** 2 + dj ** 2) / 4.0)
        phi = np.arctan2(di, dj)
        out[k] = [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)]
    return out
