"""Tests of support.cwgan_eval: observables on exact ensembles, baselines, polish, τ_int, selection, separation."""

import numpy as np
import pytest

from support import cwgan_eval as ce
from support import xy
from support.samplers.xy import sample_xy_chains


def test_class_distance_table():
    np.testing.assert_allclose(ce.class_distance([0, 1, 3, 10]), [0.0, 1.0, 2.0, 4.12])
    assert ce.class_of_distance(4.12) == 10 and ce.class_of_distance(0) == 0
    with pytest.raises(ValueError):
        ce.class_distance([99])


def test_observables_of_a_uniform_ensemble():
    theta = np.full((5, 8, 8), 0.7)
    obs = ce.ensemble_observables(theta, T=0.3)
    assert obs["nu"] == 0 and obs["abs_m"] == pytest.approx(1.0)
    assert obs["energy"] == pytest.approx(-2.0)
    assert obs["cv"] == pytest.approx(0.0, abs=1e-12) and obs["chi"] == pytest.approx(0.0, abs=1e-12)
    assert obs["helicity"] == pytest.approx(1.0)          # (1/N)[J N - 0] per direction
    with pytest.raises(ValueError):
        ce.ensemble_observables(theta[:1], T=0.3)


def test_r2_tables_and_charge_match():
    L = 12
    maps = np.stack([np.zeros((L, L), np.int8)] + [xy.pair_map(L, pd.displacement, (2, 3)) for pd in xy.PAIR_DISTANCES[:3]])
    charges = np.repeat(maps, 4, axis=0)
    classes = np.repeat(np.arange(4), 4)
    rng = np.random.default_rng(0)
    vil = ce.baseline_fields("villain", charges, 0.1, rng)
    assert ce.charge_match_rate(vil, charges) == 1.0
    tab = ce.observables_by_class(vil, classes, 0.1)
    np.testing.assert_array_equal(tab["class"], np.arange(4))
    np.testing.assert_allclose(tab["nu"], [0] + [2 / L ** 2] * 3)
    same = ce.r2_by_observable(tab, tab, ["nu", "energy", "abs_m"])
    assert all(v == 1.0 for v in same.values())
    grf = ce.baseline_fields("grf", charges, 0.1, rng)
    assert ce.charge_match_rate(grf, charges) < 0.5
    with pytest.raises(ValueError):
        ce.baseline_fields("nope", charges, 0.1, rng)
    # the prior baseline follows the given prior settings (default: DEFAULT_PRIOR, the fixed-map minima)
    t0 = {gs: ce.baseline_fields("prior", charges, 0.0, np.random.default_rng(1), prior_config={"ground_state": gs})
          for gs in ("relaxed", "minima")}
    # (the relaxed field presses bonds to within ~1e-15 of pi: after float32 rounding it often loses its map)
    assert ce.charge_match_rate(t0["minima"], charges) == 1.0
    e = {gs: xy.energy(t.astype(np.float64)) for gs, t in t0.items()}
    assert np.all(e["minima"] <= e["relaxed"] + 1e-3) and np.any(e["minima"] < e["relaxed"] - 1e-2)
    np.testing.assert_allclose(xy.energy(ce.baseline_fields("prior", charges, 0.0, rng).astype(np.float64)),
                               e["minima"], atol=1e-3)


def test_gaussian_random_field_covariance():
    rng = np.random.default_rng(1)
    ell, amp = 2.0, 0.8
    f = ce.gaussian_random_field(32, 200, rng, corr_length=ell, amplitude=amp)
    assert f.var() == pytest.approx(amp ** 2, rel=0.05)
    lag1 = np.mean(f * np.roll(f, 1, axis=-1)) / f.var()
    assert lag1 == pytest.approx(np.exp(-1 / (2 * ell ** 2)), abs=0.03)


