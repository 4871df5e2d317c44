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


# -------------------------------------------------------------------------------------------------
# the smoke book under nbval, and the results regression test that judges what it wrote
# -------------------------------------------------------------------------------------------------

_SMOKE_BOOK = pytest.StashKey[dict]()
#: test modules that read the results the nbval notebooks of this session wrote
_AFTER_THE_BOOK = ("test_results_regression.py",)


def pytest_collection_modifyitems(session, config, items):
    """Run the results regression tests right after the last nbval notebook, and note whether the book runs
    in this session (``make test``) and since when."""
    import time

    notebooks = [i for i, item in enumerate(items) if item.path.suffix == ".ipynb"]
    config.stash[_SMOKE_BOOK] = {"executed": bool(notebooks), "session_start": time.time()}
    if notebooks:
        after = [item for item in items if item.path.name in _AFTER_THE_BOOK]
        rest = [item for item in items if item.path.name not in _AFTER_THE_BOOK]
        last = max(i for i, item in enumerate(rest) if item.path.suffix == ".ipynb")
        items[:] = rest[:last + 1] + after + rest[last + 1:]


@pytest.fixture
def smoke_book(request):
    """``{"executed": the nbval notebooks run in this session, "session_start": POSIX time}``."""
    return request.config.stash[_SMOKE_BOOK]
