"""Tests for support.vae.evaluation.reconstruction: errors, energy differences, effective-field maps, charge errors."""

import numpy as np
import pytest

from support.chiral import magnet as hb
from support.vae.evaluation import reconstruction as ve

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


def test_reconstruct_sweep_and_mse_sweep_skip_missing_checkpoints(tmp_path):
    from vae_stand_in import TINY, bubbles

    from support.vae.inference import load_vae, reconstruct
    from support.vae.training.loop import train_vae

    data = bubbles(12, seed=0)
    train_vae(TINY, data[:8], data[8:], kl_weight=1e-3, epochs=1, batch_size=4, lr=3e-3, warmup_epochs=1, seed=0,
              device="cpu", progress=False, checkpoint=tmp_path / "a.pt", checkpoint_every_s=0.0)
    ckpts = {"a": tmp_path / "a.pt", "none": None, "gone": tmp_path / "missing.pt"}
    recs = ve.reconstruct_sweep(ckpts, data[:3], device="cpu")
    assert recs["none"] is None and recs["gone"] is None
    np.testing.assert_allclose(recs["a"], reconstruct(load_vae(tmp_path / "a.pt"), data[:3]), atol=1e-6)
    mse = ve.mse_sweep(ckpts, data[:3], device="cpu")
    assert mse["a"] == pytest.approx(ve.per_sample_mse(data[:3], recs["a"]))
    assert np.isnan(mse["none"]).all() and np.isnan(mse["gone"]).all()


def test_local_energy_maps_exact_and_summing_to_the_energies():
    # up → down in a field B: every site pays 2B (exchange and DMI vanish in both uniform states)
    up, down = _uniform([0, 0, 1], 2), _uniform([0, 0, -1], 2)
    B = np.array([0.1, 0.3])
    maps = ve.local_energy_maps(up, down, 0.4, B)
    assert maps["in"][1] == pytest.approx(np.full((L, L), -2.0 - 0.3))
    assert maps["excess"][0] == pytest.approx(np.full((L, L), 0.2))
    assert maps["excess"][1] == pytest.approx(np.full((L, L), 0.6))
    # random lattices under their own (D, B): the maps sum to the energies of energy_differences
    x = hb.random_spins((3, L, L), rng=0).astype(np.float32)
    y = hb.random_spins((3, L, L), rng=1).astype(np.float32)
    D, B = np.array([0.2, 0.5, 0.5]), np.array([0.0, 0.3, 0.1])
    maps, en = ve.local_energy_maps(x, y, D, B, dmi="bloch"), ve.energy_differences(x, y, D, B, dmi="bloch")
    assert maps["in"].sum(axis=(1, 2)) == pytest.approx(en["E_in"], abs=1e-9)
    assert maps["excess"].sum(axis=(1, 2)) == pytest.approx(en["diff"], abs=1e-9)


def test_wall_band_of_a_stripe_domain():
    # S^z = +1 on columns 0..9, -1 on 10..19 of a 20 × 20 torus: walls between columns 9|10 and 19|0
    n = 20
    s = np.zeros((1, 3, n, n), np.float32)
    s[0, 2] = np.where(np.arange(n) < 10, 1.0, -1.0)[None, :]
    wall_cols = {9, 10, 19, 0}
    for width, extra in ((0.0, 0), (1.0, 1), (2.0, 2), (2.5, 2)):
        band = ve.wall_band(s, width)[0]
        cols = {(c + d) % n for c in wall_cols for d in range(-extra, extra + 1)}
        assert band.shape == (n, n) and (band == np.isin(np.arange(n), list(cols))[None, :]).all()
    assert not ve.wall_band(_uniform([0, 0, 1]), 2.0).any()   # no skyrmion, no wall


def test_excess_share_exact_cases():
    band = np.zeros((2, 4, 4), bool)
    band[:, 0] = True                                  # a quarter of the sites
    excess = np.where(band, 1.0, 0.0)
    assert ve.excess_share(excess, band) == pytest.approx({"excess_share": 1.0, "site_share": 0.25})
    assert ve.excess_share(np.ones((2, 4, 4)), band)["excess_share"] == pytest.approx(0.25)  # evenly spread
    # the band gains 8 × 0.5, the other 24 sites lose 24 × 0.5: the share leaves [0, 1]
    assert ve.excess_share(excess - 0.5, band)["excess_share"] == pytest.approx(4.0 / -8.0)
    assert np.isnan(ve.excess_share(np.zeros((2, 4, 4)), band)["excess_share"])
    with pytest.raises(ValueError):
        ve.excess_share(excess[:1], band)
