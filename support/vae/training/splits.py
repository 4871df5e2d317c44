"""The VAE's phase-point splits: validation points that are test points of no split.

:func:`support.chiral.dataset.split_by_point` draws each split's validation points among the points that split
does not test, so split 0's validation points (where chapter 03 chooses the KL weight, and where the cpu profile's
widths were chosen) can be test points of splits 1, 2, ...: a choice made there would be scored on data it saw.
:func:`vae_splits` keeps the test blocks of ``split_by_point`` (disjoint between splits) and draws one set of
validation points, the same for every split, from the points that no split tests. Whatever is chosen on
validation points is then chosen on data that no split ever scores.
"""

from __future__ import annotations

import numpy as np

from support.chiral.dataset import split_by_point
from support.store.data import chunk_seed


def vae_splits(point: np.ndarray, *, n_splits: int, test_fraction: float, val_fraction: float,
               seed: int = 0) -> list[dict[str, np.ndarray]]:
    """All ``n_splits`` splits of lattices by phase point, with validation points outside every test block.

    The test points of split ``k`` are those of ``split_by_point(..., split=k)``. The validation points,
    ``round(val_fraction · (points − test points of one split))`` of them (at least one), are drawn with a
    seeded permutation from the points that no split tests, and are the same in every split; the rest are fitted.

    Returns:
        per split, a dict of sorted lattice indices ``fit``, ``val``, ``test`` and point ids ``train_points``
        (fit and validation), ``val_points`` and ``test_points``.

    Raises:
        ValueError: the points left outside every test block are too few for the validation share plus one
            fitted point (or ``split_by_point`` refuses the parameters).
    """
    point = np.asarray(point)
    kw = dict(n_splits=n_splits, test_fraction=test_fraction, val_fraction=val_fraction, seed=seed)
    tests = [split_by_point(point, split=k, **kw)["test_points"] for k in range(n_splits)]
    ids = np.unique(point)
    never_tested = np.setdiff1d(ids, np.concatenate(tests))
    n_val = max(1, int(round(val_fraction * (len(ids) - len(tests[0])))))
    if n_val >= len(never_tested):
        raise ValueError(f"{len(never_tested)} points are tested by no split: too few for {n_val} validation points "
                         f"and a fitted one (lower n_splits, test_fraction or val_fraction)")
    val_pts = np.sort(np.random.default_rng(chunk_seed(seed, 7_779)).permutation(never_tested)[:n_val])
    out = []
    for test_pts in tests:
        held = np.concatenate([test_pts, val_pts])
        out.append({"fit": np.flatnonzero(~np.isin(point, held)), "val": np.flatnonzero(np.isin(point, val_pts)),
                    "test": np.flatnonzero(np.isin(point, test_pts)), "train_points": np.setdiff1d(ids, test_pts),
                    "val_points": val_pts, "test_points": np.sort(test_pts)})
    return out
