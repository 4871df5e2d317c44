"""Tests of the generator as a tool (support.cwgan.generator): generate, checkpoint round trip, resize."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from cwgan_stand_in import stand_in_data

from support import xy
from support.cwgan import generate, load_generator
from support.cwgan.generator import resize_generator, save_generator
from support.cwgan.models.unet import UNetGenerator
from support.cwgan.training.wgan import train_cwgan
from support.store.checkpoint import save_checkpoint

L = 8
MODEL = dict(gen_widths=[4, 8], noise_channels=2, critic_widths=[4, 8], critic_full_res_layers=1)


def test_generate_shapes_determinism_and_prior_start(tmp_path):
    d = stand_in_data(L)
    res = train_cwgan(d, variant="prior", out_dir=tmp_path / "prior", model=MODEL,
                            training=dict(epochs=0, batch_size=8), progress=False)
    g = load_generator(res["checkpoint"])
    a = generate(g, d["charges"][:5], d["T"][:5], seed=3)
    b = generate(g, d["charges"][:5], d["T"][:5], seed=3, batch_size=2)
    assert a.shape == (5, L, L) and a.dtype == np.float32
    assert np.allclose(a, b, atol=1e-6)
    # an untrained prior generator returns the prior: right map, thermal bond fluctuations
    assert np.all(xy.vortices(a) == d["charges"][:5])
    with pytest.raises(ValueError):
        generate(g, np.ones((1, L, L), np.int8), [0.1], seed=0)


def test_checkpoint_round_trip_keeps_weights_and_prior(tmp_path):
    torch.manual_seed(0)
    g = UNetGenerator(L, "prior", widths=[4, 8], noise_channels=2, prior={"max_tries": 9})
    torch.nn.init.normal_(g.head.weight, std=0.3)
    save_generator(tmp_path / "generator.pt", g, epoch=3)
    h = load_generator(tmp_path / "generator.pt")
    assert h.config == g.config and h.config["prior"]["max_tries"] == 9 and not h.training
    for a, b in zip(g.state_dict().values(), h.state_dict().values()):
        assert torch.equal(a, b)
    k = np.stack([xy.pair_map(L, (0, 2), (1, 1))] * 3)
    np.testing.assert_array_equal(generate(g, k, 0.1, seed=4), generate(h, k, 0.1, seed=4))
    # a checkpoint of the old format (prior outside the model config) is refused with a clear message
    save_checkpoint(tmp_path / "old.pt", config=dict(model={k_: v for k_, v in g.config.items() if k_ != "prior"},
                                                      prior=g.config["prior"]), state=dict(model=g.state_dict()), meta={})
    with pytest.raises(ValueError, match="old-format"):
        load_generator(tmp_path / "old.pt")


def test_resize_generator_runs_at_a_larger_lattice():
    torch.manual_seed(0)
    g = UNetGenerator(16, variant="paper", widths=(4, 8), noise_channels=2).eval()
    big = resize_generator(g, 32)
    assert big is not None and big.L == 32
    for a, b in zip(g.state_dict().values(), big.state_dict().values()):
        assert torch.equal(a, b)
    assert resize_generator(g, 18) is None     # not divisible by 2**depth


@pytest.mark.parametrize("bad_T", [float("nan"), float("inf"), -float("inf"), -0.1])
def test_generate_refuses_temperatures_that_give_nan_fields(bad_T):
    from support.cwgan.models.learned import LearnedGenerator

    k = np.stack([xy.pair_map(16, (0, 2), (3, 3))] * 2)
    unet = UNetGenerator(L=L, variant="paper", widths=[4, 8], noise_channels=2)
    for g, maps in ((LearnedGenerator(widths=[4]), k), (unet, k[:, :L, :L] * 0)):
        with pytest.raises(ValueError, match="finite"):
            generate(g, maps, np.array([0.1, bad_T]))
