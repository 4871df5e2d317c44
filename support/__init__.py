"""Support package of the book: physics, samplers, datasets, the two stories' packages and the runner.

Rooms: flat physics modules (``xy``, ``heisenberg``, ``symmetry``, ``tda``, ``metrics``), the numba
samplers (``samplers``), the datasets (``xy_dataset``, ``skyrmion_dataset``), one package per story
(``cwgan``, ``vae``) and the infrastructure (``book``, ``data``, ``runtime``, ``checkpoint``). Imports
point down only: a story imports physics, samplers, datasets and infrastructure, never the other story.

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
  ``2 pi`` (:func:`support.xy.vortices`), so ``theta = atan2(i - i0, j - j0)`` around a point inside
  it has charge ``+1``. The charge map ``k[i, j]`` is aligned with site ``[i, j]`` wherever the
  networks take it as an input channel. A field *has its map* when all plaquette charges equal the
  requested ones (:func:`support.xy.matches_map`).
* **Temperatures** are in units of ``J / k_B`` (``J = 1``); a temperature used as a key goes through
  :func:`support.xy_dataset.temperature_key`.
"""

__version__ = "0.1.0"
