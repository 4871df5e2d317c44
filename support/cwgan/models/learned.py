"""The learned generator: physics layers plus a learned U-Net correction, (map, T, seed) in, XY field out.

A field of the map ``k`` at temperature ``T`` is

    ``theta = theta_V(k) + delta(k, T) + w_T + phi``

with ``theta_V`` the FFT Villain field of the map, ``delta`` the learned correction (a small circular
U-Net that sees the charge map, ``T`` and the Villain bond angles as ``cos``/``sin``, so it is
invariant to a global rotation and equivariant to lattice translations by multiples of
``2**depth``), ``w_T`` Gaussian spin waves drawn in Fourier space at ``T`` with the self-consistent
stiffness and ``phi`` a uniform global angle (:mod:`support.cwgan.models.physics_layers`). The network
has no dense layer and circular padding, so one set of weights runs at every ``L`` divisible by
``2**depth``. Inference is one forward pass, FFTs and fixed linear maps; a field whose exact
vortex map differs from ``k`` is redrawn (new spin waves and angle, up to ``max_tries`` times) and
the number of tries is returned by :func:`sample_learned`, so the redraw cost can be counted.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from support import xy
from support.cwgan.models.physics_layers import thermal_waves, villain_bonds
from support.cwgan.models.unet import circular_conv

KIND = "learned"


class CorrectionUNet(nn.Module):
    """Circular U-Net ``delta(k, T, Villain bonds)``: inputs ``(n, 6, L, L)``, output ``(n, L, L)``, zero at start.

    Args:
        widths: channels per level (``depth = len(widths)``; ``L`` must be divisible by ``2**depth``).
        negative_slope: LeakyReLU slope.
    """

    def __init__(self, widths: Sequence[int] = (8, 16, 32, 32), negative_slope: float = 0.2):
        super().__init__()
        widths = [int(w) for w in widths]
        if not widths:
            raise ValueError("need at least one level")
        self.depth = len(widths)
        act = lambda: nn.LeakyReLU(negative_slope)  # noqa: E731
        c_in, self.enc = 6, nn.ModuleList()
        for w in widths:
            self.enc.append(nn.Sequential(circular_conv(c_in, w), act(), circular_conv(w, w), act()))
            c_in = w
        self.pool = nn.AvgPool2d(2)
        self.bottleneck = nn.Sequential(circular_conv(c_in, c_in), act())
        self.up, self.dec = nn.ModuleList(), nn.ModuleList()
        for w in reversed(widths):
            self.up.append(nn.ConvTranspose2d(c_in, w, 2, stride=2))
            self.dec.append(nn.Sequential(circular_conv(2 * w, w), act()))
            c_in = w
        self.head = nn.Conv2d(c_in, 1, 1)
        nn.init.zeros_(self.head.weight)   # untrained: delta = 0, the physics layers alone
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        L = x.shape[-1]
        if L % 2 ** self.depth or x.shape[-2] != L:
            raise ValueError(f"need square L divisible by {2 ** self.depth}, got {tuple(x.shape[-2:])}")
        skips, h = [], x
        for block in self.enc:
            h = block(h)
            skips.append(h)
            h = self.pool(h)
        h = self.bottleneck(h)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            h = dec(torch.cat([up(h), skip], dim=1))
        return self.head(h)[:, 0]


class LearnedGenerator(nn.Module):
    """Physics layers + learned correction (module docstring). :attr:`config` rebuilds it (``kind="learned"``).

    Args:
        widths: U-Net widths per level.
        negative_slope: LeakyReLU slope.
        self_consistent: spin waves with the self-consistent stiffness (else stiffness 1).
        max_tries: draws per sample before a wrong map is returned as it is.
    """

    kind = KIND

    def __init__(self, widths: Sequence[int] = (8, 16, 32, 32), negative_slope: float = 0.2,
                 self_consistent: bool = True, max_tries: int = 64):
        super().__init__()
        if max_tries < 1:
            raise ValueError("max_tries must be >= 1")
        self.config = dict(kind=KIND, widths=[int(w) for w in widths], negative_slope=float(negative_slope),
                           self_consistent=bool(self_consistent), max_tries=int(max_tries))
        self.net = CorrectionUNet(widths, negative_slope)

    def correction(self, charges: torch.Tensor, T: torch.Tensor, bx: torch.Tensor, by: torch.Tensor) -> torch.Tensor:
        """``delta (n, L, L)`` from maps ``(n, L, L)``, ``T (n,)`` and the Villain bond angles ``(n, L, L)``."""
        n, L = charges.shape[0], charges.shape[-1]
        t_map = T.to(charges.dtype).view(n, 1, 1).expand(n, L, L)
        x = torch.stack([charges, t_map, torch.cos(bx), torch.sin(bx), torch.cos(by), torch.sin(by)], dim=1)
        return self.net(x.to(charges.dtype))


def correction_numpy(generator: LearnedGenerator, charges: np.ndarray, T: np.ndarray, *,
                     batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Villain field and learned correction per map, no gradient: float64 ``(theta_V, delta)``, each ``(n, L, L)``."""
    theta_v = xy.villain_field(charges)
    bx, by = villain_bonds(charges)
    delta = np.empty_like(theta_v)
    device = next(generator.parameters()).device
    with torch.no_grad():
        for s in range(0, len(charges), batch_size):
            sl = slice(s, s + batch_size)
            args = [torch.as_tensor(np.asarray(a[sl], np.float32), device=device) for a in (charges, T, bx, by)]
            delta[sl] = generator.correction(*args).double().cpu().numpy()
    return theta_v, delta


