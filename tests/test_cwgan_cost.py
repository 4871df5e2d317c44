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


# -------------------------------------------------------------------------------------------------
# the exact chain against the best Monte Carlo: the measurement protocol, on small cases (no timing assertions)
# -------------------------------------------------------------------------------------------------

def _ar1(n, rho, rng):
    x = np.empty(n)
    x[0] = rng.standard_normal() / math.sqrt(1 - rho ** 2)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + rng.standard_normal()
    return x


def test_tau_with_error_on_white_noise_and_ar1():
    from support.samplers.autocorrelation import integrated_autocorrelation_time as iat

    rng = np.random.default_rng(0)
    tau, err = cost.tau_with_error(rng.standard_normal(20000))
    assert abs(tau - 0.5) < 3 * err + 0.02 and 0 < err < 0.05
    rho = 0.8                                     # exact tau_int = (1 + rho) / (2 (1 - rho)) = 4.5
    got = [cost.tau_with_error(_ar1(5000, rho, rng)) for _ in range(40)]
    taus, errs = np.array(got).T
    assert abs(taus.mean() - 4.5) < 3 * taus.std() / math.sqrt(len(taus)) + 0.15   # the window's small bias
    assert 0.5 < errs.mean() / taus.std() < 2.0   # the Madras-Sokal error is the spread of the estimate
    x = _ar1(3000, rho, rng)
    assert cost.tau_with_error(x)[0] == pytest.approx(iat(x))   # the same estimator as the book's


def test_burn_in_length_finds_the_first_step_within_tolerance():
    t = np.arange(60)
    mean = 10.0 * np.exp(-t / 5.0)                # bias in equilibrium standard deviations, three observables
    replicas = np.stack([mean, 0.5 * mean, np.zeros_like(mean)], axis=1)[None].repeat(4, axis=0)
    steps, reached = cost.burn_in_length(replicas, np.zeros(3), np.ones(3), tol=0.5)
    assert reached and steps == int(np.ceil(5 * np.log(20)))
    assert cost.burn_in_length(replicas[:, :10], np.zeros(3), np.ones(3), tol=0.5) == (9, False)


class _FakeSampler:
    """AR(1) observables with a known tau_int; ``run`` without ``record`` does nothing (a bare kernel)."""

    def __init__(self, rho, seed=0):
        self.rho, self.rng, self.x = rho, np.random.default_rng(seed), 0.0

    def run(self, n, *, record=False):
        if not record:
            return None, None
        out = np.empty((n, 3))
        for t in range(n):
            self.x = self.rho * self.x + self.rng.standard_normal()
            out[t] = (self.x, 0.5 * self.x, self.rng.standard_normal())
        return None, out


def test_measure_runs_fifty_tau_and_prices_two_tau():
    m = cost.measure(_FakeSampler(0.9), pilot=200, min_steps=100, max_seconds=60)
    assert m["n_steps"] >= cost.MIN_RUN_OVER_TAU * m["tau_max"] and m["run_over_tau"] >= cost.MIN_RUN_OVER_TAU
    assert m["tau_max"] == max(m["tau_int"].values()) and m["tau_max_err"] > 0
    assert m["seconds_per_independent"] == pytest.approx(m["seconds_per_step"] * 2 * m["tau_max"])
    assert set(m["tau_int"]) == set(cost.SERIES)
    short = cost.measure(_FakeSampler(0.99), pilot=50, min_steps=50, max_seconds=0.0)   # the cap binds: it says so
    assert short["run_over_tau"] < cost.MIN_RUN_OVER_TAU