def test_polish_keeps_maps_and_heats_to_equipartition():
    """From the T = 0 field, constrained sweeps keep the map and bring E/N to -2 + T/2 (spin waves)."""
    L, T = 12, 0.1
    maps = np.stack([np.zeros((L, L), np.int8), xy.pair_map(L, (1, 4), (3, 3))])
    charges = np.repeat(maps, 24, axis=0)
    start = ce.baseline_fields("villain", charges, T, np.random.default_rng(2))
    series = ce.polish_series(start, T, [0, 200], seed=3)
    np.testing.assert_array_equal(series[0], start)
    assert ce.charge_match_rate(series[200], charges) == 1.0
    e0 = xy.energy_per_site(series[200][:24]).mean()   # the no-pair half
    # harmonic value -2 + T/2 plus the first anharmonic correction T²/16; per-field sd ~ T/sqrt(2N)
    assert e0 == pytest.approx(-2 + T / 2 + T ** 2 / 16, abs=4 * T / np.sqrt(2 * L * L * 24))
    with pytest.raises(ValueError):
        ce.polish_series(start, T, [5, 2])


def test_integrated_autocorrelation_time():
    rng = np.random.default_rng(4)
    assert ce.integrated_autocorrelation_time(rng.standard_normal(20000)) == pytest.approx(0.5, abs=0.05)
    rho, n = 0.9, 100000
    x = np.empty(n)
    x[0] = 0
    eps = rng.standard_normal(n)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + eps[t]
    exact = (1 + rho) / (2 * (1 - rho))      # 9.5 sweeps
    # relative statistical error of τ ~ sqrt(2 (2M + 1) / n) with M ~ 5 τ: about 5 %
    assert ce.integrated_autocorrelation_time(x) == pytest.approx(exact, rel=0.15)


def test_costs_are_positive():
    cost = ce.mc_cost_per_sample(12, 0.1, n_sweeps=200, burn_in=20)
    assert cost["seconds_per_sample"] > 0 and cost["tau_int"] >= 0.5 and cost["L"] == 12
    maps = ce.pair_maps_for_cost(12, 8, np.random.default_rng(0))
    assert np.all(xy.pair_distance(maps) == pytest.approx(np.hypot(1, 4)))
    sec = ce.generator_cost_per_sample(lambda k, t: np.zeros(k.shape, np.float32), maps, np.full(8, 0.1))
    assert sec["per_sample"] >= 0 and sec["first_call"] >= 0


def test_select_eval_set_and_split_half():
    n_per_chain = 3
    chains = np.arange(8)
    data = {
        "map_id": np.repeat([0, 0, 5, 6, 7, 8, 9, 10], n_per_chain),
        "distance_class": np.repeat([0, 0, 1, 1, 1, 2, 2, 2], n_per_chain),
        "T": np.full(8 * n_per_chain, 0.1, np.float32),
        "chain": np.repeat(chains, n_per_chain),
    }
    idx = ce.select_eval_set(data, heldout_map_ids=[6, 9, 10], max_per_class=4)
    ids = data["map_id"][idx]
    assert set(ids) == {0, 6, 9, 10}
    for c in (0, 2):
        assert np.sum(data["distance_class"][idx] == c) == 4     # capped
    assert np.sum(data["distance_class"][idx] == 1) == 3         # one held-out chain
    mask = ce.split_half_mask(data["distance_class"], data["chain"])
    for c in range(3):                                           # whole chains on either side
        sel = data["distance_class"] == c
        assert 0 < mask[sel].sum() < sel.sum()
        assert not set(data["chain"][sel & mask]) & set(data["chain"][sel & ~mask])


@pytest.fixture(scope="module")
def small_mc():
    """Constrained MC fields at T = 0.1 for the no-pair map and two pair distances (L = 12)."""
    L, T, n = 12, 0.1, 32
    maps = np.stack([np.zeros((L, L), np.int8), xy.pair_map(L, (0, 2), (3, 3)), xy.pair_map(L, (1, 4), (5, 2))])
    theta = sample_xy_chains(L, T, n, charges=maps, burn_in=200, sweeps_between=10, seed=5)
    return dict(theta=theta.reshape(-1, L, L), charges=np.repeat(maps, n, axis=0),
                classes=np.repeat([0, 3, 10], n), T=T)


