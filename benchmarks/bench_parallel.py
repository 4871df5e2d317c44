"""Serial against Dask: wall time of chapter 01's XY dataset and a phase scan (cpu-profile sizes).

    .venv/bin/python benchmarks/bench_parallel.py [--scheduler ''|tcp://host:8786] [--repeat 2]

Each case runs serially and on the scheduler (an embedded LocalCluster by default) alternately,
into fresh temporary folders, and checks that both give the same arrays. The cluster's start-up
(worker processes, numba's cached kernels loaded in each) is timed on its own.
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from support import parallel
from support.chiral import phases as sph
from support.xy.dataset import generate_xy_dataset, load_xy_dataset

XY = dict(L=16, temperatures=[0.1, 0.5, 0.9], n_maps=96, samples_per_map=4, burn_in=300, sweeps_between=50,
          seed=0, progress=False)
SCAN = dict(L=48, D_values=[0.5, 0.6, 0.7], b_values=[0.3, 0.5], configs_per_point=10, sweeps=2500, n_temps=50,
            progress=False)


def _xy(scheduler):
    with tempfile.TemporaryDirectory() as tmp:
        generate_xy_dataset(Path(tmp) / "ds", **XY, scheduler=scheduler)
        return load_xy_dataset(Path(tmp) / "ds")["theta"]


def _scan(scheduler):
    return sph.phase_scan(SCAN["L"], SCAN["D_values"], SCAN["b_values"],
                          **{k: v for k, v in SCAN.items() if k not in ("L", "D_values", "b_values")},
                          scheduler=scheduler)["spins"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scheduler", default="")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cases", default="xy,scan")
    args = parser.parse_args()
    _xy(None)  # compile (and cache) the numba kernels before timing
    t0 = time.perf_counter()
    parallel.client_for(args.scheduler)
    print(f"cluster start-up: {time.perf_counter() - t0:.1f} s", flush=True)
    for name in args.cases.split(","):
        fn = {"xy": _xy, "scan": _scan}[name]
        for _ in range(args.repeat):
            times, results = {}, {}
            for label, scheduler in (("serial", None), ("dask", args.scheduler)):
                t0 = time.perf_counter()
                results[label] = fn(scheduler)
                times[label] = time.perf_counter() - t0
            same = np.array_equal(results["serial"], results["dask"])
            print(f"{name}: serial {times['serial']:.1f} s, dask {times['dask']:.1f} s, identical: {same}", flush=True)


if __name__ == "__main__":
    main()
