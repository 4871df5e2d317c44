"""The cWGAN story: a conditional Wasserstein GAN that maps a vortex map and a temperature to an XY field.

By role, bottom up (imports point down this list only):

* :mod:`~support.cwgan.models`: every generator family and the baselines (paper and prior U-Nets with
  the critic, the fixed-map landscape and physics prior, the learned generator, non-learned fields);
* :mod:`~support.cwgan.generator`: save, load, generate, resize — the trained generator as a tool (any
  kind); :mod:`~support.cwgan.exact`: the generator inside a Metropolis–Hastings chain, exact fields of
  a map; :mod:`~support.cwgan.split`: which fields the cWGAN may see (held-out maps, monitor and
  evaluation sets, MC halves);
* :mod:`~support.cwgan.training`: the WGAN-GP loop of the U-Nets and the data-free training of the
  learned generator;
* :mod:`~support.cwgan.evaluation`: one module per question (held-out scorecards, evaluation sets,
  scores against Monte Carlo, topology, Monte Carlo references, cost, generalisation);
* :mod:`~support.cwgan.upstream`, :mod:`~support.cwgan.figures`, :mod:`~support.cwgan.tables`: chapter 04's
  inputs, the chapters' figures, chapter 02's tables.
* :mod:`~support.cwgan.cli` (``python -m support.cwgan sample``): fields of a user's own vortex map from the
  command line, exact or labelled approximate, with a diagnostic report.

The public contract is :func:`load_generator`, :func:`generate` and :func:`sample_exact` (re-exported here). Array layout,
bond-angle sign, plaquette orientation and periodicity: see the conventions in :mod:`support`.

May import: support.xy, support.topology, support.store, support.book (runtime), support.samplers (the
exact chain's local sweeps),
support.cwgan.models, support.cwgan.evaluation (the figures draw its scores)
"""

from support.cwgan.exact import sample_exact
from support.cwgan.generator import generate, load_generator

__all__ = ["generate", "load_generator", "sample_exact"]
