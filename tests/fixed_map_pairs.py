"""One-pair maps on L = 16 and their fixed-map minima, shared by the fixed-map and prior tests."""

import functools

import numpy as np

from support import xy
from support.cwgan.models import fixed_map as fm

L = 16


def overlap(a, b):
    """|<exp(i (a - b))>|: 1 when two fields differ by a global rotation only."""
    return abs(np.mean(np.exp(1j * (a - b))))


@functools.lru_cache(maxsize=None)
def straight_pair():
    """The straight pair ``d = 4`` at ``(4, 4)`` and its fixed-map minima (computed once per test session)."""
    k = xy.pair_map(L, (0, 4), (4, 4))
    return k, fm.fixed_map_minima(k, seed=1)
