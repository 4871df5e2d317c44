"""Tests of VAE training: symmetry augmentation (energy invariance), loss, schedule, resume, NaN guard, I/O."""

import numpy as np
import pytest
import torch
from vae_stand_in import TINY, bubbles

from support.chiral.magnet import energy
from support.chiral.symmetry import apply_symmetry, symmetry_ops, translate
from support.store.checkpoint import TrainingDiverged
from support.vae import inference as inf
from support.vae.training import loop as tv

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def random_spins(n, L, seed=0):
    s = np.random.default_rng(seed).normal(size=(n, 3, L, L))
    return (s / np.linalg.norm(s, axis=1, keepdims=True)).astype(np.float64)


# --- symmetries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dmi,n_ops", [("neel", 8), ("bloch", 4)])


def test_every_augmentation_leaves_the_energy_invariant(dmi, n_ops):
    spins = random_spins(3, 6, seed=1)
    params = dict(J=1.0, D=0.7, B=0.3, dmi=dmi)
    e0 = energy(spins, **params)
    ops = symmetry_ops(dmi)
    assert len(ops) == n_ops and len(set(ops)) == n_ops
    for op in ops:
        for shift in [(0, 0), (1, 4), (5, 2)]:
            s = translate(apply_symmetry(spins, op), *shift)
            np.testing.assert_allclose(energy(s, **params), e0, rtol=1e-12, atol=1e-10)
            # the torch path does the same
            st = translate(apply_symmetry(torch.from_numpy(spins), op), *shift).numpy()
            np.testing.assert_allclose(st, s)


def test_excluded_operations_do_change_the_energy():
    """Sanity of the test above: mirrors break Bloch DMI, rotating only positions breaks Néel DMI."""
    spins = random_spins(1, 6, seed=2)
    bloch = dict(D=0.7, B=0.3, dmi="bloch")
    mirror = (False, False, True)
    assert mirror not in symmetry_ops("bloch")
    assert abs(energy(apply_symmetry(spins, mirror), **bloch)[0] - energy(spins, **bloch)[0]) > 1e-3
    neel = dict(D=0.7, B=0.3, dmi="neel")
    positions_only = np.ascontiguousarray(np.swapaxes(spins, -1, -2))  # transpose without swapping Sx, Sy
    assert abs(energy(positions_only, **neel)[0] - energy(spins, **neel)[0]) > 1e-3


def test_augment_batch_draws_symmetries_per_sample():
    spins = random_spins(64, 6, seed=3).astype(np.float32)
    out = tv.augment_batch(torch.from_numpy(spins), torch.Generator().manual_seed(0), dmi="neel").numpy()
    params = dict(D=0.5, B=0.2, dmi="neel")
    np.testing.assert_allclose(energy(out.astype(np.float64), **params), energy(spins.astype(np.float64), **params),
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    assert np.mean(np.all(np.isclose(out, spins), axis=(1, 2, 3))) < 0.2  # most samples were moved
    with pytest.raises(ValueError):
        tv.augment_batch(torch.from_numpy(spins), dmi="chiral")


# --- loss, schedule, names ----------------------------------------------------------------------


def test_vae_loss_by_hand():
    x = torch.zeros(2, 3, 2, 2)
    recon = torch.zeros(2, 3, 2, 2)
    recon[0, 0, 0, 0] = 2.0  # squared error 4 in one of 24 entries
    mu, logvar = torch.tensor([[1.0], [0.0]]), torch.tensor([[0.0], [0.0]])
    total, mse, kl = tv.vae_loss(recon, x, mu, logvar, kl_weight=0.1)
    assert float(mse) == pytest.approx(4 / 24)
    assert float(kl) == pytest.approx(0.25)  # (½·1 + 0) / 2 samples
    assert float(total) == pytest.approx(4 / 24 + 0.025)


def test_lr_schedule():
    assert tv.lr_at(0, 100, 10, 1.0) == pytest.approx(0.1)
    assert tv.lr_at(10, 100, 10, 1.0) == pytest.approx(1.0)
    assert tv.lr_at(100, 100, 10, 1.0, min_factor=0.05) == pytest.approx(0.05)
    lrs = [tv.lr_at(s, 100, 10, 1.0) for s in range(10, 101)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))


def test_names(tmp_path):
    assert tv.kl_key(1.25e-5) == "1.25e-05" and tv.kl_key(1e-4) == "0.0001" and tv.kl_key(3.2e-3) == "0.0032"
    assert tv.checkpoint_path(tmp_path, 5e-5).name == "kl_5e-05.pt"
    assert tv.checkpoint_path(tmp_path, 5e-5, augmented=True).name == "kl_5e-05_augmented.pt"


# --- training -------------------------------------------------------------------------------------

