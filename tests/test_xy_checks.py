"""support.xy.checks: pair energies of hand-built fields, the Villain pair energies and the validation figure."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from support import xy
from support.xy.checks import pair_excess_energies, plot_validation, villain_pair_energies


def test_pair_excess_energies_of_hand_built_fields():
    """L = 4: uniform fields have E = -32; quarter turns between columns leave only the 16 vertical bonds
    (E = -16); half turns make every horizontal bond +1 (E = 0)."""
    L = 4
    cols = np.arange(L)[None, :].repeat(L, axis=0)
    uniform, quarter, half = np.zeros((L, L)), np.pi / 2 * (cols % 2), np.pi * (cols % 2)
    data = {"theta": np.stack([uniform, uniform + 0.3, quarter, half, uniform]),
            "T": np.float32([0.1, 0.1, 0.1, 0.1, 0.5]),
            "distance": np.float32([0.0, 0.0, 1.0, 2.0, 0.0])}
    out = pair_excess_energies(data, [0.1, 0.5])
    d, excess = out[0.1]
    np.testing.assert_allclose(d, [1.0, 2.0])
    np.testing.assert_allclose(excess, [16.0, 32.0], atol=1e-12)
    assert out[0.5][0].size == 0 and out[0.5][1].size == 0        # no pair at T = 0.5


def test_villain_pair_energies():
    d, e = villain_pair_energies(8)
    np.testing.assert_array_equal(d, [pd.d for pd in xy.PAIR_DISTANCES])
    direct = xy.energy(xy.villain_field(xy.pair_map(8, (0, 1), (0, 0)))) + 2 * 64
    assert e[0] == direct and np.all(e > 0)                       # a pair costs energy above the ground state -2 L²


def test_plot_validation_draws_the_scan_and_the_limits():
    T = np.array([0.1, 0.5])
    mean = {"energy": np.array([-1.95, -1.7]), "abs_m": np.array([0.9, 0.8]), "cv": np.array([0.5, 0.6]),
            "helicity": np.array([0.97, 0.85])}
    err = {k: np.full(2, 0.01) for k in mean}
    fig = plot_validation(T, mean, err, L=16)
    axes = fig.axes
    assert len(axes) == 4 and axes[0].get_ylabel() == "E / N (J)" and axes[3].get_xlabel() == "T (J / k_B)"
    x, y = axes[0].lines[0].get_data()
    np.testing.assert_array_equal(x, T)
    np.testing.assert_array_equal(y, mean["energy"])
    sw = axes[0].lines[1].get_ydata()
    assert sw[0] == pytest.approx(-2 + 0.05 / 2)                  # spin-wave limit -2 + T/2 at T = 0.05
    assert axes[1].get_ylim() == (0, 1.02) and axes[3].get_ylim() == (0, 1.05)
    assert "Metropolis, L = 16" in [t.get_text() for t in axes[0].get_legend().get_texts()]
    plt.close(fig)
