"""The VAE's latent space: PCA of latent means, correlations with physical quantities, probes.

Latent arrays are flat, ``(n, d)`` (see :mod:`support.vae.inference`). The samplers of new
latents live in :mod:`support.vae.latent.sampling`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from support.metrics import r2
from support.vae.inference import encode

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


def _residual(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``y`` minus its least-squares fit on the columns of ``X`` (with intercept)."""
    A = np.column_stack([X, np.ones(len(X))])
    return y - A @ np.linalg.lstsq(A, y, rcond=None)[0]


def partial_correlation(x, y, given) -> float:
    """Pearson of ``x`` and ``y`` after the least-squares fit on ``given`` ``(n,)`` or ``(n, k)`` is removed from both.

    What is left of a correlation once a third quantity is held fixed (linearly): if ``x`` follows ``y`` only
    because both follow ``given``, it is about 0. NaN where nothing of ``x`` or ``y`` is left (a residual below
    1e-9 of its input's size is round-off, not a signal: e.g. ``D`` constant on the lattices, or ``x = given``).
    """
    x, y = (np.asarray(v, dtype=np.float64).ravel() for v in (x, y))
    z = np.asarray(given, dtype=np.float64).reshape(len(x), -1)
    left = [_residual(v, z) for v in (x, y)]
    if any(np.linalg.norm(r) <= 1e-9 * np.abs(v).max(initial=0.0) * np.sqrt(len(v)) for r, v in zip(left, (x, y))):
        return float("nan")
    return pearson(*left)


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
    return float(np.sqrt(np.clip(1.0 - np.sum(_residual(y, X) ** 2) / np.sum(yc ** 2), 0.0, 1.0)))


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
    return _cv_probe(X, targets, lambda n: RidgeCV(alphas=np.asarray(alphas, dtype=float)),
                     folds=folds, seed=seed, who="linear_probe")


def knn_probe(X: np.ndarray, targets: Mapping[str, np.ndarray], *, k: int = 10, folds: int = 5,
              seed: int = 0) -> dict[str, float]:
    """Cross-validated R² of a k-nearest-neighbour regression (standardised features) per target.

    The non-linear companion of :func:`linear_probe`: a high kNN R² with a low linear R² means
    the latent holds the quantity, but not along a straight direction (e.g. when the latent is
    dominated by the lattice's translation phase). Same folds and conventions as the linear probe.
    """
    if k < 1:
        raise ValueError(f"knn_probe: k must be >= 1, got {k}")
    return _cv_probe(X, targets, lambda n: KNeighborsRegressor(n_neighbors=min(k, n - 1)),
                     folds=folds, seed=seed, who="knn_probe")


# ----------------------------------------------------------------------------- the thesis's PC0 analysis


def pc0_analysis(model, x_train: np.ndarray, x_test: np.ndarray, targets: Mapping[str, np.ndarray], *,
                 threshold: float = 0.999, batch_size: int = 256) -> dict:
    """Encode train and test lattices, fit the PCA on the training means, correlate test PC0 with targets.

    Args:
        model: a trained VAE.
        x_train, x_test: spins ``(n, 3, L, L)``.
        targets: named per-test-lattice quantities (Q, Mz, D, B, defects).
        threshold: cumulative explained variance for ``components_for_threshold``.

    Returns:
        dict with ``mu_train``, ``logvar_train``, ``mu_test``, ``pca`` (see :func:`fit_pca`),
        ``scores_test`` (test means in PC coordinates) and ``pearson_pc0``.
    """
    mu_tr, lv_tr = encode(model, x_train, batch_size)
    mu_te, _ = encode(model, x_test, batch_size)
    pca = fit_pca(mu_tr, threshold=threshold)
    scores = pca["pca"].transform(mu_te)
    return {"mu_train": mu_tr, "logvar_train": lv_tr, "mu_test": mu_te, "pca": pca,
            "scores_test": scores, "pearson_pc0": pearson_table(scores[:, 0], targets)}


# ----------------------------------------------------------------------------- held-out scores


def pearson_interval(x, y, *, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Pearson coefficient with a percentile bootstrap interval (pairs resampled with replacement).

    Returns ``r``, ``low``, ``high`` (NaN where undefined, e.g. a constant input).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"pearson_interval: shapes differ, {x.shape} vs {y.shape}")
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    boots = np.array([pearson(x[i], y[i]) for i in idx])
    boots = boots[np.isfinite(boots)]
    lo, hi = (np.quantile(boots, [(1 - level) / 2, (1 + level) / 2]) if len(boots) else (np.nan, np.nan))
    return {"r": pearson(x, y), "low": float(lo), "high": float(hi)}


