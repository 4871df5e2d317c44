"""support.topology.filtration: the Θ-threshold cell complex, Minkowski functionals, cluster sizes on exact fields."""

import numpy as np
import pytest

from support.topology import filtration as tda

L = 8


def ramp(L=L, step=0.1):
    """θ = j·step: horizontal bonds `step` except the seam bond (L-1)·step; vertical bonds 0."""
    return np.tile(np.arange(L) * step, (L, 1))


def checkerboard(L=L):
    return np.pi * ((np.arange(L)[:, None] + np.arange(L)) % 2)


def test_edge_weights_wrap_and_range():
    theta = np.zeros((4, 4))
    theta[0, 1] = 2 * np.pi - 0.3          # the same as -0.3: the bond (0,0)-(0,1) has weight 0.3
    wh, wv = tda.edge_weights(theta)
    assert wh[0, 0] == pytest.approx(0.3)
    assert wv[0, 1] == pytest.approx(0.3)  # (0,1)-(1,1)
    rng = np.random.default_rng(0)
    wh, wv = tda.edge_weights(rng.uniform(-10, 10, (3, 6, 6)))
    assert wh.min() >= 0 and max(wh.max(), wv.max()) <= np.pi + 1e-12


@pytest.mark.parametrize("theta_value", [0.0, 1.3])
def test_uniform_field_is_the_full_torus(theta_value):
    u = np.full((L, L), theta_value)
    ts = [0.0, 0.5, np.pi]
    mk = tda.minkowski(u, ts)
    np.testing.assert_array_equal(mk["area"], L * L)
    np.testing.assert_array_equal(mk["perimeter"], 0)
    np.testing.assert_array_equal(mk["edges"], 2 * L * L)
    np.testing.assert_array_equal(mk["euler"], 0)          # V - E + F = L² - 2L² + L² (torus)
    rad, dia = tda.cluster_radius_diameter(u, ts)
    np.testing.assert_array_equal(rad, L)                  # torus grid: every eccentricity is L/2 + L/2
    np.testing.assert_array_equal(dia, L)


def test_single_cut_line_gives_a_cylinder():
    th = ramp()
    ts = [0.05, 0.2, 0.8]
    mk = tda.minkowski(th, ts)
    # Θ < step: only vertical bonds, L disjoint circles
    assert (mk["area"][0], mk["perimeter"][0], mk["edges"][0], mk["euler"][0]) == (0, 0, L * L, 0)
    # step ≤ Θ < seam: a cylinder open along the seam, two boundary circles of length L
    assert (mk["area"][1], mk["perimeter"][1], mk["edges"][1], mk["euler"][1]) == (L * L - L, 2 * L, 2 * L * L - L, 0)
    # Θ ≥ seam: the full torus
    assert (mk["area"][2], mk["perimeter"][2], mk["euler"][2]) == (L * L, 0, 0)
    rad, dia = tda.cluster_radius_diameter(th, ts)
    np.testing.assert_array_equal(rad, [L / 2, L, L])      # circles of length L: radius = diameter = L/2
    np.testing.assert_array_equal(dia, [L / 2, L / 2 + L - 1, L])  # cylinder: L/2 around, L-1 along


def test_checkerboard_all_or_nothing():
    th = checkerboard()
    mk = tda.minkowski(th, [3.0, np.pi])
    np.testing.assert_array_equal(mk["area"], [0, L * L])
    np.testing.assert_array_equal(mk["euler"], [L * L, 0])  # L² isolated points, then the torus
    np.testing.assert_array_equal(mk["perimeter"], [0, 0])
    rad, dia = tda.cluster_radius_diameter(th, [3.0, np.pi])
    np.testing.assert_array_equal(dia, [0, L])


def test_single_plaquette_hole():
    """One site with its four bonds removed: a 2x2 hole of plaquettes (perimeter 8, one isolated site)."""
    theta = np.zeros((L, L))
    theta[3, 3] = 1.0
    mk = tda.minkowski(theta, [0.5, 1.0])
    assert mk["area"][0] == L * L - 4 and mk["perimeter"][0] == 8
    assert mk["edges"][0] == 2 * L * L - 4
    assert mk["euler"][0] == L * L - (2 * L * L - 4) + L * L - 4   # = 0 (torus minus disc plus a point)
    assert mk["area"][1] == L * L


def test_batch_shapes_and_consistency():
    rng = np.random.default_rng(1)
    th = rng.normal(0, 0.6, (2, 3, L, L))
    ts = np.linspace(0.1, 1.5, 5)
    meas = tda.topo_measures(th, ts)
    for k in tda.MEASURES:
        assert meas[k].shape == (2, 3, 5)
    single = tda.topo_measures(th[1, 2], ts)
    for k in tda.MEASURES:
        np.testing.assert_allclose(meas[k][1, 2], single[k])
    # monotone in Θ: area and edges never decrease; diameter is bounded by the number of sites
    assert np.all(np.diff(meas["area"], axis=-1) >= 0)
    assert np.all(meas["radius"] <= meas["diameter"]) and np.all(meas["diameter"] <= L * L)


def test_bad_input():
    with pytest.raises(ValueError):
        tda.minkowski(np.zeros((4, 5)), [0.1])
    with pytest.raises(ValueError):
        tda.minkowski(np.zeros((4, 4)), [-0.1])
