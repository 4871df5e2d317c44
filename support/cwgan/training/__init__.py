"""Training the cWGAN's generators.

* :mod:`~support.cwgan.training.wgan`: conditional WGAN-GP training of the U-Nets (paper and prior
  variants): losses, loop, checkpoints, resume, a monitor callback, a learning curve at log-spaced steps;
* :mod:`~support.cwgan.training.curve`: the learning curve's scorer, words and figure;
* :mod:`~support.cwgan.training.learned`: the learned generator's correction trained without data
  (random maps, the barrier energy, Adam).

May import: support.xy, support.store, support.book (progress), support.cwgan.models,
support.cwgan.generator
"""
