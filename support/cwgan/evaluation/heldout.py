"""Chapter 02's scorecards: generated versus Monte Carlo fields of held-out (map, T) groups.

For the U-Nets (:func:`evaluate_generator`): per held-out (map, T) the generator draws as many fields
as Monte Carlo has; means are pooled over the maps, fluctuations are within-map standard deviations
(:func:`compare_groups`); targets and the best variant follow.

For the learned generator (:func:`score_block`): one generated field per Monte Carlo field (same map,
same T), drawn with :func:`support.cwgan.models.learned.sample_learned` (:func:`learned_fields`),
scored on a set of pair classes, with or without the learned correction (the physics layers alone get
the same draws). Per temperature: the exact-map rate at the first try and after redraws, the mean
number of tries, the relative error of ``<E>/N``, the within-map spread ratios of E and |M|, and the
R² of ``<|M|>``, ``<E>``, ``Upsilon`` and ``chi`` versus pair distance, with the R² of one Monte Carlo
half against the other as the noise floor.

Temperatures are keyed by :func:`support.xy.dataset.temperature_key`.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

import numpy as np

from support import xy
from support.cwgan.evaluation.scores import observables_by_class, r2_by_observable
from support.cwgan.generator import generate, load_generator
from support.cwgan.models.learned import LearnedGenerator, sample_learned
from support.cwgan.models.unet import UNetGenerator
from support.cwgan.split import split_half_mask
from support.xy.dataset import temperature_key

#: the chapter's targets on held-out maps at the target temperature: (comparison, limit)
TARGETS = dict(charge_match_rate=(">=", 0.95), energy_rel_error=("<=", 0.02), magnetization_abs_error=("<=", 0.02),
               energy_std_ratio=("within", 0.25), magnetization_std_ratio=("within", 0.25))
#: what the per-epoch monitor records (paper Fig. 3)
MONITOR_KEYS = ("charge_match_rate", "vortices_gen", "vortices_mc", "magnetization_gen", "magnetization_mc",
                "energy_gen", "energy_mc", "energy_std_gen", "energy_std_mc")


def field_stats(theta: np.ndarray, charges: np.ndarray) -> dict[str, np.ndarray]:
    """Per-sample energy per site, |M|, exact-map match and number of vortices."""
    return dict(energy=xy.energy_per_site(theta), magnetization=xy.magnetization(theta),
                match=xy.matches_map(theta, charges), n_vortices=np.abs(xy.vortices(theta)).sum(axis=(-2, -1)))


def _pooled_std(x: np.ndarray, groups: np.ndarray) -> float:
    """``sqrt(mean within-group variance)``: 0 for a generator that returns one field per group."""
    x = np.asarray(x, np.float64) - np.mean(x)
    _, g = np.unique(groups, return_inverse=True)
    cnt = np.bincount(g)
    mean = np.bincount(g, weights=x) / cnt
    var = np.bincount(g, weights=x * x) / cnt - mean ** 2
    return float(np.sqrt(max(var.clip(min=0).mean(), 0.0)))


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def compare_groups(gen: dict, mc: dict, gen_groups: np.ndarray, mc_groups: np.ndarray) -> dict[str, float]:
    """Generated versus MC statistics (:func:`field_stats`) over groups of samples of one (map, T) each.

    Means are pooled over all samples; fluctuations are the within-group standard deviations
    pooled as ``sqrt(mean group variance)``, so a generator that returns one field per map has ratio 0.
    """
    e_gen, e_mc = float(gen["energy"].mean()), float(mc["energy"].mean())
    m_gen, m_mc = float(gen["magnetization"].mean()), float(mc["magnetization"].mean())
    e_std = _pooled_std(gen["energy"], gen_groups), _pooled_std(mc["energy"], mc_groups)
    m_std = _pooled_std(gen["magnetization"], gen_groups), _pooled_std(mc["magnetization"], mc_groups)
    return dict(
        charge_match_rate=float(gen["match"].mean()),
        energy_gen=e_gen, energy_mc=e_mc, energy_rel_error=float(abs(e_gen - e_mc) / abs(e_mc)),
        magnetization_gen=m_gen, magnetization_mc=m_mc, magnetization_abs_error=float(abs(m_gen - m_mc)),
        energy_std_gen=e_std[0], energy_std_mc=e_std[1], magnetization_std_gen=m_std[0], magnetization_std_mc=m_std[1],
        vortices_gen=float(gen["n_vortices"].mean()), vortices_mc=float(mc["n_vortices"].mean()),
        energy_std_ratio=_ratio(*e_std), magnetization_std_ratio=_ratio(*m_std),
    )


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
        ``{"by_T": {T key: metrics}, "generate_samples_per_second": float, "n_generated": int}``.
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
        by_T[temperature_key(t)] = compare_groups({k: v[g_sel] for k, v in gs.items()},
                                                  {k: v[m_sel] for k, v in ms.items()}, gen_groups[g_sel], groups[m_sel])
    return dict(by_T=by_T, generate_samples_per_second=len(gen_idx) / max(gen_seconds, 1e-9),
                n_generated=int(len(gen_idx)))


def monitor(monitor_data: dict[str, np.ndarray], seed: int) -> Callable[[UNetGenerator], dict[str, float]]:
    """A per-epoch monitor for :func:`support.cwgan.training.wgan.train_cwgan`: the :data:`MONITOR_KEYS` on one T."""
    def stats(generator: UNetGenerator) -> dict[str, float]:
        (m,) = evaluate_generator(generator, monitor_data, seed=seed)["by_T"].values()
        return {k: m[k] for k in MONITOR_KEYS}
    return stats


def summarize(evaluation: dict, target_T: float, train_seconds: float) -> dict[str, Any]:
    """The results-JSON entry of one variant: match rate per T, the rest at ``target_T``."""
    by_T = evaluation["by_T"]
    at = by_T[temperature_key(target_T)]
    keys = ("energy_rel_error", "magnetization_abs_error", "energy_std_ratio", "magnetization_std_ratio")
    return dict(charge_match_rate={t: m["charge_match_rate"] for t, m in by_T.items()},
                **{k: at[k] for k in keys}, target_T=float(target_T), train_seconds=float(train_seconds),
                generate_samples_per_second=float(evaluation["generate_samples_per_second"]), by_T=by_T)


def summarize_parts(generator: UNetGenerator, parts: dict[str, dict[str, np.ndarray]], *, target_T: float,
                    train_seconds: float, seed: int, batch_size: int = 256) -> dict[str, dict[str, Any]]:
    """:func:`summarize` of :func:`evaluate_generator` on each named part of the split (same seed for all)."""
    return {name: summarize(evaluate_generator(generator, part, seed=seed, batch_size=batch_size), target_T,
                            train_seconds) for name, part in parts.items()}


def summarize_trained(results: dict[str, dict], parts: dict[str, dict[str, np.ndarray]], *, target_T: float,
                      seed: int, batch_size: int = 256, device: Any = "cpu") -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`summarize_parts` of every trained variant, its generator rebuilt from its checkpoint.

    Args:
        results: ``{variant: result}`` as returned by :func:`support.cwgan.training.wgan.train_cwgan` (``checkpoint``
            and ``train_seconds`` are used).
        parts: named parts of the split, each scored with the same ``seed``.
        target_T, seed, batch_size: as in :func:`summarize_parts`.
        device: where the generators run.
    """
    return {v: summarize_parts(load_generator(r["checkpoint"], device=device), parts, target_T=target_T,
                               train_seconds=r["train_seconds"], seed=seed, batch_size=batch_size)
            for v, r in results.items()}


