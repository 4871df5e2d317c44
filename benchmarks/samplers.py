"""Print sampler speeds: ns per attempted single-spin update (XY Metropolis, Heisenberg annealing).

    .venv/bin/python benchmarks/samplers.py

Targets (one thread, L = 64): XY ≤ 50 ns unconstrained and ≤ 100 ns constrained at T = 0.7;
Heisenberg ≤ 100 ns at low T. Run on an otherwise idle machine for meaningful numbers.
"""

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    for name in ["bench_xy", "bench_heisenberg"]:
        print(f"== {name} ==", flush=True)
        _load(name).main()
