"""Topology of XY fields: the Θ-threshold cell complex and its persistent homology.

* :mod:`~support.topology.filtration`: the cell complex per threshold, Minkowski functionals, clusters;
* :mod:`~support.topology.persistence`: exact persistent homology of that filtration, Betti curves,
  ensemble distances.

May import: support.xy
"""
