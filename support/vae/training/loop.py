"""Training of one residual VAE: loss, symmetry augmentation, learning-rate schedule, resumable training loop.

Loss: ``MSE(recon, x) + C_KL · KL`` with the MSE the mean over samples, spin components and
sites, and the KL summed over latent dimensions and averaged over samples (the thesis's
scale of C_KL, 1e-5 … 3e-3, only bites with the summed KL).

Augmentation uses only operations that leave the Hamiltonian invariant, applied to positions
*and* spins: periodic translations; for Néel DMI the point group C4v (rotations by 90° and
mirrors, the in-plane spin components transformed like a polar vector, S^z unchanged); for
Bloch DMI only the rotations C4 (a mirror flips the Bloch chirality).
"""

from __future__ import annotations

import copy
import math
import os
import time
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from support.book.progress import tqdm
from support.book.runtime import pick_device
from support.chiral.symmetry import apply_each, roll_each, symmetry_ops
from support.store.checkpoint import check_finite, load_checkpoint, save_checkpoint
from support.vae.model import ResidualVAE, in_canonical_frame, kl_divergence, spins_tensor

# ---------------------------------------------------------------------------------------------
# Augmentation by the Hamiltonian's symmetries
# ---------------------------------------------------------------------------------------------

def augment_batch(x: torch.Tensor, generator: torch.Generator | None = None, *, dmi: str = "neel",
                  translations: bool = True, point_group: bool = True) -> torch.Tensor:
    """Random Hamiltonian symmetry per sample: a periodic translation and a point-group element.

    Args:
        x: spins ``(n, 3, L, L)``.
        generator: torch generator (CPU) for the random choices.
        dmi: ``"neel"`` (C4v) or ``"bloch"`` (C4).
        translations, point_group: which kinds of operation to draw.
    """
    n, _, H, W = x.shape
    out = x
    if point_group:
        ops = symmetry_ops(dmi)
        out = apply_each(x, ops, torch.randint(len(ops), (n,), generator=generator).to(x.device))
    if translations:
        shifts = torch.cat([torch.randint(H, (n, 1), generator=generator), torch.randint(W, (n, 1), generator=generator)], 1)
        out = roll_each(out, shifts)
    return out


# ---------------------------------------------------------------------------------------------
# Loss, schedules, naming
# ---------------------------------------------------------------------------------------------

