"""Exact checks of the chiral-magnet observables in support.chiral.magnet."""

import numpy as np
import pytest

from support.chiral import magnet as hb


def uniform(L, z=1.0):
    s = np.zeros((3, L, L))
    s[2] = z
    return s


def spiral(L, n, kind):
    """Commensurate spiral along +x (q = 2πn/L) with the rotation sense favoured by D > 0."""
    q = 2 * np.pi * n / L
    x = np.arange(L)[None, :] * np.ones((L, 1))
    s = np.zeros((3, L, L))
    if kind == "neel":  # rotation in the x-z plane
        s[0], s[2] = np.sin(q * x), np.cos(q * x)
    else:  # rotation in the y-z plane
        s[1], s[2] = -np.sin(q * x), np.cos(q * x)
    return s, q


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_ferromagnet_energy(dmi):
    L, J, D, B = 6, 1.3, 0.7, 0.25
    N = L * L
    assert hb.energy(uniform(L), J, D, B, dmi) == pytest.approx(-2 * J * N - B * N, abs=1e-10)
    assert hb.energy(uniform(L, -1.0), J, D, B, dmi) == pytest.approx(-2 * J * N + B * N, abs=1e-10)
    np.testing.assert_allclose(hb.local_energy(uniform(L), J, D, B, dmi), -2 * J - B, atol=1e-12)


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_spiral_energy_fixes_dmi_sign(dmi):
    # One bond along x per site: -J cos q - D sin q; the y bonds are parallel: -J.
    L, J, D = 12, 1.0, 0.6
    s, q = spiral(L, 1, dmi)
    assert hb.energy(s, J, D, 0.0, dmi) / L**2 == pytest.approx(-J * (1 + np.cos(q)) - D * np.sin(q), abs=1e-12)
    assert hb.energy(s, J, -D, 0.0, dmi) / L**2 == pytest.approx(-J * (1 + np.cos(q)) + D * np.sin(q), abs=1e-12)


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_effective_field_is_minus_energy_gradient(dmi):
    L, J, D, B, eps = 4, 0.9, 0.7, 0.3, 1e-6
    s = hb.random_spins((2, L, L), rng=1)  # a batch of two, to check the leading axis too
    h = hb.effective_field(s, J, D, B, dmi)
    fd = np.zeros_like(s)
    for idx in np.ndindex(s.shape[1:]):
        for b in range(2):
            sp, sm = s.copy(), s.copy()
            sp[(b, *idx)] += eps
            sm[(b, *idx)] -= eps
            fd[(b, *idx)] = -(hb.energy(sp, J, D, B, dmi)[b] - hb.energy(sm, J, D, B, dmi)[b]) / (2 * eps)
    np.testing.assert_allclose(h, fd, atol=1e-7)


@pytest.mark.parametrize("dmi", ["neel", "bloch"])
def test_local_energy_sums_to_energy(dmi):
    s = hb.random_spins((3, 7, 7), rng=2)
    np.testing.assert_allclose(hb.local_energy(s, 1.0, 0.8, 0.2, dmi).sum(axis=(-2, -1)),
                               hb.energy(s, 1.0, 0.8, 0.2, dmi), atol=1e-10)


def test_alignment_exact_cases():
    L = 5
    np.testing.assert_allclose(hb.alignment(uniform(L), 1.0, 0.5, 0.2), 1.0, atol=1e-12)
    s = uniform(L)
    s[:, 2, 3] = (0.0, 0.0, -1.0)  # one flipped spin points against its field
    a = hb.alignment(s, 1.0, 0.0, 0.2)
    assert a[2, 3] == pytest.approx(-1.0)
    assert a[0, 0] == pytest.approx(1.0)
    r = hb.alignment(hb.random_spins((L, L), rng=3), 1.0, 0.5, 0.1)
    assert r.shape == (L, L) and np.all(np.abs(r) <= 1 + 1e-12)


