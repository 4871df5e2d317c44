"""Tests for support.vae.latent.analysis: PCA, correlations, group means, linear and kNN probes, PC0 analysis."""

import numpy as np
import pytest

from support.vae.latent import analysis as lt


def _low_rank(n=500, d=12, variances=(9.0, 4.0, 1.0), noise=1e-4, seed=0):
    """Latents of known structure: len(variances) orthogonal directions plus tiny isotropic noise."""
    g = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(g.standard_normal((d, d)))
    coeff = g.standard_normal((n, len(variances))) * np.sqrt(variances)
    X = coeff @ basis[:, :len(variances)].T + noise * g.standard_normal((n, d)) + 3.0
    return X, coeff


def test_pca_recovers_known_structure():
    X, coeff = _low_rank()
    res = lt.fit_pca(X, threshold=0.999)
    evr = res["explained_variance_ratio"]
    # the basis is orthonormal, so the PCA spectrum is that of the coefficients' sample covariance
    # (noise adds 1e-8 per dimension)
    v = np.sort(np.linalg.eigvalsh(np.cov(coeff.T)))[::-1]
    assert np.allclose(evr[:3], v / v.sum(), atol=1e-6)
    assert res["components_for_threshold"] == 3
    assert np.isclose(res["cumulative"][-1], 1.0)
    pc = res["pca"].transform(X)
    # PC0 is the highest-variance direction up to sign
    assert abs(lt.pearson(pc[:, 0], coeff[:, 0])) > 0.999
    assert abs(lt.pearson(pc[:, 0], coeff[:, 2])) < 0.2


def test_components_for_threshold_counts_exactly():
    # variances 0.9, 0.0999, 0.0001 of the total: 2 components give 0.9999 >= 0.999, 1 gives 0.9 < 0.999
    X, _ = _low_rank(variances=(9000.0, 999.0, 1.0), noise=0.0)
    assert lt.fit_pca(X, threshold=0.999)["components_for_threshold"] == 2
    assert lt.fit_pca(X, threshold=0.5)["components_for_threshold"] == 1
    with pytest.raises(ValueError):
        lt.fit_pca(X, threshold=1.5)


def test_pearson_exact_and_degenerate():
    x = np.arange(10.0)
    assert lt.pearson(x, 3 * x + 1) == pytest.approx(1.0)
    assert lt.pearson(x, -x) == pytest.approx(-1.0)
    # a symmetric parabola is uncorrelated with its centred argument
    assert lt.pearson(x - 4.5, (x - 4.5) ** 2) == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(lt.pearson(x, np.ones(10)))
    tab = lt.pearson_table(x, {"a": x, "b": -2 * x})
    assert tab == pytest.approx({"a": 1.0, "b": -1.0})
    names, m = lt.correlation_matrix({"a": x, "b": x ** 2})
    assert names == ["a", "b"] and np.allclose(np.diag(m), 1.0) and m[0, 1] == pytest.approx(m[1, 0])


def _orthogonal_columns(n=60, k=3, seed=4):
    """A column ``z`` and ``k`` unit columns orthogonal to the constant, to ``z`` and to each other."""
    g = np.random.default_rng(seed)
    cols, _ = np.linalg.qr(np.column_stack([np.ones(n), g.standard_normal((n, k + 1))]))
    return cols[:, 1], [cols[:, 2 + j] for j in range(k)]


def test_partial_correlation_removes_a_common_cause():
    z, (e1, e2, _) = _orthogonal_columns()
    x, y = 3 * z + e1, 3 * z + e2                 # correlated only through z
    assert lt.pearson(x, y) == pytest.approx(0.9, abs=1e-12)   # 9 / (9 + 1)
    assert lt.partial_correlation(x, y, z) == pytest.approx(0.0, abs=1e-12)
    # the same residual on both sides: 1; opposite residuals: -1, though x and y rise together
    assert lt.partial_correlation(z + e1, 2 * z + e1, z) == pytest.approx(1.0, abs=1e-12)
    assert lt.pearson(3 * z + e1, 3 * z - e1) > 0.7
    assert lt.partial_correlation(3 * z + e1, 3 * z - e1, z) == pytest.approx(-1.0, abs=1e-12)


