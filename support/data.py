"""Datasets on disk: atomic writes, JSON manifests, chunked resumable generation, seeds.

Every dataset is a folder of ``.npy``/``.npz`` chunks plus ``manifest.json`` (parameters,
seed, code version, shapes). A chunk is written to a temporary file and renamed, so an
interrupt never leaves a half-written chunk; a rerun with the same parameters skips the
chunks that exist, and a rerun with *different* parameters (another seed, say) moves the old
dataset aside to ``<name>.previous-<hash>`` and starts afresh: data are never mixed or deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

import support
from support.parallel import as_completed_map


def code_version() -> str:
    """Package version plus the git commit when available (for manifests)."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"{support.__version__}+{rev}" if rev else support.__version__


def chunk_seed(root_seed: int, *keys: int) -> int:
    """A 63-bit seed for one chunk/chain, derived from the root seed and integer keys."""
    ss = np.random.SeedSequence([int(root_seed), *[int(k) for k in keys]])
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def _atomic_write(path: Path, write: Callable[[Any], None], mode: str = "wb") -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_json(path: str | os.PathLike, obj: Any) -> None:
    """Write JSON atomically (numpy scalars and arrays are converted)."""
    text = json.dumps(to_jsonable(obj), indent=2, sort_keys=False)
    _atomic_write(Path(path), lambda fh: fh.write(text), mode="w")


def load_json(path: str | os.PathLike) -> Any:
    with open(path) as fh:
        return json.load(fh)


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """Write an uncompressed ``.npz`` atomically."""
    _atomic_write(Path(path), lambda fh: np.savez(fh, **arrays))


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an ``.npz`` into a dict (no pickles)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy types, tuples and paths to plain JSON values."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def update_results(path: str | os.PathLike, **entries: Any) -> dict:
    """Merge ``entries`` into a results JSON (created if missing) and write it atomically."""
    path = Path(path)
    results = load_json(path) if path.exists() else {}
    results.update(to_jsonable(entries))
    save_json(path, results)
    return results


def generate_chunked(out_dir: str | os.PathLike, params: Mapping[str, Any], n_chunks: int,
                     make_chunk: Callable[[int], Mapping[str, np.ndarray]], *, desc: str = "chunks",
                     progress: bool = True, scheduler: str | None = None) -> Path:
    """Generate ``n_chunks`` chunks into ``out_dir`` (``chunk_00000.npz`` ...), resumably.

    ``make_chunk(i)`` must be deterministic in ``i`` (derive its seed with ``chunk_seed``), so the
    chunks are the same bytes whether they run here (``scheduler=None``) or as tasks on Dask
    (``""``: a LocalCluster, or a scheduler address; see ``support.parallel``). This process
    writes every chunk as it arrives, so a rerun on any cluster skips what is on disk.
    The manifest records ``params``; a dataset with other parameters already in ``out_dir`` is
    renamed to ``<out_dir>.previous-<hash of its parameters>`` (kept, never mixed or deleted).
    """
    out = Path(out_dir)
    manifest_path = out / "manifest.json"
    params = to_jsonable(dict(params))
    if manifest_path.exists():
        old = load_json(manifest_path)
        if old.get("params") != params:
            kept = _move_aside(out, old.get("params"))
            print(f"{out.name}: a dataset with other parameters was there; kept it as {kept.name}")
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"params": params, "n_chunks": n_chunks, "code_version": code_version(), "complete": False}
    save_json(manifest_path, manifest)
    todo = [i for i in range(n_chunks) if not (out / f"chunk_{i:05d}.npz").exists()]
    shapes = None
    for i, arrays in as_completed_map(make_chunk, todo, scheduler=scheduler, desc=desc, progress=progress):
        save_npz(out / f"chunk_{i:05d}.npz", **arrays)
        if i == todo[-1]:
            shapes = {k: list(np.shape(v)) for k, v in arrays.items()}
    manifest.update(complete=True, chunk_shapes=shapes or load_json(manifest_path).get("chunk_shapes"))
    save_json(manifest_path, manifest)
    return out


def _move_aside(folder: Path, params: Any) -> Path:
    """Rename ``folder`` to ``<folder>.previous-<hash of params>[-n]`` and return the new path."""
    digest = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:8]
    target = folder.with_name(f"{folder.name}.previous-{digest}")
    n = 1
    while target.exists():
        n += 1
        target = folder.with_name(f"{folder.name}.previous-{digest}-{n}")
    folder.rename(target)
    return target


def load_chunked(out_dir: str | os.PathLike, *, needed_by: str = "", made_by: str = "") -> dict[str, np.ndarray]:
    """Concatenate all chunks of a complete dataset along axis 0.

    Raises ``FileNotFoundError`` naming the chapter ``made_by`` when the dataset is missing
    or incomplete.
    """
    out = Path(out_dir)
    manifest_path = out / "manifest.json"
    if not manifest_path.exists() or not load_json(manifest_path).get("complete"):
        who = f" (needed by {needed_by})" if needed_by else ""
        raise FileNotFoundError(f"No complete dataset at {out}{who}. Run {made_by or 'the chapter that makes it'} "
                                "first with the same profile and data_dir.")
    files = sorted(out.glob("chunk_*.npz"))
    parts = [load_npz(f) for f in files]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
