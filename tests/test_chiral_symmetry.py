"""Tests of the lattice symmetries and the canonical frame: group laws, exact inversion, orbit invariance."""

import math

import numpy as np
import pytest
import torch

from support.chiral import symmetry as sy
from support.vae.model import ResidualVAE


def skyrmion_lattice(L=24, spacing=7.0, angle=0.3, seed=0, noise=0.05):
    """Néel skyrmions on a slightly irregular triangular lattice turned by ``angle``, plus noise.

    The noise breaks every accidental symmetry, so the canonical frame has no ties.
    """
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    a1 = spacing * np.array([math.cos(angle), math.sin(angle)])
    a2 = spacing * np.array([math.cos(angle + math.pi / 3), math.sin(angle + math.pi / 3)])
    theta = np.zeros((L, L))
    phi = np.zeros((L, L))
    best = np.full((L, L), np.inf)
    for m in range(-4, 5):
        for n in range(-4, 5):
            c = m * a1 + n * a2 + rng.normal(0.0, 0.3, 2)
            if not (0 <= c[0] < L and 0 <= c[1] < L):
                continue  # the periodic distance below brings in the images
            di, dj = (i - c[0] + L / 2) % L - L / 2, (j - c[1] + L / 2) % L - L / 2
            r2 = di ** 2 + dj ** 2
            near = r2 < best
            best[near] = r2[near]
            theta[near] = math.pi * np.exp(-r2[near] / 5.0)
            phi[near] = np.arctan2(di, dj)[near]
    s = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])
    s = s + rng.normal(0.0, noise, s.shape)
    return torch.from_numpy(s / np.linalg.norm(s, axis=0, keepdims=True))[None]


def test_inverse_op_undoes_every_point_group_element():
    x = np.random.default_rng(1).normal(size=(2, 3, 5, 5))
    for op in sy.symmetry_ops("neel"):
        np.testing.assert_array_equal(sy.apply_symmetry(sy.apply_symmetry(x, op), sy.inverse_op(op)), x)
    assert sy.inverse_op((True, True, False)) == (True, False, True)  # a quarter turn's inverse is the other one


def test_roll_each_rolls_each_sample_by_its_own_shift():
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float64).reshape(2, 3, 4, 5)
    shifts = torch.tensor([[1, -2], [3, 4]])
    got = sy.roll_each(x, shifts)
    for k in range(2):
        torch.testing.assert_close(got[k], torch.roll(x[k], tuple(shifts[k].tolist()), dims=(-2, -1)))


def test_turned_phase_matches_the_phase_of_the_moved_lattice():
    x = torch.cat([skyrmion_lattice(seed=s, angle=0.37 * s) for s in range(3)])
    phase = sy._sixfold_phase(x[:, 2])
    for op in sy.symmetry_ops("neel"):
        direct = sy._sixfold_phase(sy.apply_symmetry(x, op)[:, 2])
        diff = torch.remainder(sy._turned_phase(phase, op) - direct + np.pi, 2 * np.pi) - np.pi
        assert torch.all(diff.abs() < 1e-9), op


def test_core_shifts_move_a_single_bubble_to_the_centre():
    L = 16
    i, j = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    sz = 1.0 - 2.0 * np.exp(-((i - 5) ** 2 + (j - 11) ** 2) / 3.0)
    x = torch.zeros(1, 3, L, L, dtype=torch.float64)
    x[0, 2] = torch.from_numpy(sz)
    assert sy.core_shifts(x).tolist() == [[8 - 5, 8 - 11 + L]]
    # a lattice polarised the other way (B < 0): the core is the maximum of S^z
    assert sy.core_shifts(-x).tolist() == [[3, 13]]


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_canonical_frame_is_exactly_invertible(dmi):
    x = torch.cat([skyrmion_lattice(seed=s, angle=0.2 * s) for s in range(4)])
    canon, frame = sy.to_canonical_frame(x, dmi)
    torch.testing.assert_close(sy.from_canonical_frame(canon, frame), x, rtol=0, atol=0)


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_canonical_frame_is_the_same_for_every_element_of_the_orbit(dmi):
    """Translating and turning a lattice by any symmetry of H leaves its canonical frame unchanged."""
    x = skyrmion_lattice(seed=3, angle=0.4)
    ref, _ = sy.to_canonical_frame(x, dmi)
    for op in sy.symmetry_ops(dmi):
        for shift in [(0, 0), (5, 17), (11, 3)]:
            moved = sy.translate(sy.apply_symmetry(x, op), *shift)
            got, _ = sy.to_canonical_frame(moved, dmi)
            torch.testing.assert_close(got, ref, rtol=0, atol=0, msg=f"op {op}, shift {shift}")