def test_partial_correlation_given_a_constant_or_several_columns():
    z, (e1, e2, e3) = _orthogonal_columns()
    x, y = z + e1 + e2, z + e1 + e3
    assert lt.partial_correlation(x, y, np.ones_like(z)) == pytest.approx(lt.pearson(x, y), abs=1e-12)
    assert lt.partial_correlation(x, y, np.column_stack([z, e1])) == pytest.approx(0.0, abs=1e-12)
    assert lt.partial_correlation(x, y, z) == pytest.approx(0.5, abs=1e-12)   # e1·e1 / |e1 + e2| |e1 + e3|
    assert np.isnan(lt.partial_correlation(z, y, z))   # nothing of x is left once z is removed


def test_multiple_correlation_of_uncorrelated_columns():
    rng = np.random.default_rng(3)
    # orthonormal columns orthogonal to the constant: centred and exactly uncorrelated (like PCA scores)
    cols, _ = np.linalg.qr(np.column_stack([np.ones(500), rng.standard_normal((500, 3))]))
    x1, x2, noise = cols[:, 1], cols[:, 2], cols[:, 3]
    y = 3.0 * x1 - 2.0 * x2 + 1.5 * noise
    r1, r2 = lt.pearson(x1, y), lt.pearson(x2, y)
    assert lt.multiple_correlation(np.column_stack([x1, x2]), y) == pytest.approx(np.hypot(r1, r2), abs=1e-12)
    assert lt.multiple_correlation(np.column_stack([x1, x2]), y) == pytest.approx(np.sqrt(13 / 15.25), abs=1e-12)
    assert lt.multiple_correlation(x1[:, None], 4.0 * x1 + 1.0) == pytest.approx(1.0)
    assert np.isnan(lt.multiple_correlation(x1[:, None], np.ones(500)))
    with pytest.raises(ValueError, match="rows"):
        lt.multiple_correlation(np.zeros((3, 2)), np.zeros(4))


def test_mean_per_group_and_fit():
    q = np.array([-2, -2, -1, -1, -1, 0])
    x = np.array([4.0, 6.0, 2.0, 3.0, 4.0, 0.0])
    res = lt.mean_per_group(x, q)
    assert list(res["group"]) == [-2, -1, 0]
    assert np.allclose(res["mean"], [5.0, 3.0, 0.0])
    assert list(res["count"]) == [2, 3, 1]
    fit = lt.linear_fit([0, 1, 2], [1, 3, 5])
    assert fit["slope"] == pytest.approx(2.0) and fit["intercept"] == pytest.approx(1.0) and fit["r2"] == pytest.approx(1.0)
    assert np.isnan(lt.linear_fit([1, 1], [0, 2])["slope"])


def test_linear_probe_linear_target_and_noise():
    g = np.random.default_rng(1)
    X = g.standard_normal((400, 8))
    y_lin = X @ g.standard_normal(8) + 0.01 * g.standard_normal(400)
    y_noise = g.standard_normal(400)
    r = lt.linear_probe(X, {"lin": y_lin, "noise": y_noise, "const": np.ones(400)}, folds=5, seed=0)
    assert r["lin"] > 0.99
    # out-of-sample R² of pure noise is ~ -d/n; a leak (in-sample fit) would give ~ +d/n
    assert -0.1 < r["noise"] < 0.05
    assert np.isnan(r["const"])
    with pytest.raises(ValueError):
        lt.linear_probe(X[:5], {"lin": y_lin[:5]}, folds=5)


def test_knn_probe_sees_nonlinear_structure_linear_probe_misses():
    # y = |z|² on a 2-D latent: no linear information (symmetric), fully recoverable non-linearly
    g = np.random.default_rng(5)
    X = g.uniform(-1, 1, size=(1500, 2))
    y = np.sum(X ** 2, axis=1)
    assert lt.linear_probe(X, {"y": y})["y"] < 0.05
    assert lt.knn_probe(X, {"y": y}, k=10)["y"] > 0.9
    assert lt.knn_probe(X, {"n": g.standard_normal(1500)})["n"] < 0.05


