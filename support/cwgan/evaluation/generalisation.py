"""Every generator on every evaluation set: generate one field per Monte Carlo field, score, save.

A *variant* is any function ``(charges int8 (n, L, L), T (n,), seed) -> theta float32 (n, L, L)``: a
trained generator, the physics prior alone, or a baseline. The Monte Carlo noise floor (the set's
independent chains) is scored beside them as the row a perfect generator would match.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from support.cwgan.evaluation import scores as set_scores
from support.cwgan.evaluation import z_scores
from support.cwgan.evaluation.sets import in_training_distribution
from support.store.data import chunk_seed, save_npz
from support.xy.dataset import temperature_key

Variant = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
NOISE_FLOOR = "mc_noise_floor"


def generated_rows(reference: Mapping[str, np.ndarray], variant: Variant, seed: int) -> dict[str, np.ndarray]:
    """The reference rows with ``theta`` replaced by the variant's fields on the same maps and T."""
    theta = np.asarray(variant(reference["charges"], reference["T"], seed), np.float32)
    if theta.shape != reference["theta"].shape:
        raise ValueError(f"variant returned {theta.shape}, expected {reference['theta'].shape}")
    return {**reference, "theta": theta}


def score_variants(eval_set: Mapping[str, object], variants: Mapping[str, Variant], *, n_thresholds: int,
                   topo_fields: int, seed: int, conditions: Mapping[str, Mapping] | None = None
                   ) -> tuple[dict[str, dict], dict[str, np.ndarray], dict[str, float]]:
    """Scores of the noise floor and of every variant on one set.

    Every row gets :func:`~support.cwgan.evaluation.scores.score_set`'s scores, the z-scores of
    :func:`set_z_scores`, ``n_fields`` and ``in_training_distribution``: computed from the set's maps and
    ``conditions[variant]`` (the training conditions of the trained variants); a row without conditions
    (Monte Carlo, the non-learned baselines) was trained on nothing and reads ``False``.

    Returns:
        ``(scores {variant: scores}, fields {variant: theta}, seconds {variant: generation time})``.
    """
    ref = eval_set["reference"]
    thresholds = set_scores.set_thresholds(ref, n_thresholds)
    ref_summary = set_scores.summarize_set(ref, thresholds, topo_fields=topo_fields)
    rows = {NOISE_FLOOR: eval_set["noise_floor"]}
    seconds = {}
    for name, variant in variants.items():   # one seed for all: a residual variant and its prior draw alike
        t0 = time.perf_counter()
        rows[name] = generated_rows(ref, variant, chunk_seed(seed, 14))
        seconds[name] = time.perf_counter() - t0
    conditions = conditions or {}
    scores = {}
    for name, r in rows.items():
        scores[name] = set_scores.score_set(ref_summary, set_scores.summarize_set(r, thresholds, topo_fields=topo_fields))
        own = getattr(variants.get(name), "variance_factor", None)
        scores[name].update(set_z_scores(eval_set, r["theta"], is_mc=name == NOISE_FLOOR, own_factor=own),
                            n_fields=len(r["theta"]),
                            in_training_distribution=(name in conditions
                                                      and in_training_distribution(eval_set["maps"], conditions[name])))
    return scores, {name: r["theta"] for name, r in rows.items()}, seconds


def set_z_scores(eval_set: Mapping[str, object], theta: np.ndarray, *, is_mc: bool,
                 own_factor: Mapping[float, float] | None = None) -> dict[str, object]:
    """z-scores of ``theta`` (one field per reference field) against the set's reference, per temperature.

    Monte Carlo rows (reference, and the noise floor when ``is_mc``) carry the autocorrelation factor of
    their spacing (:func:`~support.cwgan.evaluation.z_scores.correlated_variance_factor`); a row of correlated
    chain states carries its own (``own_factor`` per temperature, e.g. :class:`ExactVariant`'s).

    Returns:
        ``{"z": {observable: z} at the lowest temperature, "z_by_T": {T: {observable: z}}, "z_within",
        "z_max", "n_z"}`` (the last three over every temperature and observable).
    """
    ref = eval_set["reference"]
    by_T = {}
    for t in set_scores.temperatures(ref):
        sel = np.isclose(ref["T"], t)
        spacing = eval_set["spacing"][t]
        factor = z_scores.correlated_variance_factor(spacing["tau_int"], spacing["spacing"])
        maps, N = ref["map"][sel], ref["theta"].shape[-1] * ref["theta"].shape[-2]
        reference = z_scores.set_estimate(z_scores.per_field(ref["theta"][sel], t), maps, t, N, factor)
        own = (own_factor or {}).get(t, factor if is_mc else 1.0)
        estimate = z_scores.set_estimate(z_scores.per_field(theta[sel], t), maps, t, N, own)
        by_T[temperature_key(t)] = z_scores.z_scores(estimate, reference)
    every = {f"{t}/{k}": v for t, z in by_T.items() for k, v in z.items()}
    return {"z": next(iter(by_T.values())), "z_by_T": by_T, **z_scores.summary(every)}


