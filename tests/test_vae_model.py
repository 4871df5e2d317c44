"""Tests of the residual VAE: shapes, unit vectors, periodic convolutions, reparameterisation, KL."""

import math

import numpy as np
import pytest
import torch

from support.vae import model as vm
from support.vae.model import PeriodicConvTranspose2d, ResidualVAE, kl_divergence


def random_spins(n, L, seed=0):
    s = np.random.default_rng(seed).normal(size=(n, 3, L, L)).astype(np.float32)
    return torch.from_numpy(s / np.linalg.norm(s, axis=1, keepdims=True))


@pytest.mark.parametrize("L,widths", [(16, [4, 8]), (13, [4, 8, 8]), (10, [4])])
def test_shapes_and_unit_norm(L, widths):
    torch.manual_seed(0)
    model = ResidualVAE(L=L, widths=widths, latent_dim=5).eval()
    x = random_spins(3, L)
    mu, logvar = model.encode(x)
    assert mu.shape == (3, 5) and logvar.shape == (3, 5)
    recon, mu2, logvar2 = model(x)
    assert recon.shape == (3, 3, L, L)
    torch.testing.assert_close(mu2, mu)
    norms = recon.norm(dim=1)
    torch.testing.assert_close(norms, torch.ones_like(norms), atol=1e-5, rtol=0)
    # decode of arbitrary (even large) latents is still made of unit vectors
    out = model.decode(10 * torch.randn(4, 5))
    torch.testing.assert_close(out.norm(dim=1), torch.ones(4, L, L), atol=1e-5, rtol=0)


def test_config_rebuilds_same_architecture():
    model = ResidualVAE(L=12, widths=(4, 8), latent_dim=3, norm="none")
    assert model.config == {"L": 12, "widths": [4, 8], "latent_dim": 3, "in_channels": 3, "stem_width": 4,
                            "norm": "none", "slope": 0.2, "canonical_frame": None}
    twin = ResidualVAE(**model.config)
    twin.load_state_dict(model.state_dict())  # same parameter names and shapes
    x = random_spins(2, 12)
    torch.testing.assert_close(twin.eval()(x)[0], model.eval()(x)[0])


@pytest.mark.parametrize("kwargs", [dict(L=1), dict(L=8, widths=[]), dict(L=8, latent_dim=0), dict(L=8, norm="layer")])
def test_bad_config_is_a_clear_error(kwargs):
    with pytest.raises(ValueError):
        ResidualVAE(**kwargs)


def test_periodic_transposed_conv_matches_explicit_sum():
    """y[o] = Σ_{i,k} x[i] w[k] over 2i + k − 1 ≡ o (mod 2n) in each direction, plus bias."""
    torch.manual_seed(1)
    layer = PeriodicConvTranspose2d(2, 3)
    n = 3
    x = torch.randn(1, 2, n, n)
    y = layer(x).detach().numpy()[0]
    w = layer.conv.weight.detach().numpy()  # (cin, cout, 4, 4)
    b = layer.conv.bias.detach().numpy()
    xn = x.numpy()[0]
    ref = np.zeros((3, 2 * n, 2 * n)) + b[:, None, None]
    for i1 in range(n):
        for i2 in range(n):
            for k1 in range(4):
                for k2 in range(4):
                    o1, o2 = (2 * i1 + k1 - 1) % (2 * n), (2 * i2 + k2 - 1) % (2 * n)
                    ref[:, o1, o2] += np.einsum("c,cd->d", xn[:, i1, i2], w[:, :, k1, k2])
    np.testing.assert_allclose(y, ref, atol=1e-5)


def test_convolutions_are_periodic():
    """Rolling the input by 2**depth sites rolls the encoder's feature map by one cell."""
    torch.manual_seed(2)
    model = ResidualVAE(L=16, widths=[4, 8], latent_dim=2).eval()
    x = random_spins(1, 16)
    feat = model.down(model.stem(x))
    feat_rolled = model.down(model.stem(torch.roll(x, (4, -4), dims=(-2, -1))))
    torch.testing.assert_close(feat_rolled, torch.roll(feat, (1, -1), dims=(-2, -1)), atol=1e-5, rtol=1e-5)


