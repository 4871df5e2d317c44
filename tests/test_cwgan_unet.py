"""support.cwgan.models.unet: shapes, equivariances, prior start, critic features, config of the cWGAN networks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from support import xy
from support.cwgan.models.prior import DEFAULT_PRIOR, prior_angles
from support.cwgan.models.unet import Critic, UNetGenerator, bond_features, field_features

L = 8


def _inputs(n=3, seed=0):
    rng = np.random.default_rng(seed)
    k = np.stack([xy.pair_map(L, (0, 1 + i % 3), (i, 2 * i)) for i in range(n)])
    T = np.full(n, 0.1)
    prior = prior_angles(k, T, rng, ground_state="relaxed", self_consistent=False)
    return (torch.as_tensor(k, dtype=torch.float32), torch.as_tensor(T, dtype=torch.float32),
            torch.as_tensor(prior), k, prior)


@pytest.mark.parametrize("variant", ["paper", "prior"])
def test_generator_shapes_and_unit_vectors(variant):
    torch.manual_seed(0)
    g = UNetGenerator(L, variant, widths=[4, 8], noise_channels=2)
    k, T, prior, _, _ = _inputs()
    if variant == "prior":  # move the head off zero so the residual is not trivially 0
        torch.nn.init.normal_(g.head.weight, std=0.3)
    out = g(k, T, prior if variant == "prior" else None)
    assert out.shape == (3, 2, L, L)
    assert torch.allclose((out ** 2).sum(1), torch.ones(3, L, L), atol=1e-5)
    assert [tuple(s) for s in g.noise_shapes(3)][0] == (3, 2, 2, 2)
    assert len(g.noise_shapes(3)) == (1 if variant == "paper" else 3)


@pytest.mark.parametrize("variant", ["paper", "prior"])
def test_generator_translation_equivariant(variant):
    """Circular padding: shifting inputs and noise by the pooling grid (2**depth) shifts the output."""
    torch.manual_seed(1)
    g = UNetGenerator(L, variant, widths=[4, 8], noise_channels=2).double()
    if variant == "prior":
        torch.nn.init.normal_(g.head.weight, std=0.3)
    k, T, prior, _, _ = _inputs()
    k, prior = k.double(), prior.double()
    noise = [z.double() for z in g.sample_noise(3)]
    out = g(k, T, prior if variant == "prior" else None, noise)
    s = 4  # 2**depth sites = one bottleneck site for depth 2, L = 8
    shifted_noise = [torch.roll(z, shifts=(s * z.shape[-1] // L, -s * z.shape[-1] // L), dims=(-2, -1)) for z in noise]
    out_s = g(torch.roll(k, (s, -s), (-2, -1)), T, torch.roll(prior, (s, -s), (-2, -1)) if variant == "prior" else None,
              shifted_noise)
    assert torch.allclose(out_s, torch.roll(out, (s, -s), (-2, -1)), atol=1e-10)
    # a one-site shift is not a symmetry of the pooling grid: the check above is not vacuous
    out_1 = g(torch.roll(k, 1, -1), T, torch.roll(prior, 1, -1) if variant == "prior" else None, noise)
    assert not torch.allclose(out_1, torch.roll(out, 1, -1), atol=1e-6)


def test_prior_variant_starts_at_prior_and_is_rotation_equivariant():
    torch.manual_seed(2)
    g = UNetGenerator(L, "prior", widths=[4, 8], noise_channels=2).double()
    k, T, prior, _, _ = _inputs()
    prior = prior.double()
    out = g(k.double(), T, prior)
    # zero-initialised head: the untrained generator returns exactly the prior
    assert torch.allclose(out[:, 0], torch.cos(prior)) and torch.allclose(out[:, 1], torch.sin(prior))
    torch.nn.init.normal_(g.head.weight, std=0.3)
    noise = [z.double() for z in g.sample_noise(3)]
    a = 1.234
    t1 = torch.atan2(*g(k.double(), T, prior, noise).flip(1).unbind(1))
    t2 = torch.atan2(*g(k.double(), T, prior + a, noise).flip(1).unbind(1))
    assert torch.allclose(torch.remainder(t2 - t1 - a + np.pi, 2 * np.pi) - np.pi, torch.zeros_like(t1), atol=1e-9)


def test_bond_features_match_angles():
    theta = torch.tensor(np.random.default_rng(3).uniform(-np.pi, np.pi, (2, L, L)))
    f = bond_features(theta)
    dx, dy = xy.bond_angles(theta)
    assert torch.allclose(f[:, 0], torch.cos(dx)) and torch.allclose(f[:, 3], torch.sin(dy))
    assert torch.equal(dx[:, 2, 3], theta[:, 2, 4] - theta[:, 2, 3])     # head minus tail along +j
    spins = torch.stack([torch.cos(theta), torch.sin(theta)], 1)
    ff = field_features(spins)
    assert torch.allclose(ff[:, 2:], f, atol=1e-12)  # the critic's bond channels are the same bond angles
    assert torch.allclose(ff[:, :2], spins)


def test_critic_shapes_and_bad_config():
    c = Critic(L, widths=[4, 8], full_res_layers=2, instance_norm=True)
    spins = torch.nn.functional.normalize(torch.randn(5, 2, L, L), dim=1)
    assert c(field_features(spins), torch.zeros(5, L, L), torch.full((5,), 0.3)).shape == (5,)
    with pytest.raises(ValueError):
        UNetGenerator(12, "paper", widths=[4, 8, 16])
    with pytest.raises(ValueError):
        UNetGenerator(8, "fancy")


def test_generator_config_carries_its_prior():
    g = UNetGenerator(L, "prior", widths=[4, 8], noise_channels=2, prior={"max_tries": 5})
    assert g.config["prior"] == {**DEFAULT_PRIOR, "max_tries": 5}
    assert UNetGenerator(L, "prior", widths=[4, 8], noise_channels=2).config["prior"] == DEFAULT_PRIOR
    assert UNetGenerator(L, "paper", widths=[4, 8], noise_channels=2).config["prior"] is None
    with pytest.raises(ValueError, match="paper variant has no prior"):
        UNetGenerator(L, "paper", widths=[4, 8], noise_channels=2, prior={})
    with pytest.raises(ValueError, match="unknown prior settings"):
        UNetGenerator(L, "prior", widths=[4, 8], noise_channels=2, prior={"typo": 1})