def save_set_fields(path: str | Path, eval_set: Mapping[str, object], fields: Mapping[str, np.ndarray]) -> None:
    """``theta_real``, ``charges``, ``T`` of the reference and ``theta_<variant>`` for every variant."""
    ref = eval_set["reference"]
    save_npz(path, theta_real=ref["theta"], charges=ref["charges"], T=ref["T"],
             distance_class=ref["distance_class"], n_pairs=ref["n_pairs"],
             **{f"theta_{name}": theta for name, theta in fields.items()})


def set_table(scores: Mapping[str, Mapping[str, object]], columns: list[str] | None = None):
    """A pandas DataFrame of one set's scores: one row per variant, one column per scalar score."""
    import pandas as pd

    frame = pd.DataFrame({name: {k: v for k, v in s.items() if np.isscalar(v)} for name, s in scores.items()}).T
    return frame[columns] if columns else frame


def generator_variant(generator, *, batch_size: int = 256) -> Variant:
    """A trained generator as a variant; a U-Net runs resized at another L (fully convolutional), the learned
    generator runs at any L it admits as it is."""
    from support.cwgan.generator import generate, resize_generator

    def draw(charges: np.ndarray, T: np.ndarray, seed: int) -> np.ndarray:
        same = getattr(generator, "L", None) in (None, charges.shape[-1])
        g = generator if same else resize_generator(generator, charges.shape[-1])
        if g is None:
            raise ValueError(f"the generator cannot run at L = {charges.shape[-1]}")
        return generate(g, charges, T, seed=seed, batch_size=batch_size)
    return draw


class ExactVariant:
    """The learned generator inside the exact chain (:func:`support.cwgan.exact.sample_exact`) as a variant.

    One chain per (map, T) of the reference rows: burn-in, then every ``thin``-th state, as many as the map has
    reference fields. Kept states of one chain are correlated: each call records per temperature the
    autocorrelation factor of the kept states (``variance_factor``, from the integrated autocorrelation time of
    E and |M| on each chain's full series, averaged over the maps), which :func:`set_z_scores` applies to this
    row as it does to Monte Carlo's.
    """

    def __init__(self, generator, *, thin: int = 10):
        if thin < 1:
            raise ValueError(f"thin must be >= 1, got {thin}")
        self.generator, self.thin, self.variance_factor = generator, int(thin), {}

    def __call__(self, charges: np.ndarray, T: np.ndarray, seed: int) -> np.ndarray:
        from support import xy
        from support.cwgan.evaluation.mc_reference import integrated_autocorrelation_time as iat
        from support.cwgan.exact import sample_exact

        out, taus = np.empty(charges.shape, np.float32), {}
        keys = [(charges[i].tobytes(), round(float(T[i]), 6)) for i in range(len(T))]
        for g, key in enumerate(dict.fromkeys(keys)):
            rows = [i for i, k in enumerate(keys) if k == key]
            theta, _ = sample_exact(self.generator, charges[rows[0]], key[1], len(rows) * self.thin,
                                    seed=chunk_seed(seed, 15, g))
            out[rows] = theta[self.thin - 1::self.thin]
            taus.setdefault(key[1], []).append(max(iat(xy.energy(theta)), iat(xy.magnetization(theta))))
        self.variance_factor = {t: z_scores.correlated_variance_factor(float(np.mean(v)), self.thin)
                                for t, v in taus.items()}
        return out


def baseline_variant(kind: str, **settings) -> Variant:
    """A non-learned baseline (``"villain"``, ``"grf"`` or ``"prior"``) as a variant."""
    from support.cwgan.models.baselines import baseline_fields

    return lambda charges, T, seed: baseline_fields(kind, charges, T, np.random.default_rng(seed), **settings)


PRIOR_BASED = ("prior", "prior_alone")   # variants that solve the fixed-map landscape of every new map


def variants_for_set(variants: Mapping[str, Variant], name: str, prior_sets: list[str]) -> dict[str, Variant]:
    """The variants scored on set ``name``: all, except the prior-based ones outside ``prior_sets`` (their
    per-map set-up grows steeply with the number of vortices and with L; the cost section measures it)."""
    return {v: f for v, f in variants.items() if v not in PRIOR_BASED or name in prior_sets}


def all_variants(generators: Mapping[str, object], *, prior: dict, grf_corr_length: float, grf_amplitude: float,
                 batch_size: int = 256) -> dict[str, Variant]:
    """The rows of every set's table: each trained generator, the physics prior alone, the T = 0 Villain
    field and the Gaussian random field (``prior``: the prior settings of the prior variant's checkpoint)."""
    return {**{name: generator_variant(g, batch_size=batch_size) for name, g in generators.items()},
            "prior_alone": baseline_variant("prior", prior=prior),
            "villain": baseline_variant("villain"),
            "grf": baseline_variant("grf", grf_corr_length=grf_corr_length, grf_amplitude=grf_amplitude)}