def training_rate(result: dict, training: dict) -> float:
    """Training samples per second of a :func:`~support.cwgan.training.wgan.train_cwgan` run: epochs × steps per epoch ×
    batch size × (critic steps + 1) samples (critic and generator batches) over its training seconds."""
    return (len(result["history"]) * training["steps_per_epoch"] * training["batch_size"] * (training["n_critic"] + 1)
            / max(result["train_seconds"], 1e-9))


def check_targets(summary: dict) -> dict[str, dict]:
    """Each target of the chapter: measured value, the target and whether it is met (at ``summary['target_T']``)."""
    at = summary["by_T"][temperature_key(summary["target_T"])]
    out = {}
    for key, (op, lim) in TARGETS.items():
        v = at[key]
        ok = v >= lim if op == ">=" else (v <= lim if op == "<=" else abs(v - 1) <= lim)
        out[key] = dict(value=v, target=f"{op} {lim}" if op != "within" else f"1 ± {lim}", met=bool(ok))
    return out


def choose_best_variant(summaries: dict[str, dict]) -> str | None:
    """The trained variant that meets most targets, ties broken by the exact-map match rate at the target T.

    Args:
        summaries: ``{variant: summarize(...)}`` of the trained variants on the *validation* maps (placements
            of training classes kept out of training for this choice; never an evaluation set).

    Returns:
        The variant's name (the first one listed on a complete tie), ``None`` without variants.
    """
    def score(v: str) -> tuple[int, float]:
        s = summaries[v]
        return (sum(c["met"] for c in check_targets(s).values()),
                s["by_T"][temperature_key(s["target_T"])]["charge_match_rate"])
    return max(summaries, key=score) if summaries else None