def test_canonical_frame_puts_a_core_at_the_centre_with_positive_diagonal_dipole():
    x = torch.cat([skyrmion_lattice(seed=s, angle=0.15 * s) for s in range(3)])
    canon, _ = sy.to_canonical_frame(x)
    L = x.shape[-1]
    assert torch.all(sy.core_shifts(canon) == 0)
    assert torch.all(canon[:, 2, L // 2, L // 2] < -0.5)
    assert torch.all(sy._diagonal_dipole(canon) > 0)


def test_vae_with_canonical_frame_is_equivariant():
    """The same lattice moved by a symmetry gets the same latent and the moved reconstruction."""
    torch.manual_seed(0)
    model = ResidualVAE(L=24, widths=[4, 8], latent_dim=4, canonical_frame="neel").double().eval()
    x = skyrmion_lattice(seed=5, angle=0.7)
    op, shift = (True, False, True), (7, 2)
    moved = sy.translate(sy.apply_symmetry(x, op), *shift)
    with torch.no_grad():
        rec, mu, _ = model(x)
        rec_m, mu_m, _ = model(moved)
    torch.testing.assert_close(mu_m, mu, rtol=0, atol=0)
    torch.testing.assert_close(rec_m, sy.translate(sy.apply_symmetry(rec, op), *shift), rtol=0, atol=0)


def test_canonical_frame_rejects_unknown_point_group():
    with pytest.raises(ValueError):
        ResidualVAE(L=8, widths=[4], latent_dim=2, canonical_frame="chiral")


def _plane_wave(L, m, n):
    """Spins whose S^z is one cosine with wavevector (2π/L)(m, n): one pair of Bragg peaks at angle atan2(m, n)."""
    i, j = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    sz = 0.5 * np.cos(2 * np.pi * (m * i + n * j) / L)
    return np.stack([np.sqrt(1 - sz ** 2), 0 * sz, sz])[None]


@pytest.mark.parametrize("m,n", [(0, 5), (1, 7), (1, 5), (1, 4)])
def test_lattice_angle_of_one_bragg_pair_is_its_angle_folded_into_the_window(m, n):
    """Peaks at φ in [0°, 15°] have 6φ in [0, π/2], already the canonical window around π/4: angle φ − 7.5°."""
    phi = math.degrees(math.atan2(m, n))
    assert sy.lattice_angle(_plane_wave(48, m, n))[0] == pytest.approx(phi - 7.5, abs=1e-9)


def test_lattice_angle_folds_a_mirror_image_onto_the_same_value():
    """φ = 15° + δ is the mirror image (about the diagonal, then a quarter turn) of φ = 15° − δ."""
    a = sy.lattice_angle(_plane_wave(48, 2, 7))[0]  # 15.95°
    assert a == pytest.approx(7.5 - (math.degrees(math.atan2(2, 7)) - 15.0), abs=1e-9)


def test_lattice_angle_of_bloch_lattices_spans_the_wider_c4_window():
    """C4 has no mirrors: φ = 16° (6φ = 96°) is not folded back onto 14° as under C4v, and stays at φ − 7.5°."""
    phi = math.degrees(math.atan2(2, 7))
    assert sy.lattice_angle(_plane_wave(48, 2, 7), "bloch")[0] == pytest.approx(phi - 7.5, abs=1e-9)


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_lattice_angle_is_the_same_for_every_element_of_the_orbit(dmi):
    x = skyrmion_lattice(seed=3, angle=0.4)
    ref = sy.lattice_angle(x, dmi)
    assert -7.5 <= ref[0] <= (7.5 if dmi == "neel" else 22.5)
    for op in sy.symmetry_ops(dmi):
        moved = sy.translate(sy.apply_symmetry(x, op), 5, 17)
        np.testing.assert_allclose(sy.lattice_angle(moved, dmi), ref, atol=1e-9)


def test_lattice_angle_rejects_bad_shapes():
    with pytest.raises(ValueError, match="spins must be"):
        sy.lattice_angle(np.zeros((3, 8, 8)))
