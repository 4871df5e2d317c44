"""How good is the VAE? One module per question, bottom up.

* :mod:`~support.vae.evaluation.reconstruction`: errors, energies, effective fields and charge of
  reconstructions (chapter 04);
* :mod:`~support.vae.evaluation.heldout`: held-out latent probes, PC0 and generation on unseen phase points,
  means over splits;
* :mod:`~support.vae.evaluation.correlations`: D, B, Q, Mz among themselves and with PC0 (generated lattices,
  partial given D);
* :mod:`~support.vae.evaluation.diagnostics`: what the principal components and the reconstruction error follow.

May import: support.chiral, support.vae.inference, support.vae.latent
"""