@pytest.mark.parametrize("kind", ["neel", "bloch"])
def test_berg_luscher_charge_of_analytic_skyrmion(kind):
    L = 32
    for centre in [None, (0.3, 31.6), (10.5, 3.2)]:  # centre, across both periodic edges, off-lattice
        s = hb.analytic_skyrmion(L, 5.0, centre, kind)
        assert hb.topological_charge(s) == pytest.approx(-1.0, abs=1e-9)
        assert hb.topological_charge(-s) == pytest.approx(1.0, abs=1e-9)  # core up in a down background
    assert hb.charge_density(s).shape == (L, L)
    assert hb.topological_charge(uniform(L)) == pytest.approx(0.0, abs=1e-12)
    two = np.stack([s, uniform(L)])
    np.testing.assert_allclose(hb.topological_charge(two), [-1.0, 0.0], atol=1e-9)


@pytest.mark.parametrize("kind", ["neel", "bloch"])
def test_analytic_skyrmion_is_the_chirality_favoured_by_positive_D(kind):
    s = hb.analytic_skyrmion(32, 5.0, kind=kind)
    other = "bloch" if kind == "neel" else "neel"
    e = lambda spins, D, dmi: hb.energy(spins, 1.0, D, 0.0, dmi) - hb.energy(uniform(32), 1.0, D, 0.0, dmi)
    assert e(s, 0.5, kind) < e(s, 0.0, kind) < e(s, -0.5, kind)
    assert e(s, 0.5, other) == pytest.approx(e(s, 0.0, other), abs=1e-9)  # wrong DMI type: no gain


def test_magnetization_z():
    s = uniform(4)
    s[2, :2] = -1.0
    assert hb.magnetization_z(s) == pytest.approx(0.0)
    np.testing.assert_allclose(hb.magnetization_z(np.stack([uniform(4), uniform(4, -1)])), [1.0, -1.0])


def compose(L, centres, radius):
    """Several analytic skyrmions: each site takes the profile of its nearest centre (minimum image)."""
    sk = np.stack([hb.analytic_skyrmion(L, radius, c) for c in centres])
    ii, jj = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    dist = [np.hypot((ii - c[0] + L / 2) % L - L / 2, (jj - c[1] + L / 2) % L - L / 2) for c in centres]
    return np.take_along_axis(sk, np.argmin(dist, axis=0)[None, None], axis=0)[0]


@pytest.mark.parametrize("radius", [3.0, 5.0])
def test_core_radius_of_analytic_skyrmions(radius):
    """θ(R) = π/2 at r = R: the sites with S^z < 0 fill a disc of radius R (to within the lattice's pixelation)."""
    one = hb.analytic_skyrmion(48, radius, centre=(24.5, 23.7))  # off-site: no sites exactly on the contour
    two = np.clip(one + hb.analytic_skyrmion(48, radius, centre=(10.3, 12.6)) - uniform(48), -1, 1)
    two = two / np.linalg.norm(two, axis=0, keepdims=True)
    got = hb.core_radius(np.stack([one, two]))
    np.testing.assert_allclose(got, radius, atol=0.1)
    # a reversed lattice (cores up in a down background) has the same cores
    assert hb.core_radius(-one) == pytest.approx(got[0])


def test_core_radius_of_a_core_larger_than_its_background():
    """A core covering more than half the torus (mean S^z < 0) is still the core: its side is set by Q."""
    big = hb.analytic_skyrmion(48, 20.0, centre=(24.5, 23.7), width=1.5)
    assert hb.magnetization_z(big) < 0
    assert hb.core_radius(big) == pytest.approx(20.0, abs=0.1)


def test_find_skyrmions_counts_a_boundary_skyrmion_once():
    L = 30
    s = hb.analytic_skyrmion(L, 4.0, centre=(0.0, 29.5))
    c = hb.find_skyrmions(s)
    assert c.shape == (1, 2)
    d = (c[0] - np.array([0.0, 29.5]) + L / 2) % L - L / 2  # periodic difference
    assert np.all(np.abs(d) < 0.3)
    # Two skyrmions, one across the corner, give two; a uniform lattice none.
    s2 = compose(L, [(29.7, 0.2), (15.0, 22.0)], 3.0)
    assert len(hb.find_skyrmions(s2)) == 2
    assert hb.find_skyrmions(uniform(L)).shape == (0, 2)
    assert [len(x) for x in hb.find_skyrmions(np.stack([s, s2]))] == [1, 2]


