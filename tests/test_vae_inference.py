"""Tests for support.vae.inference: encode, decode, reconstruct and load with a tiny VAE."""

import numpy as np
import pytest
import torch

from support.vae import inference as inf
from support.vae.model import ResidualVAE


def _unit(n, L, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, 3, L, L)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_reconstruction_is_the_decoded_posterior_mean():
    torch.manual_seed(0)
    model = ResidualVAE(L=8, widths=(4, 8), latent_dim=5).eval()
    x = _unit(7, 8)
    rec = inf.reconstruct(model, x, batch_size=3)
    assert rec.shape == x.shape and rec.dtype == np.float32
    mu, logvar = inf.encode(model, x, batch_size=4)
    assert mu.shape == (7, 5) and logvar.shape == (7, 5) and mu.dtype == np.float32
    # batching does not change the result (eval mode: batch norm uses its running statistics)
    np.testing.assert_allclose(inf.encode(model, x, batch_size=7)[0], mu, atol=1e-6)
    np.testing.assert_allclose(inf.decode_latents(model, mu, batch_size=2), rec, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(rec, axis=1), 1.0, atol=1e-5)
    assert inf.reconstruction_mse(model, x) == pytest.approx(float(np.mean((rec - x) ** 2)), rel=1e-6)


def test_decode_latents_rejects_wrong_latent_size():
    model = ResidualVAE(L=8, widths=(4,), latent_dim=3).eval()
    with pytest.raises(ValueError, match="decode_latents"):
        inf.decode_latents(model, np.zeros((2, 4), np.float32))


def test_unit_spins_exact_and_zero_safe():
    x = np.zeros((1, 3, 2, 2), np.float32)
    x[0, 0] = 3.0
    x[0, 2, 0, 0] = 4.0
    u = inf.unit_spins(x)
    assert u[0, :, 0, 0] == pytest.approx([0.6, 0.0, 0.8])
    assert u[0, :, 1, 1] == pytest.approx([1.0, 0.0, 0.0])
    assert np.all(np.isfinite(inf.unit_spins(np.zeros((1, 3, 2, 2)))))


def test_missing_checkpoint_names_the_chapter(tmp_path):
    with pytest.raises(FileNotFoundError, match="chapter 03"):
        inf.load_vae(tmp_path / "missing.pt")
