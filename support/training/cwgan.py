"""Conditional WGAN-GP training of the U-Net generator (paper and prior variants): monitors, checkpoints, resume.

Public entry points: :func:`train_cwgan` (train one variant, checkpoint every epoch, resume),
:func:`generate` and :func:`load_generator` (used by chapter 04), :func:`evaluate_generator`
(generated versus Monte Carlo on held-out maps) and :func:`split_holdout`.

Checkpoints of one variant live in one folder: ``generator.pt`` and ``critic.pt`` (model
config + weights, for use elsewhere), ``training.pt`` (everything needed to resume: both
models, both optimizers, the epoch and the history; written last, so an interrupt between
writes resumes from the previous complete epoch) and ``history.json``.
"""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from support.progress import tqdm

from support import xy
from support.cwgan_prior import DEFAULT_PRIOR, prior_angles
from support.data import chunk_seed, save_json, to_jsonable
from support.models.critic import Critic, field_features
from support.models.unet import UNetGenerator
from support.checkpoint import TrainingDiverged, check_finite, load_checkpoint, save_checkpoint

DEFAULT_TRAIN = dict(
    epochs=10, steps_per_epoch=None, batch_size=64, n_critic=4, lr=1e-4, g_lr=None, betas=(0.5, 0.9), gp_lambda=10.0,
    critic_warmup=0, residual_penalty=0.0,
    physics_start_epoch=None, physics_lr=1e-5, physics_weight=1.0, physics_defect_weight=None,
    loss_limit=1e6, amp=False, compile=False,
)


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
        ``{str(T): value}`` (JSON keys); e.g. ~0.7-0.9 at T = 0.1, not the integer 1.
    """
    out = {}
    for t in np.unique(T):
        sel = np.flatnonzero(T == t)
        q = xy.smooth_vortices(xy.to_spins(theta[sel].astype(np.float64)))
        k = charges[sel]
        out[_tkey(t)] = float((q * k)[k != 0].mean()) if np.any(k != 0) else 1.0
    return out


def _tkey(t: float) -> str:
    return f"{float(t):.4g}"


# ---------------------------------------------------------------------------------------------
# models, config, checkpoints
# ---------------------------------------------------------------------------------------------

def build_models(variant: str, L: int, *, gen_widths, gen_dec_widths=None, noise_channels: int = 16,
                 critic_widths=(64, 128, 256), critic_full_res_layers: int = 2, critic_instance_norm: bool = False,
                 **_: Any) -> tuple[UNetGenerator, Critic]:
    """Generator and critic of one variant from plain config values (extra keys are ignored)."""
    gen = UNetGenerator(L, variant=variant, widths=gen_widths, dec_widths=gen_dec_widths, noise_channels=noise_channels)
    critic = Critic(L, widths=critic_widths, full_res_layers=critic_full_res_layers, instance_norm=critic_instance_norm)
    return gen, critic


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> UNetGenerator:
    """Rebuild a generator from ``generator.pt`` (its stored config), in eval mode.

    The prior settings of the prior variant are attached as ``model.prior_config``.
    """
    ckpt = load_checkpoint(path, map_location=device)
    cfg = ckpt["config"]
    model = UNetGenerator(**cfg["model"])
    model.load_state_dict(ckpt["state"]["model"])
    model.prior_config = dict(cfg.get("prior") or DEFAULT_PRIOR)
    return model.to(device).eval()


def _set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for g in opt.param_groups:
        g["lr"] = lr


# ---------------------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------------------

def _conditions(generator: UNetGenerator, charges: np.ndarray, T: np.ndarray, rng: np.random.Generator,
                device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    k = torch.as_tensor(np.asarray(charges, dtype=np.float32), device=device)
    t = torch.as_tensor(np.array(T, dtype=np.float32), device=device)
    prior = None
    if generator.variant == "prior":
        cfg = getattr(generator, "prior_config", None) or DEFAULT_PRIOR
        prior = torch.as_tensor(prior_angles(charges, T, rng, **cfg), device=device)
    return k, t, prior


def generate(generator: UNetGenerator, charges: np.ndarray, T: np.ndarray, *, seed: int = 0,
             batch_size: int = 256) -> np.ndarray:
    """Generate one field per (map, T): numpy in, numpy out, either variant.

    Args:
        generator: a trained generator (e.g. from :func:`load_generator`).
        charges: int maps ``(n, L, L)`` (each summing to zero).
        T: temperatures ``(n,)`` or a scalar.
        seed: fixes the noise (and, for the prior variant, spin waves and global angles).
        batch_size: samples per forward pass.

    Returns:
        ``float32 (n, L, L)`` angles in ``[-pi, pi)``.
    """
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
    # all random draws up front, so the result does not depend on batch_size
    _, _, prior = _conditions(generator, charges, T, rng, "cpu")
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


# ---------------------------------------------------------------------------------------------
# held-out split, statistics, evaluation
# ---------------------------------------------------------------------------------------------

def split_holdout(map_id: np.ndarray, distance: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Held-out mask: a ``fraction`` of the maps (placements) of every pair distance, never seen in training.

    Every distance with at least two maps keeps at least one map in each part, so held-out
    maps cover all distances (d = 1 included).

    Returns:
        bool ``(n,)``: True for samples of held-out maps.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"holdout fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    held = []
    dist_of_map = {}
    for m, d in zip(map_id.tolist(), np.round(distance, 3).tolist()):
        dist_of_map.setdefault(m, d)
    by_d: dict[float, list[int]] = {}
    for m, d in sorted(dist_of_map.items()):
        by_d.setdefault(d, []).append(m)
    for d, maps in sorted(by_d.items()):
        if len(maps) < 2:
            continue
        k = min(len(maps) - 1, max(1, int(round(fraction * len(maps)))))
        held += rng.choice(maps, size=k, replace=False).tolist()
    return np.isin(map_id, np.array(held, dtype=map_id.dtype))


def field_stats(theta: np.ndarray, charges: np.ndarray) -> dict[str, np.ndarray]:
    """Per-sample energy per site, |M|, exact-map match and number of vortices."""
    v = xy.vortices(theta)
    return dict(energy=xy.energy_per_site(theta), magnetization=xy.magnetization(theta),
                match=np.all(v == charges, axis=(-2, -1)), n_vortices=np.abs(v).sum(axis=(-2, -1)))


def compare_groups(gen: dict, mc: dict, gen_groups: np.ndarray, mc_groups: np.ndarray) -> dict[str, float]:
    """Generated versus MC statistics over groups of samples of one (map, T) each.

    Means are pooled over all samples; fluctuations are the within-group standard deviations
    pooled as ``sqrt(mean group variance)``, so a generator that returns one field per map has
    ratio 0.
    """
    def pooled_std(x, g):
        x = np.asarray(x, np.float64) - np.mean(x)
        _, g = np.unique(g, return_inverse=True)
        cnt = np.bincount(g)
        mean = np.bincount(g, weights=x) / cnt
        var = np.bincount(g, weights=x * x) / cnt - mean ** 2
        return float(np.sqrt(max(var.clip(min=0).mean(), 0.0)))

    e_mc = mc["energy"].mean()
    return dict(
        charge_match_rate=float(gen["match"].mean()),
        energy_gen=float(gen["energy"].mean()), energy_mc=float(e_mc),
        energy_rel_error=float(abs(gen["energy"].mean() - e_mc) / abs(e_mc)),
        magnetization_gen=float(gen["magnetization"].mean()), magnetization_mc=float(mc["magnetization"].mean()),
        magnetization_abs_error=float(abs(gen["magnetization"].mean() - mc["magnetization"].mean())),
        energy_std_gen=pooled_std(gen["energy"], gen_groups), energy_std_mc=pooled_std(mc["energy"], mc_groups),
        magnetization_std_gen=pooled_std(gen["magnetization"], gen_groups),
        magnetization_std_mc=pooled_std(mc["magnetization"], mc_groups),
        vortices_gen=float(gen["n_vortices"].mean()), vortices_mc=float(mc["n_vortices"].mean()),
    ) | dict(
        energy_std_ratio=_ratio(pooled_std(gen["energy"], gen_groups), pooled_std(mc["energy"], mc_groups)),
        magnetization_std_ratio=_ratio(pooled_std(gen["magnetization"], gen_groups),
                                       pooled_std(mc["magnetization"], mc_groups)),
    )


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def evaluate_generator(generator: UNetGenerator, data: dict[str, np.ndarray], *, seed: int = 0,
                       samples_per_group: int | None = None, batch_size: int = 256) -> dict[str, Any]:
    """Generate for every (map, T) of ``data`` and compare with its Monte Carlo samples, per T.

    Args:
        generator: the generator.
        data: held-out MC data with ``theta``, ``charges``, ``T``, ``map_id`` (as from ``load_xy_dataset``).
        seed: generation seed.
        samples_per_group: generated samples per (map, T); default: as many as MC has.
        batch_size: generation batch size.

    Returns:
        ``{"by_T": {T: metrics}, "generate_samples_per_second": float, "n_generated": int}``.
    """
    T = data["T"]
    groups = np.unique(np.stack([data["map_id"].astype(np.float64), T.astype(np.float64)], 1), axis=0,
                       return_inverse=True)[1].ravel()
    idx_first = np.array([np.flatnonzero(groups == g)[0] for g in range(groups.max() + 1)])
    counts = np.bincount(groups)
    reps = counts if samples_per_group is None else np.full_like(counts, samples_per_group)
    gen_idx = np.repeat(idx_first, reps)
    gen_groups = np.repeat(np.arange(len(idx_first)), reps)
    t0 = time.perf_counter()
    theta = generate(generator, data["charges"][gen_idx], T[gen_idx], seed=seed, batch_size=batch_size)
    gen_seconds = time.perf_counter() - t0
    gs, ms = field_stats(theta, data["charges"][gen_idx]), field_stats(data["theta"], data["charges"])
    by_T = {}
    for t in np.unique(T):
        g_sel, m_sel = T[gen_idx] == t, T == t
        by_T[_tkey(t)] = compare_groups({k: v[g_sel] for k, v in gs.items()}, {k: v[m_sel] for k, v in ms.items()},
                                        gen_groups[g_sel], groups[m_sel])
    return dict(by_T=by_T, generate_samples_per_second=len(gen_idx) / max(gen_seconds, 1e-9),
                n_generated=int(len(gen_idx)))


def summarize(evaluation: dict, target_T: float, train_seconds: float) -> dict[str, Any]:
    """The results-JSON entry of one variant: match rate per T, the rest at ``target_T``."""
    by_T = evaluation["by_T"]
    at = by_T[_tkey(target_T)]
    keys = ("energy_rel_error", "magnetization_abs_error", "energy_std_ratio", "magnetization_std_ratio")
    return dict(charge_match_rate={t: m["charge_match_rate"] for t, m in by_T.items()},
                **{k: at[k] for k in keys}, target_T=float(target_T), train_seconds=float(train_seconds),
                generate_samples_per_second=float(evaluation["generate_samples_per_second"]), by_T=by_T)


def make_monitor(data: dict[str, np.ndarray], T: float, n_maps: int, seed: int) -> dict[str, Any]:
    """A fixed small monitor set: up to ``n_maps`` held-out maps at temperature ``T`` and their MC stats."""
    sel = np.flatnonzero(np.isclose(data["T"], T))
    if not len(sel):
        raise ValueError(f"no monitor data at T={T}; available: {np.unique(data['T']).tolist()}")
    maps = np.unique(data["map_id"][sel])
    maps = np.random.default_rng(seed).choice(maps, size=min(n_maps, len(maps)), replace=False)
    sel = sel[np.isin(data["map_id"][sel], maps)]
    return {k: data[k][sel] for k in ("theta", "charges", "T", "map_id")}


def _monitor(generator: UNetGenerator, monitor: dict, seed: int) -> dict[str, float]:
    ev = evaluate_generator(generator, monitor, seed=seed)
    (m,) = ev["by_T"].values()
    return {k: m[k] for k in ("charge_match_rate", "vortices_gen", "vortices_mc", "magnetization_gen",
                              "magnetization_mc", "energy_gen", "energy_mc", "energy_std_gen", "energy_std_mc")}


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------

def train_cwgan(train: dict[str, np.ndarray], *, variant: str, out_dir: str | Path, model: dict, training: dict,
                prior: dict | None = None, monitor: dict | None = None, seed: int = 0,
                device: str | torch.device = "cpu", progress: bool = True,
                on_epoch_end: Callable[[int, dict], None] | None = None) -> dict[str, Any]:
    """Train one cWGAN-GP variant, checkpointing every epoch; resumes from ``out_dir`` when possible.

    Args:
        train: training data ``theta (n, L, L)``, ``charges (n, L, L)``, ``T (n,)``.
        variant: ``"paper"`` or ``"prior"``.
        out_dir: checkpoint folder of this variant (e.g. ``profile_dir/cwgan/prior``).
        model: generator/critic config (:func:`build_models` keywords).
        training: training config, keys of ``DEFAULT_TRAIN`` (missing keys take the defaults).
        prior: prior settings (prior variant; defaults ``DEFAULT_PRIOR``).
        monitor: held-out monitor set from :func:`make_monitor` (per-epoch statistics).
        seed: root seed; epoch ``e`` draws from seeds derived from ``(seed, e)``, so resuming
            reproduces an uninterrupted run on CPU.
        device: torch device.
        progress: tqdm bars.
        on_epoch_end: called as ``on_epoch_end(epoch, history_entry)`` after each checkpoint.

    Returns:
        ``{"generator", "critic", "history", "train_seconds", "checkpoint"}``.

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
    prior_cfg = {**DEFAULT_PRIOR, **(prior or {})} if variant == "prior" else None
    torch.manual_seed(chunk_seed(seed, 999_999))  # the initial weights follow from the seed too
    gen, critic = build_models(variant, L, **model)
    gen.prior_config = prior_cfg
    phys_on = tc["physics_start_epoch"] is not None
    targets = smooth_charge_targets(theta_np, charges_np, T_np) if phys_on else {}
    defect_w = float(tc["physics_defect_weight"] or L * L)
    run_config = to_jsonable(dict(variant=variant, L=L, model=dict(model), generator=gen.config, critic=critic.config,
                                  training={k: v for k, v in tc.items() if k != "epochs"}, prior=prior_cfg,
                                  seed=int(seed), n_train=int(n), physics_targets=targets))
    gen.to(device)
    critic.to(device)
    g_lr = tc["g_lr"] or tc["lr"]
    opt_g = torch.optim.Adam(gen.parameters(), lr=g_lr, betas=tuple(tc["betas"]))
    opt_d = torch.optim.Adam(critic.parameters(), lr=tc["lr"], betas=tuple(tc["betas"]))
    out = Path(out_dir)
    ckpt_path = out / "training.pt"
    history: list[dict] = []
    start_epoch, train_seconds = 0, 0.0
    if ckpt_path.exists():
        ck = load_checkpoint(ckpt_path, expect_config=run_config, map_location=device)
        gen.load_state_dict(ck["state"]["generator"])
        critic.load_state_dict(ck["state"]["critic"])
        opt_g.load_state_dict(ck["state"]["opt_g"])
        opt_d.load_state_dict(ck["state"]["opt_d"])
        start_epoch, history, train_seconds = ck["meta"]["epoch"], list(ck["meta"]["history"]), ck["meta"]["train_seconds"]
    cuda = device.type == "cuda"
    g_fwd, d_fwd = (torch.compile(gen), torch.compile(critic)) if (cuda and tc["compile"]) else (gen, critic)
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if (cuda and tc["amp"]) else \
        (lambda: torch.autocast("cpu", enabled=False))
    theta_t = torch.as_tensor(theta_np, dtype=torch.float32)
    charges_t = torch.as_tensor(charges_np, dtype=torch.float32)
    T_t = torch.as_tensor(T_np)
    target_of_T = torch.as_tensor([targets.get(_tkey(t), 1.0) for t in T_np], dtype=torch.float32)
    bs, nc = tc["batch_size"], tc["n_critic"]
    steps = int(tc["steps_per_epoch"] or max(1, n // (bs * nc)))

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
        train_seconds += time.perf_counter() - t0
        entry = dict(epoch=epoch + 1, seconds=time.perf_counter() - t0, physics_on=bool(physics), **sums)
        if monitor is not None:
            entry.update(_monitor(gen, monitor, seed=int(seed)))
        history.append(to_jsonable(entry))
        gen_cfg = dict(model=gen.config, prior=prior_cfg)
        save_checkpoint(out / "generator.pt", config=gen_cfg, state=dict(model=gen.state_dict()),
                        meta=dict(epoch=epoch + 1, variant=variant))
        save_checkpoint(out / "critic.pt", config=critic.config, state=dict(model=critic.state_dict()),
                        meta=dict(epoch=epoch + 1, variant=variant))
        save_checkpoint(ckpt_path, config=run_config,
                        state=dict(generator=gen.state_dict(), critic=critic.state_dict(),
                                   opt_g=opt_g.state_dict(), opt_d=opt_d.state_dict()),
                        meta=dict(epoch=epoch + 1, history=history, train_seconds=train_seconds))
        save_json(out / "history.json", dict(variant=variant, config=run_config, history=history))
        if on_epoch_end is not None:
            on_epoch_end(epoch + 1, entry)
    if start_epoch == tc["epochs"] == 0 or not (out / "generator.pt").exists():
        save_checkpoint(out / "generator.pt", config=dict(model=gen.config, prior=prior_cfg),
                        state=dict(model=gen.state_dict()), meta=dict(epoch=0, variant=variant))
    gen.eval()
    return dict(generator=gen, critic=critic, history=history, train_seconds=train_seconds,
                checkpoint=str(out / "generator.pt"))


# ---------------------------------------------------------------------------------------------
# targets of the issue (cpu profile, held-out maps at the target temperature)
# ---------------------------------------------------------------------------------------------

TARGETS = dict(charge_match_rate=(">=", 0.95), energy_rel_error=("<=", 0.02), magnetization_abs_error=("<=", 0.02),
               energy_std_ratio=("within", 0.25), magnetization_std_ratio=("within", 0.25))


def check_targets(summary: dict) -> dict[str, dict]:
    """Each target of the chapter: measured value, the target and whether it is met (at ``summary['target_T']``)."""
    at = summary["by_T"][_tkey(summary["target_T"])]
    out = {}
    for key, (op, lim) in TARGETS.items():
        v = at[key]
        ok = v >= lim if op == ">=" else (v <= lim if op == "<=" else abs(v - 1) <= lim)
        out[key] = dict(value=v, target=f"{op} {lim}" if op != "within" else f"1 ± {lim}", met=bool(ok))
    return out


def plot_history(histories: dict[str, list[dict]]):
    """Per-epoch monitors (paper Fig. 3) of each variant, generated (solid) versus MC (dashed)."""
    import matplotlib.pyplot as plt

    panels = [("charge_match_rate", None, "exact-map match rate"), ("vortices_gen", "vortices_mc", "vortices per field"),
              ("magnetization_gen", "magnetization_mc", r"$\langle|M|\rangle$"),
              ("energy_std_gen", "energy_std_mc", r"within-map std of $E/N$ (J)"), ("w_distance", None, "critic W-distance")]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.0), constrained_layout=True)
    for (key, ref, label), ax in zip(panels, axes):
        for i, (name, hist) in enumerate(histories.items()):
            ep = [h["epoch"] for h in hist]
            line, = ax.plot(ep, [h.get(key, np.nan) for h in hist], "o-", ms=3, label=name)
            if ref:
                ax.plot(ep, [h.get(ref, np.nan) for h in hist], "--", color=line.get_color(), label=f"MC ({name} monitor)" if i == 0 else None)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=7)
    return fig
