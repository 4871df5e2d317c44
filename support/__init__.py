"""Support package of the book: physics, samplers, models, training, analysis and the runner.

Heisenberg conventions
----------------------
Used by :mod:`support.heisenberg`, :mod:`support.samplers.heisenberg`, :mod:`support.symmetry`,
:mod:`support.skyrmion_dataset` and :mod:`support.vae`; docstrings there cite this section.

* Arrays: spins are unit vectors, channels-first ``(..., 3, L, L)`` on a periodic L × L lattice;
  axis ``-1`` is ``j`` (``+x``), axis ``-2`` is ``i`` (``+y``); channel 2 is ``S^z``.
* Hamiltonian, each nearest-neighbour bond once::

      H = -J Σ_<ij> S_i·S_j - Σ_<ij> D_ij·(S_i × S_j) - B Σ_i S_i^z

  with ``u_ij`` the unit vector from site ``i`` to site ``j`` and ``D_ij = D (ẑ × u_ij)`` for
  interfacial (``dmi="neel"``) or ``D_ij = D u_ij`` for bulk (``dmi="bloch"``) DMI.
  The effective field is ``h_i = -∂H/∂S_i``.
* Chirality: with ``D > 0`` the favoured Néel skyrmion (core down in an up background) has its
  in-plane spins pointing towards the core (helicity π); the favoured Bloch skyrmion has helicity
  +π/2. Symmetries of ``H`` acting on positions and spins: translations, and the point group C4v
  for Néel DMI (C4 for Bloch: a mirror flips the Bloch chirality).
* Skyrmion charge: the Berg–Lüscher lattice charge ``Q``; plaquette ``[i, j]`` has corners
  ``(i,j) → (i,j+1) → (i+1,j+1) → (i+1,j)`` (counter-clockwise in x-y). A skyrmion with core
  ``S^z = -1`` in an ``S^z = +1`` background (``B > 0``) has ``Q = -1``, so a skyrmion lattice
  has ``Q = -(number of skyrmions)``.
* Skyrmion detection (thesis rule): periodic 4-connected clusters of ``S^z < -0.8`` with at least
  7 sites; a defect is a skyrmion whose periodic Delaunay coordination differs from 6.
"""

__version__ = "0.1.0"
