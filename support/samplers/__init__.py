"""Numba Monte Carlo samplers: constrained XY Metropolis and Heisenberg + DMI annealing.

``sample_xy`` and ``anneal_heisenberg`` are imported lazily, so that importing one sampler
(or the RNG) does not load the other's numba kernels.

May import: support.xy (the package's public names), support.chiral.magnet (DMI vectors),
support.book (progress)
"""

__all__ = ["sample_xy", "anneal_heisenberg"]


def __getattr__(name):
    if name == "sample_xy":
        from support.samplers.xy import sample_xy

        return sample_xy
    if name == "anneal_heisenberg":
        from support.samplers.heisenberg import anneal_heisenberg

        return anneal_heisenberg
    raise AttributeError(f"module 'support.samplers' has no attribute {name!r}")
