"""Critic of the cWGAN: a circular CNN that scores a spin field given its charge map and temperature.

The critic sees the spins ``(cos θ, sin θ)`` *and* their bond angles (``cos``/``sin`` of the
nearest-neighbour differences, smooth functions of the spins). Site-level spin waves of
~0.3 rad are what separates a thermal field from a smooth template; the bond channels make
them visible at once, and the first ``full_res_layers`` convolutions keep full resolution so
they are not averaged away before the critic can weigh them.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from support.models.unet import circular_conv

N_FIELD_FEATURES = 6


def field_features(spins: torch.Tensor) -> torch.Tensor:
    """Critic field input from unit vectors: ``cos θ, sin θ`` and bond ``cos``/``sin`` along x and y.

    Computed from products of the vector components (no ``atan2``), so it is smooth in the spins.

    Args:
        spins: ``(n, 2, L, L)``.

    Returns:
        ``(n, 6, L, L)``.
    """
    c, s = spins[:, 0], spins[:, 1]
    cx, sx = torch.roll(c, -1, dims=-1), torch.roll(s, -1, dims=-1)
    cy, sy = torch.roll(c, -1, dims=-2), torch.roll(s, -1, dims=-2)
    return torch.stack([c, s, c * cx + s * sx, c * sx - s * cx, c * cy + s * sy, c * sy - s * cy], dim=1)


class Critic(nn.Module):
    """Conditional critic ``D(features, charges, T) -> (n,)``.

    Args:
        L: lattice size.
        widths: channel widths; the first ``full_res_layers`` convolutions use ``widths[0]`` at
            full resolution, each further width is a stride-2 convolution.
        full_res_layers: number of full-resolution 3×3 convolutions before downsampling.
        t_embed: channels of the learned temperature embedding broadcast over the lattice.
        instance_norm: InstanceNorm after the downsampling convolutions (never BatchNorm: it
            breaks the per-sample gradient penalty).
        negative_slope: LeakyReLU slope.
    """

    def __init__(self, L: int, widths: Sequence[int] = (64, 128, 256), full_res_layers: int = 2,
                 t_embed: int = 4, instance_norm: bool = False, negative_slope: float = 0.2):
        super().__init__()
        widths = [int(w) for w in widths]
        if not widths or full_res_layers < 1:
            raise ValueError("need at least one width and one full-resolution layer")
        if L % 2 ** (len(widths) - 1):
            raise ValueError(f"L={L} must be divisible by 2**(len(widths)-1)")
        self.config = dict(L=int(L), widths=widths, full_res_layers=int(full_res_layers), t_embed=int(t_embed),
                           instance_norm=bool(instance_norm), negative_slope=float(negative_slope))
        act = lambda: nn.LeakyReLU(negative_slope)  # noqa: E731
        self.t_embed = nn.Sequential(nn.Linear(1, t_embed), nn.Tanh())
        layers: list[nn.Module] = []
        c_in = N_FIELD_FEATURES + 1 + t_embed
        for _ in range(full_res_layers):
            layers += [circular_conv(c_in, widths[0]), act()]
            c_in = widths[0]
        for w in widths[1:]:
            layers.append(circular_conv(c_in, w, stride=2))
            if instance_norm:
                layers.append(nn.InstanceNorm2d(w, affine=True))
            layers.append(act())
            c_in = w
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(c_in, 1)

    def forward(self, features: torch.Tensor, charges: torch.Tensor, T: torch.Tensor) -> torch.Tensor:
        """Score ``(n,)`` of field features ``(n, 6, L, L)`` (see :func:`field_features`)."""
        n, _, L, _ = features.shape
        t = self.t_embed(T.to(features.dtype).view(n, 1)).view(n, -1, 1, 1).expand(-1, -1, L, L)
        h = self.body(torch.cat([features, charges.to(features.dtype).unsqueeze(1), t], dim=1))
        return self.out(h.mean(dim=(-2, -1))).squeeze(-1)
