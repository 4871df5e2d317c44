"""Lattice statistics, the phase label and the phase scan (support.chiral.phases), on tiny lattices."""

import numpy as np
import pytest

from support.chiral import magnet as hb
from support.chiral import phases as sph

KW = dict(sweeps=200, n_temps=10)


def test_spiral_period_and_expected_count():
    assert sph.spiral_period(1.0) == pytest.approx(8.0)
    assert sph.expected_skyrmions(16, 1.0) == pytest.approx(256 / (np.sqrt(3) / 2 * 64))


def test_lattice_statistics_of_exact_states():
    L = 16
    sk = hb.analytic_skyrmion(L, radius=3.0)
    up = np.zeros((3, L, L))
    up[2] = 1.0
    st = sph.lattice_statistics(np.stack([sk, up]))
    assert st["Q"] == pytest.approx([-1.0, 0.0], abs=1e-6)
    assert st["Mz"][1] == 1.0 and 0.0 < st["Mz"][0] < 1.0
    assert st["Mz"][0] == pytest.approx(sk[2].mean())
    assert st["n_skyrmions"].tolist() == [1, 0] and st["n_elongated"].tolist() == [0, 0]
    assert st["n_defects"].tolist() == [int(hb.count_defects(sk)), 0]
    # a stretched core (a stripe fragment) counts as elongated
    stripe = up.copy()
    stripe[:, 6:8, 2:14] = np.array([0.0, 0.0, -1.0])[:, None, None]
    assert sph.lattice_statistics(stripe[None])["n_elongated"].tolist() == [1]
    with pytest.raises(ValueError):
        sph.lattice_statistics(sk)


def test_classify():
    assert sph.classify(-10.0, 0.4, 24, 1.0) == "skyrmion lattice"
    assert sph.classify(-10.0, 0.4, 24, 1.0, elongated_fraction=0.5) == "spiral / mixed"
    assert sph.classify(0.0, 0.99, 24, 1.0) == "ferromagnet"
    assert sph.classify(-1.0, 0.9, 24, 1.0) == "isolated skyrmions"
    assert sph.classify(0.0, 0.05, 24, 1.0) == "spiral / mixed"


def test_phase_scan_shapes_and_limits():
    scan = sph.phase_scan(16, [1.0], [0.0, 1.5], configs_per_point=2, progress=False, **KW)
    assert scan["D"] == [1.0, 1.0] and scan["B"] == [0.0, 1.5]
    assert scan["spins"].shape == (2, 3, 16, 16)
    for k in ("Q", "Mz", "n_skyrmions", "n_defects", "elongated_fraction", "phase", "detection_agrees"):
        assert len(scan[k]) == 2
    # A strong field polarises the magnet: no charge, Mz near 1.
    assert scan["phase"][1] == "ferromagnet" and scan["Mz"][1] > 0.95
    assert abs(scan["Mz"][0]) < 0.5  # B = 0: spirals, no net moment
    assert "FM(" in sph.phase_table(scan).splitlines()[-1]
    with pytest.raises(ValueError):
        sph.phase_scan(16, [], [0.3])
    assert sph.skyrmion_points({"D": [1, 2], "B": [0.3, 0.5], "phase": ["skyrmion lattice"] * 2,
                                "detection_agrees": [True, False]}) == [(1, 0.3)]


def test_is_skyrmion_lattice_needs_phase_and_detection():
    stats = {"Q": np.array([-10.0, -10.0, -10.0, 0.0]), "Mz": np.array([0.4, 0.4, 0.4, 1.0]),
             "n_skyrmions": np.array([10, 9, 10, 0]), "n_elongated": np.array([0, 0, 5, 0])}
    assert sph.is_skyrmion_lattice(stats, 24, 1.0).tolist() == [True, False, False, False]


def test_dataset_filter_keeps_a_lattice_of_small_cores():
    """A close-packed lattice of small cores at D = 1 (spacing 8, the spiral period): a skyrmion lattice by the
    default (core) rule, dropped by the thesis's rule, which sees none of its cores; large cores pass both."""
    from test_chiral_magnet import compose, triangular

    L = 48
    small = compose(L, triangular(6, 6, L, L, offset=(0.37, 0.71)), 1.5)
    large = compose(L, triangular(4, 4, L, L, offset=(2.3, 1.6)), 4.5)
    spins, D = np.stack([small, large]), np.array([1.0, 0.45])
    core = sph.lattice_statistics(spins)
    thesis = sph.lattice_statistics(spins, hb.THESIS_RULE)
    assert core["n_skyrmions"].tolist() == [36, 16] and core["n_defects"].tolist() == [0, 0]
    assert thesis["n_skyrmions"].tolist() == [0, 16]
    assert sph.is_skyrmion_lattice(core, L, D).tolist() == [True, True]
    assert sph.is_skyrmion_lattice(thesis, L, D).tolist() == [False, True]
    assert sph.detection_rule({"min_size": 3}) == hb.THESIS_RULE | {"min_size": 3}
    with pytest.raises(ValueError):
        sph.detection_rule({"thresh": 0.0})


def test_cached_scan_is_keyed_by_its_detection_rule(tmp_path):
    a = sph.cached_phase_scan(tmp_path, 12, [1.0], [0.5], progress=False, **KW)
    assert sph.load_json(tmp_path / "scan.json")["params"]["rule"] == sph.DETECTION
    b = sph.cached_phase_scan(tmp_path, 12, [1.0], [0.5], progress=False, rule=hb.THESIS_RULE, **KW)
    assert sph.load_json(tmp_path / "scan.json")["params"]["rule"] == hb.THESIS_RULE
    np.testing.assert_array_equal(a["spins"], b["spins"])  # the same anneals, labelled by another rule
