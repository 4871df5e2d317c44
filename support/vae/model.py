"""Residual variational autoencoder for periodic spin lattices (Dušek thesis, Picture 2.9).

Encoder: a full-resolution stem, then residual *down* blocks (a strided 3×3 conv on both the
residual and the shortcut branch), Flatten → Dense → (μ, log σ²). Decoder: Dense → reshape →
residual *up* blocks (transposed convs on both branches) → crop to L×L → 3×3 conv → tanh →
normalised to unit vectors. All convolutions are periodic (circular padding, and a periodic
transposed conv), because the lattices live on a torus; only the dense layers see absolute
positions.

Spins follow "Heisenberg conventions" of the package docstring. Optionally
(``canonical_frame="neel"`` or ``"bloch"``) the encoder sees each lattice in its canonical frame
(:mod:`support.chiral.symmetry`: point-group orientation fixed, a skyrmion core moved to
the centre) and ``forward`` moves the reconstruction back, so the latent need not encode where
the lattice sits on the torus; ``decode`` then draws lattices in that frame.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from support.chiral.symmetry import from_canonical_frame, symmetry_ops, to_canonical_frame

_NORMS = ("batch", "none")


def _norm(kind: str, channels: int) -> nn.Module:
    return nn.BatchNorm2d(channels) if kind == "batch" else nn.Identity()


class PeriodicConvTranspose2d(nn.Module):
    """Stride-2 transposed conv (kernel 4) on a torus: exactly doubles H and W.

    The input is padded circularly by one site, the transposed conv runs without padding
    (size 2n + 6), and the central 2n outputs are kept; these are exactly the outputs a
    transposed conv of the periodic input would produce. Kernel 4 with stride 2 gives every
    output the same number of contributions (no checkerboard from uneven overlap).
    """

    def __init__(self, in_channels: int, out_channels: int, bias: bool = True):
        super().__init__()
        self.conv = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2, padding=0, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        y = self.conv(F.pad(x, (1, 1, 1, 1), mode="circular"))
        return y[..., 3:3 + 2 * h, 3:3 + 2 * w]


def _conv(cin: int, cout: int, stride: int = 1, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, padding_mode="circular", bias=bias)


class ResidualDown(nn.Module):
    """Halve the lattice: ``act(norm(conv3x3(act(norm(conv3x3_s2(x))))) + norm(conv3x3_s2(x)))``."""

    def __init__(self, cin: int, cout: int, norm: str = "batch", slope: float = 0.2):
        super().__init__()
        bias = norm == "none"
        self.main = nn.Sequential(_conv(cin, cout, 2, bias), _norm(norm, cout), nn.LeakyReLU(slope),
                                  _conv(cout, cout, 1, bias), _norm(norm, cout))
        self.skip = nn.Sequential(_conv(cin, cout, 2, bias), _norm(norm, cout))
        self.act = nn.LeakyReLU(slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.main(x) + self.skip(x))


class ResidualUp(nn.Module):
    """Double the lattice: the mirror image of :class:`ResidualDown` with transposed convs."""

    def __init__(self, cin: int, cout: int, norm: str = "batch", slope: float = 0.2):
        super().__init__()
        bias = norm == "none"
        self.main = nn.Sequential(PeriodicConvTranspose2d(cin, cout, bias), _norm(norm, cout), nn.LeakyReLU(slope),
                                  _conv(cout, cout, 1, bias), _norm(norm, cout))
        self.skip = nn.Sequential(PeriodicConvTranspose2d(cin, cout, bias), _norm(norm, cout))
        self.act = nn.LeakyReLU(slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.main(x) + self.skip(x))


class ResidualVAE(nn.Module):
    """Residual VAE for ``(n, 3, L, L)`` unit-vector spin fields.

    Args:
        L: lattice size (input and output are ``L × L``; any L, the decoder crops).
        widths: channels of the down blocks, e.g. ``(16, 32, 64)``; the depth is ``len(widths)``
            and the decoder uses the same widths in reverse.
        latent_dim: size of the latent vector z (thesis: 500).
        in_channels: spin components (3 for Heisenberg spins).
        stem_width: channels of the full-resolution 3×3 stem conv (default ``widths[0] // 2``).
        norm: ``"batch"`` (BatchNorm after each conv) or ``"none"``.
        slope: LeakyReLU negative slope.
        canonical_frame: ``None``, or the DMI type (``"neel"``/``"bloch"``) whose point group fixes the
            orientation of the canonical frame the encoder works in (see the module docstring).

    ``config`` holds exactly these arguments (a plain dict), so ``ResidualVAE(**model.config)``
    rebuilds the architecture.
    """

    def __init__(self, L: int, widths=(16, 32, 64), latent_dim: int = 64, in_channels: int = 3,
                 stem_width: int | None = None, norm: str = "batch", slope: float = 0.2,
                 canonical_frame: str | None = None):
        super().__init__()
        widths = [int(w) for w in widths]
        if int(L) < 2:
            raise ValueError(f"L must be >= 2, got {L}")
        if not widths or min(widths) < 1:
            raise ValueError(f"widths must be a non-empty list of positive channel counts, got {widths}")
        if int(latent_dim) < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
        if norm not in _NORMS:
            raise ValueError(f"norm must be one of {_NORMS}, got {norm!r}")
        if canonical_frame is not None:
            symmetry_ops(canonical_frame)  # validates the name
            if int(in_channels) != 3:
                raise ValueError("the canonical frame needs 3-component spins")
        stem_width = int(stem_width or max(widths[0] // 2, 4))
        self.config = {"L": int(L), "widths": widths, "latent_dim": int(latent_dim), "in_channels": int(in_channels),
                       "stem_width": stem_width, "norm": norm, "slope": float(slope), "canonical_frame": canonical_frame}
        L, depth = int(L), len(widths)
        # Size after `depth` periodic stride-2 convs (padding 1): ceil halvings.
        self.bottom = L
        for _ in range(depth):
            self.bottom = math.ceil(self.bottom / 2)
        bias = norm == "none"

        self.stem = nn.Sequential(_conv(in_channels, stem_width, 1, bias), _norm(norm, stem_width), nn.LeakyReLU(slope))
        chans = [stem_width, *widths]
        self.down = nn.Sequential(*[ResidualDown(chans[k], chans[k + 1], norm, slope) for k in range(depth)])
        flat = widths[-1] * self.bottom ** 2
        self.to_stats = nn.Linear(flat, 2 * int(latent_dim))

        self.from_z = nn.Linear(int(latent_dim), flat)
        up_chans = [*widths[::-1], stem_width]
        self.up = nn.Sequential(*[ResidualUp(up_chans[k], up_chans[k + 1], norm, slope) for k in range(depth)])
        self.head = _conv(stem_width, in_channels, 1, True)

    @property
    def latent_dim(self) -> int:
        return self.config["latent_dim"]

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(n, 3, L, L)`` spins → ``(mu, logvar)``, each ``(n, latent_dim)``."""
        if self.config["canonical_frame"]:
            x, _ = to_canonical_frame(x, self.config["canonical_frame"])
        return self._encode_in_frame(x)

    def _encode_in_frame(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.down(self.stem(x)).flatten(1)
        mu, logvar = self.to_stats(h).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``(n, latent_dim)`` → unit-vector spins ``(n, 3, L, L)`` (in the canonical frame if the model has one)."""
        w, b, L = self.config["widths"][-1], self.bottom, self.config["L"]
        h = self.from_z(z).view(-1, w, b, b)
        h = self.up(h)[..., :L, :L]  # crop: the decoder grid is bottom * 2**depth >= L
        s = torch.tanh(self.head(h))
        # exact unit vectors; the clamp only keeps the gradient finite where all three components are ~0
        return s * torch.rsqrt((s * s).sum(dim=1, keepdim=True).clamp_min(1e-12))

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, 1)`` (differentiable in mu, logvar)."""
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + torch.exp(0.5 * logvar) * eps

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None, *, in_frame: bool = False):
        """Returns ``(recon, mu, logvar)``; z is sampled in training mode and ``z = mu`` in eval mode.

        ``in_frame=True``: ``x`` is already in the canonical frame (:func:`in_canonical_frame`) and ``recon`` stays
        there. The MSE is the same in either frame (the moves permute sites and turn spins orthogonally), so training
        can move its lattices once instead of every batch.
        """
        frame = None
        if self.config["canonical_frame"] and not in_frame:
            x, frame = to_canonical_frame(x, self.config["canonical_frame"])
        mu, logvar = self._encode_in_frame(x)
        z = self.reparameterize(mu, logvar, generator) if self.training else mu
        recon = self.decode(z)
        return (recon if frame is None else from_canonical_frame(recon, frame)), mu, logvar


@torch.no_grad()
def in_canonical_frame(model: ResidualVAE, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """``x`` moved into ``model``'s canonical frame (unchanged for a model without one), in batches."""
    if not model.config["canonical_frame"]:
        return x
    return torch.cat([to_canonical_frame(x[i:i + batch_size], model.config["canonical_frame"])[0]
                      for i in range(0, len(x), batch_size)])


def spins_tensor(spins, device) -> torch.Tensor:
    """Spins ``(n, 3, L, L)`` (numpy or array-like) as a float32 tensor on ``device``; any other shape is an error."""
    spins = np.asarray(spins, dtype=np.float32)
    if spins.ndim != 4 or spins.shape[1] != 3 or spins.shape[2] != spins.shape[3]:
        raise ValueError(f"spins must have shape (n, 3, L, L), got {spins.shape}")
    return torch.from_numpy(spins).to(device)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, σ²) ‖ N(0, 1)) summed over latent dimensions, one value per sample.

    ``KL = -½ Σ_k (1 + log σ_k² − μ_k² − σ_k²)``.
    """
    return -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - logvar.exp(), dim=1)
