"""Storage: files that prove themselves, one writer at a time.

Modules, bottom up (each imports only those above it):

* :mod:`~support.store.locks`: advisory file locks for dataset folders and results files;
* :mod:`~support.store.integrity`: size + SHA-256 records, errors that name the broken file;
* :mod:`~support.store.data`: atomic writes, JSON manifests, chunked resumable datasets, seeds, results;
* :mod:`~support.store.checkpoint`: checkpoints that rebuild their model (weights, config, state).

May import: support.parallel (chunked generation runs its chunks as tasks)
"""