def sample_learned(generator: LearnedGenerator, charges: np.ndarray, T: np.ndarray, *, seed: int = 0,
                   batch_size: int = 256, use_correction: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fields and tries per sample: ``(float32 (n, L, L) in [-pi, pi), int (n,))``.

    Every draw (spin waves, global angle) comes from ``seed`` in a fixed order (try by try over the
    samples still on a wrong map), so the fields do not depend on ``batch_size``. A sample still on
    a wrong map after ``max_tries`` draws is returned as drawn, with ``tries = max_tries``; its
    exact map tells (:func:`support.xy.matches_map`). ``use_correction=False`` gives the physics
    layers alone with the same draws.
    """
    charges = xy.check_charges(charges)
    if charges.ndim != 3:
        raise ValueError(f"charges must be (n, L, L), got {charges.shape}")
    n, L = charges.shape[0], charges.shape[-1]
    T = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    if np.any(T < 0):
        raise ValueError("temperatures must be >= 0")
    if L % 2 ** generator.net.depth:
        raise ValueError(f"L={L} must be divisible by {2 ** generator.net.depth}")
    theta_v, delta = correction_numpy(generator, charges, T, batch_size=batch_size)
    base = theta_v + delta if use_correction else theta_v
    rng = np.random.default_rng(seed)
    out = np.empty((n, L, L), np.float32)
    tries = np.zeros(n, np.int64)
    todo = np.arange(n)
    for _ in range(generator.config["max_tries"]):
        if not len(todo):
            break
        waves = thermal_waves(L, T[todo], rng, self_consistent=generator.config["self_consistent"])
        phi = rng.uniform(-np.pi, np.pi, len(todo))[:, None, None]
        out[todo] = xy.wrap_angle(base[todo] + waves + phi).astype(np.float32)
        tries[todo] += 1
        todo = todo[~xy.matches_map(out[todo], charges[todo])]
    return out, tries


def correction_rms(generator: LearnedGenerator, charges: np.ndarray, T: np.ndarray) -> float:
    """Root mean square of the learned correction ``delta`` over the sites of the given (map, T) rows (rad)."""
    charges = xy.check_charges(charges)
    T = np.broadcast_to(np.asarray(T, np.float64), (len(charges),))
    _, delta = correction_numpy(generator, charges, T)
    delta = delta - delta.mean(axis=(-2, -1), keepdims=True)   # a uniform shift is a global rotation
    return float(np.sqrt(np.mean(delta ** 2)))
