"""U-Net generator of the cWGAN: the paper's variant and the physics-prior (residual-angle) variant.

Both variants share one U-Net: ``depth`` encoder blocks (circular 3×3 conv, LeakyReLU,
2×2 average pooling) and ``depth`` decoder blocks (transposed-conv ×2 upsampling, skip
concatenation, circular 3×3 conv, LeakyReLU), then a 1×1 head. Circular padding makes the
network equivariant to lattice translations by multiples of ``2**depth`` (the pooling grid).

- ``variant="paper"`` (Klos et al.): inputs are the charge map and a temperature channel;
  noise enters only at the bottleneck; the head gives two channels normalised to a unit vector.
- ``variant="prior"`` (our extension): inputs are the charge map, the temperature and the
  *bond angles* of a physics prior ``theta_prior`` (T = 0 Villain field of the map plus
  Gaussian spin waves, see :mod:`support.cwgan_prior`) as ``cos``/``sin`` of the wrapped
  differences along ``x`` and ``y``. Bond angles do not change under a global rotation, so the
  output residual angle ``delta`` does not either and ``theta = theta_prior + delta`` is
  exactly equivariant to global spin rotations. The head starts at zero (the untrained
  generator returns the prior) and noise maps enter at every decoder level.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

VARIANTS = ("paper", "prior")


def circular_conv(c_in: int, c_out: int, k: int = 3, stride: int = 1) -> nn.Conv2d:
    """A ``k×k`` convolution with periodic (circular) padding."""
    return nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, padding_mode="circular")


def bond_features(theta: torch.Tensor) -> torch.Tensor:
    """``cos``/``sin`` of the bond angles ``theta[i, j+1] - theta[i, j]`` and ``theta[i+1, j] - theta[i, j]``.

    Args:
        theta: angles ``(n, L, L)``.

    Returns:
        ``(n, 4, L, L)``: ``cos dx, sin dx, cos dy, sin dy`` (periodic), invariant to a global rotation.
    """
    dx = torch.roll(theta, -1, dims=-1) - theta
    dy = torch.roll(theta, -1, dims=-2) - theta
    return torch.stack([torch.cos(dx), torch.sin(dx), torch.cos(dy), torch.sin(dy)], dim=1)


class UNetGenerator(nn.Module):
    """Conditional U-Net generator (see module docstring).

    Args:
        L: lattice size (divisible by ``2**len(widths)``).
        variant: ``"paper"`` or ``"prior"``.
        widths: encoder widths, one per level (paper: ``[64, 128, 256, 256]``).
        dec_widths: decoder widths, one per level (paper: ``[256, 128, 64, 2]``; the last entry
            here is the width of the last decoder block, followed by a 1×1 head to the output).
        noise_channels: noise channels at the bottleneck and, for ``"prior"``, at each decoder level.
        negative_slope: LeakyReLU slope.
    """

    def __init__(self, L: int, variant: str = "paper", widths: Sequence[int] = (64, 128, 256, 256),
                 dec_widths: Sequence[int] | None = None, noise_channels: int = 16,
                 negative_slope: float = 0.2):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        widths = [int(w) for w in widths]
        depth = len(widths)
        dec_widths = [int(w) for w in (dec_widths if dec_widths is not None else list(reversed(widths)))]
        if depth < 1 or len(dec_widths) != depth:
            raise ValueError(f"need len(dec_widths) == len(widths) >= 1, got {widths} / {dec_widths}")
        if L % (2 ** depth):
            raise ValueError(f"L={L} must be divisible by 2**depth = {2 ** depth} (depth = len(widths))")
        if noise_channels < 1:
            raise ValueError("noise_channels must be >= 1 (the generator needs noise)")
        self.config = dict(L=int(L), variant=variant, widths=widths, dec_widths=dec_widths,
                           noise_channels=int(noise_channels), negative_slope=float(negative_slope))
        self.L, self.variant, self.depth, self.noise_channels = int(L), variant, depth, int(noise_channels)
        act = lambda: nn.LeakyReLU(negative_slope)  # noqa: E731
        c_in = 2 + (4 if variant == "prior" else 0)
        self.enc = nn.ModuleList()
        for w in widths:
            self.enc.append(nn.Sequential(circular_conv(c_in, w), act(), circular_conv(w, w), act()))
            c_in = w
        self.pool = nn.AvgPool2d(2)
        self.bottleneck = nn.Sequential(circular_conv(c_in + self.noise_channels, c_in), act())
        self.up, self.dec = nn.ModuleList(), nn.ModuleList()
        level_noise = self.noise_channels if variant == "prior" else 0
        for lvl, w in enumerate(dec_widths):
            skip = widths[depth - 1 - lvl]
            self.up.append(nn.ConvTranspose2d(c_in, w, 2, stride=2))
            self.dec.append(nn.Sequential(circular_conv(w + skip + level_noise, w), act()))
            c_in = w
        self.head = nn.Conv2d(c_in, 2 if variant == "paper" else 1, 1)
        if variant == "prior":
            # Start from the prior: delta = 0 until training moves the head.
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def noise_shapes(self, n: int) -> list[tuple[int, ...]]:
        """Shapes of the noise tensors: bottleneck first, then (prior) one per decoder level."""
        b = self.L // 2 ** self.depth
        shapes = [(n, self.noise_channels, b, b)]
        if self.variant == "prior":
            shapes += [(n, self.noise_channels, b * 2 ** (lvl + 1), b * 2 ** (lvl + 1)) for lvl in range(self.depth)]
        return shapes

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> list[torch.Tensor]:
        """Standard normal noise for ``n`` samples (on the CPU; move it with the conditions)."""
        return [torch.randn(s, generator=generator) for s in self.noise_shapes(n)]

    def forward(self, charges: torch.Tensor, T: torch.Tensor, prior: torch.Tensor | None = None,
                noise: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Generate spins.

        Args:
            charges: vortex map ``(n, L, L)`` (float; plaquette ``[i, j]`` aligned with site ``[i, j]``).
            T: temperatures ``(n,)``.
            prior: prior angles ``(n, L, L)`` (``"prior"`` variant only, already globally rotated).
            noise: tensors of :meth:`noise_shapes`; drawn from the global torch RNG when ``None``.

        Returns:
            Unit vectors ``(n, 2, L, L)`` (``cos theta``, ``sin theta``).
        """
        n, L = charges.shape[0], charges.shape[-1]
        if charges.shape[-2:] != (self.L, self.L):
            raise ValueError(f"charges have shape {tuple(charges.shape)}, model is for L={self.L}")
        if noise is None:
            noise = [torch.randn(s, device=charges.device, dtype=charges.dtype) for s in self.noise_shapes(n)]
        t_map = T.to(charges.dtype).view(n, 1, 1, 1).expand(n, 1, L, L)
        x = [charges.unsqueeze(1), t_map]
        if self.variant == "prior":
            if prior is None:
                raise ValueError("the prior variant needs the prior angles (see support.cwgan_prior)")
            x.append(bond_features(prior).to(charges.dtype))
        h = torch.cat(x, dim=1)
        skips = []
        for block in self.enc:
            h = block(h)
            skips.append(h)
            h = self.pool(h)
        h = self.bottleneck(torch.cat([h, noise[0]], dim=1))
        for lvl, (up, dec) in enumerate(zip(self.up, self.dec)):
            parts = [up(h), skips[self.depth - 1 - lvl]]
            if self.variant == "prior":
                parts.append(noise[lvl + 1])
            h = dec(torch.cat(parts, dim=1))
        out = self.head(h)
        if self.variant == "paper":
            return out / torch.sqrt((out ** 2).sum(dim=1, keepdim=True) + 1e-8)
        theta = prior.to(out.dtype) + out[:, 0]
        return torch.stack([torch.cos(theta), torch.sin(theta)], dim=1)
