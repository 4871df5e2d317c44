"""Tests of the learning curves: the monitor only reads the model, the points are log-spaced, the plateau rule."""

import numpy as np
import pytest
import torch
from vae_stand_in import TINY, bubbles

from support.vae.inference import encode
from support.vae.model import ResidualVAE
from support.vae.latent.analysis import fit_pca
from support.vae.training import learning_curve as lc
from support.vae.training import runs as vr
from support.vae.training import loop as tv

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def test_curve_epochs_are_log_spaced_and_end_at_the_last_epoch():
    assert tv.curve_epochs(100, 8) >= {0, 99}
    ends = np.array(sorted(tv.curve_epochs(1000, 10))) + 1
    assert len(ends) == 10 and np.allclose(np.log(ends), np.linspace(0, np.log(1000), 10), atol=0.1)  # even in log
    assert tv.curve_epochs(3, 12) == {0, 1, 2} and tv.curve_epochs(5, 0) == set()


def test_a_monitored_run_trains_exactly_as_an_unmonitored_one():
    data = bubbles(40, seed=4)
    q = np.arange(40, dtype=float)
    kw = dict(kl_weight=1e-3, epochs=5, batch_size=8, lr=3e-3, warmup_epochs=1, device="cpu", progress=False)
    plain_model, plain = tv.train_vae(TINY, data[:32], data[32:], **kw)
    monitor = lc.LatentMonitor(data[:32], q[:32], data[32:], q[32:])
    model, hist = tv.train_vae(TINY, data[:32], data[32:], monitor=monitor, monitor_points=3, **kw)
    assert hist["train_loss"] == plain["train_loss"]
    for k, v in plain_model.state_dict().items():
        assert torch.equal(model.state_dict()[k], v)
    steps = [p["step"] for p in hist["curve"]]
    assert steps == sorted(steps) and steps[-1] == 5 * hist["steps_per_epoch"] and len(steps) == 3
    last = hist["curve"][-1]
    assert last["val_mse"] == hist["val_mse"][-1]
    assert 0 <= last["val_abs_r_pc0_q"] <= 1 and 0 < last["pc0_variance_share"] <= 1
    assert plain["curve"] == []


def test_the_monitor_reads_pc0_against_q():
    """A charge equal to PC0 of the fit latents reads |r| = 1; a charge independent of it reads near 0."""
    torch.manual_seed(0)
    model = ResidualVAE(**TINY).eval()
    data = bubbles(60, seed=2)
    mu, _ = encode(model, data)
    pc0 = fit_pca(mu[:40])["pca"].transform(mu.astype(np.float64))[:, 0]  # the chapters' PCA, not the monitor's
    exact = lc.LatentMonitor(data[:40], pc0[:40], data[40:], -3 * pc0[40:] + 1)(model)
    assert exact["fit_abs_r_pc0_q"] == pytest.approx(1) and exact["val_abs_r_pc0_q"] == pytest.approx(1)
    noise = np.random.default_rng(0).normal(size=60)
    blind = lc.LatentMonitor(data[:40], noise[:40], data[40:], noise[40:])(model)
    assert blind["fit_abs_r_pc0_q"] < 0.4


def _history(best, r, step):
    return {"best_val_mse": best, "curve": [{"step": step, "val_mse": best, "val_abs_r_pc0_q": r}]}


def test_plateau_rule_compares_half_and_full_budgets():
    flat = lc.plateau(_history(0.0240, 0.6, 500), _history(0.0233, 0.7, 1000))
    assert flat["reached"] is True and flat["steps"] == [500, 1000]
    assert flat["mse_gain"] == pytest.approx(0.0007 / 0.024) and flat["r_change"] == pytest.approx(0.1)
    still = lc.plateau(_history(0.030, 0.6, 300), _history(0.024, 0.6, 600))  # 20 % better with twice the steps
    assert still["reached"] is False and still["mse_gain"] == pytest.approx(0.2)
    assert lc.plateau(None, _history(0.02, 0.5, 10))["reached"] is None
    assert lc.plateau({"best_val_mse": 0.1, "curve": []}, _history(0.02, 0.5, 10))["reached"] is None


def test_half_budget_twins_and_the_gap():
    jobs = {"a": {"epochs": 7, "path": "x/vae/kl_1e-05.pt", "lr": 1.0}, "b": {"epochs": 1, "path": "y/b.pt"}}
    both = vr.with_half_budgets(jobs, ["a"])
    assert set(both) == {"a", "b", "a_half"} and both["a_half"]["epochs"] == 4 and both["a_half"]["lr"] == 1.0
    assert str(both["a_half"]["path"]).endswith("x/vae/kl_1e-05_half.pt") and both["a"] is jobs["a"]
    full, half = vr.split_half_budgets({"a": 1, "b": 2, "a_half": 3})
    assert full == {"a": 1, "b": 2} and half == {"a": 3}
    assert lc.generalisation_gap({"train_mse": [0.1, 0.01], "val_mse": [0.2, 0.05]}) == pytest.approx(5)
    assert np.isnan(lc.generalisation_gap(None))


def test_monitor_needs_a_charge_per_lattice():
    with pytest.raises(ValueError):
        lc.LatentMonitor(np.zeros((3, 3, 4, 4)), [1, 2], np.zeros((1, 3, 4, 4)), [1])


def test_training_length_sentences_follow_the_numbers():
    from support.vae import verdicts
    flat = {"reached": True, "mse_gain": 0.02, "r_change": -0.1, "steps": [500, 1000]}
    open_run = {"reached": False, "mse_gain": 0.2, "r_change": 0.05, "steps": [300, 600]}
    assert verdicts.learning_plateau_sentence({"a": flat, "b": open_run}).startswith("1 of 2 budgets reached")
    assert "20.0%" in verdicts.learning_plateau_sentence({"a": flat, "b": open_run})
    undecided = {"reached": None, "mse_gain": float("nan"), "r_change": float("nan"), "steps": None}
    assert verdicts.learning_plateau_sentence({"a": undecided}).startswith("No run")
    data_limited = verdicts.generalisation_gap_sentence({"a": 4.0, "b": 5.0}, {"a": flat})
    assert "4.5 times" in data_limited and "the data" in data_limited
    assert "more steps may" in verdicts.generalisation_gap_sentence({"a": 4.0}, {"a": open_run})
    assert "the data" not in verdicts.generalisation_gap_sentence({"a": 1.2, "b": None}, {"a": flat})
