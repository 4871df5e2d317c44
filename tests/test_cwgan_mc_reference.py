"""Tests of the Monte Carlo reference (support.cwgan.evaluation.mc_reference): polish, τ_int, cost, top-up."""


import numpy as np
import pytest

from support import xy
from support.cwgan.evaluation import mc_reference as mr
from support.cwgan.models.baselines import baseline_fields


@pytest.mark.parametrize("overrelax", [0, 2])
def test_polish_keeps_maps_and_heats_to_equipartition(overrelax):
    """From the T = 0 field, constrained sweeps (cycles with OR) keep the map and bring E/N to -2 + T/2."""
    L, T = 12, 0.1
    maps = np.stack([np.zeros((L, L), np.int8), xy.pair_map(L, (1, 4), (3, 3))])
    charges = np.repeat(maps, 24, axis=0)
    start = baseline_fields("villain", charges, T, np.random.default_rng(2))
    series = mr.polish_series(start, T, [0, 200], seed=3, overrelax=overrelax)
    np.testing.assert_array_equal(series[0], start)
    assert np.all(xy.matches_map(series[200], charges))
    e0 = xy.energy_per_site(series[200][:24]).mean()   # the no-pair half
    # harmonic value -2 + T/2 plus the first anharmonic correction T²/16; per-field sd ~ T/sqrt(2N)
    assert e0 == pytest.approx(-2 + T / 2 + T ** 2 / 16, abs=4 * T / np.sqrt(2 * L * L * 24))
    with pytest.raises(ValueError):
        mr.polish_series(start, T, [5, 2])


def test_mc_cost_arithmetic_and_cost_maps():
    cost = mr.mc_cost_per_sample(12, 0.1, n_sweeps=200, burn_in=20, n_chains=2)
    assert cost["L"] == 12 and cost["n_chains"] == 2 and cost["tau_int"] == max(cost["tau_int_energy"], cost["tau_int_m"])
    assert cost["seconds_per_sample"] == pytest.approx(cost["seconds_per_sweep"] * max(1.0, 2 * cost["tau_int"]))
    maps = mr.pair_maps_for_cost(12, 8, np.random.default_rng(0))
    assert np.all(xy.pair_distance(maps) == pytest.approx(np.hypot(1, 4)))


def test_over_relaxation_shortens_tau_of_the_magnetisation():
    """At L = 16, T = 0.1 plain constrained Metropolis has tau_int(|M|) ~ 50 sweeps, one OR sweep per sweep ~ 1.3
    cycles (benchmarks/bench_overrelax_tau.py); tau_int(E) ~ 2.5 either way (OR keeps the energy)."""
    k = mr.pair_maps_for_cost(16, 1, np.random.default_rng(0))[0]
    plain = mr.mc_cost_per_sample(16, 0.1, charges=k, n_sweeps=1500, burn_in=100, n_chains=2, seed=1)
    ours = mr.mc_cost_per_sample(16, 0.1, charges=k, n_sweeps=1500, burn_in=100, n_chains=2, seed=1, overrelax=1)
    assert ours["tau_int_m"] < plain["tau_int_m"] / 5
    assert ours["tau_int"] < 6 and ours["seconds_per_sample"] == pytest.approx(ours["seconds_per_sweep"] * 2 * ours["tau_int"])


def test_polish_starts_and_sweeps_needed():
    classes = np.array([0, 0, 0, 1, 1, 1, 1])
    at_T = np.array([1, 1, 1, 1, 1, 1, 0], bool)
    matched = np.array([1, 0, 1, 1, 1, 0, 1], bool)
    p = mr.polish_starts(classes, at_T, matched, 5)
    np.testing.assert_array_equal(p["generator"], [0, 2, 3, 4])  # right maps only, at T
    np.testing.assert_array_equal(p["villain"], [0, 1, 2, 3, 4, 5])
    matched[3] = False                                          # class 1 keeps one right map: polish everything
    np.testing.assert_array_equal(mr.polish_starts(classes, at_T, matched, 5)["generator"], [0, 1, 2, 3, 4, 5])
    rows = [dict(sweeps=0, cv_ratio=0.5, chi_ratio=0.95), dict(sweeps=5, cv_ratio=0.92, chi_ratio=1.05),
            dict(sweeps=10, cv_ratio=1.2, chi_ratio=1.0)]
    assert mr.sweeps_needed(rows) == 5 and mr.sweeps_needed(rows, tol=0.01) is None


def test_top_up_mc_adds_chains_of_held_out_maps_only():
    L, n = 8, 3
    k = xy.pair_map(L, (0, 2), (1, 1))
    data = dict(theta=np.zeros((n, L, L), np.float32), charges=np.repeat(k[None], n, 0),
                T=np.full(n, 0.1, np.float32), distance_class=np.full(n, 3), map_id=np.full(n, 7), chain=np.zeros(n, int))
    data["theta"][:] = xy.villain_field(k)
    ev = mr.top_up_mc(data, np.arange(n), min_per_class=7, burn_in=5, sweeps_between=2, seed=0)
    assert len(ev["T"]) == 7 and set(ev["map_id"]) == {7} and set(ev["chain"][n:]) == {1}
    assert np.all(xy.matches_map(ev["theta"], ev["charges"]))


def test_series_in_blocks_equals_the_whole_series():
    from support import xy
    from support.cwgan.evaluation.mc_reference import _series

    theta = np.random.default_rng(3).uniform(-np.pi, np.pi, (10, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(_series(xy.energy, theta, block=3), xy.energy(theta))
    np.testing.assert_array_equal(_series(xy.magnetization, theta, block=4), xy.magnetization(theta))