def targets_table(summaries: dict[str, dict], maps: str = "held-out maps") -> str:
    """Plain-text table: one row per target, one column per summary (value and ok/MISS), then the target."""
    checks = {v: check_targets(s) for v, s in summaries.items()}
    first = next(iter(checks.values()))
    T = next(iter(summaries.values()))["target_T"]
    lines = [f"T = {T}, {maps}" + "".join(f" | {v:>18s}" for v in summaries) + " | target"]
    for key in TARGETS:
        lines.append(f"{key:26s}" + "".join(f" | {checks[v][key]['value']:10.4f} {'ok ' if checks[v][key]['met'] else 'MISS'}   "
                                            for v in summaries) + f" | {first[key]['target']}")
    return "\n".join(lines)


def match_rate_table(summaries: dict[str, dict]) -> str:
    """Plain-text table of the exact-map match rate per temperature (rows) and summary (columns)."""
    temps = sorted(next(iter(summaries.values()))["charge_match_rate"])
    lines = ["T      " + "".join(f"{v:>20s}" for v in summaries)]
    lines += [f"{t:6s} " + "".join(f"{summaries[v]['charge_match_rate'][t]:20.3f}" for v in summaries) for t in temps]
    return "\n".join(lines)


#: the observables whose curves versus pair distance are scored
R2_OBSERVABLES = ("abs_m", "energy", "helicity", "chi")


def _r2(ref: np.ndarray, gen: np.ndarray, ref_classes: np.ndarray, gen_classes: np.ndarray, T: float) -> dict:
    return r2_by_observable(observables_by_class(ref, ref_classes, T), observables_by_class(gen, gen_classes, T),
                            R2_OBSERVABLES)


def _scores_at_T(theta: np.ndarray, tries: np.ndarray, mc: dict[str, np.ndarray], T: float, max_tries: int) -> dict:
    """Scores of generated fields ``theta`` (one per MC row of ``mc``) at one temperature."""
    classes, maps = mc["distance_class"], mc["map_id"]
    e_gen, e_mc = xy.energy_per_site(theta).mean(), xy.energy_per_site(mc["theta"]).mean()
    spread = compare_groups(field_stats(theta, mc["charges"]), field_stats(mc["theta"], mc["charges"]), maps, maps)
    half = split_half_mask(classes, mc["chain"])
    out = dict(first_try_rate=float(np.mean(tries == 1)), mean_tries=float(tries.mean()),
               match_rate=float(xy.matches_map(theta, mc["charges"]).mean()),
               exhausted_rate=float(np.mean(tries >= max_tries)),
               energy_gen=float(e_gen), energy_mc=float(e_mc), energy_rel_error=float((e_gen - e_mc) / abs(e_mc)),
               magnetization_abs_error=spread["magnetization_abs_error"],
               energy_std_ratio=spread["energy_std_ratio"], magnetization_std_ratio=spread["magnetization_std_ratio"])
    out["r2"] = _r2(mc["theta"], theta, classes, classes, T)
    out["r2_mc_halves"] = _r2(mc["theta"][half], mc["theta"][~half], classes[half], classes[~half], T)
    return out


def learned_fields(generator: LearnedGenerator, data: dict[str, np.ndarray], *, seed: int = 0,
                   use_correction: bool = True, temperatures: Iterable[float] | None = None,
                   batch_size: int = 256) -> dict[str, np.ndarray]:
    """One generated field per MC field of ``data`` (same map and T), with tries and the MC rows it answers.

    Returns:
        ``{"theta", "tries", "seconds"`` and the MC columns ``"mc_theta", "charges", "T", "map_id",
        "distance_class", "chain"}`` (rows at the chosen ``temperatures``, default all).
    """
    sel = np.ones(len(data["T"]), bool) if temperatures is None else np.isin(
        data["T"], np.asarray(list(temperatures), np.float32))
    out = {k: data[k][sel] for k in ("charges", "T", "map_id", "distance_class", "chain")}
    out["mc_theta"] = data["theta"][sel]
    t0 = time.perf_counter()
    out["theta"], out["tries"] = sample_learned(generator, out["charges"], out["T"], seed=seed, batch_size=batch_size,
                                                use_correction=use_correction)
    out["seconds"] = np.array(time.perf_counter() - t0)
    return out