def vae_loss(recon: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
             kl_weight: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(total, mse, kl)`` with ``mse`` over all entries and ``kl`` summed over dims, averaged over samples."""
    mse = torch.mean((recon - x) ** 2)
    kl = kl_divergence(mu, logvar).mean()
    return mse + kl_weight * kl, mse, kl


def lr_at(step: int, total_steps: int, warmup_steps: int, lr: float, min_factor: float = 0.05) -> float:
    """Linear warm-up from ``0.1·lr`` to ``lr``, then cosine decay to ``min_factor·lr``."""
    if warmup_steps > 0 and step < warmup_steps:
        return lr * (0.1 + 0.9 * step / warmup_steps)
    rest = max(total_steps - warmup_steps, 1)
    frac = min(max(step - warmup_steps, 0) / rest, 1.0)
    return lr * (min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * frac)))


def kl_key(kl_weight: float) -> str:
    """Canonical text of a KL weight (``1.25e-05``, ``0.0001``): JSON keys and file names use it."""
    return f"{float(kl_weight):g}"


def checkpoint_path(root: str | os.PathLike, kl_weight: float, augmented: bool = False) -> Path:
    """``root/vae/kl_<weight>.pt`` or ``root/vae/kl_<weight>_augmented.pt`` (``root`` = profile dir)."""
    return Path(root) / "vae" / f"kl_{kl_key(kl_weight)}{'_augmented' if augmented else ''}.pt"


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def _crc32(spins) -> int:
    return zlib.crc32(np.ascontiguousarray(np.asarray(spins, dtype=np.float32)).tobytes())


@torch.no_grad()
def _evaluate(model: ResidualVAE, x: torch.Tensor, batch_size: int) -> tuple[float, float]:
    """Mean MSE (z = mu) and mean KL on ``x``, in eval mode."""
    was_training = model.training
    model.eval()
    se = kl = 0.0
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]
        recon, mu, logvar = model(xb)
        se += float(((recon - xb) ** 2).mean(dim=(1, 2, 3)).sum())
        kl += float(kl_divergence(mu, logvar).sum())
    model.train(was_training)
    return se / len(x), kl / len(x)


def train_vae(model_config: dict, train_spins, val_spins, *, kl_weight: float, epochs: int,
              batch_size: int = 32, lr: float = 1e-3, warmup_epochs: float = 2.0, kl_warmup_epochs: float = 0.0,
              min_lr_factor: float = 0.05, grad_clip: float = 5.0, augment: bool = False, dmi: str = "neel",
              checkpoint: str | os.PathLike | None = None, checkpoint_every_s: float = 30.0,
              max_retries: int = 2, seed: int = 0, device: str = "auto", progress: bool = True,
              monitor: Callable[[ResidualVAE], dict] | None = None, monitor_points: int = 12) -> tuple[ResidualVAE, dict]:
    """Train one VAE with Adam; resumable, NaN-guarded, deterministic on CPU for a given seed.

    The run is fixed by ``model_config`` and the keyword arguments; every epoch's shuffling,
    augmentation and reparameterisation noise come from a generator seeded by ``(seed, epoch)``,
    so a resumed run continues exactly where it stopped. The checkpoint (if given) holds the
    latest state for resuming and the weights with the lowest validation MSE (model selection
    on the validation split, never on the test set); it is written every ``checkpoint_every_s``
    seconds and at the end. An existing complete checkpoint with the same settings is loaded
    instead of retraining; a larger ``epochs`` continues it.

    A non-finite (or exploding) epoch loss restores the state at the start of the epoch, halves
    the learning rate and retries, at most ``max_retries`` times; then ``TrainingDiverged``.

    Args:
        model_config: arguments of :class:`ResidualVAE`.
        train_spins, val_spins: ``(n, 3, L, L)`` unit-vector spins (numpy).
        kl_weight: C_KL.
        epochs: passes over the training set.
        batch_size: thesis: 32.
        lr: peak Adam learning rate, reached after ``warmup_epochs`` of linear warm-up, then
            cosine decay to ``min_lr_factor * lr`` (the warm-up keeps the first steps from
            locking the decoder into the all-spins-up state).
        kl_warmup_epochs: ramp C_KL linearly from 0 over these epochs (0: constant).
        grad_clip: max gradient norm.
        augment: draw a random Hamiltonian symmetry (translation + point group) per sample.
        dmi: ``"neel"`` or ``"bloch"``, selects the point group for ``augment``.
        checkpoint: path of the checkpoint (``None``: no saving, no resuming).
        seed: fixes initial weights and all randomness.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``.
        monitor: called with the model (in eval mode) after about ``monitor_points`` epochs spaced evenly in
            ``log(step)`` (:func:`curve_epochs`, the last epoch included); it returns a dict of numbers measured on
            validation data, e.g. :class:`support.vae.training.learning_curve.LatentMonitor`. It only reads the model: a
            monitored run trains exactly as an unmonitored one.

    Returns:
        ``(model, history)``: the model in eval mode with the best-validation weights, and a dict
        of per-epoch lists (``train_loss``, ``train_mse``, ``train_kl``, ``val_mse``, ``val_kl``,
        ``lr``, ``seconds``) plus ``best_epoch``, ``best_val_mse``, ``train_seconds``, ``retries``, ``steps_per_epoch``
        and ``curve`` (the monitor's points, each ``{"step": ..., **monitor(model)}``; empty without a monitor).
    """
    if epochs < 1 or batch_size < 1 or lr <= 0 or kl_weight < 0:
        raise ValueError(f"need epochs >= 1, batch_size >= 1, lr > 0, kl_weight >= 0; got {epochs}, {batch_size}, "
                         f"{lr}, {kl_weight}")
    if augment:
        symmetry_ops(dmi)  # validates dmi
    dev = pick_device(device)
    x_train, x_val = spins_tensor(train_spins, dev), spins_tensor(val_spins, dev)
    L = int(model_config["L"])
    if x_train.shape[-1] != L or x_val.shape[-1] != L:
        raise ValueError(f"model L={L} but data has L={x_train.shape[-1]} (train) / {x_val.shape[-1]} (val)")

    run_config = {"model": dict(ResidualVAE(**model_config).config),
                  "training": {"kl_weight": float(kl_weight), "batch_size": int(batch_size), "lr": float(lr),
                               "warmup_epochs": float(warmup_epochs), "kl_warmup_epochs": float(kl_warmup_epochs),
                               "min_lr_factor": float(min_lr_factor), "grad_clip": float(grad_clip),
                               "augment": bool(augment), "dmi": dmi, "seed": int(seed),
                               "n_train": int(len(x_train)), "n_val": int(len(x_val)),
                               # a checkpoint trained on other data must not be resumed or reused
                               "data_crc32": [_crc32(train_spins), _crc32(val_spins)]}}
    torch.manual_seed(seed)
    model = ResidualVAE(**model_config).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = math.ceil(len(x_train) / batch_size)
    total_steps, warmup_steps = epochs * steps_per_epoch, int(round(warmup_epochs * steps_per_epoch))
    history: dict[str, Any] = {k: [] for k in ("train_loss", "train_mse", "train_kl", "val_mse", "val_kl", "lr", "seconds")}
    history.update(best_epoch=-1, best_val_mse=float("inf"), train_seconds=0.0, retries=0, lr_scale=1.0,
                   steps_per_epoch=steps_per_epoch, curve=[])
    best_state = copy.deepcopy(model.state_dict())
    start_epoch = 0

    if checkpoint is not None and Path(checkpoint).exists():
        ckpt = load_checkpoint(checkpoint, expect_config=run_config, map_location=dev)
        model.load_state_dict(ckpt["state"]["model"])
        opt.load_state_dict(ckpt["state"]["optimizer"])
        best_state = ckpt["state"]["best_model"]
        history = ckpt["meta"]["history"]
        start_epoch = int(ckpt["meta"]["epoch"])
        history.setdefault("curve", [])
        history.setdefault("steps_per_epoch", steps_per_epoch)

    def save(epoch: int) -> None:
        if checkpoint is not None:
            save_checkpoint(checkpoint, config=run_config,
                            state={"model": model.state_dict(), "optimizer": opt.state_dict(), "best_model": best_state},
                            meta={"epoch": epoch, "epochs": int(epochs), "history": history})

    # without augmentation a lattice's canonical frame never changes: move the training set once
    x_fit = x_train if augment else in_canonical_frame(model, x_train)
    last_save = time.perf_counter()
    watch = curve_epochs(epochs, monitor_points) if monitor is not None else set()
    model.train()
    bar = tqdm(range(start_epoch, epochs), desc=f"VAE C_KL={kl_key(kl_weight)}{' aug' if augment else ''}",
               disable=not progress or start_epoch >= epochs, leave=False)
    for epoch in bar:
        good_model, good_opt = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
        while True:
            t0 = time.perf_counter()
            sums = _train_epoch(model, opt, x_fit, epoch, seed=seed, in_frame=not augment, batch_size=batch_size,
                                steps_per_epoch=steps_per_epoch, total_steps=total_steps, warmup_steps=warmup_steps,
                                lr=lr * history["lr_scale"], min_lr_factor=min_lr_factor, grad_clip=grad_clip,
                                kl_weight=kl_weight, kl_ramp_steps=kl_warmup_epochs * steps_per_epoch,
                                augment=augment, dmi=dmi)
            val_mse, val_kl = _evaluate(model, x_val, max(batch_size, 256))
            if all(math.isfinite(v) and abs(v) < 1e6 for v in (*sums[:3], val_mse)):
                break
            history["retries"] += 1
            model.load_state_dict(good_model)
            opt.load_state_dict(good_opt)
            if history["retries"] > max_retries:
                save(epoch)  # keep the last good state on disk
                bad = next((v for v in (*sums[:3], val_mse) if not (math.isfinite(v) and abs(v) < 1e6)))
                check_finite(f"VAE loss (C_KL={kl_key(kl_weight)}, epoch {epoch}, after {max_retries} retries)",
                             bad, checkpoint=checkpoint)
            history["lr_scale"] *= 0.5  # retry the epoch from its start with half the learning rate
        loss, mse, kl, last_lr = sums
        dt = time.perf_counter() - t0
        for k, v in zip(("train_loss", "train_mse", "train_kl", "val_mse", "val_kl", "lr", "seconds"),
                        (loss, mse, kl, val_mse, val_kl, last_lr, dt)):
            history[k].append(float(v))
        history["train_seconds"] += dt
        if val_mse < history["best_val_mse"]:
            history["best_val_mse"], history["best_epoch"] = float(val_mse), epoch
            best_state = copy.deepcopy(model.state_dict())
        if epoch in watch:
            history["curve"].append(_monitored(model, monitor, (epoch + 1) * steps_per_epoch, val_mse))
        bar.set_postfix(mse=f"{mse:.4f}", val=f"{val_mse:.4f}", kl=f"{kl:.1f}")
        if time.perf_counter() - last_save > checkpoint_every_s or epoch == epochs - 1:
            save(epoch + 1)
            last_save = time.perf_counter()
    model.load_state_dict(best_state)
    model.eval()
    return model, history


def curve_epochs(epochs: int, points: int) -> set[int]:
    """About ``points`` epoch indices (0-based) spaced evenly in ``log(epoch + 1)``, the last epoch always among them."""
    if points < 1:
        return set()
    ends = np.unique(np.round(np.geomspace(1, epochs, min(points, epochs))).astype(int))
    return {int(e) - 1 for e in ends} | {epochs - 1}


def _monitored(model: ResidualVAE, monitor: Callable[[ResidualVAE], dict], step: int, val_mse: float) -> dict:
    """One learning-curve point: the step, the validation MSE and the monitor's numbers (the model left as found)."""
    was_training = model.training
    model.eval()
    point = {"step": int(step), "val_mse": float(val_mse), **{k: float(v) for k, v in monitor(model).items()}}
    model.train(was_training)
    return point


def _train_epoch(model, opt, x_train, epoch, *, seed, in_frame, batch_size, steps_per_epoch, total_steps,
                 warmup_steps, lr, min_lr_factor, grad_clip, kl_weight, kl_ramp_steps, augment, dmi):
    """One pass over ``x_train`` (in the model's canonical frame if ``in_frame``); mean (loss, mse, kl), last lr."""
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + epoch)
    perm = torch.randperm(len(x_train), generator=gen).to(x_train.device)
    dev_gen = gen if x_train.device.type == "cpu" else torch.Generator(x_train.device).manual_seed(seed * 7919 + epoch)
    tot = torch.zeros(3, device=x_train.device)
    cur_lr = lr
    for b in range(steps_per_epoch):
        step = epoch * steps_per_epoch + b
        cur_lr = lr_at(step, total_steps, warmup_steps, lr, min_lr_factor)
        for group in opt.param_groups:
            group["lr"] = cur_lr
        xb = x_train[perm[b * batch_size:(b + 1) * batch_size]]
        if augment:
            xb = augment_batch(xb, gen, dmi=dmi)
        w = kl_weight * min(1.0, step / kl_ramp_steps) if kl_ramp_steps > 0 else kl_weight
        recon, mu, logvar = model(xb, generator=dev_gen, in_frame=in_frame)
        loss, mse, kl = vae_loss(recon, xb, mu, logvar, w)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        tot += torch.stack([loss.detach(), mse.detach(), kl.detach()]) * len(xb)
    means = (tot / len(x_train)).tolist()
    return means[0], means[1], means[2], cur_lr


def uniform_baseline_mse(train_spins, spins) -> float:
    """MSE of the best uniform guess: every site set to the normalised mean spin of ``train_spins``.

    A VAE stuck in the all-spins-up state scores about this; a run that ends above half of it
    has failed to train.
    """
    m = np.asarray(train_spins, dtype=np.float64).mean(axis=(0, 2, 3))
    m = m / max(np.linalg.norm(m), 1e-12)
    return float(np.mean((np.asarray(spins, dtype=np.float64) - m[None, :, None, None]) ** 2))
