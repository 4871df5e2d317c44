"""XY model on the periodic square lattice: the public names of its vortex, observable and field modules in one place."""

from support.xy_fields import spin_waves, villain_field
from support.xy_observables import (ENSEMBLE_OBSERVABLES, T_KT, correlation_function, energy, energy_per_site,
                                    ensemble_observables, helicity_modulus, magnetization, specific_heat,
                                    susceptibility, vorticity)
from support.xy_vortices import (PAIR_DISTANCES, TWO_PI, PairDistance, bond_angles, check_charges, matches_map,
                                 pair_distance, pair_map, plot_field, smooth_vortices, symmetric_displacements,
                                 to_spins, vortices, wrap_angle)

__all__ = [
    # support.xy_vortices: fields, bonds, vortex charges, charge maps
    "TWO_PI", "wrap_angle", "bond_angles", "vortices", "matches_map", "smooth_vortices", "to_spins",
    "PairDistance", "PAIR_DISTANCES", "symmetric_displacements", "check_charges", "pair_map", "pair_distance",
    "plot_field",
    # support.xy_observables
    "T_KT", "energy", "energy_per_site", "magnetization", "vorticity", "specific_heat", "susceptibility",
    "helicity_modulus", "correlation_function", "ENSEMBLE_OBSERVABLES", "ensemble_observables",
    # support.xy_fields: T = 0 fields of charge maps and spin waves
    "villain_field", "spin_waves",
]
