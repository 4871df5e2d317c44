"""R² (eq. 4) and Acc_topo (eq. 5) on hand-computed cases."""

import numpy as np
import pytest

from support.metrics import acc_topo, r2


def test_r2_exact_values():
    y = np.array([1.0, 2.0, 3.0])
    assert r2(y, y) == 1.0
    assert r2(y, np.full(3, 2.0)) == 0.0            # predicting the mean gives 0
    assert r2(y, [1.0, 2.0, 4.0]) == pytest.approx(1 - 1 / 2)   # SS_res = 1, SS_tot = 2
    assert np.isnan(r2([1, 1], [1, 2]))


def test_acc_topo_is_eq5_absolute_tolerance_from_the_real_curve_maximum():
    y = np.array([0.0, 5.0, 10.0, -2.0])            # max |y| = 10: tolerance 0.05 * 10 = 0.5 at every point
    p = np.array([0.4, 5.6, 10.4, -2.6])            # errors 0.4, 0.6, 0.4, 0.6
    assert acc_topo(y, p) == 0.5
    assert acc_topo(y, p, tol=0.061) == 1.0
    assert acc_topo(y, y + 0.5) == 0.0              # the bound is strict


def test_acc_topo_takes_the_maximum_per_curve():
    y = np.array([[1.0, 2.0], [100.0, 50.0]])       # tolerances 0.1 and 5.0
    p = np.array([[1.2, 2.05], [104.0, 56.0]])      # errors 0.2, 0.05 | 4.0, 6.0
    assert acc_topo(y, p) == 0.5


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        r2([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        acc_topo([1, 2], [1])