def test_kl_matches_hand_computation():
    mu = torch.tensor([[0.0, 0.0], [1.0, -2.0]])
    logvar = torch.tensor([[0.0, 0.0], [math.log(4.0), 0.0]])
    # KL(N(μ, σ²) ‖ N(0, 1)) = ½ (σ² + μ² − 1 − ln σ²) per dimension
    expected = [0.0, 0.5 * (4 + 1 - 1 - math.log(4.0)) + 0.5 * (1 + 4 - 1 - 0.0)]
    torch.testing.assert_close(kl_divergence(mu, logvar), torch.tensor(expected))


def test_kl_matches_monte_carlo():
    torch.manual_seed(3)
    mu, logvar = torch.tensor([[0.7, -0.3]]), torch.tensor([[-0.5, 0.8]])
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn(400_000, 2)
    log_q = torch.distributions.Normal(mu, std).log_prob(z).sum(1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    mc = (log_q - log_p).mean()
    # standard error of the MC mean ≈ std(log q − log p)/sqrt(N) ≈ 1.3e-3; allow 5σ
    assert abs(float(mc - kl_divergence(mu, logvar)[0])) < 7e-3


def test_reparameterisation_statistics_and_gradients():
    mu = torch.tensor([[1.5, -2.0]], requires_grad=True)
    logvar = torch.tensor([[math.log(0.25), math.log(4.0)]], requires_grad=True)
    gen = torch.Generator().manual_seed(4)
    z = ResidualVAE.reparameterize(mu.expand(100_000, 2), logvar.expand(100_000, 2), gen)
    # mean within 5 standard errors (σ/√N), std within 2 % (relative s.e. ≈ 1/√(2N) = 0.22 %)
    np.testing.assert_allclose(z.mean(0).detach().numpy(), [1.5, -2.0], atol=5 * 2.0 / math.sqrt(1e5))
    np.testing.assert_allclose(z.std(0).detach().numpy(), [0.5, 2.0], rtol=0.02)
    z.sum().backward()  # dz/dmu = 1; dz/dlogvar = ½ σ ε summed
    np.testing.assert_allclose(mu.grad.numpy(), [[1e5, 1e5]])
    assert torch.isfinite(logvar.grad).all() and (logvar.grad.abs() > 0).all()
    # the same generator seed gives the same z; eval mode uses z = mu
    z1 = ResidualVAE.reparameterize(mu, logvar, torch.Generator().manual_seed(5))
    z2 = ResidualVAE.reparameterize(mu, logvar, torch.Generator().manual_seed(5))
    torch.testing.assert_close(z1, z2)


def test_training_mode_samples_eval_mode_uses_mean():
    torch.manual_seed(6)
    model = ResidualVAE(L=8, widths=[4], latent_dim=3, norm="none")
    x = random_spins(2, 8)
    model.eval()
    a, b = model(x)[0], model(x)[0]
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a, model.decode(model.encode(x)[0]))
    model.train()
    c = model(x, generator=torch.Generator().manual_seed(0))[0]
    assert not torch.allclose(a, c)


def test_training_in_the_canonical_frame_gives_the_same_loss():
    """The MSE and KL of a lattice are the same whether the model moves it into its frame or gets it moved."""
    from vae_stand_in import bubbles
    torch.manual_seed(0)
    model = vm.ResidualVAE(L=8, widths=[4, 8], latent_dim=4, canonical_frame="neel").eval()
    x = torch.from_numpy(bubbles(6, seed=1))
    recon, mu, logvar = model(x)
    recon_f, mu_f, logvar_f = model(vm.in_canonical_frame(model, x, batch_size=4), in_frame=True)
    torch.testing.assert_close(mu_f, mu)
    torch.testing.assert_close(((recon_f - vm.in_canonical_frame(model, x)) ** 2).mean(), ((recon - x) ** 2).mean())
    assert not torch.allclose(recon_f, recon)  # the frames do differ: the check above is not vacuous
