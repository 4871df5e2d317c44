"""The chiral magnet (Heisenberg + DMI + Zeeman) and its skyrmion lattices.

Modules, bottom up (each imports only those above it):

* :mod:`~support.chiral.magnet`: energy, effective field, Berg–Lüscher charge, skyrmions, lattice
  defects (re-exported as :mod:`support.heisenberg`, the public contract's path);
* :mod:`~support.chiral.symmetry`: exact symmetries on the torus, the canonical frame of a lattice;
* :mod:`~support.chiral.phases`: lattice statistics, the phase label, the (D, B) phase scan;
* :mod:`~support.chiral.dataset`: the skyrmion-lattice dataset of chapter 01, split by phase point.

Sign conventions: "Heisenberg conventions" in the package docstring of :mod:`support`.

May import: support.samplers (annealing), support.store, support.parallel
"""
