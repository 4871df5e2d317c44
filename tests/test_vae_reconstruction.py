"""Tests for support.vae.reconstruction: errors, energy differences, effective-field maps, charge errors."""

import numpy as np
import pytest

from support.chiral import magnet as hb
from support.vae import reconstruction as ve

L = 12


def _uniform(direction, n=1, L=L):
    v = np.asarray(direction, dtype=np.float64)
    v = v / np.linalg.norm(v)
    return np.broadcast_to(v[None, :, None, None], (n, 3, L, L)).astype(np.float32).copy()


def test_mse_and_squared_error_map_exact():
    up, down = _uniform([0, 0, 1], 2), _uniform([0, 0, -1], 2)
    recon = up.copy()
    recon[1] = down[1]
    mse = ve.per_sample_mse(up, recon)
    # |up - down|² = 4 per site, averaged over 3 components
    assert mse == pytest.approx([0.0, 4.0 / 3.0])
    sq = ve.squared_error_map(up, recon)
    assert sq.shape == (2, L, L) and np.allclose(sq[0], 0) and np.allclose(sq[1], 4.0)
    with pytest.raises(ValueError):
        ve.per_sample_mse(up, recon[:, :, :4])


def test_energy_differences_uniform_states_per_hamiltonian():
    # E(uniform ±z) = -2 J L² ∓ B L² (DMI vanishes for uniform states); each lattice uses its own B
    inputs = _uniform([0, 0, 1], 3)
    recon = _uniform([0, 0, -1], 3)
    recon[0] = 0.5 * inputs[0]  # same state, unnormalised: normalised before physics -> no difference
    D = np.array([0.3, 0.3, 0.5])
    B = np.array([0.1, 0.2, 0.2])
    res = ve.energy_differences(inputs, recon, D, B)
    N = L * L
    assert res["E_in"] == pytest.approx(-2 * N - B * N)
    assert res["diff"] == pytest.approx([0.0, 2 * 0.2 * N, 2 * 0.2 * N])
    assert res["diff_per_spin"] == pytest.approx([0.0, 0.4, 0.4])
    assert res["rel_diff"] == pytest.approx([0.0, 0.4 / 2.2, 0.4 / 2.2])


def test_field_maps_exact_uniform_states():
    # in-plane ferromagnet along x in a field B ẑ: h = 4J x̂ + B ẑ, cos θ = 4 / sqrt(16 + B²)
    x = _uniform([1, 0, 0], 2)
    up = _uniform([0, 0, 1], 2)
    B = np.array([0.0, 3.0])
    fm = ve.field_maps(x, 0.2, B)
    assert fm["h_abs"][0] == pytest.approx(np.full((L, L), 4.0))
    assert fm["h_abs"][1] == pytest.approx(np.full((L, L), 5.0))
    assert fm["cos_theta"][1] == pytest.approx(np.full((L, L), 0.8))
    d = ve.field_map_differences(up, x, 0.2, B)
    assert np.allclose(d["cos_in"], 1.0)  # the field-polarised state is aligned everywhere
    assert d["cos_sqdiff"][1] == pytest.approx(np.full((L, L), 0.04))
    assert d["h_sqdiff"][1] == pytest.approx(np.full((L, L), (7.0 - 5.0) ** 2))


def test_charge_errors():
    sk = hb.analytic_skyrmion(L, radius=3.0).astype(np.float32)[None]
    fm = _uniform([0, 0, 1])
    spins = np.concatenate([sk, fm])
    ce = ve.charge_errors(spins, np.concatenate([fm, fm]))
    assert np.rint(ce["Q_in"]).tolist() == [-1, 0]
    assert ce["abs_error"] == pytest.approx([1.0, 0.0], abs=1e-3)
    assert ce["match_rate"] == 0.5


def test_mse_vs_defects_linear():
    defects = np.array([0, 1, 2, 3, 5])
    res = ve.mse_vs_defects(0.01 + 0.002 * defects, defects)
    assert res["pearson"] == pytest.approx(1.0)
    assert res["slope"] == pytest.approx(0.002) and res["intercept"] == pytest.approx(0.01)
    assert np.isnan(ve.mse_vs_defects([0.1, 0.2], [3, 3])["pearson"])
