"""Tests of the learned generator's scores: a generator that returns the Monte Carlo fields scores perfectly."""

import numpy as np
import pytest

from support import xy
from support.cwgan.evaluation.heldout import headline, score_block, seed_mean


def _fake_fields(n_per_map: int = 4, maps_per_class: int = 3, L: int = 16) -> dict[str, np.ndarray]:
    """Villain fields plus spin waves as 'MC' for classes 0-3 at T = 0.1; generated = MC, first try."""
    rng = np.random.default_rng(0)
    charges, classes, map_id, chain = [], [], [], []
    for c in range(4):
        for m in range(maps_per_class):
            disp = xy.PAIR_DISTANCES[max(c, 1) - 1].displacement
            k = np.zeros((L, L), np.int8) if c == 0 else xy.pair_map(L, disp, (m, 2 * m))
            charges += [k] * n_per_map
            classes += [c] * n_per_map
            map_id += [10 * c + m] * n_per_map
            chain += [10 * c + m] * n_per_map
    charges = np.array(charges)
    theta = (xy.villain_field(charges) + xy.spin_waves(L, 0.1, len(charges), rng)).astype(np.float32)
    charges = xy.vortices(theta)        # the map each field carries (a wave may move a vortex)
    return dict(theta=theta, mc_theta=theta.copy(), tries=np.ones(len(theta), int), charges=charges,
                T=np.full(len(theta), 0.1, np.float32), map_id=np.array(map_id),
                distance_class=np.array(classes, np.int8),
                chain=np.array(chain))


def test_generator_equal_to_mc_scores_perfectly():
    f = _fake_fields()
    block = score_block(f, [0, 1, 2, 3], max_tries=64)
    s = block["by_T"]["0.1"]
    assert s["first_try_rate"] == 1.0 and s["match_rate"] == 1.0 and s["mean_tries"] == 1.0
    assert s["energy_rel_error"] == 0.0 and s["energy_std_ratio"] == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in s["r2"].values())
    row = headline(block, "0.1")
    assert row["dE/N %"] == 0.0 and row["R2 chi"] == pytest.approx(1.0)


def test_redraws_and_seed_mean():
    f = _fake_fields()
    f["tries"][::2] = 3
    f["theta"] = f["theta"] + 0.05 * np.random.default_rng(1).standard_normal(f["theta"].shape).astype(np.float32)
    a = score_block(f, [1, 2, 3], max_tries=64)
    assert a["by_T"]["0.1"]["first_try_rate"] == 0.5 and a["by_T"]["0.1"]["mean_tries"] == 2.0
    assert a["by_T"]["0.1"]["energy_rel_error"] > 0           # extra noise raises the energy
    b = score_block(_fake_fields(), [1, 2, 3], max_tries=64)
    m = seed_mean({"x": {"unseen": a}, "y": {"unseen": b}}, ["x", "y"], "0.1")
    assert m["unseen"]["tries"] == (1.5, 1.0)
    with pytest.raises(ValueError):
        score_block(f, [7], max_tries=64)