def test_monte_carlo_cycles_keep_the_map_and_the_target():
    from support import xy
    from support.cwgan.evaluation import exact_checks as ec

    k = xy.pair_map(8, (1, 2), (2, 2)).astype(np.int8)
    mc = cost.MCCycles(k, 0.5, overrelax=2, seed=1)
    mc.burn_in(200)
    _, obs = mc.run(20000, record=True)
    assert xy.matches_map(np.arctan2(mc.s, mc.c)[None], k[None])[0] and 0 < mc.acceptance < 1
    ref = ec.mc_chain(k, 0.5, 20000, burn_in=500, seed=3)[0].astype(np.float64)
    ref_obs = np.stack([xy.energy(ref), xy.magnetization(ref)], axis=1)
    blocks = lambda x: x[: len(x) // 20 * 20].reshape(20, -1, x.shape[1]).mean(1)  # noqa: E731
    a, b = blocks(obs[:, :2]), blocks(ref_obs)
    z = (a.mean(0) - b.mean(0)) / np.hypot(a.std(0, ddof=1), b.std(0, ddof=1)) * math.sqrt(20)
    assert np.all(np.abs(z) < 4), z
    start = mc.replicas(3, 5, seed=0)
    assert start.shape == (3, 6, 3) and np.allclose(start[:, 0], start[0, 0])   # every replica starts at Villain


@pytest.fixture(scope="module")
def cost_row():
    import torch
    from support.cwgan.evaluation import exact_checks as ec
    from support.cwgan.models.learned import LearnedGenerator

    torch.manual_seed(0)
    maps = ec.cost_maps(16, 10, 0)
    return ec.cost_case(LearnedGenerator(widths=[4]), maps["close_pair"], 0.3, name="close_pair", mc_k=[1, 2],
                        plain_mc=True, min_steps=60, mc_min_cycles=100, max_seconds=2.0, n_replicas=4, seed=0)


def test_cost_case_row_has_the_issue_keys_and_consistent_ratios(cost_row):
    import json

    r = cost_row
    for key in ("best_mc_k", "best_mc_seconds_per_independent", "speedup_vs_best_mc", "new_map_seconds",
                "mc_new_map_seconds", "villain_seconds_per_independent", "villain_new_map_seconds", "acceptance"):
        assert key in r, key
    assert r["best_mc_k"] in (1, 2) and set(r["mc_k"]) == {"1", "2"}
    best = min(r["mc_k"].values(), key=lambda m: m["seconds_per_independent"])
    assert r["best_mc_seconds_per_independent"] == best["seconds_per_independent"]
    assert r["speedup_vs_best_mc"] == pytest.approx(r["best_mc_seconds_per_independent"] / r["seconds_per_independent"])
    assert r["new_map_speedup"] == pytest.approx(r["mc_new_map_seconds"] / r["new_map_seconds"])
    assert r["new_map_seconds"] >= r["setup_seconds"] + r["seconds_per_step"] * max(1, r["burn_in_steps"]) * 0.999
    assert r["n_steps"] >= 60 and r["best_mc"]["n_steps"] >= 100 and r["mc_seconds_per_independent"] > 0
    json.dumps(r)                                  # plain JSON for the results file


def _row(name, L, T, speedup, new_map, mc_tau, k=1):
    return {"map": name, "L": L, "T": T, "speedup_vs_best_mc": speedup, "new_map_speedup": new_map,
            "best_mc_tau_max": mc_tau, "best_mc_k": k, "seconds_per_independent": 1.0, "new_map_seconds": 1.0,
            "villain_seconds_per_independent": 1.2, "villain_new_map_seconds": 0.8, "setup_seconds": 2e-3,
            "mc_burn_in_cycles": 30}


def test_cost_verdicts_read_the_best_baseline():
    from support.cwgan.evaluation import exact_checks as ec

    rows = [_row("close_pair", 16, 0.1, 0.5, 0.3, 2.5, k=2), _row("many_pairs", 16, 0.1, 0.7, 0.3, 2.5, k=1),
            _row("close_pair", 32, 0.1, 0.9, 1.0, 3.0), _row("close_pair", 64, 0.1, 3.5, 4.0, 15.0),
            _row("many_pairs", 64, 0.1, 1.2, 2.0, 3.0)]
    v = ec.cost_verdicts(rows)
    assert v["cheaper"].startswith("Per independent field the exact chain is cheaper than the best Monte Carlo in "
                                   "2 of 5")
    assert "(met;" in v["ratio"] and "largest ratio 1.11" in v["ratio"]
    assert "(1 rows)" in v["slow_mc"] and "(met;" in v["slow_mc"]
    assert "in 1 of 2 rows (not met; smallest 2.0, many pairs, L = 64" in v["new_map"]
    assert v["smallest"].startswith("At L = 16 pick Metropolis with k = 1, 2 over-relaxation")
    assert "1.20 to 1.20 times as much per independent field and 0.80 to 0.80" in v["learned"]
    rows[2]["speedup_vs_best_mc"] = 0.5                  # twice the best MC's cost at L = 32: the 1.25 target fails
    assert "(not met; largest ratio 2.00, close pair, L = 32" in ec.cost_verdicts(rows)["ratio"]


def test_cost_maps_are_valid_and_sized():
    from support import xy
    from support.cwgan.evaluation import exact_checks as ec

    for L in (16, 32, 64):
        maps = ec.cost_maps(L, 10, 0)
        pairs = {name: int((k == 1).sum()) for name, k in maps.items()}
        assert pairs["close_pair"] == 1 and pairs["separated_pairs"] == 2 and 4 <= pairs["many_pairs"] <= 6
        for k in maps.values():
            assert k.dtype == np.int8 and k.shape == (L, L) and k.sum() == 0
            assert xy.matches_map(xy.villain_field(k[None]), k[None])[0]
