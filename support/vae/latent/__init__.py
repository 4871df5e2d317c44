"""The VAE's latent space: what it holds, and new latents drawn from it. Bottom up:

* :mod:`~support.vae.latent.analysis`: PCA of latent means, correlations with physical quantities, probes;
* :mod:`~support.vae.latent.shares`: Q's share of the latent variance beside PC0's;
* :mod:`~support.vae.latent.novelty`: the two-sided check that generated lattices are new and plausible;
* :mod:`~support.vae.latent.sampling`: latent samplers and the lattices they generate (its nearest-lattice
  distance imports :mod:`~support.vae.latent.novelty`'s pairwise distance when called).

May import: support.chiral, support.metrics, support.vae.inference
"""
