"""Tests for support.vae.latent.sampling: the latent samplers (moments, reproducibility) and generation."""

import numpy as np
import pytest

from support.chiral.phases import lattice_statistics
from support.vae.latent import sampling as sp


def test_thesis_sampler_moments_and_shapes():
    g = np.random.default_rng(2)
    mu = g.normal(1.0, 2.0, size=(300, 4))
    logvar = np.log(g.uniform(0.01, 0.09, size=(300, 4)))
    n = 20000
    z = sp.thesis_sampler(mu, logvar, n, rng=0)
    assert z.shape == (n, 4) and z.dtype == np.float32
    sigma = np.exp(0.5 * logvar).mean(axis=0)
    # sample mean within 5 standard errors, sample std within 5 of its standard errors (sqrt(1/2n) rel.)
    assert np.all(np.abs(z.mean(axis=0) - mu.mean(axis=0)) < 5 * sigma / np.sqrt(n))
    assert np.all(np.abs(z.std(axis=0) / sigma - 1) < 5 / np.sqrt(2 * n))
    assert np.array_equal(z, sp.thesis_sampler(mu, logvar, n, rng=0))


def test_prior_and_posterior_samplers():
    z = sp.prior_sampler(5, 1000, rng=3)
    assert z.shape == (1000, 5)
    mu = np.array([[0.0, 0.0], [10.0, 10.0]])
    logvar = np.log(np.array([[1e-4, 1e-4], [1e-4, 1e-4]]))
    zp = sp.posterior_sampler(mu, logvar, 4000, rng=0)
    # every draw sits within ~6 sigma (0.06) of one of the two training latents, both are used
    d = np.min(np.linalg.norm(zp[:, None, :] - mu[None], axis=-1), axis=1)
    assert d.max() < 0.06
    near0 = np.mean(np.linalg.norm(zp, axis=1) < 1)
    assert abs(near0 - 0.5) < 5 * 0.5 / np.sqrt(4000)
    with pytest.raises(ValueError):
        sp.posterior_sampler(mu, logvar[:1], 3)
    with pytest.raises(ValueError):
        sp.draw_latents("nope", 3, mu=mu, logvar=logvar)


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
    gmm = sp.fit_gmm(X, n_components=2, seed=0)
    n = 40000
    z = sp.sample_gmm(gmm, n, rng=1)
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
    assert sp.draw_latents("gmm", 7, mu=X, logvar=np.zeros_like(X), gmm=gmm).shape == (7, 2)
    gmm2 = sp.fit_gmm(X[:500], n_components=2, logvar=np.full((500, 2), -4.0), seed=0, covariance_type="diag")
    assert sp.sample_gmm(gmm2, 5).shape == (5, 2)


def test_generate_with_tiny_vae():
    torch = pytest.importorskip("torch")
    from support.vae.model import ResidualVAE

    torch.manual_seed(0)
    model = ResidualVAE(L=8, widths=(4, 8), latent_dim=6).eval()
    g = np.random.default_rng(0)
    mu, logvar = g.standard_normal((20, 6)).astype(np.float32), np.full((20, 6), -2.0, np.float32)
    gen = sp.generate(model, ["thesis", "gmm", "posterior"], 5, mu=mu, logvar=logvar, seed=1, gmm_components=2)
    for kind, res in gen.items():
        assert res["z"].shape == (5, 6) and res["spins"].shape == (5, 3, 8, 8)
        # the statistics are those of the decoded lattices
        ref = lattice_statistics(res["spins"])
        np.testing.assert_allclose(res["Q"], ref["Q"], atol=1e-5)
        assert np.array_equal(res["n_defects"], ref["n_defects"])
        s = sp.summarize(res)
        assert s["mean_Mz"] == pytest.approx(float(np.mean(ref["Mz"])), abs=1e-6)
        assert s["mean_defects"] == pytest.approx(float(np.mean(ref["n_defects"])))
    # each sampler's stream is independent of which others are drawn
    again = sp.generate(model, ["posterior"], 5, mu=mu, logvar=logvar, seed=1)
    assert np.array_equal(again["posterior"]["z"], gen["posterior"]["z"])
    with pytest.raises(ValueError):
        sp.generate(model, ["bogus"], 2, mu=mu, logvar=logvar)


def test_summarize_by_hand():
    stats = {"Q": np.array([-2.0, -4.0]), "Mz": np.array([0.2, 0.4]), "n_skyrmions": np.array([2, 4]),
             "n_defects": np.array([0, 3])}
    s = sp.summarize(stats)
    assert s["mean_Q"] == -3.0 and s["mean_abs_Q"] == 3.0 and s["std_Q"] == 1.0
    assert s["mean_defects"] == 1.5 and s["defects_per_skyrmion"] == pytest.approx(0.5)
    assert s["mean_Mz"] == pytest.approx(0.3) and s["std_Mz"] == pytest.approx(0.1)


def test_nearest_distance_exact():
    ref = np.zeros((3, 3, 4, 4), np.float32)
    ref[:, 2] = 1.0
    ref[1, 2, 0, 0], ref[1, 0, 0, 0] = 0.0, 1.0  # one site turned by 90°: |ΔS|² = 2 on 1 of 48 entries' sites
    cand = ref[[1, 0]].copy()
    d = sp.nearest_distance(cand, ref[[0, 2]], batch_size=1)
    assert d[1] == pytest.approx(0.0, abs=1e-7)
    assert d[0] == pytest.approx(np.sqrt(2.0 / 48.0))


def test_canonical_frame_makes_translated_copies_identical():
    from support.chiral import magnet as hb

    sk = hb.analytic_skyrmion(16, 3.0, centre=(4.0, 5.0)).astype(np.float32)
    moved = np.roll(sk, (5, -3), axis=(-2, -1))
    c = sp.canonical(np.stack([sk, moved]))
    assert sp.nearest_distance(c[1:], c[:1])[0] < 1e-6
    assert sp.nearest_distance(np.stack([moved]), np.stack([sk]))[0] > 0.1  # without the frame they differ


def test_ks_distance_exact():
    assert sp.ks_distance([1, 2, 3], [1, 2, 3]) == 0.0
    assert sp.ks_distance([0, 0], [1, 1]) == 1.0
    assert sp.ks_distance([0, 1, 2, 3], [2, 3, 4, 5]) == pytest.approx(0.5)


def test_select_gmm_finds_the_clusters_and_rejects_overfitting():
    # three tight, well-separated spherical clusters in 8 dimensions, 12 "phase points" per cluster
    g = np.random.default_rng(5)
    centres = 10.0 * g.standard_normal((3, 8))
    groups = np.repeat(np.arange(36), 5)
    mu = centres[groups % 3] + 0.3 * g.standard_normal((len(groups), 8))
    choice = sp.select_gmm(mu, groups, components=(1, 3, 12), covariance_types=("spherical", "full"), folds=4)
    # one component cannot fit three clusters; 12 full covariances from ~11 points each overfit
    assert (choice["covariance_type"], choice["n_components"]) == ("spherical", 3)
    assert choice["scores"]["spherical:3"] > choice["scores"]["spherical:1"] + 10
    assert choice["scores"]["spherical:3"] > choice["scores"]["full:12"]
    with pytest.raises(ValueError):
        sp.select_gmm(mu, np.zeros(len(mu)))
