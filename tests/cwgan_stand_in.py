"""A small stand-in XY data set shared by the cWGAN tests (mechanics, not physics)."""

import numpy as np

from support import xy
from support.cwgan.models.prior import prior_angles


def stand_in_data(L: int, n_maps: int = 6, per_map: int = 4, seed: int = 0) -> dict:
    """The prior itself at two temperatures on ``n_maps`` one-pair maps, in the layout of an XY data set."""
    rng = np.random.default_rng(seed)
    maps = np.stack([xy.pair_map(L, (0, 1 + m % 3), (m, 2 * m)) for m in range(n_maps)])
    k = np.repeat(maps, per_map, axis=0)
    T = np.tile(np.repeat(np.float32([0.1, 0.5]), per_map // 2), n_maps)
    theta = prior_angles(k, T, rng, ground_state="relaxed", self_consistent=False)
    return dict(theta=theta, charges=k, T=T, distance=xy.pair_distance(k).astype(np.float32),
                map_id=np.repeat(np.arange(n_maps), per_map))
