"""Tests of the learned generator: physics layers, barrier energy, equivariance, any L, checkpoint round trip."""

import math

import numpy as np
import pytest
import torch

from support import xy
from support.cwgan import generate, load_generator
from support.cwgan.models.learned import LearnedGenerator, correction_rms, sample_learned
from support.cwgan.models.physics_layers import barrier_energy, self_consistent_stiffness, thermal_waves, villain_bonds
from support.cwgan.split import unseen_classes
from support.cwgan.training.learned import (
    corrected_barrier,
    random_multi_pair_maps,
    random_pair_maps,
    save_learned,
    train_learned,
    training_batch,
    wall_penalty,
)

WIDTHS = [4, 4, 8, 8]


def _random_generator(seed: int = 0) -> LearnedGenerator:
    """A generator whose correction is not zero (the head is zero at initialisation)."""
    torch.manual_seed(seed)
    g = LearnedGenerator(widths=WIDTHS)
    torch.nn.init.normal_(g.net.head.weight, std=0.3)
    return g.eval()


def _maps(L: int, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([random_pair_maps(L, n - n // 2, rng, range(1, 13)), random_multi_pair_maps(L, n // 2, rng)])


def test_villain_bonds_carry_the_map_exactly():
    maps = _maps(16, 40)
    bx, by = villain_bonds(maps)
    assert np.abs(bx).max() < np.pi and np.abs(by).max() < np.pi
    theta = np.zeros_like(bx)                       # rebuild the field from its bonds along a spanning tree
    theta[:, 0, 1:] = np.cumsum(bx[:, 0, :-1], axis=-1)
    theta[:, 1:, :] = theta[:, :1, :] + np.cumsum(by[:, :-1, :], axis=-2)
    assert np.all(xy.matches_map(theta, maps))


def test_self_consistent_stiffness_solves_its_equation():
    T = np.array([0.0, 0.1, 0.5, 0.9])
    J = self_consistent_stiffness(T)
    np.testing.assert_allclose(J, np.exp(-T / (4 * J)), atol=1e-10)
    assert J[1] == pytest.approx(1 - 0.1 / 4, abs=1e-3)
    with pytest.raises(ValueError):
        self_consistent_stiffness(2.0)


def test_thermal_waves_bond_variance_is_T_over_2J():
    """Each bond of a harmonic field of stiffness J has variance T / (2 J) (1 - 1/N from the dropped zero mode)."""
    L, T = 16, np.full(400, 0.5)
    w = thermal_waves(L, T, np.random.default_rng(1))
    bx, by = xy.bond_angles(w)
    var = np.concatenate([bx.ravel(), by.ravel()]).var()
    expected = 0.5 / (2 * self_consistent_stiffness(0.5)) * (1 - 1 / L ** 2)
    assert var == pytest.approx(expected, rel=0.02)


def test_barrier_energy_by_hand():
    b = torch.tensor([[[0.3, -2.0], [1.0, 3.0]]], dtype=torch.float64)
    c = torch.zeros_like(b)
    T = torch.tensor([0.2], dtype=torch.float64)
    phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    vals = [0.3, -2.0, 1.0, 3.0]
    e_cos = -sum(math.cos(v) for v in vals) - 4
    wall = sum(math.log(phi((math.pi - abs(v)) / math.sqrt(0.1))) for v in vals)
    wall += 4 * math.log(phi(math.pi / math.sqrt(0.1)))          # the four zero bonds of by
    expected = math.exp(-0.05) * e_cos - 0.2 * wall
    assert float(barrier_energy(b, c, T)[0]) == pytest.approx(expected, rel=1e-12)


def test_barrier_energy_gradient_matches_finite_difference():
    torch.manual_seed(0)
    bx = (torch.rand(2, 4, 4, dtype=torch.float64) - 0.5) * 6.0
    by = (torch.rand(2, 4, 4, dtype=torch.float64) - 0.5) * 6.0
    bx.requires_grad_(True)
    T = torch.tensor([0.1, 0.7], dtype=torch.float64)
    barrier_energy(bx, by, T).sum().backward()
    h, idx = 1e-6, (1, 2, 3)
    plus, minus = bx.detach().clone(), bx.detach().clone()
    plus[idx] += h
    minus[idx] -= h
    fd = (barrier_energy(plus, by, T).sum() - barrier_energy(minus, by, T).sum()) / (2 * h)
    assert float(bx.grad[idx]) == pytest.approx(float(fd), rel=1e-6)


def test_barrier_wall_grows_past_pi():
    T = torch.tensor([0.1], dtype=torch.float64)
    zero = torch.zeros(1, 1, 1, dtype=torch.float64)
    e = [float(barrier_energy(torch.full((1, 1, 1), v, dtype=torch.float64), zero, T)) for v in (2.5, 3.0, 3.3)]
    assert e[0] < e[1] < e[2]


def test_untrained_generator_is_the_physics_layers_alone():
    g = LearnedGenerator(widths=WIDTHS)
    maps, T = _maps(16, 6), np.full(6, 0.1)
    a, ta = sample_learned(g, maps, T, seed=3)
    b, tb = sample_learned(g, maps, T, seed=3, use_correction=False)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ta, tb)
    assert correction_rms(g, maps, T) == 0.0


def test_correction_is_translation_equivariant():
    g = _random_generator()
    maps = _maps(32, 4)
    shifted = np.roll(maps, (16, -16), axis=(-2, -1))   # multiples of 2**depth
    T = torch.full((4,), 0.3)
    bx, by = (torch.as_tensor(b, dtype=torch.float32) for b in villain_bonds(maps))
    sx, sy = (torch.as_tensor(b, dtype=torch.float32) for b in villain_bonds(shifted))
    with torch.no_grad():
        d = g.correction(torch.as_tensor(maps, dtype=torch.float32), T, bx, by)
        ds = g.correction(torch.as_tensor(shifted, dtype=torch.float32), T, sx, sy)
    assert float(d.abs().max()) > 1e-3
    torch.testing.assert_close(torch.roll(d, (16, -16), dims=(-2, -1)), ds, atol=1e-5, rtol=1e-5)


def test_translated_map_gives_translated_field_at_T0():
    """At T = 0 a field is theta_V + delta + a global angle: a translated map gives the translated bond angles."""
    g = _random_generator()
    maps = _maps(32, 4, seed=2)
    shift = (16, -16)                                    # a multiple of 2**depth
    a = generate(g, maps, np.zeros(4), seed=0).astype(np.float64)
    b = generate(g, np.roll(maps, shift, axis=(-2, -1)), np.zeros(4), seed=5).astype(np.float64)
    for ba, bb in zip(xy.bond_angles(np.roll(a, shift, axis=(-2, -1))), xy.bond_angles(b)):
        np.testing.assert_allclose(xy.wrap_angle(ba - bb + 1.0), 1.0, atol=1e-4)


@pytest.mark.parametrize("L", [16, 32, 48, 64])
def test_any_L_gives_exact_maps(L):
    g = _random_generator()
    maps = _maps(L, 4, seed=L)
    theta = generate(g, maps, np.full(4, 0.1), seed=1)
    assert theta.shape == (4, L, L) and theta.dtype == np.float32
    assert np.abs(theta).max() <= np.pi
    assert np.abs(maps).sum(axis=(1, 2)).min() >= 2           # every map has vortices to keep
    np.testing.assert_array_equal(xy.vortices(theta), maps)   # the exact charge map, plaquette by plaquette
    assert not np.any(xy.matches_map(theta, np.roll(maps, 1, axis=-1)))   # and not a shifted one


def test_deterministic_for_a_seed():
    g = _random_generator()
    maps, T = _maps(16, 9), np.linspace(0.1, 0.9, 9)
    a = generate(g, maps, T, seed=4, batch_size=256)
    np.testing.assert_array_equal(a, generate(g, maps, T, seed=4, batch_size=256))
    # batched convolutions may differ in the last float bit; the draws do not depend on the batch size
    np.testing.assert_allclose(a, generate(g, maps, T, seed=4, batch_size=2), atol=1e-5)
    assert not np.array_equal(a, generate(g, maps, T, seed=5))


def test_redraws_are_counted_and_bounded():
    g = LearnedGenerator(widths=WIDTHS, max_tries=3)
    maps = _maps(16, 20)
    theta, tries = sample_learned(g, maps, np.full(20, 0.9), seed=0)
    assert tries.min() >= 1 and tries.max() <= 3
    ok = xy.matches_map(theta, maps)
    assert np.all(ok[tries < 3])


def test_checkpoint_round_trip(tmp_path):
    g = _random_generator()
    path = tmp_path / "learned.pt"
    save_learned(path, g, dict(steps=0))
    h = load_generator(path)
    assert isinstance(h, LearnedGenerator) and h.config == g.config
    maps, T = _maps(16, 5), np.full(5, 0.1)
    np.testing.assert_array_equal(generate(g, maps, T, seed=2), generate(h, maps, T, seed=2))


def test_training_lowers_the_barrier_and_avoids_unseen_classes(tmp_path):
    excluded = unseen_classes(0)
    maps, T = training_batch(16, 64, np.random.default_rng(0), excluded=excluded, multi_pair_fraction=0.0,
                             T_min=0.1, T_max=0.9)
    d = xy.pair_distance(maps)
    bad = [np.hypot(*xy.PAIR_DISTANCES[c - 1].displacement) for c in excluded]
    assert not np.any(np.isclose(d[:, None], bad, atol=1e-6))
    assert T.min() >= 0.1 and T.max() <= 0.9
    r = train_learned({"widths": WIDTHS}, {"steps": 30, "batch_size": 8, "lr": 3e-3}, excluded_classes=excluded,
                      seed=0, checkpoint=tmp_path / "g.pt")
    test_maps, test_T = training_batch(16, 32, np.random.default_rng(9), excluded=excluded, multi_pair_fraction=0.3,
                                       T_min=0.1, T_max=0.9)
    with torch.no_grad():
        before = corrected_barrier(LearnedGenerator(widths=WIDTHS), test_maps, test_T).mean()
        after = corrected_barrier(r["generator"], test_maps, test_T).mean()
    assert float(after) < float(before)
    assert load_generator(tmp_path / "g.pt").config["kind"] == "learned"


def test_wall_penalty_by_hand():
    T = torch.tensor([0.5])
    edge = math.pi + 0.5 * math.sqrt(0.25)
    bx = torch.tensor([[[3.0, edge + 0.2], [-(edge + 0.1), 0.0]]])
    by = torch.zeros_like(bx)
    assert float(wall_penalty(bx, by, T, 0.5)[0]) == pytest.approx(0.2 ** 2 + 0.1 ** 2, rel=1e-4)
    assert float(wall_penalty(bx * 0.5, by, T, 0.5)[0]) == 0.0
