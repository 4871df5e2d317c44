"""Training the learned generator's correction without data: random maps, the barrier energy, Adam.

The correction ``delta(k, T)`` is trained to move the Villain field of a map to the minimum of the
smooth fixed-map free energy :func:`support.cwgan.models.physics_layers.barrier_energy` at ``T``. No Monte
Carlo field is used, so the maps can be anything: single pairs at the distances of
:data:`support.xy.PAIR_DISTANCES` (except the classes held out of training, by placement and
symmetry image at random) and 2- or 3-pair maps on random distinct plaquettes (rejected when any
``+1``/``-1`` pair of them sits at a held-out distance), temperatures uniform in a range.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Iterable

import numpy as np
import torch

from support import xy
from support.book.progress import tqdm
from support.cwgan.models.learned import LearnedGenerator
from support.cwgan.models.physics_layers import barrier_energy, villain_bonds
from support.store.checkpoint import check_finite, save_checkpoint

#: defaults of the training settings (profiles override single keys)
DEFAULT_TRAINING = dict(steps=400, batch_size=32, lr=2.0e-3, L=16, T_min=0.1, T_max=0.9, multi_pair_fraction=0.3,
                        wall_offset=0.5, wall_weight=100.0, clip_norm=1.0, cosine_decay=True)


def _allowed_classes(excluded: Iterable[int]) -> list[int]:
    excluded = {int(c) for c in excluded}
    allowed = [c for c in range(1, len(xy.PAIR_DISTANCES) + 1) if c not in excluded]
    if not allowed:
        raise ValueError("every pair class is excluded")
    return allowed


def random_pair_maps(L: int, n: int, rng: np.random.Generator, classes: Iterable[int]) -> np.ndarray:
    """``n`` one-pair maps ``int8 (n, L, L)``: class drawn from ``classes``, symmetry image and placement at random."""
    classes = list(classes)
    maps = np.empty((n, L, L), np.int8)
    for b in range(n):
        disp = xy.PAIR_DISTANCES[int(rng.choice(classes)) - 1].displacement
        images = xy.symmetric_displacements(disp)
        maps[b] = xy.pair_map(L, images[rng.integers(len(images))], tuple(rng.integers(0, L, 2)))
    return maps


def _pair_distances(k: np.ndarray) -> np.ndarray:
    """Minimum-image distances between every ``+1`` and every ``-1`` of one map."""
    L = k.shape[-1]
    p, m = np.argwhere(k == 1), np.argwhere(k == -1)
    d = np.abs(p[:, None, :] - m[None, :, :])
    d = np.minimum(d, L - d)
    return np.hypot(d[..., 0], d[..., 1]).ravel()


def random_multi_pair_maps(L: int, n: int, rng: np.random.Generator, excluded: Iterable[int] = ()) -> np.ndarray:
    """``n`` maps of 2 or 3 pairs on random distinct plaquettes, no ``+-`` pair at an excluded class's distance."""
    bad = np.array([np.hypot(*xy.PAIR_DISTANCES[int(c) - 1].displacement) for c in excluded])
    maps = np.zeros((n, L, L), np.int8)
    b = 0
    while b < n:
        pairs = int(rng.integers(2, 4))
        sites = rng.choice(L * L, 2 * pairs, replace=False)
        k = np.zeros(L * L, np.int8)
        k[sites[:pairs]], k[sites[pairs:]] = 1, -1
        k = k.reshape(L, L)
        if len(bad) and np.any(np.isclose(_pair_distances(k)[:, None], bad[None, :], atol=1e-6)):
            continue
        maps[b] = k
        b += 1
    return maps


def training_batch(L: int, n: int, rng: np.random.Generator, *, excluded: Iterable[int], multi_pair_fraction: float,
                   T_min: float, T_max: float) -> tuple[np.ndarray, np.ndarray]:
    """A batch of training conditions: maps ``int8 (n, L, L)``, temperatures ``(n,)`` uniform in ``[T_min, T_max]``."""
    excluded = list(excluded)
    n_multi = int(rng.binomial(n, multi_pair_fraction))
    maps = np.concatenate([random_pair_maps(L, n - n_multi, rng, _allowed_classes(excluded)),
                           random_multi_pair_maps(L, n_multi, rng, excluded)])
    return maps, rng.uniform(T_min, T_max, n)


def wall_penalty(bx: torch.Tensor, by: torch.Tensor, T: torch.Tensor, offset: float) -> torch.Tensor:
    """``sum_b relu(|b| - b_max)^2`` per field ``(n,)``, ``b_max = pi + offset * sqrt(T/2)`` (offset in bond stds).

    A mean bond slightly beyond ``pi`` is physical: the constrained ensemble is the Gaussian around it
    cut at ``pi``, which the bounded redraw realises; far beyond, redraws would hardly ever succeed.
    """
    edge = (math.pi + offset * torch.sqrt(T / 2)).view(-1, 1, 1).to(bx.dtype)
    return (torch.relu(bx.abs() - edge) ** 2 + torch.relu(by.abs() - edge) ** 2).sum(dim=(-2, -1))


