"""Samplers of new latents for the VAE's decoder, and the lattices they generate.

Four samplers (:data:`SAMPLERS`): the thesis's (mean posterior width around the mean latent),
the prior ``N(0, I)``, the aggregate posterior (near training latents) and a Gaussian mixture
fitted to training latent means. Samplers return ``(n, d)`` float32 arrays and take a numpy
``Generator`` (or a seed), so every draw is reproducible.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from scipy.stats import ks_2samp
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GroupKFold

from support.chiral.phases import lattice_statistics
from support.chiral.symmetry import to_canonical_frame
from support.vae.inference import decode_latents, unit_spins


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_mu_logvar(mu, logvar):
    mu = np.asarray(mu, dtype=np.float64)
    logvar = np.asarray(logvar, dtype=np.float64)
    if mu.ndim != 2 or mu.shape != logvar.shape or len(mu) == 0:
        raise ValueError(f"need matching non-empty (n, d) mu and logvar, got {mu.shape} and {logvar.shape}")
    return mu, logvar


def thesis_sampler(mu: np.ndarray, logvar: np.ndarray, n: int, rng=0) -> np.ndarray:
    """The thesis's sampler: ``z = mean(σ) ⊙ ε + mean(μ)``, ``ε ~ N(0, 1)``.

    ``mean(σ)`` and ``mean(μ)`` are per-dimension averages over the training set
    (``σ = exp(logvar / 2)``). When the posteriors are narrow compared with the spread of
    the means, this draws from a small ball around the *average* latent, which decodes to
    nearly the same (often featureless) lattice every time: the failure this chapter examines.
    """
    mu, logvar = _check_mu_logvar(mu, logvar)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    sigma = np.exp(0.5 * logvar).mean(axis=0)
    eps = _rng(rng).standard_normal((n, mu.shape[1]))
    return (eps * sigma + mu.mean(axis=0)).astype(np.float32)


def prior_sampler(d: int, n: int, rng=0) -> np.ndarray:
    """Draws from the VAE's prior ``N(0, I)`` in ``d`` dimensions (the textbook baseline)."""
    if d < 1 or n < 0:
        raise ValueError(f"prior_sampler: need d >= 1 and n >= 0, got d={d}, n={n}")
    return _rng(rng).standard_normal((n, d)).astype(np.float32)


def posterior_sampler(mu: np.ndarray, logvar: np.ndarray, n: int, rng=0, *, scale: float = 1.0) -> np.ndarray:
    """Sampling near training latents: draws from the aggregate posterior ``q(z) = ⟨q(z|x)⟩_train``.

    Pick a training lattice ``i`` uniformly, return ``μ_i + scale · σ_i ⊙ ε``. With
    ``scale = 1`` these are exactly the latents the decoder saw during training; new
    lattices come from the posterior noise (and, with ``scale > 1``, from wider moves).
    """
    mu, logvar = _check_mu_logvar(mu, logvar)
    if n < 0 or scale < 0:
        raise ValueError(f"posterior_sampler: need n >= 0 and scale >= 0, got n={n}, scale={scale}")
    g = _rng(rng)
    idx = g.integers(0, len(mu), size=n)
    eps = g.standard_normal((n, mu.shape[1]))
    return (mu[idx] + scale * np.exp(0.5 * logvar[idx]) * eps).astype(np.float32)


def fit_gmm(mu: np.ndarray, n_components: int = 8, *, logvar: np.ndarray | None = None,
            covariance_type: str = "full", draws_per_latent: int = 1, reg_covar: float = 1e-6, seed: int = 0):
    """Fit a Gaussian mixture to training latents (the improved sampler's density model).

    Args:
        mu: ``(n, d)`` training latent means.
        n_components: mixture components (capped at the number of fitting points).
        logvar: if given, fit the mixture to draws ``μ_i + σ_i ε`` of the posteriors (the
            aggregate posterior the decoder was trained on) instead of the bare means.
        covariance_type: scikit-learn covariance type (``"full"``, ``"diag"``, ...).
        draws_per_latent: posterior draws per training lattice when ``logvar`` is given.
        reg_covar: added to the covariance diagonals, relative to the mean latent variance
            (keeps components positive definite when d is large compared with n).
        seed: fixes initialisation and the posterior draws.

    Returns:
        The fitted ``sklearn.mixture.GaussianMixture``; draw with :func:`sample_gmm`.
    """
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"fit_gmm: need (n >= 2, d) latents, got shape {mu.shape}")
    if n_components < 1:
        raise ValueError(f"fit_gmm: n_components must be >= 1, got {n_components}")
    X = mu
    if logvar is not None:
        mu, logvar = _check_mu_logvar(mu, logvar)
        g = np.random.default_rng(seed)
        reps = max(int(draws_per_latent), 1)
        X = (np.repeat(mu, reps, axis=0)
             + np.exp(0.5 * np.repeat(logvar, reps, axis=0)) * g.standard_normal((len(mu) * reps, mu.shape[1])))
    scale = float(np.mean(np.var(X, axis=0))) or 1.0
    gmm = GaussianMixture(n_components=min(n_components, len(X)), covariance_type=covariance_type,
                          reg_covar=reg_covar * scale, random_state=seed, n_init=1, max_iter=200)
    return gmm.fit(X)


