"""The trained generator as a tool: save, load, generate (numpy in, numpy out), resize to another L.

A generator checkpoint (``generator.pt``) stores ``config`` = the generator's complete
:attr:`~support.cwgan.models.unet.UNetGenerator.config` (prior settings included), ``state`` = its
weights and ``meta`` (epoch, variant); :func:`load_generator` rebuilds exactly that generator.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from support import xy
from support.cwgan.models.learned import KIND as LEARNED
from support.cwgan.models.learned import LearnedGenerator, sample_learned
from support.cwgan.models.prior import prior_angles
from support.cwgan.models.unet import UNetGenerator
from support.store.checkpoint import load_checkpoint, save_checkpoint


def save_generator(path: str | Path, generator: UNetGenerator, *, epoch: int) -> None:
    """Write ``generator.pt``: its config (prior settings included), its weights, epoch and variant."""
    save_checkpoint(path, config=generator.config, state=dict(model=generator.state_dict()),
                    meta=dict(epoch=int(epoch), variant=generator.variant))


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> UNetGenerator | LearnedGenerator:
    """Rebuild a generator from its checkpoint (stored config and weights), in eval mode.

    A config with ``kind="learned"`` is a :class:`~support.cwgan.models.learned.LearnedGenerator`; any other
    is a U-Net (paper or prior variant).

    Raises:
        ValueError: a checkpoint written before the generator config carried its prior settings
            (its config has a ``"model"`` entry): rerun chapter 02 to retrain it.
    """
    ckpt = load_checkpoint(path, map_location=device)
    cfg = ckpt["config"]
    if cfg.get("kind") == LEARNED:
        model = LearnedGenerator(**{k: v for k, v in cfg.items() if k != "kind"})
        model.load_state_dict(ckpt["state"]["model"])
        return model.to(device).eval()
    if "model" in cfg:
        raise ValueError(f"{path} is an old-format generator checkpoint (prior settings outside the model config); "
                         "rerun chapter 02 (notebooks/02_train_cwgan.py) to retrain it")
    model = UNetGenerator(**cfg)
    model.load_state_dict(ckpt["state"]["model"])
    return model.to(device).eval()


def resize_generator(generator: UNetGenerator, L: int) -> UNetGenerator | None:
    """The same (fully convolutional) generator rebuilt for lattice size ``L``, or ``None`` if it cannot be.

    A U-Net with circular padding and no dense layers has weights that do not depend on L; we
    rebuild it from its config (prior settings included) with the new L and load the weights strictly.
    """
    try:
        big = UNetGenerator(**{**generator.config, "L": int(L)})
        big.load_state_dict(generator.state_dict(), strict=True)
    except (ValueError, RuntimeError):
        return None
    return big.to(next(generator.parameters()).device).eval()


def generate(generator: UNetGenerator | LearnedGenerator, charges: np.ndarray, T: np.ndarray, *, seed: int = 0,
             batch_size: int = 256) -> np.ndarray:
    """Generate one field per (map, T): numpy in, numpy out, any variant (the learned one at any L it admits).

    All random draws (the prior variant's prior angles, then the noise) are made up front from
    ``seed``, so the result does not depend on ``batch_size``.

    Args:
        generator: a trained generator (e.g. from :func:`load_generator`).
        charges: int maps ``(n, L, L)`` (each summing to zero).
        T: temperatures ``(n,)`` or a scalar.
        seed: fixes the noise (and, for the prior variant, its prior draws and global angles).
        batch_size: samples per forward pass.

    Returns:
        ``float32 (n, L, L)`` angles in ``[-pi, pi)``.

    Raises:
        ValueError: a temperature that is negative, NaN or infinite (it would give NaN fields), or maps that do
            not fit the generator.
    """
    bad = np.asarray(T, dtype=np.float64)
    bad = bad[~(np.isfinite(bad) & (bad >= 0))]
    if bad.size:
        raise ValueError(f"temperatures must be finite and >= 0, got {bad[:5].tolist()}")
    if getattr(generator, "kind", None) == LEARNED:
        return sample_learned(generator, charges, T, seed=seed, batch_size=batch_size)[0]
    charges = xy.check_charges(charges)
    if charges.ndim != 3 or charges.shape[-1] != generator.L:
        raise ValueError(f"charges must be (n, {generator.L}, {generator.L}), got {charges.shape}")
    n = charges.shape[0]
    T = np.broadcast_to(np.asarray(T, dtype=np.float32), (n,))
    if np.any(T < 0):
        raise ValueError("temperatures must be >= 0")
    device = generator.head.weight.device
    rng = np.random.default_rng(seed)
    tg = torch.Generator().manual_seed(int(seed))
    prior = None
    if generator.variant == "prior":
        prior = torch.as_tensor(prior_angles(charges, T, rng, **generator.config["prior"]))
    noise = generator.sample_noise(n, tg) if n else []
    out = np.empty((n, generator.L, generator.L), np.float32)
    was_training = generator.training
    generator.eval()
    with torch.no_grad():
        for s in range(0, n, batch_size):
            sl = slice(s, min(n, s + batch_size))
            k = torch.as_tensor(charges[sl], dtype=torch.float32, device=device)
            t = torch.as_tensor(T[sl].copy(), device=device)
            pr = prior[sl].to(device) if prior is not None else None
            spins = generator(k, t, pr, [z[sl].to(device) for z in noise])
            out[sl] = torch.atan2(spins[:, 1], spins[:, 0]).cpu().numpy()
    generator.train(was_training)
    return out
