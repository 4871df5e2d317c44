"""Tests of the learning curves: the monitor only reads the model, the points are log-spaced, the plateau rule."""

import numpy as np
import pytest
import torch
from vae_stand_in import TINY, bubbles

from support.vae import learning_curve as lc
from support.vae import training as tv

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
    model = tv.ResidualVAE(**TINY).eval()
    data = bubbles(60, seed=2)
    mu, _ = lc.encode(model, data)
    pc0 = lc.fit_pca(mu[:40])["pca"].transform(mu.astype(np.float64))[:, 0]
    exact = lc.LatentMonitor(data[:40], pc0[:40], data[40:], -3 * pc0[40:] + 1)(model)
    assert exact["fit_abs_r_pc0_q"] == pytest.approx(1) and exact["val_abs_r_pc0_q"] == pytest.approx(1)
    noise = np.random.default_rng(0).normal(size=60)
    blind = lc.LatentMonitor(data[:40], noise[:40], data[40:], noise[40:])(model)
    assert blind["fit_abs_r_pc0_q"] < 0.4


def _curve(mse, r):
    return [{"step": 2 ** k * 10, "val_mse": m, "val_abs_r_pc0_q": x} for k, (m, x) in enumerate(zip(mse, r))]


def test_plateau_rule():
    flat = lc.plateau(_curve([0.5, 0.1, 0.05, 0.049], [0.3, 0.5, 0.6, 0.61]))
    assert flat["reached"] is True and flat["from_step"] == 40 and flat["to_step"] == 80
    assert flat["mse_gain"] == pytest.approx(0.02)
    assert lc.plateau(_curve([0.5, 0.1, 0.05, 0.04], [0.3, 0.5, 0.6, 0.61]))["reached"] is False  # MSE still falls
    assert lc.plateau(_curve([0.5, 0.1, 0.05, 0.049], [0.3, 0.5, 0.6, 0.7]))["reached"] is False  # r still moves
    assert lc.plateau(_curve([0.5], [0.3]))["reached"] is None
    with pytest.raises(ValueError):
        lc.LatentMonitor(np.zeros((3, 3, 4, 4)), [1, 2], np.zeros((1, 3, 4, 4)), [1])
