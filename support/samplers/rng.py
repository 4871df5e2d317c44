"""Fast inline random numbers for numba kernels: xoshiro256+ seeded by splitmix64.

A kernel keeps its state in a ``uint64[4]`` array; ``uniform(state)`` returns a float in
[0, 1) and advances the state. Seeds per chain/chunk come from ``numpy.random.SeedSequence``
so that parallel chunks are independent and every byte is reproducible.
"""

import numba as nb
import numpy as np

_U64 = np.uint64
_INV_2_53 = 1.0 / 9007199254740992.0


@nb.njit(inline="always", cache=True)
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@nb.njit(inline="always", cache=True)
def uniform(state):
    """Next float in [0, 1) from a xoshiro256+ state (``uint64[4]``, modified in place)."""
    result = state[0] + state[3]
    t = state[1] << _U64(17)
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = _rotl(state[3], 45)
    return (result >> _U64(11)) * _INV_2_53


@nb.njit(inline="always", cache=True)
def randint(state, n):
    """Uniform integer in ``[0, n)``."""
    return int(uniform(state) * n)


def make_state(seed: int) -> np.ndarray:
    """A xoshiro256+ state (``uint64[4]``) from an integer seed, via SeedSequence (never all zero)."""
    words = np.random.SeedSequence(int(seed)).generate_state(4, dtype=np.uint64)
    if not words.any():
        words[0] = 1
    return words


def make_states(seed: int, n: int) -> np.ndarray:
    """``n`` independent states (``uint64[n, 4]``), one per chain or chunk, from one root seed."""
    children = np.random.SeedSequence(int(seed)).spawn(n)
    states = np.stack([c.generate_state(4, dtype=np.uint64) for c in children])
    states[~states.any(axis=1), 0] = 1
    return states
