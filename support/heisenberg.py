"""The chiral magnet's public names at the contract's path: re-exported from :mod:`support.chiral.magnet`."""

from support.chiral.magnet import (CORE_RULE, DMI_KINDS, THESIS_RULE, alignment, analytic_skyrmion, charge_density,
                                   core_radius, count_defects, count_skyrmions, dmi_vectors, effective_field, energy,
                                   exchange_dmi_field, find_skyrmion_cores, find_skyrmions, local_energy,
                                   magnetization_z, random_spins, skyrmion_aspect_ratios, skyrmion_lattice_defects,
                                   topological_charge)

__all__ = ["CORE_RULE", "DMI_KINDS", "THESIS_RULE", "alignment", "analytic_skyrmion", "charge_density", "core_radius",
           "count_defects", "count_skyrmions", "dmi_vectors", "effective_field", "energy", "exchange_dmi_field",
           "find_skyrmion_cores", "find_skyrmions", "local_energy", "magnetization_z", "random_spins",
           "skyrmion_aspect_ratios", "skyrmion_lattice_defects", "topological_charge"]