def _train(tmp_path, epochs, name="run.pt", **kw):
    data = bubbles(40, seed=0)
    args = dict(kl_weight=1e-3, epochs=epochs, batch_size=8, lr=3e-3, warmup_epochs=1, seed=0, device="cpu",
                progress=False, checkpoint=tmp_path / name, checkpoint_every_s=0.0)
    args.update(kw)
    return tv.train_vae(TINY, data[:32], data[32:], **args)


def test_training_reduces_the_reconstruction_error(tmp_path):
    model, hist = _train(tmp_path, epochs=6)
    assert len(hist["train_mse"]) == 6 and len(hist["val_mse"]) == 6
    assert hist["train_mse"][-1] < 0.7 * hist["train_mse"][0]
    assert not model.training
    data = bubbles(8, seed=5)
    mu, logvar = inf.encode(model, data, batch_size=3)
    assert mu.shape == (8, 4) and logvar.shape == (8, 4) and mu.dtype == np.float32
    recon = inf.reconstruct(model, data, batch_size=3)
    assert recon.shape == data.shape
    np.testing.assert_allclose(np.linalg.norm(recon, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(inf.decode_latents(model, mu), recon, atol=1e-6)
    # the checkpoint rebuilds the same (best-validation) model
    loaded = inf.load_vae(tmp_path / "run.pt")
    np.testing.assert_allclose(inf.reconstruct(loaded, data), recon, atol=1e-6)
    assert loaded.config == model.config
    meta = inf.checkpoint_meta(tmp_path / "run.pt")
    assert meta["epoch"] == 6 and meta["config"]["training"]["kl_weight"] == 1e-3


def test_resume_continues_exactly(tmp_path, monkeypatch):
    _, straight = _train(tmp_path, epochs=3, name="straight.pt")
    real = tv._train_epoch

    def interrupted(*args, **kwargs):
        if args[3] == 2:  # the third epoch is interrupted
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(tv, "_train_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path, epochs=3, name="resumed.pt")
    assert torch.load(tmp_path / "resumed.pt", weights_only=True)["meta"]["epoch"] == 2
    monkeypatch.setattr(tv, "_train_epoch", real)
    _, resumed = _train(tmp_path, epochs=3, name="resumed.pt")  # continues with epoch 2
    np.testing.assert_allclose(resumed["train_loss"], straight["train_loss"], rtol=1e-5)
    a = torch.load(tmp_path / "straight.pt", weights_only=True)["state"]["model"]
    b = torch.load(tmp_path / "resumed.pt", weights_only=True)["state"]["model"]
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)
    # a complete run is loaded, not retrained
    _, again = _train(tmp_path, epochs=3, name="straight.pt")
    assert again["train_loss"] == straight["train_loss"]
    # another model config or kl weight is refused, the checkpoint stays
    with pytest.raises(ValueError, match="another model config"):
        _train(tmp_path, epochs=3, name="straight.pt", kl_weight=2e-3)
    data = bubbles(40, seed=9)  # other data, same sizes
    with pytest.raises(ValueError, match="data_crc32"):
        tv.train_vae(TINY, data[:32], data[32:], kl_weight=1e-3, epochs=3, batch_size=8, lr=3e-3, warmup_epochs=1,
                     device="cpu", progress=False, checkpoint=tmp_path / "straight.pt")
    assert (tmp_path / "straight.pt").exists()


def test_nan_guard_retries_then_raises(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = tv._train_epoch

    def flaky(*args, **kwargs):
        out = real(*args, **kwargs)
        calls["n"] += 1
        return (float("nan"), *out[1:]) if calls["n"] == 2 else out  # epoch 1 fails once

    monkeypatch.setattr(tv, "_train_epoch", flaky)
    _, hist = _train(tmp_path, epochs=3, name="flaky.pt")
    assert hist["retries"] == 1 and hist["lr_scale"] == 0.5 and len(hist["train_loss"]) == 3

    def broken(*args, **kwargs):
        out = real(*args, **kwargs)
        return (out[0], float("inf"), *out[2:]) if kwargs.get("lr") and args[3] >= 1 else out

    monkeypatch.setattr(tv, "_train_epoch", broken)
    with pytest.raises(TrainingDiverged):
        _train(tmp_path, epochs=3, name="broken.pt", max_retries=2)
    # the last good state (after epoch 0) is on disk and loads
    ckpt = torch.load(tmp_path / "broken.pt", weights_only=True)
    assert ckpt["meta"]["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in ckpt["state"]["model"].values() if v.is_floating_point())


def test_bad_inputs_fail_early(tmp_path):
    data = bubbles(10)
    with pytest.raises(ValueError, match="L=16"):
        tv.train_vae({**TINY, "L": 16}, data, data, kl_weight=0.0, epochs=1, progress=False)
    with pytest.raises(ValueError):
        tv.train_vae(TINY, data[:, :2], data, kl_weight=0.0, epochs=1, progress=False)
    with pytest.raises(ValueError):
        tv.train_vae(TINY, data, data, kl_weight=-1.0, epochs=1, progress=False)
