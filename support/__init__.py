"""Support package of the book: physics, samplers, the two stories' packages, the runner and storage.

A house of packages, one concept each; imports point down this list only (no cycles), and each
package's docstring ends with the packages it may import (``tests/test_import_graph.py`` checks it):

* physics: :mod:`support.xy` (the XY model: vortices, T = 0 fields, spin waves, observables, its
  dataset and checks), :mod:`support.chiral` (the chiral magnet: energy, field, charge, skyrmions,
  symmetry, phase scan, its dataset), :mod:`support.topology` (the Θ-filtration and persistent
  homology), :mod:`support.metrics` (the cWGAN paper's R² and Acc_topo);
* :mod:`support.samplers`: numba Monte Carlo kernels (constrained XY Metropolis, Heisenberg annealing);
* the stories: :mod:`support.cwgan` (by role: models, training, evaluation) and :mod:`support.vae` (by
  role: training, latent, evaluation); a story imports physics, samplers and machinery, never the other story;
* the machinery beside them: :mod:`support.book` (runner, parameter schema, notebook helpers,
  progress, run-time choices), :mod:`support.store` (datasets, checkpoints, integrity, locks) and
  :mod:`support.parallel` (independent work on Dask).

At the root stay :mod:`support.metrics`, :mod:`support.parallel` and :mod:`support.heisenberg` (the
public contract's path to :mod:`support.chiral.magnet`); :mod:`support.xy`, :mod:`support.samplers`
and :mod:`support.cwgan` re-export their contract names.

May import: support.book (progress), support.chiral (the contract re-export)

Conventions: the XY model and the cWGAN
---------------------------------------
The code below relies on these; docstrings cite this section instead of repeating it.

* **Array layout.** XY fields are angles ``theta`` of shape ``(..., L, L)`` (float32 on disk); vector
  fields are channels-first ``(..., C, L, L)``, ``C = 2`` (``cos theta, sin theta``) for XY. Axis ``-2``
  is ``i`` (y, rows), axis ``-1`` is ``j`` (x, columns). ``+x`` is ``+j``, ``+y`` is ``+i``.
* **Periodic lattices.** Every lattice is an ``L × L`` torus: neighbours are taken mod ``L``
  (``np.roll``/``torch.roll``, circular padding in the networks); a charge map sums to zero.
* **Bond angles.** ``b_x[i, j] = theta[i, j+1] - theta[i, j]`` and ``b_y[i, j] = theta[i+1, j] -
  theta[i, j]``: head minus tail along ``+j`` and ``+i``, unwrapped unless a function says so
  (:func:`support.xy.bond_angles`). Energies use ``cos b`` (even in ``b``); currents, the helicity
  modulus, the fixed-map barrier and the networks' bond features use this sign.
* **Vortex plaquettes.** Plaquette ``[i, j]`` has corners ``(i, j) → (i, j+1) → (i+1, j+1) → (i+1, j)``
  (mod ``L``), visited in that order; its charge is the sum of the four wrapped differences over
  ``2 pi`` (:func:`support.xy.charges`), so ``theta = atan2(i - i0, j - j0)`` around a point inside
  it has charge ``+1``. The charge map ``k[i, j]`` is aligned with site ``[i, j]`` wherever the
  networks take it as an input channel. A field *has its map* when all plaquette charges equal the
  requested ones (:func:`support.xy.matches_map`).
* **Temperatures** are in units of ``J / k_B`` (``J = 1``); a temperature used as a key goes through
  :func:`support.xy.dataset.temperature_key`.

Heisenberg conventions
----------------------
Used by :mod:`support.chiral.magnet`, :mod:`support.samplers.heisenberg`, :mod:`support.chiral.symmetry`,
:mod:`support.chiral.phases`, :mod:`support.chiral.dataset` and :mod:`support.vae`; docstrings there
cite this section.

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
