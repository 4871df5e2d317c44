"""Tests for support.vae.evaluation.diagnostics: what the principal components follow, what the reconstruction error follows."""

import numpy as np
import pytest
import torch

from support.chiral import magnet as hb
from support.chiral.phases import lattice_statistics
from support.vae.evaluation import diagnostics as dg
from support.vae.evaluation import heldout as ev
from support.vae.latent import analysis as lt
from support.vae.inference import reconstruct
from support.vae.model import ResidualVAE
from support.vae.evaluation.reconstruction import per_sample_mse


def _toy_data(n=24, L=16, seed=0):
    g = np.random.default_rng(seed)
    spins = np.stack([hb.analytic_skyrmion(L, 2.0 + g.random(), centre=g.uniform(0, L, 2)) for _ in range(n)])
    stats = lattice_statistics(spins)
    return {**stats, "spins": spins.astype(np.float32), "D": g.uniform(0.4, 0.6, n), "B": g.uniform(0.05, 0.1, n)}


def test_lattice_descriptors_are_per_lattice():
    data = _toy_data()
    idx = np.array([3, 1, 7])
    d = dg.lattice_descriptors(data, idx)
    assert tuple(d) == dg.DESCRIPTORS and all(v.shape == (3,) for v in d.values())
    np.testing.assert_allclose(d["core radius"], hb.core_radius(data["spins"][idx]))
    assert np.all(np.abs(d["lattice angle"]) <= 7.5) and np.array_equal(d["D"], data["D"][idx])


def test_split_diagnostics_and_their_summary():
    torch.manual_seed(0)
    model = ResidualVAE(L=16, widths=(4, 8), latent_dim=6).eval()
    data = _toy_data()
    fit, test = np.arange(14), np.arange(16, 24)  # lattices 14 and 15: validation, in neither set
    scores = ev.split_scores(model, data["spins"], data, np.arange(16), test, n_boot=10)
    descriptors = dg.lattice_descriptors(data, np.arange(len(data["spins"])))
    per = [dg.split_diagnostics(model, scores, data, fit, test, descriptors=descriptors) for _ in range(2)]
    comps = per[0]["components"]
    assert set(comps) == set(dg.DESCRIPTORS) and all(len(v) == dg.N_COMPONENTS for v in comps.values())
    # the training decomposition is that of the fitted lattices' own reconstruction errors
    mse_fit = per_sample_mse(data["spins"][fit], reconstruct(model, data["spins"][fit]))
    want = lt.error_decomposition(mse_fit, data["n_defects"][fit], data["D"][fit], data["B"][fit])
    assert per[0]["errors"]["fit"] == pytest.approx(want, nan_ok=True) and 0 < want["r2_phase"] < 1
    summary = dg.diagnostics_summary(per)
    assert summary["components"]["Q"]["mean"] == pytest.approx(comps["Q"])
    assert summary["components"]["Q"]["std"] == [0.0] * dg.N_COMPONENTS
    assert "PC3" in dg.component_table(summary).index and "mean test" in dg.error_table(per, summary).index
    heads = dg.headline_numbers(summary, dg.count_shares(descriptors))
    assert heads["pc0_radius"] == pytest.approx(comps["core radius"][0])
    assert heads["r2_phase_fit"] == pytest.approx(want["r2_phase"]) and "defect_free_test" in heads
    # the test errors are split_scores' own, lattice by lattice
    assert scores["test_mse"] == pytest.approx(np.mean(scores["mse_per_lattice_test"]))


def test_count_shares_of_single_skyrmions():
    """Every toy lattice holds one skyrmion: one group, so nothing varies between groups and every share is 0."""
    data = _toy_data()
    shares = dg.count_shares(dg.lattice_descriptors(data, np.arange(len(data["spins"]))))
    assert set(shares) == set(dg.DESCRIPTORS) - {"Q"}
    assert shares["core radius"] == pytest.approx(0.0, abs=1e-12)


def test_variance_shares_over_splits_table_and_sentence():
    per_split = [{"q_variance_share": {"q": q, "pc0": p}} for q, p in ((0.10, 0.30), (0.14, 0.30))]
    control = [{"q_variance_share": {"q": 0.02, "pc0": 0.5}}, {"q_variance_share": {"q": 0.04, "pc0": 0.5}}]
    main = dg.variance_shares(per_split, control)
    assert main["trained"]["mean"] == pytest.approx(0.12) and main["trained"]["std"] == pytest.approx(0.02)
    assert main["pc0_share"]["mean"] == pytest.approx(0.30) and main["untrained"]["mean"] == pytest.approx(0.03)
    row = {"q_variance_share": main["trained"], "q_variance_share_untrained": main["untrained"],
           "pc0_share": main["pc0_share"], "pc0_share_untrained": main["pc0_share_untrained"]}
    assert dg.size_variance_shares(row) == main
    table = dg.variance_share_table({"main": main})
    assert table.loc["main", "Q / PC0"] == "0.40" and table.loc["main", "Q share"] == "0.12 ± 0.02"
    text = dg.variance_share_sentence(main, {32: main, 64: main})
    assert "at most 40%" in text and "mostly something other than Q" in text and "training raised Q's share" in text
    assert "at L = 32" in text and "at L = 64" in text
    # a latent that is a line in Q: PC0 could be Q alone
    line = {k: {"mean": v, "std": 0.0} for k, v in (("trained", 0.9), ("pc0_share", 0.95), ("untrained", 0.9),
                                                    ("pc0_share_untrained", 0.95))}
    assert "nearly alone" in dg.variance_share_sentence(line, {})
