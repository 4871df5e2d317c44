"""The XY model on the periodic square lattice: vortices, T = 0 fields, spin waves, observables, data, checks.

Modules, bottom up (each imports only those above it):

* :mod:`~support.xy.charges`: angles and bonds, exact and smooth vortex charges, charge maps, the field picture;
* :mod:`~support.xy.fields`: T = 0 fields of charge maps (Villain / Coulomb gas) and Gaussian spin waves;
* :mod:`~support.xy.observables`: energy, magnetization, vorticity, fluctuations, correlations;
* :mod:`~support.xy.dataset`: the cWGAN training set of constrained Metropolis samples (chapter 01);
* :mod:`~support.xy.checks`: the sampler against spin-wave limits, pair energies against the Coulomb gas.

This package's namespace is the public contract for the XY model (``support.xy.vortices``,
``support.xy.energy``, ``support.xy.magnetization``, ...): the names below are re-exported from the
first three modules, which import nothing else of :mod:`support`. Array layout, bond-angle sign and
plaquette orientation: the conventions in :mod:`support`.

May import: support.samplers, support.store, support.book (runtime: the profile's data folder)
"""

from support.xy.fields import spin_waves, villain_field
from support.xy.observables import (ENSEMBLE_OBSERVABLES, T_KT, correlation_function, energy, energy_per_site,
                                    ensemble_observables, helicity_modulus, magnetization, specific_heat,
                                    susceptibility, vorticity)
from support.xy.charges import (PAIR_DISTANCES, TWO_PI, PairDistance, bond_angles, check_charges, matches_map,
                                 pair_distance, pair_map, plot_field, smooth_vortices, symmetric_displacements,
                                 to_spins, vortices, wrap_angle)

__all__ = [
    # support.xy.charges: fields, bonds, vortex charges, charge maps
    "TWO_PI", "wrap_angle", "bond_angles", "vortices", "matches_map", "smooth_vortices", "to_spins",
    "PairDistance", "PAIR_DISTANCES", "symmetric_displacements", "check_charges", "pair_map", "pair_distance",
    "plot_field",
    # support.xy.observables
    "T_KT", "energy", "energy_per_site", "magnetization", "vorticity", "specific_heat", "susceptibility",
    "helicity_modulus", "correlation_function", "ENSEMBLE_OBSERVABLES", "ensemble_observables",
    # support.xy.fields: T = 0 fields of charge maps and spin waves
    "villain_field", "spin_waves",
]