def test_aspect_ratio_round_versus_stretched():
    L = 30
    round_ = hb.skyrmion_aspect_ratios(hb.analytic_skyrmion(L, 4.0, centre=(0.2, 29.4)))  # across the corner
    assert round_.shape == (1,) and round_[0] < 1.1
    s = np.zeros((3, L, L))
    s[2] = 1.0
    s[2, 14:16, 28:] = s[2, 14:16, :6] = -1.0  # a 2 x 8 stripe fragment across the x boundary
    # Second moments ≈ (8² - 1)/12 + 1/12 along and (2² - 1)/12 + 1/12 across: aspect ≈ 4.
    assert 3.5 < hb.skyrmion_aspect_ratios(s)[0] < 4.5


def test_find_skyrmions_min_size():
    s = uniform(10)
    s[:, 4, 4:7] = np.array([0.0, 0.0, -1.0])[:, None]  # a 3-site cluster is no skyrmion
    assert len(hb.find_skyrmions(s)) == 0
    assert len(hb.find_skyrmions(s, min_size=3)) == 1


def triangular(n_cols, n_rows, Lx, Ly, offset=(0.0, 0.0)):
    """A (possibly slightly stretched) triangular arrangement filling an Ly × Lx torus."""
    a, h = Lx / n_cols, Ly / n_rows
    return np.array([(r * h + offset[0], c * a + (a / 2 if r % 2 else 0) + offset[1])
                     for r in range(n_rows) for c in range(n_cols)])


def edge_dislocation(p, core, b, nu=0.3):
    """Continuum displacement (i, j) of an edge dislocation with Burgers vector b x̂ at ``core``."""
    y, x = p[:, 0] - core[0], p[:, 1] - core[1]
    r2 = x * x + y * y
    ux = b / (2 * np.pi) * (np.arctan2(y, x) + x * y / (2 * (1 - nu) * r2))
    uy = -b / (2 * np.pi) * ((1 - 2 * nu) / (4 * (1 - nu)) * np.log(r2) + (x * x - y * y) / (4 * (1 - nu) * r2))
    return np.stack([uy, ux], axis=1)


def test_perfect_triangular_lattice_has_no_defects():
    for pts, L in [(triangular(4, 4, 40, 40), 40), (triangular(7, 8, 40, 40, offset=(3.3, 38.0)), 40)]:
        r = hb.skyrmion_lattice_defects(pts, L)
        assert r["n_defects"] == 0
        assert np.all(r["n_neighbours"] == 6)
        assert len(r["edges"]) == 3 * len(pts)  # a triangulation of the torus has E = 3V


def test_single_dislocation_is_one_5_7_pair():
    # Open patch (a torus cannot hold a single 5-7 pair, see the next test).
    p = triangular(20, 20, 20.0, 20 * np.sqrt(3) / 2)
    core = (9.5 * np.sqrt(3) / 2 + 0.01, 9.73)
    q = p + edge_dislocation(p, core, 1.0)
    r = hb.skyrmion_lattice_defects(q, None, periodic=False)
    assert r["n_defects"] == 2
    assert sorted(r["n_neighbours"][r["defects"]]) == [5, 7]
    assert np.all(np.hypot(*(q[r["defects"]] - core).T) < 1.5)
    assert hb.skyrmion_lattice_defects(p, None, periodic=False)["n_defects"] == 0


def test_dislocation_pair_on_torus_gives_two_5_7_pairs():
    n, m = 30, 34
    Ly = m * np.sqrt(3) / 2
    p = triangular(n, m, float(n), Ly)
    y0 = 16.5 * np.sqrt(3) / 2 + 0.01
    q = p + edge_dislocation(p, (y0, 10.23), 1.0) + edge_dislocation(p, (y0, 20.23), -1.0)
    r = hb.skyrmion_lattice_defects(q, (Ly, n))
    assert r["n_defects"] == 4
    assert sorted(r["n_neighbours"][r["defects"]]) == [5, 5, 7, 7]