def paired_residual(eval_set: Mapping[str, object], fields: Mapping[str, np.ndarray], variant: str,
                    prior: str = "prior_alone") -> dict[str, float]:
    """What a residual generator adds to its prior, on the same prior draws (same seed, same maps).

    Returns the RMS of the wrapped angle difference (the learned residual) and, for ``<E>/N`` and
    ``<|M|>``, generator minus prior in units of the Monte Carlo noise floor: the standard error of the
    difference between the reference and the independent noise-floor set (fields independent, being
    ``2 τ_int`` apart on independent chains).
    """
    from support import xy

    out = {"rms_residual": float(np.sqrt(np.mean(xy.wrap_angle(fields[variant] - fields[prior]) ** 2)))}
    ref, floor = eval_set["reference"]["theta"], eval_set["noise_floor"]["theta"]
    for name, obs in (("energy", xy.energy_per_site), ("abs_m", xy.magnetization)):
        se = np.sqrt(obs(ref).var(ddof=1) / len(ref) + obs(floor).var(ddof=1) / len(floor))
        out[f"d_{name}_in_noise_floor"] = float((obs(fields[variant]).mean() - obs(fields[prior]).mean()) / se)
    return out


LABELS = {"learned": "The learned generator", "paper": "The paper U-Net", "prior": "The prior U-Net",
          "exact": "The exact chain (the learned generator inside Metropolis-Hastings)"}
Z_COLUMNS = {"energy": "z E/N", "abs_m": "z |M|", "helicity": "z Υ", "cv": "z C_v", "chi": "z χ"}


def z_table(set_scores: Mapping[str, Mapping[str, Mapping[str, object]]]):
    """A DataFrame with one row per (set, variant), the noise floor included: inside or outside the variant's
    training distribution, the number of fields, the z-scores at the set's lowest temperature, the z-scores
    within :data:`~support.cwgan.evaluation.z_scores.WITHIN` over every temperature, the largest |z| and the
    exact-map rate."""
    import pandas as pd

    rows = {(name, v): {"training distribution": "inside" if s["in_training_distribution"] else "outside",
                        "fields": s["n_fields"], **{c: s["z"][k] for k, c in Z_COLUMNS.items()},
                        "|z| <= 3": _within(s), "largest |z|": s["z_max"], "exact map": s["exact_map"]}
            for name, scores in set_scores.items() for v, s in scores.items()}
    return pd.DataFrame(rows).T.rename_axis(["set", "variant"]).infer_objects()


def score_tables(set_scores: Mapping[str, Mapping[str, Mapping[str, object]]]):
    """The paper's scores of every set in one DataFrame, one row per (set, variant) (lowest temperature)."""
    import pandas as pd

    skip = {"n_fields", "in_training_distribution", "z_within", "z_max", "n_z"}
    frames = {name: set_table(scores).drop(columns=list(skip), errors="ignore") for name, scores in set_scores.items()}
    return pd.concat(frames, names=["set", "variant"]).astype(float)


def _within(s: Mapping[str, object]) -> str:
    return f"{round(s['z_within'] * s['n_z'])}/{s['n_z']}"


def indistinguishable(scores: Mapping[str, object]) -> bool:
    """Every z-score of a row within :data:`~support.cwgan.evaluation.z_scores.WITHIN` and the exact map kept."""
    return bool(scores["z_within"] == 1.0 and scores["exact_map"] == 1.0)


def headline(set_scores: Mapping[str, Mapping[str, Mapping[str, object]]], variants: list[str]) -> dict[str, object]:
    """Numbers for the chapter's prose, per set and variant (noise floor included): z-scores within 3
    (``"k/n"``), the largest |z|, the exact-map rate, ``"inside"``/``"outside"`` the training distribution;
    "not scored" / NaN where the variant was not scored on the set."""
    out = {}
    for name, scores in set_scores.items():
        for v in [NOISE_FLOOR, *variants]:
            s = scores.get(v)
            out[f"{name}_{v}_z_within"] = _within(s) if s else "not scored"
            out[f"{name}_{v}_z_max"] = float(s["z_max"]) if s else float("nan")
            out[f"{name}_{v}_exact_map"] = float(s["exact_map"]) if s else float("nan")
            out[f"{name}_{v}_distribution"] = ("inside" if s["in_training_distribution"] else "outside") if s else "-"
    return out


def cost_table(costs: Mapping[str, Mapping[int, float | None]]):
    """A DataFrame of seconds per sample (rows: methods, columns: L) with each method's speed-up over MC."""
    import pandas as pd

    from support.cwgan.evaluation.cost import speedup_over_mc

    frame = pd.DataFrame({m: {f"L={L} s/sample": c for L, c in by_L.items()} for m, by_L in costs.items()}).T
    speedup = speedup_over_mc(costs)
    for L in costs["mc"]:
        frame[f"L={L} x faster than MC"] = [speedup.get(m, {}).get(L) if m != "mc" else 1.0 for m in frame.index]
    return frame