def test_pc0_analysis_with_tiny_vae():
    torch = pytest.importorskip("torch")
    from support.vae.model import ResidualVAE

    torch.manual_seed(0)
    model = ResidualVAE(L=8, widths=(4, 8), latent_dim=6).eval()
    g = np.random.default_rng(0)
    x = g.standard_normal((30, 3, 8, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = g.standard_normal(10)
    ana = lt.pc0_analysis(model, x[:20], x[20:], {"Q": q}, batch_size=7)
    assert ana["mu_train"].shape == (20, 6) and ana["scores_test"].shape == (10, 6)
    assert ana["pearson_pc0"]["Q"] == pytest.approx(lt.pearson(ana["scores_test"][:, 0], q))
    # the PCA is fitted on the training means only: they are centred in PC coordinates, the test means are not
    train_scores = ana["pca"]["pca"].transform(ana["mu_train"])
    assert np.allclose(train_scores.mean(axis=0), 0.0, atol=1e-4)
    assert np.allclose(ana["scores_test"], ana["pca"]["pca"].transform(ana["mu_test"]))


def test_pearson_interval_covers_and_shrinks():
    g = np.random.default_rng(3)
    x = g.standard_normal(400)
    y = 0.6 * x + 0.8 * g.standard_normal(400)  # true r = 0.6
    res = lt.pearson_interval(x, y, n_boot=500, seed=1)
    assert res["low"] < res["r"] < res["high"] and res["low"] < 0.6 < res["high"]
    assert 0.05 < res["high"] - res["low"] < 0.25  # ~ 4 (1 - r²) / sqrt(n) = 0.13
    wide = lt.pearson_interval(x[:40], y[:40], n_boot=500, seed=1)
    assert wide["high"] - wide["low"] > res["high"] - res["low"]
    assert lt.pearson_interval([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])["r"] == pytest.approx(1.0)


def test_heldout_probe_fits_on_train_only():
    g = np.random.default_rng(0)
    X = g.standard_normal((300, 5))
    y = X @ np.array([1.0, -2.0, 0.0, 0.5, 0.0])
    res = lt.heldout_probe(X[:200], {"y": y[:200], "n": g.standard_normal(200)}, X[200:],
                           {"y": y[200:], "n": g.standard_normal(100)})
    assert res["y"] > 0.999 and res["n"] < 0.05
    # a target the training rows cannot tell (only seen shifted on the test rows) is not read back
    shifted = lt.heldout_probe(X[:200], {"y": y[:200]}, X[200:], {"y": y[200:] + 5.0})
    assert shifted["y"] < 0.0
    with pytest.raises(ValueError):
        lt.heldout_probe(X[:10], {"y": y[:10]}, X[10:20, :3], {"y": y[10:20]})


def test_quadratic_features_and_direction_correlation():
    D, B = np.array([0.5, 0.6]), np.array([0.1, 0.2])
    np.testing.assert_allclose(lt.quadratic_features(D, B), [[0.5, 0.1, 0.25, 0.05, 0.01], [0.6, 0.2, 0.36, 0.12, 0.04]])
    g = np.random.default_rng(1)
    s = g.standard_normal((500, 2))
    q = s @ np.array([0.6, 0.8])  # Q lies along a direction in the PC0-PC1 plane, not along PC0
    assert abs(lt.pearson(s[250:, 0], q[250:])) < 0.75
    assert lt.direction_correlation(s[:250], q[:250], s[250:], q[250:]) == pytest.approx(1.0)


def test_component_correlations_find_the_quantity_each_component_follows():
    g = np.random.default_rng(0)
    a, b = g.normal(size=200), g.normal(size=200)
    scores = np.column_stack([-3.0 * a + 1.0, b, g.normal(size=200)])
    got = lt.component_correlations(scores, {"a": a, "b": b}, n_components=2)
    assert got["a"][0] == pytest.approx(1.0) and got["b"][1] == pytest.approx(1.0)  # |r|: the sign is arbitrary
    assert got["a"][1] < 0.2 and got["b"][0] < 0.2 and len(got["a"]) == 2


def test_error_decomposition_separates_phase_point_and_defects():
    g = np.random.default_rng(1)
    D, B = g.uniform(0.4, 1.0, 300), g.uniform(0.1, 0.8, 300)
    defects = g.integers(0, 4, 300) * (g.random(300) < 0.5)
    # an error that is a quadratic in (D, B) plus a term in the defects: removing the quadratic leaves
    # exactly the defect term, so the partial correlation is 1 while the plain one is diluted
    mse = 0.01 + 0.02 * D ** 2 - 0.01 * D * B + 0.002 * defects
    out = lt.error_decomposition(mse, defects, D, B)
    assert out["r_given_phase"] == pytest.approx(1.0)
    assert out["r"] < 0.9 and 0 < out["r2_phase"] < 1
    assert out["defect_free"] == pytest.approx(np.mean(defects == 0))
    only_phase = lt.error_decomposition(0.02 * D ** 2 + 0.01 * B, defects, D, B)
    assert only_phase["r2_phase"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="error_decomposition"):
        lt.error_decomposition(mse[:10], defects, D, B)


def test_error_decomposition_partial_correlation_removes_a_shared_phase_dependence():
    """Defects and error that both follow D, and nothing else: the plain correlation is high, the partial one ~0."""
    g = np.random.default_rng(2)
    D, B = g.uniform(0.4, 1.0, 400), g.uniform(0.1, 0.8, 400)
    defects = np.rint(4 * D + g.normal(0, 0.3, 400))
    mse = 0.01 * D + 1e-4 * g.normal(size=400)
    out = lt.error_decomposition(mse, defects, D, B)
    assert out["r"] > 0.8 and abs(out["r_given_phase"]) < 0.15


def test_group_share_is_one_for_a_function_of_the_group_and_zero_for_equal_means():
    groups = np.repeat([-9, -10, -12], 50)
    assert lt.group_share(np.sin(groups.astype(float)), groups) == pytest.approx(1.0)  # not linear in the group
    x = np.tile(np.linspace(-1, 1, 50), 3)  # the same values in every group
    assert lt.group_share(x, groups) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="group_share"):
        lt.group_share(x[:10], groups)


def test_group_mean_pearson_is_the_thesis_statistic_not_the_per_lattice_one():
    from support.vae.latent.analysis import group_mean_pearson, pearson
    # counts 0, 1, 2 with three lattices each: group means 1, 2, 3 lie on a line, the lattices scatter widely
    counts = np.repeat([0, 1, 2], 3)
    errors = np.array([0.0, 1.0, 2.0, -1.0, 2.0, 5.0, 1.0, 3.0, 5.0])
    g = group_mean_pearson(errors, counts)
    assert g["r"] == pytest.approx(1.0) and g["means"] == pytest.approx([1.0, 2.0, 3.0]) and g["sizes"] == [3, 3, 3]
    assert pearson(counts, errors) < 0.7
    # a count held by one lattice is left out at min_size 3, and decides the coefficient when it enters
    counts2, errors2 = np.r_[counts, 9], np.r_[errors, -20.0]
    assert group_mean_pearson(errors2, counts2)["r"] == pytest.approx(1.0)
    assert group_mean_pearson(errors2, counts2, min_size=1)["r"] < 0
    # fewer than three qualifying counts: undefined
    assert np.isnan(group_mean_pearson(errors[:6], counts[:6])["r"])


def test_skill_score_stays_meaningful_with_a_negative_baseline_r2():
    from support.metrics import r2
    from support.vae.latent.analysis import skill_score
    y = np.array([0.0, 1.0, 2.0, 3.0])
    base = np.array([3.0, 2.0, 1.0, 0.0])  # worse than the mean: R² = -3
    assert r2(y, base) == pytest.approx(-3.0)
    assert skill_score(y, y, base) == 1.0 and skill_score(y, base, base) == 0.0
    mean_pred = np.full(4, 1.5)  # R² 0, a "gain" of 3 in R², but it removes only 75 % of the baseline's error
    assert skill_score(y, mean_pred, base) == pytest.approx(1 - 1.25 / 5.0)
    assert np.isnan(skill_score(y, base, y))  # an exact baseline leaves nothing to remove

