"""support.cwgan.training.wgan, the cWGAN-GP loop: penalty, physics loss, resume, NaN guard, monitor."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from cwgan_stand_in import stand_in_data

from support import xy
from support.cwgan.training import wgan as training
from support.store.checkpoint import TrainingDiverged, load_checkpoint

L = 8
MODEL = dict(gen_widths=[4, 8], noise_channels=2, critic_widths=[4, 8], critic_full_res_layers=1)
TRAIN = dict(epochs=2, steps_per_epoch=2, batch_size=8, n_critic=2, physics_start_epoch=1, critic_warmup=1,
             residual_penalty=1.0, g_lr=5e-5)


def test_gradient_penalty_linear_critic_exact():
    """For D(x) = w.x the input gradient is w everywhere: penalty = lam (|w| - 1)^2 exactly."""
    w = torch.tensor([[3.0, 4.0], [0.0, 12.0]])  # |w| = 13

    def critic(x):
        return (x * w).sum(dim=(1, 2))

    real, fake = torch.randn(5, 2, 2), torch.randn(5, 2, 2)
    gp = training.gradient_penalty(critic, real, fake, lam=10.0)
    assert gp.item() == pytest.approx(10 * 12 ** 2)
    # and the penalty is differentiable in the critic parameters (create_graph=True)
    w.requires_grad_(True)
    training.gradient_penalty(critic, real, fake, lam=10.0).backward()
    assert torch.allclose(w.grad, 10 * 2 * 12 * w.detach() / 13)


def test_gradient_penalty_uses_interpolates():
    """D(x) = |x|^2 / 2 has gradient x: the penalty is evaluated at eps real + (1 - eps) fake."""
    real, fake = torch.full((2, 3), 1.0), torch.full((2, 3), 3.0)
    eps = torch.tensor([0.0, 1.0])
    gp = training.gradient_penalty(lambda x: 0.5 * (x ** 2).sum(1), real, fake, lam=1.0, eps=eps)
    expected = ((3 * np.sqrt(3) - 1) ** 2 + (np.sqrt(3) - 1) ** 2) / 2
    assert gp.item() == pytest.approx(expected, rel=1e-6)


def test_physics_loss_zero_at_target_and_weighted():
    theta = torch.tensor(xy.villain_field(xy.pair_map(L, (0, 3), (2, 2))))[None]
    spins = torch.stack([torch.cos(theta), torch.sin(theta)], 1)
    k = torch.tensor(xy.pair_map(L, (0, 3), (2, 2)), dtype=torch.float64)[None]
    q = xy.smooth_vortices(spins)
    target = (q * k).sum() / 2  # the field's own smooth charge at its vortices
    # zero except for the non-defect plaquettes, which carry weight 1
    base = ((q * (k == 0)) ** 2).mean()
    assert training.physics_loss(spins, k, target.view(1), 100.0).item() == pytest.approx(base.item(), rel=1e-9)
    # moving the target by dt at the two defects costs defect_weight * 2 dt^2 / L^2
    dt = 0.1
    got = training.physics_loss(spins, k, (target + dt).view(1), 100.0).item()
    assert got == pytest.approx(base.item() + 100.0 * 2 * dt ** 2 / L ** 2, rel=1e-6)


@pytest.mark.parametrize("variant", ["prior"])  # the paper variant shares the loop (see the NaN test)
def test_resume_reproduces_uninterrupted_run(tmp_path, variant):
    d = stand_in_data(L)
    full = training.train_cwgan(d, variant=variant, out_dir=tmp_path / "a", model=MODEL, training=TRAIN, seed=1,
                             progress=False)
    training.train_cwgan(d, variant=variant, out_dir=tmp_path / "b", model=MODEL, training=dict(TRAIN, epochs=1),
                      seed=1, progress=False)
    assert load_checkpoint(tmp_path / "b" / "training.pt")["meta"]["epoch"] == 1
    resumed = training.train_cwgan(d, variant=variant, out_dir=tmp_path / "b", model=MODEL, training=TRAIN, seed=1,
                                progress=False)
    for p, q in zip(full["generator"].state_dict().values(), resumed["generator"].state_dict().values()):
        assert torch.equal(p, q)
    assert [h["epoch"] for h in resumed["history"]] == [1, 2]
    assert resumed["history"][1]["physics_on"] and not resumed["history"][0]["physics_on"]
    # another model config in the same folder is refused, nothing on disk is touched
    with pytest.raises(ValueError, match="another model config"):
        training.train_cwgan(d, variant=variant, out_dir=tmp_path / "b", model=dict(MODEL, noise_channels=3),
                          training=TRAIN, seed=1, progress=False)
    assert load_checkpoint(tmp_path / "b" / "training.pt")["meta"]["epoch"] == 2


def test_nan_guard_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    d = stand_in_data(L)
    out = tmp_path / "paper"
    training.train_cwgan(d, variant="paper", out_dir=out, model=MODEL, training=dict(TRAIN, epochs=1), progress=False)
    good = load_checkpoint(out / "generator.pt")["state"]["model"]
    real_gp = training.gradient_penalty
    monkeypatch.setattr(training, "gradient_penalty", lambda *a, **k: real_gp(*a, **k) * float("nan"))
    with pytest.raises(TrainingDiverged, match="training.pt"):
        training.train_cwgan(d, variant="paper", out_dir=out, model=MODEL, training=TRAIN, progress=False)
    ck = load_checkpoint(out / "training.pt")
    assert ck["meta"]["epoch"] == 1
    for k, v in load_checkpoint(out / "generator.pt")["state"]["model"].items():
        assert torch.equal(v, good[k])


def test_bad_parameters_fail_early(tmp_path):
    d = stand_in_data(L)
    with pytest.raises(ValueError, match="unknown training keys"):
        training.train_cwgan(d, variant="paper", out_dir=tmp_path, model=MODEL, training=dict(lr_typo=1), progress=False)
    with pytest.raises(ValueError, match="batch size"):
        training.train_cwgan(d, variant="paper", out_dir=tmp_path, model=MODEL, training=dict(batch_size=1000),
                          progress=False)


def test_monitor_callback_joins_the_history_and_sees_the_current_generator(tmp_path):
    d = stand_in_data(L)
    seen = []

    def monitor(gen):
        seen.append(float(gen.head.weight.detach().abs().sum()))
        return {"calls": len(seen)}

    res = training.train_cwgan(d, variant="prior", out_dir=tmp_path, model=MODEL, training=TRAIN, monitor=monitor,
                               seed=2, progress=False)
    assert [h["calls"] for h in res["history"]] == [1, 2]
    assert seen[0] > 0 and seen[1] != seen[0]          # the zero-initialised head moved: the trained generator
    # the prior settings travel with the generator: default prior plus the override
    res2 = training.train_cwgan(d, variant="prior", out_dir=tmp_path / "b", model=MODEL,
                                training=dict(TRAIN, epochs=0), prior={"max_tries": 7}, progress=False)
    assert load_checkpoint(res2["checkpoint"])["config"]["prior"]["max_tries"] == 7


def test_log_steps_are_log_spaced_and_end_at_the_total():
    assert training.log_steps(300, 6) == [1, 3, 10, 31, 96, 300]
    assert training.log_steps(4, 6) == [1, 2, 3, 4]            # fewer steps than points: each step once
    assert training.log_steps(0) == [] and training.log_steps(10, 1) == [10]


def test_learning_curve_rows_at_the_chosen_steps_survive_resume_and_leave_training_alone(tmp_path):
    d = stand_in_data(L)
    weights = []

    def curve(gen):
        weights.append(float(gen.head.weight.detach().abs().sum()))
        return {"score": weights[-1]}

    plain = training.train_cwgan(d, variant="paper", out_dir=tmp_path / "plain", model=MODEL, training=TRAIN,
                                 seed=3, progress=False)
    assert plain["curve"] == []
    run = dict(variant="paper", out_dir=tmp_path / "c", model=MODEL, seed=3, progress=False, curve=curve)
    training.train_cwgan(d, training=dict(TRAIN, epochs=1), **run)
    res = training.train_cwgan(d, training=TRAIN, **run)        # resumes epoch 2, keeps epoch 1's rows
    assert [r["step"] for r in res["curve"]] == training.log_steps(4) == [1, 2, 3, 4]
    assert [r["score"] for r in res["curve"]] == weights and len(set(weights)) == 4   # the generator moved
    for p, q in zip(plain["generator"].state_dict().values(), res["generator"].state_dict().values()):
        assert torch.equal(p, q)                                  # scoring draws nothing from training's streams
    # a checkpoint made without the curve is trained again, from step 1
    res = training.train_cwgan(d, training=TRAIN, **dict(run, out_dir=tmp_path / "plain", curve_steps=[2, 4]))
    assert [r["step"] for r in res["curve"]] == [2, 4]