def test_topology_separates_baselines_from_mc(small_mc):
    """Split-half MC agrees with itself better than the weak baselines agree with MC."""
    th, k, cls, T = small_mc["theta"], small_mc["charges"], small_mc["classes"], small_mc["T"]
    half = np.zeros(len(th), bool)
    half[::2] = True
    ts = ce.topo_thresholds(th, 8)
    assert np.all(np.diff(ts) > 0) and ts[0] > 0
    ref = ce.topo_curves(th[half], cls[half], ts)
    floor = ce.acc_topo_by_measure(ref, ce.topo_curves(th[~half], cls[~half], ts))
    rng = np.random.default_rng(6)
    grf = ce.acc_topo_by_measure(ref, ce.topo_curves(ce.baseline_fields("grf", k, T, rng), cls, ts))
    vil = ce.acc_topo_by_measure(ref, ce.topo_curves(ce.baseline_fields("villain", k, T, rng), cls, ts))
    for m in ce.tda.MEASURES:   # with 16 fields per half the floor itself is 0.2-0.8; baselines 0.04-0.6
        assert floor[m] > grf[m] and floor[m] > vil[m]
    # persistence: MC halves are closer to each other than MC is to the Gaussian random field
    dg_mc = ce.persistence_by_class(th, cls)
    dg_grf = ce.persistence_by_class(ce.baseline_fields("grf", k, T, rng), cls)
    noise = ce.persistence_distance(dg_mc, dg_mc, dim=1, n_pairs=10)
    assert ce.persistence_distance(dg_mc, dg_grf, dim=1, n_pairs=10) > 2 * noise


def test_observables_separate_baselines_from_mc(small_mc):
    th, k, cls, T = small_mc["theta"], small_mc["charges"], small_mc["classes"], small_mc["T"]
    half = np.zeros(len(th), bool)
    half[::2] = True
    ref = ce.observables_by_class(th[half], cls[half], T)
    floor = ce.r2_by_observable(ref, ce.observables_by_class(th[~half], cls[~half], T), ["energy", "abs_m"])
    grf = ce.r2_by_observable(ref, ce.observables_by_class(ce.baseline_fields("grf", k, T, np.random.default_rng(7)),
                                                           cls, T), ["energy", "abs_m"])
    assert floor["energy"] > 0.8 and grf["energy"] < 0
    assert floor["abs_m"] > grf["abs_m"]
    curves = ce.correlation_curves(th, cls, [0, 3])
    r2c = ce.correlation_r2(curves, curves)
    assert r2c == {0: 1.0, 3: 1.0}


def test_missing_upstream_names_the_chapter(tmp_path):
    with pytest.raises(FileNotFoundError, match="chapter 01"):
        ce.load_upstream(tmp_path, "smoke")


def test_resize_generator_runs_at_a_larger_lattice():
    torch = pytest.importorskip("torch")
    from support.models.unet import UNetGenerator

    torch.manual_seed(0)
    g = UNetGenerator(16, variant="paper", widths=(4, 8), noise_channels=2).eval()
    big = ce.resize_generator(g, 32)
    assert big is not None and big.L == 32
    for a, b in zip(g.state_dict().values(), big.state_dict().values()):
        assert torch.equal(a, b)
    assert ce.resize_generator(g, 18) is None     # not divisible by 2**depth


def test_curve_deviation_measures_offsets_in_standard_errors():
    # two classes, 3 thresholds; the generated class 1 is shifted by +0.5 at every threshold
    rng = np.random.default_rng(0)
    ref = {"euler": rng.normal(-10.0, 2.0, size=(400, 3))}
    classes = np.repeat([0, 1], 200)
    gen = {"euler": ref["euler"] + 0.5 * (classes == 1)[:, None]}
    dev = ce.curve_deviation(ref, classes, gen, classes, "euler")
    assert np.array_equal(dev["class"], [0, 1])
    assert np.allclose(dev["rel"][0], 0) and np.allclose(dev["z"][0], 0)
    # same spread in both, so z = 0.5 / (sqrt(2) * se) with se = std / sqrt(200)
    se = ref["euler"][200:].std(axis=0, ddof=1) / np.sqrt(200)
    assert np.allclose(dev["z"][1], 0.5 / (np.sqrt(2) * se))
    assert np.allclose(dev["rel"][1], 0.5 / np.abs(ref["euler"][200:].mean(axis=0)))
    with pytest.raises(ValueError, match="different classes"):
        ce.curve_deviation(ref, classes, gen, np.zeros(400, int), "euler")


def test_score_table_layout():
    text = ce.score_table({"MC": {"a": 1.0, "b": 0.5}, "cWGAN": {"a": 0.25, "b": -1.0}}, ["a", "b"], digits=2,
                          label_width=6)
    assert text.splitlines() == ["       " + " " * 8 + "a" + " " + " " * 8 + "b",
                                 "    MC      1.00      0.50",
                                 " cWGAN      0.25     -1.00"]