def select_gmm(mu: np.ndarray, groups: np.ndarray, *, components: Sequence[int] = (5, 10, 20, 40),
               covariance_types: Sequence[str] = ("spherical", "diag", "full"), folds: int = 5,
               seed: int = 0) -> dict:
    """Choose the mixture's size and covariance by held-out log-likelihood of training latents.

    Whole groups (phase points) are held out in each of ``folds`` folds, so a mixture is judged on
    latents of phase points it was not fitted to, as the test lattices will be. Only training
    latents enter: nothing of the test set chooses the sampler. In 64 dimensions a full covariance
    per component fitted to a few dozen latents overfits badly; the held-out likelihood shows it.

    Args:
        mu: ``(n, d)`` training latent means.
        groups: ``(n,)`` phase-point label of each latent.
        components, covariance_types: the candidates.
        folds: group folds (capped at the number of groups).
        seed: fixes the mixtures' initialisation.

    Returns:
        ``n_components``, ``covariance_type`` (the best candidate) and ``scores`` (mean held-out
        log-likelihood per latent, keyed ``"<covariance>:<components>"``).
    """
    mu, groups = np.asarray(mu, dtype=np.float64), np.asarray(groups).ravel()
    n_groups = len(np.unique(groups))
    if len(groups) != len(mu) or n_groups < 2:
        raise ValueError(f"select_gmm: need one group per latent and >= 2 groups, got {len(groups)} labels, "
                         f"{n_groups} groups for {len(mu)} latents")
    cv = GroupKFold(n_splits=min(int(folds), n_groups))
    scores = {}
    for cov in covariance_types:
        for k in components:
            fold_ll = [fit_gmm(mu[a], k, covariance_type=cov, seed=seed).score(mu[b])
                       for a, b in cv.split(mu, groups=groups)]
            scores[f"{cov}:{k}"] = float(np.mean(fold_ll))
    best = max(scores, key=scores.get)
    cov, k = best.split(":")
    return {"covariance_type": cov, "n_components": int(k), "scores": scores}


def sample_gmm(gmm, n: int, rng=0) -> np.ndarray:
    """``n`` draws from a fitted Gaussian mixture, reproducibly (float32 ``(n, d)``)."""
    if n < 0:
        raise ValueError(f"sample_gmm: n must be >= 0, got {n}")
    g = _rng(rng)
    d = gmm.means_.shape[1]
    comp = g.choice(len(gmm.weights_), size=n, p=gmm.weights_ / gmm.weights_.sum())
    eps = g.standard_normal((n, d))
    z = np.empty((n, d))
    ct = gmm.covariance_type
    for k in np.unique(comp):
        sel = comp == k
        if ct == "full":
            chol = np.linalg.cholesky(gmm.covariances_[k])
            z[sel] = gmm.means_[k] + eps[sel] @ chol.T
        elif ct == "tied":
            z[sel] = gmm.means_[k] + eps[sel] @ np.linalg.cholesky(gmm.covariances_).T
        elif ct == "diag":
            z[sel] = gmm.means_[k] + eps[sel] * np.sqrt(gmm.covariances_[k])
        else:  # spherical
            z[sel] = gmm.means_[k] + eps[sel] * np.sqrt(gmm.covariances_[k])
    return z.astype(np.float32)


SAMPLERS = ("thesis", "prior", "posterior", "gmm")


