"""Tests of support.tda: the Θ-threshold cell complex on exact fields and hand-built persistence."""

import numpy as np
import pytest

from support import tda

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
    wh, wv = np.zeros((L, L)), np.zeros((L, L))
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


def test_euler_equals_betti_alternating_sum():
    """χ(Θ) = β0 − β1 + β2 from the persistence diagrams (a check of both computations)."""
    rng = np.random.default_rng(2)
    th = rng.normal(0, 0.7, (4, L, L))
    ts = np.linspace(0.05, 2.5, 12)
    chi = tda.minkowski(th, ts)["euler"]
    dgms = tda.persistence(th)
    betti = tda.betti_curves(dgms, ts)
    area = tda.minkowski(th, ts)["area"]
    beta2 = (area == L * L).astype(float)     # the torus closes only when every plaquette is present
    np.testing.assert_array_equal(chi, betti[:, 0] - betti[:, 1] + beta2)


def test_persistence_uniform_field():
    h0, h1 = tda.persistence(np.zeros((L, L)))
    np.testing.assert_array_equal(h0, [[0.0, np.inf]])
    np.testing.assert_array_equal(h1, [[0.0, np.inf], [0.0, np.inf]])   # the torus' two loops


def test_persistence_hand_built_split_hole():
    """Two holes that are one hole until a slit closes, then fill one after the other.

    Site a=(2,2) has its four bonds at 1.0, site b=(2,5) at 2.0; the five bonds of sites (2,3)
    and (2,4) between them (the bridge) enter at 0.5. Below 0.5 the missing plaquettes form a
    single hole, and on a torus a single hole's boundary bounds the rest of the surface, so it
    carries no 1-cycle. At 0.5 the bridge splits it into two holes: one H1 class is born, and it
    dies at 1.0 when hole a fills.
    """
    n = 8
    wh, wv = np.zeros((n, n)), np.zeros((n, n))

    def spokes(i, j, w):
        wh[i, j] = wh[i, j - 1] = wv[i, j] = wv[i - 1, j] = w

    spokes(2, 2, 1.0)
    spokes(2, 5, 2.0)
    wh[2, 3] = 0.5
    wv[1, 3] = wv[2, 3] = wv[1, 4] = wv[2, 4] = 0.5
    h0, h1 = tda.persistence_from_weights(wh, wv)
    np.testing.assert_allclose(sorted(map(tuple, h0)), [(0.0, 0.5), (0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (0.0, np.inf)])
    np.testing.assert_allclose(tda.finite(h1), [(0.5, 1.0)])
    assert np.sum(~np.isfinite(h1[:, 1])) == 2              # the torus' two essential loops
    # Betti curves at chosen Θ: β1 counts the essential loops plus the transient one
    betti = tda.betti_curves([[h0, h1]], [0.25, 0.75, 1.5])[0]
    np.testing.assert_array_equal(betti[0], [5, 3, 2])       # a, b, the two bridge sites, the rest
    np.testing.assert_array_equal(betti[1], [2, 3, 2])


def test_h0_agrees_with_ripser():
    ripser = pytest.importorskip("ripser")
    from scipy import sparse

    rng = np.random.default_rng(3)
    th = rng.normal(0, 0.8, (L, L))
    wh, wv = tda.edge_weights(th)
    e_u, e_v, _ = tda.lattice_complex(L)
    w = np.concatenate([wh.ravel(), wv.ravel()])
    # ripser drops zero entries of a sparse matrix: shift all weights by 1 (births at 1 too)
    D = sparse.coo_matrix((w + 1.0, (e_u, e_v)), shape=(L * L, L * L))
    D = D + D.T + sparse.diags(np.ones(L * L))
    ref = ripser.ripser(D.tocsr(), distance_matrix=True, maxdim=0)["dgms"][0]
    ours = tda.persistence_from_weights(wh, wv)[0]
    ref_deaths = np.sort(ref[np.isfinite(ref[:, 1]), 1] - 1.0)
    our_deaths = np.sort(tda.finite(ours)[:, 1])
    np.testing.assert_allclose(our_deaths, ref_deaths[ref_deaths > 1e-6], atol=1e-6)  # ripser is float32


def test_ensemble_distance_separates_ensembles():
    rng = np.random.default_rng(4)
    smooth = tda.persistence(rng.normal(0, 0.3, (16, L, L)))
    rough = tda.persistence(rng.normal(0, 1.5, (16, L, L)))
    same = tda.ensemble_distance(smooth[:8], smooth[8:], dim=1, n_pairs=16)
    other = tda.ensemble_distance(smooth, rough, dim=1, n_pairs=16)
    assert other > 2 * same
    assert tda.ensemble_distance(smooth[:1], smooth[:1], dim=0, n_pairs=3, metric="bottleneck") == 0.0


def test_bad_input():
    with pytest.raises(ValueError):
        tda.minkowski(np.zeros((4, 5)), [0.1])
    with pytest.raises(ValueError):
        tda.minkowski(np.zeros((4, 4)), [-0.1])
    with pytest.raises(ValueError):
        tda.ensemble_distance([], [], metric="wasserstein")
    with pytest.raises(ValueError):
        tda.ensemble_distance([[np.zeros((0, 2))] * 2], [[np.zeros((0, 2))] * 2], metric="nope")
