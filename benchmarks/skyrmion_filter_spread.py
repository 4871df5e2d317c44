"""The skyrmion data's charge spread under the thesis's detection rule and under the core rule (issue 35, item 1).

Not a timing benchmark: it repeats chapter 01's skyrmion part (phase scan, design points drawn in the scan's
skyrmion-lattice region, annealed lattices, filter) with the cpu profile's settings, once per detection rule, since
the rule decides both the scan's region (where detection agrees with ``-Q``) and the per-lattice filter. Printed per
pipeline: annealed and kept lattices, the kept lattices' ``D`` range, ``Q`` mean / std / range and the Pearson
coefficients ``r(D, Q)`` and ``r(Q, Mz)``; and, on the core rule's anneals, what the thesis's filter would keep.

Usage: ``python benchmarks/skyrmion_filter_spread.py [--out data/side] [--L 48] [--points 129] [--configs 4]``;
about 4 minutes of one core per pipeline at the defaults (the anneals are cached in ``--out``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from support.chiral import dataset as skd
from support.chiral import magnet as hb
from support.chiral import phases as sph

RULES = {"thesis": hb.THESIS_RULE, "core": hb.CORE_RULE}


def pipeline(out: Path, name: str, rule: dict, sim: dict, *, L: int, n_points: int, configs: int) -> dict:
    """Scan, design and dataset of one detection rule (chapter 01's calls); returns the annealed lattices."""
    kw = dict(sweeps=sim["sk_sweeps"], n_temps=sim["sk_n_temps"], T_start=sim["sk_T_start"],
              T_final=sim["sk_T_final"], dmi=sim["sk_dmi"])
    scan = sph.cached_phase_scan(out / f"scan_{name}", L, sim["sk_scan_D"], sim["sk_scan_b"], seed=sim["seed"],
                                 rule=rule, progress=False, **kw)
    points = skd.sample_region_points(scan, n_points, seed=sim["seed"])
    folder = out / f"skyrmions_{name}"
    skd.generate_skyrmion_dataset(folder, L=L, points=points, configs_per_point=configs, seed=sim["seed"],
                                  progress=False, rule=rule, **kw)
    print(f"{name}: {len(sph.skyrmion_points(scan))} scan points in the region, design D in "
          f"[{points[:, 0].min():.3f}, {points[:, 0].max():.3f}]", flush=True)
    return skd.load_skyrmion_dataset(folder, lattices_only=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="data/side")
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--L", type=int, default=None, help="lattice size (default: the profile's sk_L)")
    ap.add_argument("--points", type=int, default=None, help="design points (default: the profile's)")
    ap.add_argument("--configs", type=int, default=None, help="lattices per point (default: the profile's)")
    args = ap.parse_args()
    prof = yaml.safe_load(open(Path(__file__).parents[1] / "params" / f"{args.profile}.yaml"))
    sim = prof["common"] | prof["01_simulate"]
    L, n_points = args.L or sim["sk_L"], args.points or sim["sk_n_points"]
    configs = args.configs or sim["sk_configs_per_point"]
    out = Path(args.out)
    rows = {}
    for name, rule in RULES.items():
        annealed = pipeline(out, name, rule, sim, L=L, n_points=n_points, configs=configs)
        rows |= {f"{name} design, {f} filter": v for f, v in
                 skd.filter_spreads(annealed, {f: RULES[f] for f in (("thesis", "core") if name == "core"
                                                                      else ("thesis",))}).items()}
        Q = annealed["Q"][annealed["is_lattice"]]
        print(f"{name} pipeline: share of kept lattices at |Q| 7-9: {np.mean((-Q >= 6.5) & (-Q < 9.5)):.2f}; "
              f"anneals with D < 0.45: {np.sum(annealed['D'] < 0.45)} of {len(annealed['D'])}", flush=True)
    table = pd.DataFrame(rows).T[["n_annealed", "n", "D_min", "D_max", "Q_mean", "Q_std", "Q_min", "Q_max",
                                  "r_D_Q", "r_Q_Mz"]]
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.precision", 3):
        print(f"L = {L}, {n_points} design points x {configs} lattices")
        print(table)


if __name__ == "__main__":
    main()
