"""Cost protocol: slopes of known power laws, the budget rule, MC cost from its parts."""

import math

import numpy as np
import pytest

from support.cwgan.evaluation import cost


def test_log_log_slope_of_a_power_law():
    assert cost.log_log_slope({16: 2.0, 32: 2.0 * 2 ** 3, 64: 2.0 * 4 ** 3}) == pytest.approx(3.0)
    assert math.isnan(cost.log_log_slope({16: 1.0, 32: None}))


def _recording_variant(calls: list):
    """A stand-in generator that records the lattice size of every call and returns zeros."""
    def variant(charges, T, seed):
        calls.append(charges.shape[-1])
        return np.zeros(charges.shape, np.float32)
    return variant


def test_cost_by_size_skips_a_variant_past_the_budget():
    calls = []
    out = cost.cost_by_size({"v": _recording_variant(calls)}, [16, 32], 0.1, n_maps=1, samples_per_map=2, mc_burn_in=10,
                            mc_sweeps_at_16=60, seed=0, budget_seconds=0.0)
    assert calls == [16] and out["v"][32] is None and out["v"][16] > 0
    assert out["mc"][16] > 0 and out["mc"][32] > 0


def test_cost_by_size_respects_a_size_cap():
    calls = []
    out = cost.cost_by_size({"v": _recording_variant(calls)}, [16, 32], 0.1, n_maps=1, samples_per_map=1, mc_burn_in=10,
                            mc_sweeps_at_16=60, seed=0, budget_seconds=1e9, max_L={"v": 16})
    assert calls == [16] and out["v"][32] is None


def test_mc_cost_counts_burn_in_and_two_tau_per_sample(monkeypatch):
    seen = {}
    monkeypatch.setattr(cost, "mc_cost_per_sample",
                        lambda *a, **k: seen.update(k) or {"seconds_per_sweep": 1e-3, "tau_int": 25.0})
    out = cost.mc_seconds_per_sample(16, 0.1, samples_per_map=4, burn_in=300, mc_sweeps_at_16=10, seed=0)
    assert out["seconds_per_sample"] == pytest.approx(1e-3 * (300 + 4 * 50) / 4)
    assert seen["overrelax"] == 0
    cost.mc_seconds_per_sample(16, 0.1, samples_per_map=4, burn_in=300, mc_sweeps_at_16=10, seed=0, overrelax=2)
    assert seen["overrelax"] == 2                         # the Monte Carlo row runs the chapter's cycles


def test_speedup_over_mc_divides_per_size_and_skips_untimed():
    costs = {"mc": {16: 1.0, 32: 8.0}, "fast": {16: 0.1, 32: 0.5}, "capped": {16: 0.5, 32: None}}
    out = cost.speedup_over_mc(costs)
    assert out["fast"] == {16: 10.0, 32: 16.0}
    assert out["capped"] == {16: 2.0, 32: None}
    assert "mc" not in out
