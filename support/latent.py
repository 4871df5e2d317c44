"""The VAE's latent space: latent means, PCA, correlations, linear probes and latent samplers.

Latent arrays here are flat, ``(n, d)``; :func:`encode_latents` flattens whatever shape the
encoder returns and :func:`decode_latents` restores it, so a convolutional (spatial) latent and a
vector latent are handled alike. Samplers return ``(n, d)`` float32 arrays and take a numpy
``Generator`` (or a seed) so that every draw is reproducible.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

# ----------------------------------------------------------------------------- encode / decode


def encode_latents(model, spins: np.ndarray, *, batch_size: int = 256):
    """Latent means and log-variances of ``spins`` ``(n, 3, L, L)``, flattened to ``(n, d)``.

    Uses ``support.training.vae.encode_dataset`` (the trainer's own batching and device
    handling). Returns ``(mu, logvar, latent_shape)`` where ``latent_shape`` is the per-sample
    shape the decoder expects (pass it to :func:`decode_latents`).
    """
    from support.training.vae import encode_dataset

    spins = np.asarray(spins, dtype=np.float32)
    if spins.ndim != 4:
        raise ValueError(f"encode_latents: spins must be (n, C, L, L), got shape {spins.shape}")
    out = encode_dataset(model, spins, batch_size)
    mu, logvar = (np.asarray(_to_numpy(a), dtype=np.float32) for a in out)
    shape = tuple(mu.shape[1:])
    return mu.reshape(len(mu), -1), logvar.reshape(len(logvar), -1), shape


def decode_latents(model, z: np.ndarray, latent_shape: Sequence[int] | None = None, *,
                   batch_size: int = 256, normalize: bool = True) -> np.ndarray:
    """Decode flat latents ``z`` ``(n, d)`` into spin fields ``(n, 3, L, L)`` (float32).

    Args:
        model: a VAE with ``decode(z)``.
        z: latent vectors; reshaped to ``(n, *latent_shape)`` before decoding.
        latent_shape: per-sample latent shape (from :func:`encode_latents`); ``None`` keeps ``(d,)``.
        batch_size: decoding batch size.
        normalize: rescale every decoded spin to unit length. The decoder's output is not
            exactly normalised, and the physics (energy, skyrmion threshold ``S^z < -0.8``,
            defects) is defined for unit spins.
    """
    import torch

    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2:
        raise ValueError(f"decode_latents: z must be (n, d), got shape {z.shape}")
    shape = tuple(latent_shape) if latent_shape is not None else (z.shape[1],)
    if int(np.prod(shape)) != z.shape[1]:
        raise ValueError(f"decode_latents: latent_shape {shape} does not hold d = {z.shape[1]}")
    try:
        dev = next(model.parameters()).device
    except (AttributeError, StopIteration):
        dev = torch.device("cpu")
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    parts = []
    with torch.no_grad():
        for s in range(0, len(z), batch_size):
            zb = torch.from_numpy(z[s:s + batch_size].reshape(-1, *shape)).to(dev)
            parts.append(model.decode(zb).float().cpu().numpy())
    if was_training:
        model.train()
    x = np.concatenate(parts) if parts else np.zeros((0,), np.float32)
    return unit_spins(x) if normalize else x.astype(np.float32)


def unit_spins(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rescale channels-first vectors ``(..., 3, L, L)`` to unit length (float32)."""
    x = np.asarray(x, dtype=np.float32)
    norm = np.sqrt(np.sum(x * x, axis=-3, keepdims=True))
    return (x / np.maximum(norm, eps)).astype(np.float32)


def _to_numpy(a):
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.asarray(a)


# ----------------------------------------------------------------------------- PCA and correlations


def fit_pca(mu_fit: np.ndarray, *, threshold: float = 0.999, seed: int = 0) -> dict:
    """Principal components of latent means (scikit-learn, all components kept).

    Args:
        mu_fit: ``(n, d)`` latent means the PCA is fitted on (e.g. the training set).
        threshold: cumulative explained variance to count components for (thesis: 0.999).
        seed: for the randomised solver if scikit-learn picks one.

    Returns:
        dict with ``pca`` (the fitted ``sklearn.decomposition.PCA``), ``explained_variance_ratio``,
        ``cumulative`` and ``components_for_threshold`` (smallest k with cumulative ≥ threshold).
    """
    from sklearn.decomposition import PCA

    mu_fit = np.asarray(mu_fit, dtype=np.float64)
    if mu_fit.ndim != 2 or len(mu_fit) < 2:
        raise ValueError(f"fit_pca: need (n >= 2, d) latent means, got shape {mu_fit.shape}")
    if not 0 < threshold <= 1:
        raise ValueError(f"fit_pca: threshold must be in (0, 1], got {threshold}")
    pca = PCA(n_components=min(mu_fit.shape), svd_solver="full", random_state=seed).fit(mu_fit)
    evr = pca.explained_variance_ratio_
    cum = np.cumsum(evr)
    # round-off can leave the last cumulative value a hair below 1
    k = int(np.searchsorted(cum, threshold - 1e-12) + 1)
    return {"pca": pca, "explained_variance_ratio": evr, "cumulative": cum,
            "components_for_threshold": min(k, len(evr))}


