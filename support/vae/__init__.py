"""The VAE story: a residual variational autoencoder for skyrmion lattices (Dušek thesis).

Modules, in import order (each imports only those above it, and the physics, dataset and
infrastructure modules of :mod:`support`):

* :mod:`support.vae.splits`: the phase-point splits (validation points tested by no split);
* :mod:`support.vae.model`: the residual VAE and its KL divergence;
* :mod:`support.vae.training`: loss, symmetry augmentation, resumable training loop;
* :mod:`support.vae.runs`: several runs (the KL-weight sweep, further splits and frames), model selection;
* :mod:`support.vae.inference`: load a checkpoint, encode, decode, reconstruct;
* :mod:`support.vae.upstream`: the inputs of chapters 04 and 05 (dataset and chapter 03's results);
* :mod:`support.vae.latent`: PCA of latent means, correlations, probes;
* :mod:`support.vae.shares`: Q's share of the latent variance beside PC0's;
* :mod:`support.vae.reconstruction`: errors, energies, effective fields and charge of reconstructions;
* :mod:`support.vae.sampling`: latent samplers and the lattices they generate;
* :mod:`support.vae.novelty`: the two-sided check that generated lattices are new and plausible;
* :mod:`support.vae.evaluation`: held-out latent probes, PC0 and generation on unseen phase points;
* :mod:`support.vae.correlations`: D, B, Q, Mz among themselves and with PC0 (generated lattices, partial given D);
* :mod:`support.vae.diagnostics`: what the principal components and the reconstruction error follow;
* :mod:`support.vae.report`: chapter 05's tables, targets and results entries;
* :mod:`support.vae.size_study`: the same pipeline at several lattice sizes (data, runs, scores, cost);
* :mod:`support.vae.verdicts`: the verdict sentences of chapters 03–05, built from the numbers;
* :mod:`support.vae.figures`: the chapters' figures.

Sign conventions: "Heisenberg conventions" in the package docstring of :mod:`support`.

May import: support.chiral, support.store, support.book (progress, runtime), support.parallel, support.metrics
"""