def test_count_defects_on_spins():
    L = 40
    centres = triangular(4, 4, L, L, offset=(2.0, 1.0))
    s = compose(L, centres, 3.5)
    assert hb.topological_charge(s) == pytest.approx(-16, abs=1e-6)
    assert len(hb.find_skyrmions(s)) == 16
    assert hb.count_defects(s) == 0
    erase = [c for k, c in enumerate(centres) if k != 5]
    s_missing = compose(L, erase, 3.5)  # one skyrmion missing: a vacancy
    assert hb.count_defects(s_missing) > 0
    np.testing.assert_array_equal(hb.count_defects(np.stack([s, s])), [0, 0])


def test_bad_input():
    with pytest.raises(ValueError):
        hb.energy(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError):
        hb.energy(uniform(4), dmi="weird")
    with pytest.raises(ValueError):
        hb.analytic_skyrmion(10, -1.0)


# ---------------------------------------------------------------- the core rule: small cores of large D count


def _periodic_match(found, centres, L):
    """Largest distance from each true centre to the nearest found one (minimum image)."""
    d = (found[:, None, :] - centres[None, :, :] + L / 2) % L - L / 2
    return np.hypot(d[..., 0], d[..., 1]).min(axis=0).max()


@pytest.mark.parametrize("radius", [1.2, 1.5, 2.0])
def test_core_rule_counts_small_cores_the_thesis_rule_drops(radius):
    """A close-packed lattice of small cores (spacing 8 on a 48 torus, the spiral period at D = 1): the thesis's
    7 sites below S^z = -0.8 see none of them, the core rule sees every one, at its centre, with no defect."""
    L = 48
    centres = triangular(6, 6, L, L, offset=(0.37, 0.71))  # off-site: no site at a core's centre
    s = compose(L, centres, radius)
    assert hb.topological_charge(s) == pytest.approx(-36, abs=1e-6)
    assert len(hb.find_skyrmions(s)) == 0
    found = hb.find_skyrmion_cores(s)
    assert len(found) == 36
    assert _periodic_match(found, centres, L) < 0.6  # the plain mean of a few sites: within about half a site
    assert hb.count_defects(s, **hb.CORE_RULE) == 0
    assert np.all(hb.skyrmion_aspect_ratios(s, **hb.CORE_RULE) < 1.3)


@pytest.mark.parametrize("radius", [3.5, 5.0])
def test_core_rule_and_thesis_rule_agree_on_large_cores(radius):
    L = 48
    centres = triangular(4, 4, L, L, offset=(2.3, 1.6))
    s = compose(L, centres, radius)
    assert hb.topological_charge(s) == pytest.approx(-16, abs=1e-6)
    for found in (hb.find_skyrmions(s), hb.find_skyrmion_cores(s), hb.find_skyrmions(s, **hb.THESIS_RULE)):
        assert len(found) == 16
        assert _periodic_match(found, centres, L) < 0.3
    assert hb.count_defects(s, **hb.CORE_RULE) == hb.count_defects(s) == 0


def test_core_rule_floor_is_relative_to_the_lattice():
    """A 2-site dip below S^z = 0 among 16 cores of ~40 sites is a fragment (under a quarter of the median core),
    not a skyrmion; alone on the lattice it is the lattice's only core and counts."""
    L = 48
    s = compose(L, triangular(4, 4, L, L, offset=(2.3, 1.6)), 3.5)
    s[:, 8, 20:22] = np.array([0.6, 0.0, -0.8])[:, None]
    assert len(hb.find_skyrmion_cores(s)) == 16
    assert len(hb.find_skyrmions(s, threshold=0.0, min_size=2)) == 17  # without the relative floor
    lone = uniform(L)
    lone[:, 8, 20:22] = np.array([0.6, 0.0, -0.8])[:, None]
    assert len(hb.find_skyrmion_cores(lone)) == 1
    assert len(hb.find_skyrmion_cores(uniform(L))) == 0
    assert hb.count_skyrmions(np.stack([s, lone]), **hb.CORE_RULE).tolist() == [16, 1]


def test_detection_rule_checks_its_arguments():
    s = uniform(8)
    for bad in (dict(threshold=-2.0), dict(min_size=0), dict(min_fraction=1.5)):
        with pytest.raises(ValueError):
            hb.find_skyrmions(s, **bad)
