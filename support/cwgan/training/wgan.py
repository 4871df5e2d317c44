"""Conditional WGAN-GP training of the U-Net generator (paper and prior variants): losses, loop, checkpoints, resume.

:func:`train_cwgan` trains one variant, checkpoints every epoch and resumes; what it measures on
the side comes from a ``monitor`` callback (e.g. :func:`support.cwgan.evaluation.heldout.monitor`),
so the loop itself neither evaluates nor plots. A learning curve is the same idea at finer grain: a
``curve`` callback scored at a few log-spaced generator steps (:func:`log_steps`).

Checkpoints of one variant live in one folder: ``generator.pt`` (:func:`support.cwgan.generator.save_generator`)
and ``critic.pt`` (model config + weights, for use elsewhere), ``training.pt`` (everything needed to
resume: both models, both optimizers, the epoch and the history; written last, so an interrupt
between writes resumes from the previous complete epoch) and ``history.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from support import xy
from support.book.progress import tqdm
from support.cwgan.generator import save_generator
from support.cwgan.models.prior import prior_angles
from support.cwgan.models.unet import Critic, UNetGenerator, field_features
from support.store.checkpoint import check_finite, load_checkpoint, save_checkpoint
from support.store.data import chunk_seed, save_json, to_jsonable
from support.xy.dataset import temperature_key

DEFAULT_TRAIN = dict(
    epochs=10, steps_per_epoch=None, batch_size=64, n_critic=4, lr=1e-4, g_lr=None, betas=(0.5, 0.9), gp_lambda=10.0,
    critic_warmup=0, residual_penalty=0.0,
    physics_start_epoch=None, physics_lr=1e-5, physics_weight=1.0, physics_defect_weight=None,
    loss_limit=1e6, amp=False, compile=False,
)
#: points of a learning curve (:func:`log_steps`)
CURVE_POINTS = 6


# ---------------------------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------------------------

def gradient_penalty(critic: Callable, real: torch.Tensor, fake: torch.Tensor, *cond: torch.Tensor,
                     lam: float = 10.0, eps: torch.Tensor | None = None) -> torch.Tensor:
    """WGAN-GP penalty ``lam * E[(|grad_x D(x)|_2 - 1)^2]`` on random interpolates of real and fake.

    Args:
        critic: ``critic(x, *cond) -> (n,)``.
        real, fake: critic inputs ``(n, ...)``.
        cond: conditioning tensors passed through unchanged.
        lam: penalty weight.
        eps: interpolation weights ``(n,)`` (uniform in [0, 1] when ``None``).
    """
    n = real.shape[0]
    if eps is None:
        eps = torch.rand(n, device=real.device, dtype=real.dtype)
    eps = eps.view(n, *([1] * (real.dim() - 1)))
    x = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x, *cond).sum(), x, create_graph=True)
    return lam * ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()


def physics_loss(spins: torch.Tensor, charges: torch.Tensor, target: torch.Tensor,
                 defect_weight: float) -> torch.Tensor:
    """Eq. 1 with the smooth charge of eq. 3: weighted mean of ``(q_smooth - target * k)^2`` over plaquettes.

    Args:
        spins: generated unit vectors ``(n, 2, L, L)``.
        charges: the maps ``(n, L, L)`` (float).
        target: smooth charge a real vortex has at the sample's temperature ``(n,)`` (measured
            from the Monte Carlo data by :func:`smooth_charge_targets`, not 1).
        defect_weight: weight of plaquettes with a charge (1 elsewhere).
    """
    q = xy.smooth_vortices(spins)
    w = torch.where(charges != 0, torch.as_tensor(defect_weight, dtype=q.dtype, device=q.device),
                    torch.ones((), dtype=q.dtype, device=q.device))
    return (w * (q - target.view(-1, 1, 1) * charges) ** 2).mean()


def smooth_charge_targets(theta: np.ndarray, charges: np.ndarray, T: np.ndarray) -> dict[str, float]:
    """Mean smooth charge (eq. 3) of the real data at its vortices, ``k * q_smooth``, per temperature.

    Returns:
        ``{temperature_key(T): value}`` (JSON keys); e.g. ~0.7-0.9 at T = 0.1, not the integer 1.
    """
    out = {}
    for t in np.unique(T):
        sel = np.flatnonzero(T == t)
        q = xy.smooth_vortices(xy.to_spins(theta[sel].astype(np.float64)))
        k = charges[sel]
        out[temperature_key(t)] = float((q * k)[k != 0].mean()) if np.any(k != 0) else 1.0
    return out


# ---------------------------------------------------------------------------------------------
# models, config, checkpoints
# ---------------------------------------------------------------------------------------------

def build_networks(variant: str, L: int, *, gen_widths, gen_dec_widths=None, noise_channels: int = 16,
                   critic_widths=(64, 128, 256), critic_full_res_layers: int = 2, critic_instance_norm: bool = False,
                   prior: dict | None = None, **_: Any) -> tuple[UNetGenerator, Critic]:
    """Generator and critic of one variant from plain config values (extra keys are ignored).

    ``prior``: overrides of :data:`support.cwgan.models.prior.DEFAULT_PRIOR` (prior variant only).
    """
    gen = UNetGenerator(L, variant=variant, widths=gen_widths, dec_widths=gen_dec_widths, noise_channels=noise_channels,
                        prior=prior)
    critic = Critic(L, widths=critic_widths, full_res_layers=critic_full_res_layers, instance_norm=critic_instance_norm)
    return gen, critic


def log_steps(total: int, points: int = CURVE_POINTS) -> list[int]:
    """About ``points`` generator steps from 1 to ``total``, evenly spaced in log (distinct integers, ``total`` last)."""
    if total < 1 or points < 1:
        return []
    return sorted({int(s) for s in np.rint(np.geomspace(1, total, points))}) if points > 1 else [int(total)]


def _set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for g in opt.param_groups:
        g["lr"] = lr


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------

def train_cwgan(train: dict[str, np.ndarray], *, variant: str, out_dir: str | Path, model: dict, training: dict,
                prior: dict | None = None, monitor: Callable[[UNetGenerator], dict] | None = None, seed: int = 0,
                device: str | torch.device = "cpu", progress: bool = True,
                on_epoch_end: Callable[[int, dict], None] | None = None,
                curve: Callable[[UNetGenerator], dict] | None = None,
                curve_steps: Sequence[int] | None = None) -> dict[str, Any]:
    """Train one cWGAN-GP variant, checkpointing every epoch; resumes from ``out_dir`` when possible.

    Args:
        train: training data ``theta (n, L, L)``, ``charges (n, L, L)``, ``T (n,)``.
        variant: ``"paper"`` or ``"prior"``.
        out_dir: checkpoint folder of this variant (e.g. ``profile_dir/cwgan/prior``).
        model: generator/critic config (:func:`build_networks` keywords).
        training: training config, keys of ``DEFAULT_TRAIN`` (missing keys take the defaults).
        prior: overrides of :data:`support.cwgan.models.prior.DEFAULT_PRIOR` (prior variant only); the
            complete settings are stored in the generator's config and checkpoint.
        monitor: called as ``monitor(generator)`` after each epoch; the floats it returns join the
            epoch's history entry (e.g. :func:`support.cwgan.evaluation.heldout.monitor`).
        seed: root seed; epoch ``e`` draws from seeds derived from ``(seed, e)``, so resuming
            reproduces an uninterrupted run on CPU.
        device: torch device.
        progress: tqdm bars.
        on_epoch_end: called as ``on_epoch_end(epoch, history_entry)`` after each checkpoint.
        curve: called as ``curve(generator)`` right after the generator steps ``curve_steps``; its floats
            with ``step`` make one row of the learning curve (its time is not training time).
        curve_steps: generator steps (counted from 1 over all epochs) of the curve; default
            :func:`log_steps` of the run's total. A checkpoint made without the curve is trained again.

    Returns:
        ``{"generator", "critic", "history", "curve", "train_seconds", "checkpoint"}`` (``curve``: the
        rows ``{"step", **curve(generator)}``, empty without ``curve``).

    Raises:
        TrainingDiverged: a loss became NaN/inf or exceeded ``loss_limit``; the last complete
            epoch's checkpoint is kept.
        ValueError: bad parameters, or a checkpoint in ``out_dir`` from another config.
    """
    tc = {**DEFAULT_TRAIN, **training}
    unknown = set(training) - set(DEFAULT_TRAIN)
    if unknown:
        raise ValueError(f"unknown training keys {sorted(unknown)}; known: {sorted(DEFAULT_TRAIN)}")
    theta_np, charges_np, T_np = train["theta"], train["charges"], np.asarray(train["T"], np.float32)
    n, L = theta_np.shape[0], theta_np.shape[-1]
    if n < tc["batch_size"]:
        raise ValueError(f"{n} training samples < batch size {tc['batch_size']}")
    if tc["epochs"] < 0 or tc["n_critic"] < 1 or tc["batch_size"] < 1:
        raise ValueError("need epochs >= 0, n_critic >= 1, batch_size >= 1")
    device = torch.device(device)
    torch.manual_seed(chunk_seed(seed, 999_999))  # the initial weights follow from the seed too
    gen, critic = build_networks(variant, L, **model, prior=prior)
    prior_cfg = gen.config["prior"]
    phys_on = tc["physics_start_epoch"] is not None
    targets = smooth_charge_targets(theta_np, charges_np, T_np) if phys_on else {}
    defect_w = float(tc["physics_defect_weight"] or L * L)
    run_config = to_jsonable(dict(variant=variant, L=L, model=dict(model), generator=gen.config, critic=critic.config,
                                  training={k: v for k, v in tc.items() if k != "epochs"},
                                  seed=int(seed), n_train=int(n), physics_targets=targets))
    gen.to(device)
    critic.to(device)
    g_lr = tc["g_lr"] or tc["lr"]
    opt_g = torch.optim.Adam(gen.parameters(), lr=g_lr, betas=tuple(tc["betas"]))
    opt_d = torch.optim.Adam(critic.parameters(), lr=tc["lr"], betas=tuple(tc["betas"]))
    out = Path(out_dir)
    ckpt_path = out / "training.pt"
    history: list[dict] = []
    curve_rows: list[dict] = []
    start_epoch, train_seconds = 0, 0.0
    ck = load_checkpoint(ckpt_path, expect_config=run_config, map_location=device) if ckpt_path.exists() else None
    if ck is not None and curve is not None and ck["meta"].get("curve") is None:
        print(f"{ckpt_path}: made without a learning curve; training {variant} again")
        ck = None
    if ck is not None:
        gen.load_state_dict(ck["state"]["generator"])
        critic.load_state_dict(ck["state"]["critic"])
        opt_g.load_state_dict(ck["state"]["opt_g"])
        opt_d.load_state_dict(ck["state"]["opt_d"])
        start_epoch, history, train_seconds = ck["meta"]["epoch"], list(ck["meta"]["history"]), ck["meta"]["train_seconds"]
        curve_rows = list(ck["meta"].get("curve") or [])
    cuda = device.type == "cuda"
    g_fwd, d_fwd = (torch.compile(gen), torch.compile(critic)) if (cuda and tc["compile"]) else (gen, critic)
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if (cuda and tc["amp"]) else \
        (lambda: torch.autocast("cpu", enabled=False))
    theta_t = torch.as_tensor(theta_np, dtype=torch.float32)
    charges_t = torch.as_tensor(charges_np, dtype=torch.float32)
    T_t = torch.as_tensor(T_np)
    target_of_T = torch.as_tensor([targets.get(temperature_key(t), 1.0) for t in T_np], dtype=torch.float32)
    bs, nc = tc["batch_size"], tc["n_critic"]
    steps = int(tc["steps_per_epoch"] or max(1, n // (bs * nc)))
    curve_at = set(log_steps(tc["epochs"] * steps) if curve_steps is None else curve_steps) if curve else set()

    def fake_batch(idx, rng, grad):
        k, t = charges_t[idx].to(device), T_t[idx].to(device)
        pr = None
        if variant == "prior":
            pr = torch.as_tensor(prior_angles(charges_np[idx.numpy()].astype(np.int8), T_np[idx.numpy()], rng,
                                              **prior_cfg), device=device)
        with torch.set_grad_enabled(grad), autocast():
            spins = g_fwd(k, t, pr)
        return spins.float(), k, t, pr

    def real_batch(idx, rng):
        th = theta_t[idx] + torch.as_tensor(rng.uniform(0, 2 * np.pi, size=(len(idx), 1, 1)), dtype=torch.float32)
        return torch.stack([torch.cos(th), torch.sin(th)], 1).to(device)

    for epoch in range(start_epoch, tc["epochs"]):
        t0 = time.perf_counter()
        rng = np.random.default_rng([int(seed), epoch])
        torch.manual_seed(chunk_seed(seed, epoch))
        physics = phys_on and epoch >= tc["physics_start_epoch"]
        _set_lr(opt_g, tc["physics_lr"] if physics else g_lr)
        _set_lr(opt_d, tc["physics_lr"] if physics else tc["lr"])
        sums = dict(d_loss=0.0, g_loss=0.0, gp=0.0, w_distance=0.0, physics=0.0)
        bar = tqdm(range(steps), desc=f"{variant} epoch {epoch + 1}/{tc['epochs']}", disable=not progress, leave=False)
        for step in bar:
            # critic warm-up: a critic trained on a few hundred batches first gives the generator useful gradients
            n_d = nc + (tc["critic_warmup"] if (epoch == 0 and step == 0) else 0)
            for _ in range(n_d):
                idx = torch.as_tensor(rng.integers(0, n, bs))
                real = real_batch(idx, rng)
                fake, k, t, _ = fake_batch(idx, rng, grad=False)
                with autocast():
                    f_real, f_fake = field_features(real), field_features(fake)
                    d_real, d_fake = d_fwd(f_real, k, t), d_fwd(f_fake, k, t)
                gp = gradient_penalty(d_fwd, f_real.float(), f_fake.float(), k, t, lam=tc["gp_lambda"])
                w_dist = (d_real.float().mean() - d_fake.float().mean())
                d_loss = -w_dist + gp
                check_finite("critic loss", d_loss.item(), limit=tc["loss_limit"], checkpoint=ckpt_path)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
            idx = torch.as_tensor(rng.integers(0, n, bs))
            fake, k, t, pr = fake_batch(idx, rng, grad=True)
            with autocast():
                g_loss = -d_fwd(field_features(fake), k, t).float().mean()
            phys = physics_loss(fake, k, target_of_T[idx].to(device), defect_w) if physics else torch.zeros(())
            total = g_loss + tc["physics_weight"] * phys if physics else g_loss
            if pr is not None and tc["residual_penalty"]:
                # mean squared residual angle: the prior variant leaves the prior only where the critic insists
                c, s_ = torch.cos(pr), torch.sin(pr)
                delta = torch.atan2(fake[:, 1] * c - fake[:, 0] * s_, fake[:, 0] * c + fake[:, 1] * s_)
                total = total + tc["residual_penalty"] * (delta ** 2).mean()
            check_finite("generator loss", total.item(), limit=tc["loss_limit"], checkpoint=ckpt_path)
            opt_g.zero_grad(set_to_none=True)
            total.backward()
            opt_g.step()
            for key, val in (("d_loss", d_loss), ("g_loss", g_loss), ("gp", gp), ("w_distance", w_dist), ("physics", phys)):
                sums[key] += float(val.detach()) / steps
            bar.set_postfix(W=f"{float(w_dist.detach()):.3f}", gp=f"{float(gp.detach()):.3f}")
            if epoch * steps + step + 1 in curve_at:
                t_curve = time.perf_counter()
                curve_rows.append(to_jsonable({"step": epoch * steps + step + 1, **curve(gen)}))
                t0 += time.perf_counter() - t_curve  # scoring is not training
        train_seconds += time.perf_counter() - t0
        entry = dict(epoch=epoch + 1, seconds=time.perf_counter() - t0, physics_on=bool(physics), **sums)
        if monitor is not None:
            entry.update(monitor(gen))
        history.append(to_jsonable(entry))
        save_generator(out / "generator.pt", gen, epoch=epoch + 1)
        save_checkpoint(out / "critic.pt", config=critic.config, state=dict(model=critic.state_dict()),
                        meta=dict(epoch=epoch + 1, variant=variant))
        save_checkpoint(ckpt_path, config=run_config,
                        state=dict(generator=gen.state_dict(), critic=critic.state_dict(),
                                   opt_g=opt_g.state_dict(), opt_d=opt_d.state_dict()),
                        meta=dict(epoch=epoch + 1, history=history, train_seconds=train_seconds,
                                  curve=curve_rows if curve else None))
        save_json(out / "history.json", dict(variant=variant, config=run_config, history=history, curve=curve_rows))
        if on_epoch_end is not None:
            on_epoch_end(epoch + 1, entry)
    if start_epoch == tc["epochs"] == 0 or not (out / "generator.pt").exists():
        save_generator(out / "generator.pt", gen, epoch=0)
    gen.eval()
    return dict(generator=gen, critic=critic, history=history, curve=curve_rows, train_seconds=train_seconds,
                checkpoint=str(out / "generator.pt"))
