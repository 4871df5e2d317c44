"""The VAE story: a residual variational autoencoder for skyrmion lattices (Dušek thesis).

By role, bottom up (imports point down this list only):

* :mod:`~support.vae.model`: the residual VAE and its KL divergence;
* :mod:`~support.vae.training`: the phase-point splits, the training of one VAE (loss, symmetry augmentation,
  resumable loop) and several runs (the KL-weight sweep, further splits and frames) with model selection;
* :mod:`~support.vae.inference`: load a checkpoint, encode, decode, reconstruct — the trained VAE as a tool;
* :mod:`~support.vae.latent`: the latent space (PCA of latent means, correlations, probes, Q's share of the
  variance) and samplers of new latents, with the check that the lattices they generate are new and plausible;
* :mod:`~support.vae.evaluation`: one module per question (reconstructions, held-out scores on unseen phase
  points, correlations with PC0, what the components and the reconstruction error follow);
* :mod:`~support.vae.upstream`, :mod:`~support.vae.report`: the inputs of chapters 04 and 05 (dataset and
  chapter 03's results), chapter 05's tables, targets and results entries;
* :mod:`~support.vae.size_study`: the same pipeline at several lattice sizes (data, runs, scores, cost);
* :mod:`~support.vae.verdicts`, :mod:`~support.vae.figures`: the verdict sentences of chapters 03–05, built from
  the numbers, and the chapters' figures.

The public contract is :func:`~support.vae.inference.load_vae`, :func:`~support.vae.inference.encode` and
:func:`~support.vae.inference.decode_latents`, imported from :mod:`support.vae.inference` (README). Sign
conventions: "Heisenberg conventions" in the package docstring of :mod:`support`.

May import: support.chiral, support.store, support.book (runtime), support.vae.training, support.vae.latent,
support.vae.evaluation
"""
