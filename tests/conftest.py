"""Fixtures shared by several test modules."""

import numpy as np
import pytest

from support import xy
from support.samplers.xy import sample_xy_chains


@pytest.fixture(scope="module")
def small_mc():
    """Constrained MC fields at T = 0.1 for the no-pair map and two pair distances (L = 12)."""
    L, T, n = 12, 0.1, 32
    maps = np.stack([np.zeros((L, L), np.int8), xy.pair_map(L, (0, 2), (3, 3)), xy.pair_map(L, (1, 4), (5, 2))])
    theta = sample_xy_chains(L, T, n, charges=maps, burn_in=200, sweeps_between=10, seed=5)
    return dict(theta=theta.reshape(-1, L, L), charges=np.repeat(maps, n, axis=0),
                classes=np.repeat([0, 3, 10], n), T=T)


@pytest.fixture
def one_torch_thread():
    """Tiny convolutions are fastest on one thread, and a shared machine punishes spinning thread pools."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
