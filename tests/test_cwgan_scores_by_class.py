"""support.cwgan.evaluation.scores per pair-distance class: classes, tables, R², correlations."""

import numpy as np
import pytest

from support import xy
from support.cwgan.evaluation import scores as sc
from support.cwgan.models.baselines import baseline_fields


def test_class_distance_table():
    np.testing.assert_allclose(sc.class_distance([0, 1, 3, 10]), [0.0, 1.0, 2.0, 4.12])
    assert sc.class_of_distance(4.12) == 10 and sc.class_of_distance(0) == 0
    with pytest.raises(ValueError):
        sc.class_distance([99])
    assert sc.distance_label(10) == "4.12" and sc.distance_label(0) == "0"


def test_r2_tables_and_charge_match():
    L = 12
    maps = np.stack([np.zeros((L, L), np.int8)] + [xy.pair_map(L, pd.displacement, (2, 3)) for pd in xy.PAIR_DISTANCES[:3]])
    charges = np.repeat(maps, 4, axis=0)
    classes = np.repeat(np.arange(4), 4)
    rng = np.random.default_rng(0)
    vil = baseline_fields("villain", charges, 0.1, rng)
    assert sc.charge_match_rate(vil, charges) == 1.0
    tab = sc.observables_by_class(vil, classes, 0.1)
    np.testing.assert_array_equal(tab["class"], np.arange(4))
    np.testing.assert_allclose(tab["nu"], [0] + [2 / L ** 2] * 3)
    same = sc.r2_by_observable(tab, tab, ["nu", "energy", "abs_m"])
    assert all(v == 1.0 for v in same.values())
    grf = baseline_fields("grf", charges, 0.1, rng)
    assert sc.charge_match_rate(grf, charges) < 0.5
    rates = sc.match_rates_by_T({"villain": vil, "grf": grf}, charges, np.full(len(charges), np.float32(0.1)))
    assert rates["villain"] == {"0.1": 1.0} and rates["grf"]["0.1"] < 0.5
    tables = sc.observable_tables(vil, classes, np.repeat(np.float32([0.1, 0.9]), 8))
    assert sorted(tables) == ["0.1", "0.9"] and np.array_equal(tables["0.9"]["class"], [2, 3])
    # the prior baseline follows the given prior settings (default: DEFAULT_PRIOR, the fixed-map minima)
    t0 = {gs: baseline_fields("prior", charges, 0.0, np.random.default_rng(1),
                              prior={"ground_state": gs, "self_consistent": gs == "minima"}) for gs in ("relaxed", "minima")}
    # (the relaxed field presses bonds to within ~1e-15 of pi: after float32 rounding it often loses its map)
    assert sc.charge_match_rate(t0["minima"], charges) == 1.0
    e = {gs: xy.energy(t.astype(np.float64)) for gs, t in t0.items()}
    assert np.all(e["minima"] <= e["relaxed"] + 1e-3) and np.any(e["minima"] < e["relaxed"] - 1e-2)
    np.testing.assert_allclose(xy.energy(baseline_fields("prior", charges, 0.0, rng).astype(np.float64)),
                               e["minima"], atol=1e-3)


def test_observables_separate_baselines_from_mc(small_mc):
    th, k, cls, T = small_mc["theta"], small_mc["charges"], small_mc["classes"], small_mc["T"]
    half = np.zeros(len(th), bool)
    half[::2] = True
    ref = sc.observables_by_class(th[half], cls[half], T)
    floor = sc.r2_by_observable(ref, sc.observables_by_class(th[~half], cls[~half], T), ["energy", "abs_m"])
    grf = sc.r2_by_observable(ref, sc.observables_by_class(baseline_fields("grf", k, T, np.random.default_rng(7)),
                                                           cls, T), ["energy", "abs_m"])
    assert floor["energy"] > 0.8 and grf["energy"] < 0
    assert floor["abs_m"] > grf["abs_m"]
    curves = sc.correlation_curves(th, cls, [0, 3])
    r2c = sc.correlation_r2(curves, curves)
    assert r2c == {0: 1.0, 3: 1.0}
    half_mask = np.arange(len(th)) % 2 == 0
    curves, r2s = sc.correlation_scores({"MC": th, "grf": baseline_fields("grf", k, T, np.random.default_rng(8))},
                                        cls, [0, 3], half_mask)
    assert set(r2s) == {"grf", "MC halves"} and r2s["MC halves"][3] > r2s["grf"][3]


def test_score_table_layout():
    table = sc.score_table({"MC": {"a": 1.0, "b": 0.5}, "cWGAN": {"a": 0.254, "b": -1.0}}, ["a", "b"], digits=2)
    assert list(table.index) == ["MC", "cWGAN"] and list(table.columns) == ["a", "b"]
    assert table.loc["cWGAN", "a"] == 0.25 and table.loc["MC", "b"] == 0.5


def test_stiffness_table_rows_and_offsets():
    tab = {"0.1": {"energy": np.array([-1.9, -1.8])}}
    mc = {"0.1": {"energy": np.array([-1.95, -1.85])}}
    r2s = {"0.1": dict(energy=0.5, abs_m=0.25, chi=-1.0, helicity=1.0)}
    table = sc.stiffness_table({"harmonic": (r2s, tab)}, mc)
    row = table.loc[("0.1", "harmonic")]
    assert list(row) == [0.5, 0.25, -1.0, 1.0, 0.05]
