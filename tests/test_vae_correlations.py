"""Tests for support.vae.evaluation.correlations (and its tables in support.vae.report): PC0's orientation, PC0 of generated
lattices, the D–B–Q–Mz matrix and the partial correlation of PC0 with Q given D, on hand-built numbers."""

import numpy as np
import pytest

from support.vae.evaluation import correlations as cr
from support.vae import report as rp


class _FirstColumns:
    """A stand-in for a fitted PCA: the scores are the latent's own coordinates."""

    def transform(self, X):
        return np.asarray(X, dtype=np.float64)


def _scores(mu_train, scores_test):
    return {"pca": _FirstColumns(), "mu_train": np.asarray(mu_train, float)[:, None],
            "scores_test": np.asarray(scores_test, float)[:, None]}


def _orthogonal(n=40, seed=0):
    """Centred unit columns ``a``, ``b``, ``c`` orthogonal to each other and to the constant."""
    cols, _ = np.linalg.qr(np.column_stack([np.ones(n), np.random.default_rng(seed).standard_normal((n, 3))]))
    return cols[:, 1], cols[:, 2], cols[:, 3]


def test_pc0_sign_makes_training_pc0_rise_with_q():
    s = _scores([1.0, 2.0, 3.0], [0.0])
    assert cr.pc0_sign(s, [1.0, 2.0, 4.0]) == 1.0
    assert cr.pc0_sign(s, [4.0, 2.0, 1.0]) == -1.0
    assert cr.pc0_sign(s, [2.0, 2.0, 2.0]) == 1.0          # undefined: keep the PCA's sign


def test_generated_along_pc0_projects_the_samples_and_orients_pc0():
    z = np.array([0.0, 1.0, 2.0, 3.0])
    gen = {"thesis": {"z": z[:, None], "Q": 2 * z, "Mz": -z, "n_defects": np.array([0, 0, 1, 0])}}
    split_gen = {"gen": gen, "test_stats": {"Q": [1.0, 2.0, 3.0], "Mz": [0.3, 0.2, 0.1], "n_defects": [0, 1, 2]}}
    scores = _scores([0.0, 1.0, 2.0], [5.0, 6.0, 7.0])
    res = cr.generated_along_pc0(scores, split_gen, q_train=[0.0, 1.0, 2.0])
    assert res["pearson"]["thesis"]["Q"] == pytest.approx(1.0) and res["pearson"]["thesis"]["Mz"] == pytest.approx(-1.0)
    assert res["pearson"]["test"] == pytest.approx({"Q": 1.0, "Mz": -1.0, "n_defects": 1.0})
    np.testing.assert_allclose(res["pc0"]["thesis"], z)
    flipped = cr.generated_along_pc0(scores, split_gen, q_train=[2.0, 1.0, 0.0])   # PC0 falls with Q in training
    np.testing.assert_allclose(flipped["pc0"]["test"], [-5.0, -6.0, -7.0])
    assert flipped["pearson"]["thesis"]["Q"] == pytest.approx(-1.0)
    summary = cr.along_pc0_summary([res, flipped])
    assert summary["pearson"]["thesis"]["Q"]["mean"] == pytest.approx(0.0)
    assert summary["pearson"]["thesis"]["Q"]["std"] == pytest.approx(1.0)
    table = rp.along_pc0_table(res, summary)
    assert table.loc["thesis (latent samples)", ("r(PC0, Q)", "split 0")] == pytest.approx(1.0)
    assert table.loc["test (latent means)", ("r(PC0, defects)", "mean")] == pytest.approx(0.0)


def test_quantity_correlations_exact_matrix():
    D = np.array([1.0, 2.0, 3.0, 4.0])
    data = {"D": D, "B": np.array([1.0, 1.0, 2.0, 2.0]), "Q": -3 * D, "Mz": D ** 2}
    m = cr.quantity_correlations(data)
    assert m["D"]["D"] == pytest.approx(1.0) and m["D"]["Q"] == pytest.approx(-1.0)
    assert m["Q"]["D"] == m["D"]["Q"] and m["D"]["B"] == pytest.approx(2 / np.sqrt(5))   # 2 / (√5 · 1)
    assert np.isnan(cr.quantity_correlations(data, [0, 1])["B"]["D"])                     # B constant there


def test_partial_pc0_q_given_d_separates_a_pc0_that_follows_d():
    # Q = D + a, PC0 = D + b (a, b, D orthogonal): PC0 correlates with Q, but not once D is held fixed
    a, D, b = _orthogonal()
    Q = D + a
    scores = _scores(Q, D + b)                  # training PC0 = Q: orientation +1
    data = {"Q": Q, "D": D}
    follows_d = cr.pc0_partials(scores, Q, data, np.arange(len(D)))
    assert follows_d["pc0_Q"] == pytest.approx(0.5, abs=1e-12)
    assert follows_d["pc0_Q_given_D"] == pytest.approx(0.0, abs=1e-12)
    # given Q, PC0 and D are left with (D - a)/2 + b and (D - a)/2: r = 0.5 / sqrt(0.5 · 1.5)
    assert follows_d["pc0_D_given_Q"] == pytest.approx(np.sqrt(0.5) / np.sqrt(1.5), abs=1e-12)
    # a PC0 equal to Q keeps its whole correlation with Q given D, and none with D given Q
    follows_q = cr.pc0_partials(_scores(Q, Q), Q, data, np.arange(len(D)))
    assert follows_q["pc0_Q_given_D"] == pytest.approx(1.0, abs=1e-12)
    assert np.isnan(follows_q["pc0_D_given_Q"])


def test_dqm_summary_means_over_splits_and_tables():
    a, D, b = _orthogonal(n=20)
    data = {"D": D, "B": a, "Q": D + a, "Mz": D - a}
    idx = np.arange(20)
    s_d, s_q = _scores(D + a, D + b), _scores(D + a, D + a)    # split 0: PC0 follows D; split 1: PC0 = Q
    dqm = cr.dqm_summary(data, [s_d, s_q], [idx, idx], [idx, idx])
    assert dqm["partial_pc0_Q_given_D"]["per_split"] == pytest.approx([0.0, 1.0], abs=1e-12)
    assert dqm["partial_pc0_Q_given_D"]["mean"] == pytest.approx(0.5)
    assert dqm["dataset"]["D"]["Q"] == pytest.approx(np.sqrt(0.5)) and dqm["dataset"]["Q"]["Mz"] == pytest.approx(0.0)
    assert dqm["test"]["D"]["Q"]["mean"] == pytest.approx(np.sqrt(0.5))
    table = rp.correlation_table(dqm)
    assert table.shape == (4, 8) and table.loc["Q", ("all lattices", "D")] == pytest.approx(0.707, abs=1e-3)
    partial = rp.pc0_partial_table(dqm)
    assert list(partial.index) == ["split 0", "split 1", "mean", "std"]
    assert partial.loc["std", "r(PC0, Q | D)"] == pytest.approx(0.5)


def test_glue_numbers_flattens_spreads():
    out = cr.glue_numbers({"x": 0.25, "y": {"mean": 0.5, "std": 0.1, "per_split": [0.4, 0.6]}})
    assert out == {"x": 0.25, "y": 0.5, "y_std": 0.1}
