"""How good are the cWGAN's fields? One module per question, bottom up.

* :mod:`~support.cwgan.evaluation.topology`: Θ-filtration curves, Acc_topo and persistence per class;
* :mod:`~support.cwgan.evaluation.scores`: observables, R², correlations and match rates against
  Monte Carlo, per pair-distance class and per evaluation set;
* :mod:`~support.cwgan.evaluation.heldout`: chapter 02's scorecards on held-out (map, T) groups
  (the U-Nets, and the learned generator per pair class);
* :mod:`~support.cwgan.evaluation.mc_reference`: constrained Monte Carlo as the reference (top-up,
  polish, autocorrelation, cost per sample);
* :mod:`~support.cwgan.evaluation.sets`: evaluation sets of maps, sizes and temperatures;
* :mod:`~support.cwgan.evaluation.cost`: cost per independent sample versus lattice size, and one measurement
  protocol for Markov-chain samplers (bare kernel time, tau_int with errors, burn-in of a new map);
* :mod:`~support.cwgan.evaluation.generalisation`: every generator on every evaluation set;
* :mod:`~support.cwgan.evaluation.exact_checks`: the exact chain (:mod:`support.cwgan.exact`) against long
  Monte Carlo, and its cost against the best Monte Carlo per independent field and per new map.

May import: support.xy, support.topology, support.samplers, support.store, support.metrics,
support.cwgan.models, support.cwgan.generator, support.cwgan.split, support.cwgan.exact
"""
