"""Training the VAE, bottom up.

* :mod:`~support.vae.training.splits`: the phase-point splits (validation points tested by no split);
* :mod:`~support.vae.training.loop`: one VAE's training: loss, symmetry augmentation, learning-rate schedule,
  resumable training loop, checkpoint names;
* :mod:`~support.vae.training.learning_curve`: validation MSE and |r(PC0, Q)| against optimiser steps (a run's
  monitor) and the plateau rule;
* :mod:`~support.vae.training.runs`: several runs (the KL-weight sweep, further splits and frames) in processes
  or on Dask, and model selection.

May import: support.chiral, support.store, support.book (progress, runtime), support.parallel (Dask runs, when
used), support.vae.model
"""
