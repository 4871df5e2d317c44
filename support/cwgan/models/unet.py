"""The cWGAN's networks: the U-Net generator (paper and physics-prior variants) and the critic.

Both variants share one U-Net: ``depth`` encoder blocks (circular 3×3 conv, LeakyReLU,
2×2 average pooling) and ``depth`` decoder blocks (transposed-conv ×2 upsampling, skip
concatenation, circular 3×3 conv, LeakyReLU), then a 1×1 head. Circular padding makes the
network equivariant to lattice translations by multiples of ``2**depth`` (the pooling grid).

- ``variant="paper"`` (Klos et al.): inputs are the charge map and a temperature channel;
  noise enters only at the bottleneck; the head gives two channels normalised to a unit vector.
- ``variant="prior"`` (our extension): inputs are the charge map, the temperature and the
  *bond angles* of a physics prior ``theta_prior`` (a fixed-map minimum of the map dressed with
  its Gaussian basin at T, drawn by :func:`support.cwgan.models.prior.prior_angles` with the settings
  stored in the generator's ``config["prior"]``) as ``cos``/``sin`` of the bond angles along ``x``
  and ``y`` (sign convention in :mod:`support`). Bond angles do not change under a global rotation, so the
  output residual angle ``delta`` does not either and ``theta = theta_prior + delta`` is
  exactly equivariant to global spin rotations. The head starts at zero (the untrained
  generator returns the prior) and noise maps enter at every decoder level.

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

from support.cwgan.models.prior import prior_settings
from support.xy import bond_angles

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
    dx, dy = bond_angles(theta)
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
        prior: ``"prior"`` variant only: overrides of :data:`support.cwgan.models.prior.DEFAULT_PRIOR`
            (``None``: the defaults). The complete settings are part of :attr:`config`, so a
            checkpoint carries the prior its generator was trained with.
    """

    def __init__(self, L: int, variant: str = "paper", widths: Sequence[int] = (64, 128, 256, 256),
                 dec_widths: Sequence[int] | None = None, noise_channels: int = 16,
                 negative_slope: float = 0.2, prior: dict | None = None):
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
        if variant == "paper" and prior is not None:
            raise ValueError("the paper variant has no prior; prior settings are for variant='prior'")
        if variant == "prior":
            prior = prior_settings(prior)
        self.config = dict(L=int(L), variant=variant, widths=widths, dec_widths=dec_widths,
                           noise_channels=int(noise_channels), negative_slope=float(negative_slope),
                           prior=dict(prior) if prior is not None else None)
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
                raise ValueError("the prior variant needs the prior angles (see support.cwgan.models.prior)")
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


# ---------------------------------------------------------------------------------------------
# critic
# ---------------------------------------------------------------------------------------------

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
