"""Independent work on Dask distributed: an embedded LocalCluster or an existing cluster, same results.

A chapter's ``scheduler`` parameter picks where tasks run:

- ``None``: serial, in this process (the functions' default; nothing is started);
- ``""``: an embedded ``LocalCluster`` sized to the machine (one single-threaded worker process
  per core), started once per process and reused;
- ``"tcp://host:8786"``: the cluster whose scheduler listens there (``dask scheduler`` on one
  machine, ``dask worker tcp://host:8786`` on each of the others).

Tasks carry their own seeds (derived from the root seed), and every numba kernel of the book gives
the same bytes whatever its thread count, so results never depend on the number of workers. Each
task sets numba's and torch's threads to its worker's thread count, so worker processes do not
oversubscribe the cores.
"""

from __future__ import annotations

import atexit
import logging
from functools import partial
from typing import Any, Callable, Iterable, Iterator, Sequence

from support.book.progress import tqdm
from support.book.runtime import available_cores

_CLIENTS: dict[str, Any] = {}


def client_for(scheduler: str | None):
    """The ``distributed.Client`` for a scheduler string, or ``None`` for serial work.

    Clients are cached per string (a chapter makes several datasets with one cluster); the first
    call prints the dashboard address.

    Args:
        scheduler: ``None`` (serial), ``""`` (embedded LocalCluster) or a scheduler address.

    Raises:
        ValueError: an address that is not ``tcp://``, ``tls://``, ``inproc://`` or ``ucx://``.
    """
    if scheduler is None:
        return None
    scheduler = str(scheduler).strip()
    if scheduler and "://" not in scheduler:
        raise ValueError(f"scheduler must be empty (a LocalCluster here) or an address such as "
                         f"tcp://host:8786, got {scheduler!r}")
    if scheduler not in _CLIENTS:
        _CLIENTS[scheduler] = _connect(scheduler)
        client = _CLIENTS[scheduler]
        workers = client.scheduler_info().get("workers", {})
        print(f"Dask: {len(workers)} workers at {client.scheduler.address}; dashboard {client.dashboard_link}")
    return _CLIENTS[scheduler]


def _connect(scheduler: str):
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    # One single-threaded worker process per core: the Monte Carlo kernels then run one task per
    # core. A random dashboard port, so that two books on one machine do not collide; warnings of
    # the cluster's own logs stay out of the executed notebooks.
    cluster = LocalCluster(n_workers=available_cores(), threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster)


def close_clients() -> None:
    """Close every cached client (and the embedded clusters); registered to run at exit."""
    while _CLIENTS:
        _, client = _CLIENTS.popitem()
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()


atexit.register(close_clients)


def _on_worker(fn: Callable[[Any], Any], item: Any) -> Any:
    """Run ``fn(item)`` with numba's and torch's threads set to this worker's thread count."""
    from distributed import get_worker

    threads = get_worker().state.nthreads
    import numba

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass
    return fn(item)


def as_completed_map(fn: Callable[[Any], Any], items: Sequence[Any], *, scheduler: str | None = None,
                     desc: str = "tasks", progress: bool = False) -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, fn(item))`` for every item, serially in order or as the cluster finishes them.

    Args:
        fn: a deterministic function of one item (its own seed derived from the item).
        items: the work (chunk indices, phase points ...).
        scheduler: see :func:`client_for`; ``None`` (or a single item) runs serially here.
        desc: progress-bar label.
        progress: draw a progress bar (on a terminal only, see ``support.book.progress``).
    """
    items = list(items)
    bar = tqdm(total=len(items), desc=desc, disable=not progress or not items)
    # A single task gains nothing from a cluster: it runs here, with all of this process's threads.
    client = client_for(scheduler) if len(items) > 1 else None
    try:
        if client is None:
            for item in items:
                yield item, fn(item)
                bar.update()
            return
        from distributed import as_completed

        futures = {client.submit(_on_worker, fn, item, pure=False): k for k, item in enumerate(items)}
        for future in as_completed(futures):
            yield items[futures[future]], future.result()
            future.release()
            bar.update()
    finally:
        bar.close()


def _second(fn: Callable[[Any], Any], pair: tuple[int, Any]) -> Any:
    return fn(pair[1])


def map_ordered(fn: Callable[[Any], Any], items: Iterable[Any], *, scheduler: str | None = None,
                desc: str = "tasks", progress: bool = False) -> list[Any]:
    """``[fn(item) for item in items]``, the calls spread over the cluster (see :func:`as_completed_map`)."""
    pairs = list(enumerate(items))
    results = dict((k, r) for (k, _), r in as_completed_map(partial(_second, fn), pairs, scheduler=scheduler,
                                                            desc=desc, progress=progress))
    return [results[k] for k in range(len(pairs))]