def score_block(fields: dict[str, np.ndarray], classes: Iterable[int], max_tries: int) -> dict:
    """Scores of :func:`learned_fields` on the given pair classes: ``{"classes", "by_T": {T key: scores}}``."""
    classes = sorted(int(c) for c in classes)
    by_T = {}
    for t in np.unique(fields["T"]):
        m = (fields["T"] == t) & np.isin(fields["distance_class"], classes)
        if not m.any():
            raise ValueError(f"no fields of classes {classes} at T = {t}")
        mc = {k: fields[k][m] for k in ("charges", "map_id", "distance_class", "chain")}
        mc["theta"] = fields["mc_theta"][m]
        by_T[temperature_key(t)] = _scores_at_T(fields["theta"][m], fields["tries"][m], mc, float(t), max_tries)
    return dict(classes=classes, by_T=by_T)


def class_curves(fields: dict[str, np.ndarray], T: float) -> dict[str, dict[str, np.ndarray]]:
    """Observables versus pair class at one T, generated and MC: ``{"generated": table, "MC": table}``."""
    m = np.isclose(fields["T"], T)
    c = fields["distance_class"][m]
    return {"generated": observables_by_class(fields["theta"][m], c, T),
            "MC": observables_by_class(fields["mc_theta"][m], c, T)}


#: headline columns of a block at one temperature: (table name, score key, key inside it)
HEADLINE = (("first try", "first_try_rate", None), ("match", "match_rate", None), ("tries", "mean_tries", None),
            ("dE/N %", "energy_rel_error", None)) + tuple((f"R2 {k}", "r2", k) for k in R2_OBSERVABLES)


def headline(block: dict, T_key: str) -> dict[str, float]:
    """The headline numbers of a :func:`score_block` block at one temperature (``dE/N`` in percent)."""
    s = block["by_T"][T_key]
    row = {name: (s[key] if sub is None else s[key][sub]) for name, key, sub in HEADLINE}
    row["dE/N %"] *= 100
    return {k: float(v) for k, v in row.items()}


def seed_mean(blocks: dict[str, dict], names: Iterable[str], T_key: str) -> dict[str, dict[str, tuple[float, float]]]:
    """Mean and spread (max - min) over training seeds of each headline number: ``{part: {column: (mean, spread)}}``."""
    names = list(names)
    out = {}
    for part in blocks[names[0]]:
        rows = [headline(blocks[n][part], T_key) for n in names]
        out[part] = {k: (float(np.mean([r[k] for r in rows])), float(np.ptp([r[k] for r in rows]))) for k in rows[0]}
    return out


def learned_glue(summary: dict, T_key: str) -> dict[str, str]:
    """Prose numbers of chapter 02's learned-generator answer: seed means (unseen classes) and physics-only R²."""
    mean = {k: v[0] for k, v in summary["trained_seed_mean"]["unseen"].items()}
    physics = headline(summary["physics_only"]["unseen"], T_key)
    out = {"learned_first_try": f"{mean['first try']:.2f}", "learned_tries": f"{mean['tries']:.2f}",
           "learned_dE": f"{mean['dE/N %']:+.2f}", "learned_rms": f"{summary['correction_rms']:.3f}",
           "physics_dE": f"{physics['dE/N %']:+.2f}",
           "learned_seen_first_try": f"{summary['trained_seed_mean']['seen']['first try'][0]:.2f}",
           "learned_seen_tries": f"{summary['trained_seed_mean']['seen']['tries'][0]:.2f}",
           "learned_seen_r2_helicity": f"{summary['trained_seed_mean']['seen']['R2 helicity'][0]:.3f}",
           "learned_seen_r2_chi": f"{summary['trained_seed_mean']['seen']['R2 chi'][0]:.3f}"}
    for k in R2_OBSERVABLES:
        out[f"learned_r2_{k}"] = f"{mean[f'R2 {k}']:.3f}"
        out[f"physics_r2_{k}"] = f"{physics[f'R2 {k}']:.3f}"
    return out