def pearson(x, y) -> float:
    """Pearson correlation coefficient; NaN when either input is constant (undefined)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"pearson: shapes differ, {x.shape} vs {y.shape}")
    if len(x) < 2:
        return float("nan")
    xc, yc = x - x.mean(), y - y.mean()
    den = np.sqrt(np.sum(xc * xc) * np.sum(yc * yc))
    if den == 0 or not np.isfinite(den):
        return float("nan")
    return float(np.clip(np.sum(xc * yc) / den, -1.0, 1.0))


def pearson_table(x, targets: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Pearson coefficient of ``x`` (e.g. PC0) with each named target (Q, Mz, D, B, defects)."""
    return {name: pearson(x, v) for name, v in targets.items()}


def multiple_correlation(X, y) -> float:
    """The largest Pearson correlation of ``y`` with a linear combination of the columns of ``X`` ``(n, k)``.

    It is the square root of the least-squares R² of ``y`` on ``X`` (with intercept); for
    uncorrelated columns (e.g. PCA scores) it is ``sqrt(sum_k r_k²)``. NaN for a constant ``y``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    X = X.reshape(len(X), -1)
    if len(X) != len(y):
        raise ValueError(f"multiple_correlation: {len(X)} rows of X but {len(y)} values of y")
    yc = y - y.mean()
    if not np.any(yc):
        return float("nan")
    Xc = X - X.mean(axis=0)
    coef = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    return float(np.sqrt(np.clip(1.0 - np.sum((yc - Xc @ coef) ** 2) / np.sum(yc ** 2), 0.0, 1.0)))


def correlation_matrix(values: Mapping[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Pairwise Pearson matrix among named quantities (e.g. D, Q, Mz); NaN where undefined."""
    names = list(values)
    m = np.array([[pearson(values[a], values[b]) for b in names] for a in names])
    return names, m


def linear_fit(x, y) -> dict:
    """Least-squares line ``y = slope x + intercept`` with its R² (NaN slope for < 2 distinct x)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"linear_fit: shapes differ, {x.shape} vs {y.shape}")
    if len(np.unique(x)) < 2:
        return {"slope": float("nan"), "intercept": float("nan"), "r2": float("nan")}
    slope, intercept = np.polyfit(x, y, 1)
    res = y - (slope * x + intercept)
    ss_tot = np.sum((y - y.mean()) ** 2)
    r2 = float(1 - np.sum(res ** 2) / ss_tot) if ss_tot > 0 else float("nan")
    return {"slope": float(slope), "intercept": float(intercept), "r2": r2}


def mean_per_group(x, groups) -> dict:
    """Mean, standard deviation and count of ``x`` for each distinct value of ``groups``.

    Used for the thesis's mean PC0 per topological charge (Picture 3.16): ``groups`` is
    ``round(Q)``. Returns ``group``, ``mean``, ``std``, ``count`` arrays sorted by group,
    and ``fit``: a linear fit of the group means against the group values.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    g = np.asarray(groups).ravel()
    if x.shape != g.shape:
        raise ValueError(f"mean_per_group: shapes differ, {x.shape} vs {g.shape}")
    values = np.unique(g)
    mean = np.array([x[g == v].mean() for v in values])
    std = np.array([x[g == v].std() for v in values])
    count = np.array([np.sum(g == v) for v in values])
    return {"group": values, "mean": mean, "std": std, "count": count,
            "fit": linear_fit(values.astype(np.float64), mean)}


# ----------------------------------------------------------------------------- linear probe


def _cv_probe(X: np.ndarray, targets: Mapping[str, np.ndarray], make_model, *, folds: int, seed: int,
              who: str) -> dict[str, float]:
    """Out-of-fold R² per target of ``make_model(n_train)`` on standardised features (shuffled K-fold)."""
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from support.metrics import r2

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{who}: X must be (n, d), got shape {X.shape}")
    if folds < 2 or len(X) < 2 * folds:
        raise ValueError(f"{who}: need folds >= 2 and at least 2 samples per fold (n = {len(X)}, folds = {folds})")
    cv = KFold(n_splits=folds, shuffle=True, random_state=seed)
    n_train = len(X) - len(X) // folds  # the smallest training fold
    out = {}
    for name, y in targets.items():
        y = np.asarray(y, dtype=np.float64).ravel()
        if len(y) != len(X):
            raise ValueError(f"{who}: target {name!r} has {len(y)} values for {len(X)} samples")
        if np.ptp(y) == 0:
            out[name] = float("nan")
            continue
        model = make_pipeline(StandardScaler(), make_model(n_train))
        out[name] = r2(y, cross_val_predict(model, X, y, cv=cv))
    return out


