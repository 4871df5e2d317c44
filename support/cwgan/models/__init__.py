"""The cWGAN's generator families and the non-learned baselines, one module each.

* :mod:`~support.cwgan.models.fixed_map`: the XY energy landscape at a fixed vortex map (minima,
  Gaussian basins); :mod:`~support.cwgan.models.prior`: the physics prior drawn from it;
* :mod:`~support.cwgan.models.unet`: the U-Net generator (paper and prior variants) and the critic;
* :mod:`~support.cwgan.models.physics_layers`, :mod:`~support.cwgan.models.learned`: the learned
  generator (FFT Villain field, learned circular U-Net correction, Fourier spin waves; no per-map solve);
* :mod:`~support.cwgan.models.baselines`: non-learned fields of a map that frame the generators' scores.

May import: support.xy, support.store (seeds), support.samplers (the fixed-map anneal)
"""
