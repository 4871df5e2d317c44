"""Using a trained VAE: load a checkpoint, encode lattices, decode latents, reconstruct.

Latent arrays are flat, ``(n, latent_dim)`` float32 numpy arrays; spins are channels-first
``(n, 3, L, L)`` (the array layout of the package docstring). Every function batches and runs
on the model's own device, in eval mode (batch norm with its running statistics, ``z = mu``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from support.book.runtime import pick_device
from support.store.checkpoint import load_checkpoint
from support.vae.model import ResidualVAE, spins_tensor


def load_vae(path: str | os.PathLike, device: str = "cpu", *, best: bool = True) -> ResidualVAE:
    """Rebuild a VAE from its checkpoint (best-validation weights unless ``best=False``), in eval mode.

    Raises:
        FileNotFoundError: no checkpoint there (chapter 03 makes them).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No VAE checkpoint at {path}. Run chapter 03 (03_train_vae) first with the same "
                                "profile and data_dir.")
    dev = pick_device(device)
    ckpt = load_checkpoint(path, map_location=dev)
    model = ResidualVAE(**ckpt["config"]["model"]).to(dev)
    model.load_state_dict(ckpt["state"]["best_model" if best else "model"])
    model.eval()
    return model


def checkpoint_meta(path: str | os.PathLike) -> dict:
    """The ``config`` and ``meta`` (epoch, history) of a VAE checkpoint, without building the model."""
    ckpt = load_checkpoint(path)
    return {"config": ckpt["config"], **ckpt["meta"]}


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def unit_spins(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rescale channels-first vectors ``(..., 3, L, L)`` to unit length (float32)."""
    x = np.asarray(x, dtype=np.float32)
    norm = np.sqrt(np.sum(x * x, axis=-3, keepdims=True))
    return (x / np.maximum(norm, eps)).astype(np.float32)


@torch.no_grad()
def encode(model: ResidualVAE, spins, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Latent ``(mu, logvar)`` of ``spins (n, 3, L, L)``, each float32 ``(n, latent_dim)``."""
    model.eval()
    dev = _device(model)
    mus, logvars = [], []
    for i in range(0, len(spins), batch_size):
        mu, logvar = model.encode(spins_tensor(spins[i:i + batch_size], dev))
        mus.append(mu.cpu().numpy())
        logvars.append(logvar.cpu().numpy())
    return np.concatenate(mus), np.concatenate(logvars)


@torch.no_grad()
def decode_latents(model: ResidualVAE, z, batch_size: int = 256) -> np.ndarray:
    """Decode latents ``z (n, latent_dim)`` into unit spins ``(n, 3, L, L)`` (float32 numpy).

    The decoder ends in an exact normalisation (in torch, on the model's device); the result is
    passed through :func:`unit_spins` once more, the same numpy normalisation every analysed
    ensemble gets before its physics (energy, the skyrmion threshold ``S^z < -0.8``, defects).
    A model with a canonical frame draws its lattices in that frame.
    """
    model.eval()
    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2 or z.shape[1] != model.latent_dim:
        raise ValueError(f"decode_latents: z must be (n, {model.latent_dim}), got shape {z.shape}")
    dev = _device(model)
    parts = [model.decode(torch.from_numpy(z[i:i + batch_size]).to(dev)).float().cpu().numpy()
             for i in range(0, len(z), batch_size)]
    x = np.concatenate(parts) if parts else np.zeros((0, 3, model.config["L"], model.config["L"]), np.float32)
    return unit_spins(x)


@torch.no_grad()
def reconstruct(model: ResidualVAE, spins, batch_size: int = 256) -> np.ndarray:
    """Deterministic reconstructions ``decode(mu(x))`` of ``spins (n, 3, L, L)``, moved back from the
    canonical frame if the model has one (float32 numpy, unit spins)."""
    model.eval()
    dev = _device(model)
    out = [model(spins_tensor(spins[i:i + batch_size], dev))[0].cpu().numpy() for i in range(0, len(spins), batch_size)]
    return np.concatenate(out).astype(np.float32)


def reconstruction_mse(model: ResidualVAE, spins, batch_size: int = 256) -> float:
    """Mean squared error over lattices, components and sites of :func:`reconstruct`."""
    recon = reconstruct(model, spins, batch_size)
    return float(np.mean((recon - np.asarray(spins, dtype=np.float32)) ** 2))


def untrained_copy(model: ResidualVAE, seed: int = 0) -> ResidualVAE:
    """The same architecture as ``model`` with fresh random initial weights (seeded), on its device, in eval mode."""
    gen_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        fresh = ResidualVAE(**model.config)
    finally:
        torch.random.set_rng_state(gen_state)
    return fresh.to(_device(model)).eval()
