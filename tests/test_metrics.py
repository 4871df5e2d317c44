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


def test_acc_topo_counts_points_within_tolerance():
    y = np.array([1.0, 2.0, 10.0, 0.0])
    p = np.array([1.04, 2.2, 10.4, 0.0])            # 4 %, 10 %, 4 %, exact zero
    assert acc_topo(y, p) == 0.75
    assert acc_topo(y, p, tol=0.11) == 1.0


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        r2([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        acc_topo([1, 2], [1])
