"""Tests for support.latent: PCA, correlations, group means, linear probe, latent samplers."""

import numpy as np
import pytest

from support import latent as lt


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


def test_thesis_sampler_moments_and_shapes():
    g = np.random.default_rng(2)
    mu = g.normal(1.0, 2.0, size=(300, 4))
    logvar = np.log(g.uniform(0.01, 0.09, size=(300, 4)))
    n = 20000
    z = lt.thesis_sampler(mu, logvar, n, rng=0)
    assert z.shape == (n, 4) and z.dtype == np.float32
    sigma = np.exp(0.5 * logvar).mean(axis=0)
    # sample mean within 5 standard errors, sample std within 5 of its standard errors (sqrt(1/2n) rel.)
    assert np.all(np.abs(z.mean(axis=0) - mu.mean(axis=0)) < 5 * sigma / np.sqrt(n))
    assert np.all(np.abs(z.std(axis=0) / sigma - 1) < 5 / np.sqrt(2 * n))
    assert np.array_equal(z, lt.thesis_sampler(mu, logvar, n, rng=0))


def test_prior_and_posterior_samplers():
    z = lt.prior_sampler(5, 1000, rng=3)
    assert z.shape == (1000, 5)
    mu = np.array([[0.0, 0.0], [10.0, 10.0]])
    logvar = np.log(np.array([[1e-4, 1e-4], [1e-4, 1e-4]]))
    zp = lt.posterior_sampler(mu, logvar, 4000, rng=0)
    # every draw sits within ~6 sigma (0.06) of one of the two training latents, both are used
    d = np.min(np.linalg.norm(zp[:, None, :] - mu[None], axis=-1), axis=1)
    assert d.max() < 0.06
    near0 = np.mean(np.linalg.norm(zp, axis=1) < 1)
    assert abs(near0 - 0.5) < 5 * 0.5 / np.sqrt(4000)
    with pytest.raises(ValueError):
        lt.posterior_sampler(mu, logvar[:1], 3)
    with pytest.raises(ValueError):
        lt.draw_latents("nope", 3, mu=mu, logvar=logvar)


def test_gmm_sampler_reproduces_mixture_moments():
    g = np.random.default_rng(4)
    w = np.array([0.3, 0.7])
    means = np.array([[-3.0, 0.0], [2.0, 1.0]])
    covs = np.array([[[1.0, 0.5], [0.5, 1.0]], [[0.5, 0.0], [0.0, 2.0]]])
    N = 6000
    comp = g.choice(2, size=N, p=w)
    X = np.stack([g.multivariate_normal(means[k], covs[k]) for k in comp])
    # exact moments of the mixture
    m_true = w @ means
    second = sum(w[k] * (covs[k] + np.outer(means[k], means[k])) for k in range(2))
    c_true = second - np.outer(m_true, m_true)
    gmm = lt.fit_gmm(X, n_components=2, seed=0)
    n = 40000
    z = lt.sample_gmm(gmm, n, rng=1)
    assert z.shape == (n, 2)
    # errors: fitting on N points plus drawing n; standard error of a mean ~ sqrt(var (1/N + 1/n))
    se_mean = np.sqrt(np.diag(c_true) * (1 / N + 1 / n))
    assert np.all(np.abs(z.mean(axis=0) - m_true) < 5 * se_mean)
    # covariance entries: standard error ~ sqrt((c_ii c_jj + c_ij^2)(1/N + 1/n)) (Gaussian approx.,
    # doubled for the mixture's heavier tails)
    c = np.cov(z.T)
    se_cov = 2 * np.sqrt((np.outer(np.diag(c_true), np.diag(c_true)) + c_true ** 2) * (1 / N + 1 / n))
    assert np.all(np.abs(c - c_true) < 5 * se_cov)
    # the mixture weights are recovered too (component order is arbitrary)
    assert np.allclose(np.sort(gmm.weights_), np.sort(w), atol=5 * np.sqrt(0.21 / N))
    # draw_latents dispatches, and the posterior-fitted variant runs
    assert lt.draw_latents("gmm", 7, mu=X, logvar=np.zeros_like(X), gmm=gmm).shape == (7, 2)
    gmm2 = lt.fit_gmm(X[:500], n_components=2, logvar=np.full((500, 2), -4.0), seed=0, covariance_type="diag")
    assert lt.sample_gmm(gmm2, 5).shape == (5, 2)


def test_decode_latents_with_standin_model():
    torch = pytest.importorskip("torch")

    class StandIn(torch.nn.Module):
        """Decoder from a (2, 2, 2) latent to 3 x 4 x 4 spins, unnormalised output."""

        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(8, 48)

        def decode(self, z):
            assert z.shape[1:] == (2, 2, 2)
            return 3.0 * self.lin(z.reshape(len(z), -1)).reshape(-1, 3, 4, 4)

    torch.manual_seed(0)
    m = StandIn()
    z = np.random.default_rng(0).standard_normal((10, 8)).astype(np.float32)
    x = lt.decode_latents(m, z, (2, 2, 2), batch_size=3)
    assert x.shape == (10, 3, 4, 4)
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    raw = lt.decode_latents(m, z, (2, 2, 2), normalize=False)
    assert np.allclose(lt.unit_spins(raw), x, atol=1e-6)
    with pytest.raises(ValueError):
        lt.decode_latents(m, z, (3, 3))


def test_pc0_analysis_and_generate_with_tiny_vae():
    torch = pytest.importorskip("torch")
    from support.models.vae import ResidualVAE

    torch.manual_seed(0)
    model = ResidualVAE(L=8, widths=(4, 8), latent_dim=6).eval()
    g = np.random.default_rng(0)
    x = g.standard_normal((30, 3, 8, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = g.standard_normal(10)
    ana = lt.pc0_analysis(model, x[:20], x[20:], {"Q": q}, batch_size=7)
    assert ana["mu_train"].shape == (20, 6) and ana["scores_test"].shape == (10, 6)
    assert ana["pearson_pc0"]["Q"] == pytest.approx(lt.pearson(ana["scores_test"][:, 0], q))
    gen = lt.generate(model, ["thesis", "gmm", "posterior"], 5, mu=ana["mu_train"], logvar=ana["logvar_train"],
                      latent_shape=ana["latent_shape"], seed=1, gmm_components=2)
    for kind, res in gen.items():
        assert res["z"].shape == (5, 6) and res["spins"].shape == (5, 3, 8, 8)
        assert set(res) >= {"Q", "Mz", "defects", "n_skyrmions"}
        s = lt.summarize(res)
        assert np.isfinite(s["mean_defects"]) and -1 <= s["mean_Mz"] <= 1
    # each sampler's stream is independent of which others are drawn
    again = lt.generate(model, ["posterior"], 5, mu=ana["mu_train"], logvar=ana["logvar_train"],
                        latent_shape=ana["latent_shape"], seed=1)
    assert np.array_equal(again["posterior"]["z"], gen["posterior"]["z"])
    with pytest.raises(ValueError):
        lt.generate(model, ["bogus"], 2, mu=ana["mu_train"], logvar=ana["logvar_train"])