def draw_latents(kind: str, n: int, *, mu: np.ndarray, logvar: np.ndarray, rng=0, gmm=None,
                 posterior_scale: float = 1.0) -> np.ndarray:
    """One entry point for the samplers compared in chapter 05 (``kind`` in :data:`SAMPLERS`)."""
    if kind == "thesis":
        return thesis_sampler(mu, logvar, n, rng)
    if kind == "prior":
        return prior_sampler(np.shape(mu)[1], n, rng)
    if kind == "posterior":
        return posterior_sampler(mu, logvar, n, rng, scale=posterior_scale)
    if kind == "gmm":
        if gmm is None:
            raise ValueError("draw_latents: kind='gmm' needs a fitted mixture (fit_gmm)")
        return sample_gmm(gmm, n, rng)
    raise ValueError(f"draw_latents: unknown sampler {kind!r}; choose one of {SAMPLERS}")


def generate(model, kinds: Sequence[str], n: int, *, mu: np.ndarray, logvar: np.ndarray,
             seed: int = 0, gmm_components: int = 8,
             gmm_covariance: str = "full", gmm_on_posterior: bool = False, posterior_scale: float = 1.0,
             batch_size: int = 256) -> dict[str, dict]:
    """Draw ``n`` latents with each sampler in ``kinds``, decode them and measure Q, Mz and defects.

    Every sampler gets its own seed derived from ``seed`` and its position in :data:`SAMPLERS`,
    so adding or removing one leaves the others' draws unchanged.

    Returns:
        ``{kind: {"z", "spins", "Q", "Mz", "n_skyrmions", "n_defects", "n_elongated"}}`` (see
        :func:`support.chiral.phases.lattice_statistics`).
    """
    bad = [k for k in kinds if k not in SAMPLERS]
    if bad:
        raise ValueError(f"generate: unknown samplers {bad}; choose from {SAMPLERS}")
    gmm = None
    if "gmm" in kinds:
        gmm = fit_gmm(mu, gmm_components, logvar=logvar if gmm_on_posterior else None,
                      covariance_type=gmm_covariance, seed=seed)
    out = {}
    for kind in kinds:
        rng = np.random.default_rng([int(seed), SAMPLERS.index(kind)])
        z = draw_latents(kind, n, mu=mu, logvar=logvar, rng=rng, gmm=gmm, posterior_scale=posterior_scale)
        spins = decode_latents(model, z, batch_size)
        # the statistics see unit_spins(spins), as every ensemble of support.vae.evaluation.reconstruction does
        out[kind] = {"z": z, "spins": spins, **lattice_statistics(unit_spins(spins))}
    return out


def summarize(stats: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Means of the lattice statistics of one ensemble (for the samplers-versus-test table)."""
    def m(k):
        return float(np.mean(stats[k])) if len(stats[k]) else float("nan")

    return {"mean_defects": m("n_defects"), "mean_Q": m("Q"), "mean_abs_Q": float(np.mean(np.abs(stats["Q"]))),
            "mean_Mz": m("Mz"), "mean_skyrmions": m("n_skyrmions"),
            "defects_per_skyrmion": float(np.sum(stats["n_defects"]) / max(np.sum(stats["n_skyrmions"]), 1)),
            "std_Q": float(np.std(stats["Q"])), "std_Mz": float(np.std(stats["Mz"]))}


# ----------------------------------------------------------------------------- are they new, and like the test set?


def canonical(spins: np.ndarray, dmi: str = "neel", batch_size: int = 256) -> np.ndarray:
    """Spins ``(n, 3, L, L)`` moved into their canonical frame (:mod:`support.chiral.symmetry`), float32 numpy."""
    parts = [to_canonical_frame(torch.from_numpy(np.ascontiguousarray(spins[i:i + batch_size], np.float32)), dmi)[0]
             .numpy() for i in range(0, len(spins), batch_size)]
    return np.concatenate(parts) if parts else np.zeros_like(spins, dtype=np.float32)


def nearest_distance(candidates: np.ndarray, reference: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """RMS spin difference ``sqrt(mean |S - S'|²)`` of each candidate to its nearest reference lattice, ``(n,)``.

    Compare lattices in the canonical frame (:func:`canonical`): two copies of one lattice at other
    positions are then at distance ~0. A sampler that copies training lattices gives generated
    lattices much closer to the training set than held-out test lattices are.
    """
    from support.vae.latent.novelty import pairwise_distance

    return pairwise_distance(candidates, reference, batch_size).min(axis=1)


def ks_distance(a, b) -> float:
    """Two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs."""
    return float(ks_2samp(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)).statistic)
