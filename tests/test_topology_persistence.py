"""Tests of support.topology.persistence: hand-built persistence diagrams, Betti curves and ensemble distances."""

import numpy as np
import pytest

from support.topology import filtration as tda
from support.topology import persistence as tp

L = 8


def test_euler_equals_betti_alternating_sum():
    """χ(Θ) = β0 − β1 + β2 from the persistence diagrams (a check of both computations)."""
    rng = np.random.default_rng(2)
    th = rng.normal(0, 0.7, (4, L, L))
    ts = np.linspace(0.05, 2.5, 12)
    chi = tda.minkowski(th, ts)["euler"]
    dgms = tp.persistence(th)
    betti = tp.betti_curves(dgms, ts)
    area = tda.minkowski(th, ts)["area"]
    beta2 = (area == L * L).astype(float)     # the torus closes only when every plaquette is present
    np.testing.assert_array_equal(chi, betti[:, 0] - betti[:, 1] + beta2)


def test_persistence_uniform_field():
    h0, h1 = tp.persistence(np.zeros((L, L)))
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
    h0, h1 = tp.persistence_from_weights(wh, wv)
    np.testing.assert_allclose(sorted(map(tuple, h0)), [(0.0, 0.5), (0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (0.0, np.inf)])
    np.testing.assert_allclose(tp.finite(h1), [(0.5, 1.0)])
    assert np.sum(~np.isfinite(h1[:, 1])) == 2              # the torus' two essential loops
    # Betti curves at chosen Θ: β1 counts the essential loops plus the transient one
    betti = tp.betti_curves([[h0, h1]], [0.25, 0.75, 1.5])[0]
    np.testing.assert_array_equal(betti[0], [5, 3, 2])       # a, b, the two bridge sites, the rest
    np.testing.assert_array_equal(betti[1], [2, 3, 2])


def test_h0_agrees_with_ripser():
    ripser = pytest.importorskip("ripser")
    from scipy import sparse

    rng = np.random.default_rng(3)
    th = rng.normal(0, 0.8, (L, L))
    wh, wv = tda.edge_weights(th)
    e_u, e_v, _ = tp.lattice_complex(L)
    w = np.concatenate([wh.ravel(), wv.ravel()])
    # ripser drops zero entries of a sparse matrix: shift all weights by 1 (births at 1 too)
    D = sparse.coo_matrix((w + 1.0, (e_u, e_v)), shape=(L * L, L * L))
    D = D + D.T + sparse.diags(np.ones(L * L))
    ref = ripser.ripser(D.tocsr(), distance_matrix=True, maxdim=0)["dgms"][0]
    ours = tp.persistence_from_weights(wh, wv)[0]
    ref_deaths = np.sort(ref[np.isfinite(ref[:, 1]), 1] - 1.0)
    our_deaths = np.sort(tp.finite(ours)[:, 1])
    np.testing.assert_allclose(our_deaths, ref_deaths[ref_deaths > 1e-6], atol=1e-6)  # ripser is float32


def test_ensemble_distance_separates_ensembles():
    rng = np.random.default_rng(4)
    smooth = tp.persistence(rng.normal(0, 0.3, (16, L, L)))
    rough = tp.persistence(rng.normal(0, 1.5, (16, L, L)))
    same = tp.ensemble_distance(smooth[:8], smooth[8:], dim=1, n_pairs=16)
    other = tp.ensemble_distance(smooth, rough, dim=1, n_pairs=16)
    assert other > 2 * same
    assert tp.ensemble_distance(smooth[:1], smooth[:1], dim=0, n_pairs=3, metric="bottleneck") == 0.0


def test_bad_input():
    with pytest.raises(ValueError):
        tp.ensemble_distance([], [], metric="wasserstein")
    with pytest.raises(ValueError):
        tp.ensemble_distance([[np.zeros((0, 2))] * 2], [[np.zeros((0, 2))] * 2], metric="nope")