def quadratic_features(D, B) -> np.ndarray:
    """``(D, B, D², D B, B²)`` per lattice: what a regression on the phase point alone may use."""
    D = np.asarray(D, dtype=np.float64).ravel()
    B = np.asarray(B, dtype=np.float64).ravel()
    return np.stack([D, B, D * D, D * B, B * B], axis=1)


def heldout_probe(X_train: np.ndarray, targets_train: Mapping[str, np.ndarray], X_test: np.ndarray,
                  targets_test: Mapping[str, np.ndarray], *,
                  alphas: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3)) -> dict[str, float]:
    """R² on test rows of a ridge regression fitted on training rows only, per named target.

    Features are standardised with the training statistics; the ridge strength is chosen by
    leave-one-out on the training rows (``RidgeCV``). Nothing of the test rows enters the fit. A
    target constant on the test rows gets NaN.
    """
    X_train, X_test = np.asarray(X_train, dtype=np.float64), np.asarray(X_test, dtype=np.float64)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError(f"heldout_probe: need (n, d) train and test features, got {X_train.shape}, {X_test.shape}")
    out = {}
    for name, y in targets_train.items():
        y_test = np.asarray(targets_test[name], dtype=np.float64).ravel()
        model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.asarray(alphas, dtype=float)))
        model.fit(X_train, np.asarray(y, dtype=np.float64).ravel())
        out[name] = r2(y_test, model.predict(X_test)) if np.ptp(y_test) > 0 else float("nan")
    return out


def component_correlations(scores: np.ndarray, quantities: Mapping[str, np.ndarray],
                           n_components: int = 4) -> dict[str, list[float]]:
    """|Pearson| of each of the first ``n_components`` PCA scores ``(n, k)`` with each named quantity.

    What a principal component *is*: the quantity it follows best. The sign of a component is
    arbitrary, hence the absolute value.
    """
    scores = np.asarray(scores, dtype=np.float64)
    k = min(int(n_components), scores.shape[1])
    return {name: [abs(pearson(scores[:, j], v)) for j in range(k)] for name, v in quantities.items()}