def corrected_barrier(generator: LearnedGenerator, charges: np.ndarray, T: np.ndarray, *, wall_offset: float = 0.5,
                      wall_weight: float = 0.0) -> torch.Tensor:
    """Barrier energy per site of ``theta_V + delta`` for every (map, T) row: ``(n,)``, differentiable in the weights.

    The bond angles are the Villain field's minimal ones plus the differences of ``delta``, left
    unwrapped. The barrier's own penalty beyond ``pi`` is only ``(|b| - pi)^2`` (its Gaussian tail),
    weaker than the pull of a close pair, so a stiff :func:`wall_penalty` (``wall_weight``) keeps every
    mean bond within ``wall_offset`` bond standard deviations of ``pi``, where redraws still succeed.
    """
    bx, by = (torch.as_tensor(b, dtype=torch.float32) for b in villain_bonds(charges))
    k = torch.as_tensor(charges, dtype=torch.float32)
    t = torch.as_tensor(np.asarray(T), dtype=torch.float32)
    delta = generator.correction(k, t, bx, by)
    dx, dy = xy.bond_angles(delta)
    bx, by = bx + dx, by + dy
    energy = barrier_energy(bx, by, t) + wall_weight * wall_penalty(bx, by, t, wall_offset)
    return energy / (k.shape[-1] * k.shape[-2])


def save_learned(path: str | Path, generator: LearnedGenerator, meta: dict) -> None:
    """Write the learned generator's checkpoint: its config (``kind="learned"``), weights and ``meta``."""
    save_checkpoint(path, config=generator.config, state=dict(model=generator.state_dict()), meta=meta)


def train_learned(model: dict, training: dict, *, excluded_classes: Iterable[int], seed: int = 0,
                  checkpoint: str | Path | None = None, progress: bool = False) -> dict:
    """Build a :class:`LearnedGenerator` from ``model`` and train its correction on the barrier energy.

    Args:
        model: keyword arguments of :class:`LearnedGenerator`.
        training: overrides of :data:`DEFAULT_TRAINING` (``steps`` Adam steps of ``batch_size`` maps).
        excluded_classes: pair classes never drawn (the unseen classes of the evaluation).
        seed: fixes the initial weights and every training map.
        checkpoint: where to save the trained generator (``None``: not saved).

    Returns:
        ``{"generator", "history"`` (mean barrier energy per site per step), ``"train_seconds"}``.
    """
    unknown = set(training) - set(DEFAULT_TRAINING)
    if unknown:
        raise ValueError(f"unknown training settings {sorted(unknown)}; known: {sorted(DEFAULT_TRAINING)}")
    cfg = {**DEFAULT_TRAINING, **training}
    excluded = sorted(int(c) for c in excluded_classes)
    torch.manual_seed(int(seed))
    generator = LearnedGenerator(**model)
    opt = torch.optim.Adam(generator.parameters(), lr=float(cfg["lr"]))
    # The stiff wall penalty makes rare steps explode (measured: a constant lr of 2e-3 blew the loss from -1.69
    # to 140 per site after 2400 of 3200 steps and never recovered); clipping and a cosine decay keep it down.
    decay = torch.optim.lr_scheduler.CosineAnnealingLR(opt, int(cfg["steps"])) if cfg["cosine_decay"] else None
    rng = np.random.default_rng(seed)
    history, t0 = [], time.perf_counter()
    for _ in tqdm(range(int(cfg["steps"])), disable=not progress, desc="learned generator"):
        maps, T = training_batch(int(cfg["L"]), int(cfg["batch_size"]), rng, excluded=excluded,
                                 multi_pair_fraction=float(cfg["multi_pair_fraction"]),
                                 T_min=float(cfg["T_min"]), T_max=float(cfg["T_max"]))
        loss = corrected_barrier(generator, maps, T, wall_offset=float(cfg["wall_offset"]),
                                 wall_weight=float(cfg["wall_weight"])).mean()
        opt.zero_grad()
        loss.backward()
        if cfg["clip_norm"]:
            torch.nn.utils.clip_grad_norm_(generator.parameters(), float(cfg["clip_norm"]))
        opt.step()
        if decay is not None:
            decay.step()
        history.append(float(loss.detach()))
        check_finite("barrier energy", history[-1], checkpoint=checkpoint)
    train_seconds = time.perf_counter() - t0
    generator.eval()
    if checkpoint is not None:
        save_learned(checkpoint, generator, dict(steps=len(history), train_seconds=train_seconds, seed=int(seed),
                                                 excluded_classes=excluded, training=cfg))
    return dict(generator=generator, history=np.array(history), train_seconds=train_seconds)
