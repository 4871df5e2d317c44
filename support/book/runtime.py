"""Run-time choices shared by the chapters: device, threads, seeds, data folders."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np


def pick_device(device: str = "auto"):
    """``"auto"`` gives CUDA when present, else CPU; anything else is passed to ``torch.device``."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device={device!r} asked for, but no CUDA device is available; use device='auto'.")
    return dev


def available_cores() -> int:
    """The cores this book may use: ``OMP_NUM_THREADS`` when set (a user's or a rounding regime's limit), else all."""
    limit = os.environ.get("OMP_NUM_THREADS", "").strip()
    return max(1, int(limit)) if limit.isdigit() else (os.cpu_count() or 1)


def set_threads(n: int | None = None) -> int:
    """Use ``n`` threads (default: :func:`available_cores`) for torch and numba, one pool at a time.

    numba kernels and torch ops run one after another in this book, so each may use every core;
    what must not happen is both pools spinning at once, which neither library does here.
    """
    n = int(n or available_cores())
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass
    import numba

    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    return n


def seed_everything(seed: int) -> np.random.Generator:
    """Seed python, numpy and torch; return a numpy Generator for the caller's own draws."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass
    return np.random.default_rng(seed)


REPO_ROOT = Path(__file__).resolve().parents[2]


def profile_dir(data_dir: str | os.PathLike, profile: str) -> Path:
    """``data_dir/profile``, created; each profile keeps its own data, checkpoints and results.

    A relative ``data_dir`` is taken from the repository root, so a chapter finds the same data
    whether papermill runs it from the root or nbval from ``tests/notebooks``.
    """
    if not profile or "/" in profile:
        raise ValueError(f"profile must be a plain name such as 'cpu', got {profile!r}")
    path = Path(data_dir)
    path = (path if path.is_absolute() else REPO_ROOT / path) / profile
    (path / "results").mkdir(parents=True, exist_ok=True)
    return path


def results_path(data_dir: str | os.PathLike, profile: str, chapter: str) -> Path:
    """``data_dir/profile/results/<chapter>.json``."""
    return profile_dir(data_dir, profile) / "results" / f"{chapter}.json"


def from_repo(path: str | os.PathLike) -> Path:
    """A path as results JSON files name it (:func:`repo_relative`) made usable from any working directory:
    relative paths are taken from the repository root, absolute ones are kept."""
    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path


def repo_relative(path: str | os.PathLike) -> str:
    """``path`` relative to the repository root when it lies inside it (what results JSON files and printed
    lines should name, so they read the same on every machine), else unchanged."""
    path = Path(path)
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def require_upstream(data_dir: str | os.PathLike, profile: str, chapter: str, needs: list[str]) -> None:
    """Check, before any work, that the chapters ``needs`` have written readable results for this profile.

    Raises:
        FileNotFoundError: naming every missing or unreadable results file and the command that writes them.
    """
    from support.store.data import load_results   # lazy: this module imports nothing of support at load time

    bad = []
    for need in needs:
        path = results_path(data_dir, profile, need)
        try:
            load_results(path)
        except OSError:
            bad.append((need, f"{path} (missing)"))
        except ValueError as err:     # CorruptFileError: unreadable, or not what its chapter wrote (or records.json)
            where = getattr(err, "path", path)
            bad.append((need, f"{where} ({getattr(err, 'problem', err)})"))
    if bad:
        listing = "; ".join(f"chapter {n[:2]}: {p}" for n, p in bad)
        raise FileNotFoundError(f"{chapter} needs the results of {listing}. Run `python -m support.book run --profile "
                                f"{profile} --only {','.join(n[:2] for n, _ in bad)}` first.")