def group_share(x, groups) -> float:
    """Share of the variance of ``x`` that the group means explain (the correlation ratio η²).

    1 when ``x`` is a function of the group, 0 when every group has the same mean; with ``groups`` =
    ``round(Q)`` it asks how far a quantity is set by the skyrmion count alone, linearly or not.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    g = np.asarray(groups).ravel()
    if x.shape != g.shape:
        raise ValueError(f"group_share: shapes differ, {x.shape} vs {g.shape}")
    if np.var(x) == 0:
        return float("nan")
    means = {v: x[g == v].mean() for v in np.unique(g)}
    return float(1.0 - np.var(x - np.array([means[v] for v in g])) / np.var(x))


def error_decomposition(mse, defects, D, B) -> dict[str, float]:
    """How much of the per-lattice reconstruction error the phase point explains, and what is left for defects.

    Within one set of lattices: ``r2_phase`` is the R² of the MSE on :func:`quadratic_features` of
    ``(D, B)``; ``r`` the Pearson(MSE, defects); ``r_given_phase`` the same after removing the
    quadratic in ``(D, B)`` from both (a partial correlation); ``defect_free`` the share of lattices
    with no defect. A descriptive, in-sample decomposition: the six coefficients are fitted on the set
    itself, so ``r2_phase`` of unrelated numbers is already about ``5 / (n − 1)`` (≈ 0.1 for 50 lattices).
    """
    mse, defects = (np.asarray(v, dtype=np.float64).ravel() for v in (mse, defects))
    phase = quadratic_features(D, B)
    if not len(mse) == len(defects) == len(phase):
        raise ValueError(f"error_decomposition: {len(mse)} errors, {len(defects)} defect counts, {len(phase)} points")
    left = _residual(mse, phase)
    return {"r": pearson(mse, defects), "r_given_phase": partial_correlation(mse, defects, phase),
            "r2_phase": float(1.0 - np.var(left) / np.var(mse)) if np.var(mse) > 0 else float("nan"),
            "defect_free": float(np.mean(defects == 0))}


def direction_correlation(scores_train: np.ndarray, y_train, scores_test: np.ndarray, y_test) -> float:
    """|Pearson| on test rows of the direction in score space fitted (least squares) to ``y`` on training rows.

    With the first two PCA scores this is the thesis's question "where does Q lie in the PC0–PC1
    plane", answered without choosing the direction on the data it is scored on.
    """
    A = np.column_stack([np.asarray(scores_train, dtype=np.float64), np.ones(len(scores_train))])
    coef = np.linalg.lstsq(A, np.asarray(y_train, dtype=np.float64).ravel(), rcond=None)[0]
    return abs(pearson(np.asarray(scores_test, dtype=np.float64) @ coef[:-1], y_test))


# ----------------------------------------------------------------------------- the thesis's error-defects statistic

#: Smallest number of lattices a defect count needs to enter the headline group-mean Pearson (fixed a priori:
#: a mean over one or two lattices is mostly that lattice's own noise, and such groups decide the coefficient).
MIN_GROUP_SIZE = 3


def group_mean_pearson(errors, counts, *, min_size: int = MIN_GROUP_SIZE) -> dict:
    """Pearson of a count with the mean error over the lattices of that count (the thesis's Table 3.3).

    The thesis correlates the defect count with the reconstruction error *averaged over the lattices of
    equal defect count*; this is not the per-lattice Pearson (:func:`pearson`), which also sees the spread
    inside each group. Only counts held by at least ``min_size`` lattices enter; NaN with fewer than three
    such counts (two points always lie on a line).

    Returns:
        ``r`` (NaN where undefined), and per kept count ``counts``, ``means`` and ``sizes`` (lists).
    """
    errors = np.asarray(errors, dtype=np.float64).ravel()
    counts = np.asarray(counts).ravel()
    if errors.shape != counts.shape:
        raise ValueError(f"group_mean_pearson: shapes differ, {errors.shape} vs {counts.shape}")
    if min_size < 1:
        raise ValueError(f"group_mean_pearson: min_size must be >= 1, got {min_size}")
    values, sizes = np.unique(counts, return_counts=True)
    keep = values[sizes >= min_size]
    means = np.array([errors[counts == v].mean() for v in keep])
    r = pearson(keep.astype(np.float64), means) if len(keep) >= 3 else float("nan")
    return {"r": r, "counts": keep.tolist(), "means": means.tolist(), "sizes": sizes[sizes >= min_size].tolist()}


def heldout_predictions(X_train: np.ndarray, y_train, X_test: np.ndarray, *,
                        alphas: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3)) -> np.ndarray:
    """Test-row predictions of the ridge of :func:`heldout_probe` (fitted on training rows only)."""
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.asarray(alphas, dtype=float)))
    model.fit(np.asarray(X_train, dtype=np.float64), np.asarray(y_train, dtype=np.float64).ravel())
    return model.predict(np.asarray(X_test, dtype=np.float64))


def skill_score(y_true, y_pred, y_baseline) -> float:
    """``1 − MSE(y_pred) / MSE(y_baseline)``: the share of the baseline's squared error that ``y_pred`` removes.

    Unlike a difference of R², it stays meaningful when the baseline is worse than the mean (negative R²):
    1 is perfect, 0 is no better than the baseline, negative is worse. NaN when the baseline is exact.
    """
    y_true, y_pred, y_baseline = (np.asarray(v, dtype=np.float64).ravel() for v in (y_true, y_pred, y_baseline))
    if not y_true.shape == y_pred.shape == y_baseline.shape:
        raise ValueError(f"skill_score: shapes differ, {y_true.shape}, {y_pred.shape}, {y_baseline.shape}")
    base = np.mean((y_true - y_baseline) ** 2)
    return float(1.0 - np.mean((y_true - y_pred) ** 2) / base) if base > 0 else float("nan")


def latent_probe_r2(model, x_fit: np.ndarray, y_fit, x_val: np.ndarray, y_val, batch_size: int = 256) -> float:
    """R² on ``x_val`` of a ridge probe of one quantity from latent means, fitted on the latents of ``x_fit``.

    Chapter 03 scores each KL weight's latent this way on its validation lattices (Q), never on test lattices.
    """
    mu_fit, _ = encode(model, x_fit, batch_size)
    mu_val, _ = encode(model, x_val, batch_size)
    return heldout_probe(mu_fit, {"y": y_fit}, mu_val, {"y": y_val})["y"]