def linear_probe(X: np.ndarray, targets: Mapping[str, np.ndarray], *, folds: int = 5, seed: int = 0,
                 alphas: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3)) -> dict[str, float]:
    """Cross-validated R² of a ridge regression from latent means to each target.

    The features are standardised and the ridge strength is chosen by an inner
    leave-one-out search (``RidgeCV``) on each training fold, so the reported R² is
    out-of-sample: ``folds``-fold shuffled K-fold, R² of the pooled out-of-fold predictions.
    A target that is constant gets NaN.
    """
    from sklearn.linear_model import RidgeCV

    return _cv_probe(X, targets, lambda n: RidgeCV(alphas=np.asarray(alphas, dtype=float)),
                     folds=folds, seed=seed, who="linear_probe")


def knn_probe(X: np.ndarray, targets: Mapping[str, np.ndarray], *, k: int = 10, folds: int = 5,
              seed: int = 0) -> dict[str, float]:
    """Cross-validated R² of a k-nearest-neighbour regression (standardised features) per target.

    The non-linear companion of :func:`linear_probe`: a high kNN R² with a low linear R² means
    the latent holds the quantity, but not along a straight direction (e.g. when the latent is
    dominated by the lattice's translation phase). Same folds and conventions as the linear probe.
    """
    from sklearn.neighbors import KNeighborsRegressor

    if k < 1:
        raise ValueError(f"knn_probe: k must be >= 1, got {k}")
    return _cv_probe(X, targets, lambda n: KNeighborsRegressor(n_neighbors=min(k, n - 1)),
                     folds=folds, seed=seed, who="knn_probe")


# ----------------------------------------------------------------------------- samplers


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
    from sklearn.mixture import GaussianMixture

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


# ----------------------------------------------------------------------------- chapter-level helpers


def pc0_analysis(model, x_train: np.ndarray, x_test: np.ndarray, targets: Mapping[str, np.ndarray], *,
                 threshold: float = 0.999, batch_size: int = 256) -> dict:
    """Encode train and test lattices, fit the PCA on the training means, correlate test PC0 with targets.

    Args:
        model: a trained VAE.
        x_train, x_test: spins ``(n, 3, L, L)``.
        targets: named per-test-lattice quantities (Q, Mz, D, B, defects).
        threshold: cumulative explained variance for ``components_for_threshold``.

    Returns:
        dict with ``mu_train``, ``logvar_train``, ``mu_test``, ``latent_shape``, ``pca`` (see
        :func:`fit_pca`), ``scores_test`` (test means in PC coordinates) and ``pearson_pc0``.
    """
    mu_tr, lv_tr, shape = encode_latents(model, x_train, batch_size=batch_size)
    mu_te, _, _ = encode_latents(model, x_test, batch_size=batch_size)
    pca = fit_pca(mu_tr, threshold=threshold)
    scores = pca["pca"].transform(mu_te)
    return {"mu_train": mu_tr, "logvar_train": lv_tr, "mu_test": mu_te, "latent_shape": shape, "pca": pca,
            "scores_test": scores, "pearson_pc0": pearson_table(scores[:, 0], targets)}


def generate(model, kinds: Sequence[str], n: int, *, mu: np.ndarray, logvar: np.ndarray,
             latent_shape: Sequence[int] | None = None, seed: int = 0, gmm_components: int = 8,
             gmm_covariance: str = "full", gmm_on_posterior: bool = False, posterior_scale: float = 1.0,
             batch_size: int = 256) -> dict[str, dict]:
    """Draw ``n`` latents with each sampler in ``kinds``, decode them and measure Q, Mz and defects.

    Every sampler gets its own seed derived from ``seed`` and its position in :data:`SAMPLERS`,
    so adding or removing one leaves the others' draws unchanged.

    Returns:
        ``{kind: {"z", "spins", "Q", "Mz", "n_skyrmions", "defects"}}``.
    """
    from support.vae_eval import lattice_stats

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
        spins = decode_latents(model, z, latent_shape, batch_size=batch_size)
        out[kind] = {"z": z, "spins": spins, **lattice_stats(spins)}
    return out


def summarize(stats: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Means of the lattice statistics of one ensemble (for the samplers-versus-test table)."""
    def m(k):
        return float(np.mean(stats[k])) if len(stats[k]) else float("nan")

    return {"mean_defects": m("defects"), "mean_Q": m("Q"), "mean_abs_Q": float(np.mean(np.abs(stats["Q"]))),
            "mean_Mz": m("Mz"), "mean_skyrmions": m("n_skyrmions"),
            "defects_per_skyrmion": float(np.sum(stats["defects"]) / max(np.sum(stats["n_skyrmions"]), 1)),
            "std_Q": float(np.std(stats["Q"])), "std_Mz": float(np.std(stats["Mz"]))}
