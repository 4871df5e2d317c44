"""One writer at a time: advisory file locks (``fcntl.flock``) for dataset folders and results files.

The lock of ``path`` is the hidden file ``.<name>.lock`` beside it, not inside it, so it stays put
when a dataset folder is moved aside. The holder writes its process id into the lock file; a
second writer prints who holds the lock and waits (or, with a timeout, fails naming the holder).
Locks are advisory: they order the book's own writers, not arbitrary programs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
import time
from pathlib import Path
from typing import Iterator


class LockTimeout(TimeoutError):
    """Another process held a lock for longer than the caller was willing to wait."""


def lock_path(path: str | os.PathLike) -> Path:
    """The lock file that guards ``path``: ``<parent>/.<name>.lock``."""
    path = Path(path)
    return path.parent / f".{path.name}.lock"


def _holder(fh) -> str:
    fh.seek(0)
    return fh.read().strip() or "another process"


@contextlib.contextmanager
def file_lock(path: str | os.PathLike, *, timeout: float | None = None, poll: float = 0.2) -> Iterator[Path]:
    """Hold the exclusive advisory lock of ``path`` for the ``with`` block.

    Args:
        path: the file or folder to guard (it need not exist yet).
        timeout: seconds to wait for another holder; ``None`` waits as long as it takes.
        poll: seconds between attempts while waiting.

    Raises:
        LockTimeout: the lock was still held by another process after ``timeout`` seconds.
    """
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as fh:
        start, told = time.monotonic(), False
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if timeout is not None and time.monotonic() - start >= timeout:
                    raise LockTimeout(f"{path} is being written by {_holder(fh)} (lock {lock}); "
                                      f"gave up after {timeout:g} s. Wait for that run to finish.") from None
                if not told:
                    print(f"{path}: waiting for {_holder(fh)} to finish writing (lock {lock})",
                          file=sys.stderr, flush=True)
                    told = True
                time.sleep(poll)
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
            fh.flush()
            yield lock
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
