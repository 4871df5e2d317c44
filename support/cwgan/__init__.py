"""The cWGAN story: a conditional Wasserstein GAN that maps a vortex map and a temperature to an XY field.

Modules, bottom up (imports point down this list only):

* :mod:`~support.cwgan.fixed_map`: the XY energy landscape at a fixed vortex map (minima, Gaussian basins);
* :mod:`~support.cwgan.prior`: the physics prior drawn from it (:data:`~support.cwgan.prior.DEFAULT_PRIOR`);
* :mod:`~support.cwgan.networks`: the U-Net generator (paper and prior variants) and the critic;
* :mod:`~support.cwgan.physics_layers`, :mod:`~support.cwgan.learned`: the learned generator (FFT Villain field,
  learned circular U-Net correction, Fourier spin waves; no per-map solve), trained without data by
  :mod:`~support.cwgan.learned_training` and scored by :mod:`~support.cwgan.learned_evaluation`;
* :mod:`~support.cwgan.generator`: save, load, generate, resize — the trained generator as a tool (any kind);
* :mod:`~support.cwgan.split`: held-out maps, monitor and evaluation sets, MC halves;
* :mod:`~support.cwgan.training`: the WGAN-GP loop (checkpoints, resume, a monitor callback);
* :mod:`~support.cwgan.heldout_evaluation`: chapter 02's held-out scorecard, targets, best variant;
* :mod:`~support.cwgan.scoring`, :mod:`~support.cwgan.topology_scores`: chapter 04's scores per pair distance;
* :mod:`~support.cwgan.baselines`, :mod:`~support.cwgan.mc_reference`: non-learned fields, MC top-up, polish, cost;
* :mod:`~support.cwgan.upstream`, :mod:`~support.cwgan.figures`: chapter 04's inputs, the chapters' figures.

Array layout, bond-angle sign, plaquette orientation and periodicity: see the conventions in :mod:`support`.
"""

from support.cwgan.generator import generate, load_generator

__all__ = ["generate", "load_generator"]
