"""Datasets on disk: atomic writes, JSON manifests, chunked resumable generation, seeds.

Every dataset is a folder of ``.npy``/``.npz`` chunks plus ``manifest.json`` (parameters,
seed, code version, shapes, and the size + SHA-256 of every chunk). A chunk is written to a
temporary file and renamed, so an interrupt never leaves a half-written chunk; a rerun with the
same parameters skips the chunks that exist and match their record and regenerates the others,
and a rerun with *different* parameters (another seed, say) moves the old dataset aside to
``<name>.previous-<hash>`` and starts afresh: data are never mixed or deleted. One process
writes a dataset folder or a results file at a time (``support.store.locks``); loading checks the
chunk count and checksums and names the broken file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

import support
from support.parallel import as_completed_map
from support.store.integrity import CorruptFileError, file_record, record_problem
from support.store.locks import file_lock


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


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(to_jsonable(obj), indent=2, sort_keys=False).encode()


def save_json(path: str | os.PathLike, obj: Any) -> None:
    """Write JSON atomically (numpy scalars and arrays are converted)."""
    raw = _json_bytes(obj)
    _atomic_write(Path(path), lambda fh: fh.write(raw))


def load_json(path: str | os.PathLike) -> Any:
    """Read a JSON file; unreadable JSON raises ``CorruptFileError`` naming the file."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptFileError(path, f"not valid JSON ({err})") from None


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """Write an uncompressed ``.npz`` atomically."""
    _atomic_write(Path(path), lambda fh: np.savez(fh, **arrays))


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an ``.npz`` into a dict (no pickles); a damaged archive raises ``CorruptFileError``."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as err:
        # zipfile checks each member's CRC-32 on a full read, so a flipped byte lands here too
        raise CorruptFileError(path, f"not a readable .npz archive ({type(err).__name__}: {err})") from None


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


#: the record (size + SHA-256) of every results JSON, beside them in the results folder
RESULTS_RECORDS = "records.json"


def _results_remedy(path: Path) -> str:
    chapter = path.stem[:2]
    return f"Rerun chapter {chapter} ({path.stem}) to write it again." if chapter.isdigit() else ""


def update_results(path: str | os.PathLike, **entries: Any) -> dict:
    """Merge ``entries`` into a results JSON (created if missing), write it atomically and record its checksum.

    The read-modify-write happens under the file's lock, so concurrent writers lose no keys. An existing file
    that is unreadable or differs from its record (damaged, or edited after its chapter wrote it) is kept aside
    as ``<name>.corrupt`` and the chapter starts it afresh, so a rerun of that chapter repairs it. The new
    record goes in as *pending* before the file is replaced, so a kill between the two leaves a file that
    :func:`load_results` accepts and records (not one it refuses).
    """
    path = Path(path)
    with file_lock(path):
        try:
            results = load_results(path) if path.exists() else {}
        except CorruptFileError as err:
            if err.path != path:          # records.json is damaged, not this file: take it as it is
                results = _readable_or_aside(path)
            else:
                _keep_aside(path, err)
                results = {}
        results.update(to_jsonable(entries))
        raw = _json_bytes(results)
        _record_results(path, pending={"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()})
        _atomic_write(path, lambda fh: fh.write(raw))
        _record_results(path)
    return results


def _keep_aside(path: Path, err: Exception) -> None:
    os.replace(path, path.with_name(path.name + ".corrupt"))
    print(f"warning: {err} Kept aside as {path.name}.corrupt; writing it afresh.", file=sys.stderr)


def _readable_or_aside(path: Path) -> dict:
    try:
        return load_json(path)
    except CorruptFileError as err:
        _keep_aside(path, err)
        return {}


def _record_results(path: Path, *, pending: dict | None = None) -> None:
    """Record a results file's size and checksum in ``records.json`` (or ``pending``: the record of the bytes
    about to replace it, kept beside the current one). An unreadable ``records.json`` is kept aside, with a
    warning, and started afresh."""
    records_path = path.parent / RESULTS_RECORDS
    with file_lock(records_path):
        records = _readable_or_aside(records_path) if records_path.exists() else {}
        if pending is not None:
            records[path.name] = {**(records.get(path.name) or {}), "pending": pending}
        else:
            records[path.name] = file_record(path)
        save_json(records_path, records)


def load_results(path: str | os.PathLike) -> dict:
    """A chapter's results JSON, checked against its record in ``records.json`` (a file without a record
    loads as it is; one that matches its pending record, written just before an interrupt, is recorded now).

    Raises:
        FileNotFoundError: the file is missing.
        CorruptFileError: unreadable, or different from what its chapter wrote (the message says which chapter
            to rerun); or ``records.json`` is unreadable (then no results file can be checked).
    """
    path = Path(path)
    records_path = path.parent / RESULTS_RECORDS
    if records_path.exists():
        try:
            record = load_json(records_path).get(path.name)
        except CorruptFileError as err:
            raise CorruptFileError(records_path, err.problem, "No results file can be checked. Rerun the "
                                   "chapters (each records its file again; this one is kept aside).") from None
    else:
        record = None
    pending = record.pop("pending", None) if record else None
    problem = record_problem(path, record) if record is not None else None
    if problem is not None and pending is not None and record_problem(path, pending) is None:
        print(f"{path}: its record was not completed after it was written (an interrupt); recorded now.")
        _record_results(path)
    elif problem is not None and path.exists():
        raise CorruptFileError(path, f"{problem}", _results_remedy(path))
    try:
        return load_json(path)
    except CorruptFileError as err:
        raise CorruptFileError(path, err.problem, _results_remedy(path)) from None


def _one_writer(generate: Callable) -> Callable:
    """Run a dataset generator under the advisory lock of its output folder (first argument)."""
    @functools.wraps(generate)
    def locked(out_dir, *args, **kwargs):
        with file_lock(out_dir):
            return generate(out_dir, *args, **kwargs)
    return locked


@_one_writer
def generate_chunked(out_dir: str | os.PathLike, params: Mapping[str, Any], n_chunks: int,
                     make_chunk: Callable[[int], Mapping[str, np.ndarray]], *, desc: str = "chunks",
                     progress: bool = True, scheduler: str | None = None) -> Path:
    """Generate ``n_chunks`` chunks into ``out_dir`` (``chunk_00000.npz`` ...), resumably.

    ``make_chunk(i)`` must be deterministic in ``i`` (derive its seed with ``chunk_seed``), so the
    chunks are the same bytes whether they run here (``scheduler=None``) or as tasks on Dask
    (``""``: a LocalCluster, or a scheduler address; see ``support.parallel``). This process
    writes every chunk as it arrives. The manifest records ``params`` and every chunk's size and
    checksum; a dataset with other parameters (or an unreadable manifest) already in ``out_dir`` is
    renamed to ``<out_dir>.previous-<hash of its parameters>`` (kept, never mixed or deleted). A chunk
    that is missing or fails its checksum is (re)generated on any cluster; the manifest is rewritten
    only when something changed. One process at a time generates into ``out_dir`` (the others wait
    for its lock).
    """
    out = Path(out_dir)
    params = to_jsonable(dict(params))
    manifest = _open_manifest(out, params, n_chunks)
    todo = _chunks_to_make(out, manifest, n_chunks)
    shapes = None
    for i, arrays in as_completed_map(make_chunk, todo, scheduler=scheduler, desc=desc, progress=progress):
        save_npz(out / f"chunk_{i:05d}.npz", **arrays)
        if i == todo[-1]:   # chunks arrive in any order on a cluster; record the last chunk's shapes
            shapes = {k: list(np.shape(v)) for k, v in arrays.items()}
    _close_manifest(out, manifest, todo, shapes)
    return out


def chunk_name(i: int) -> str:
    """File name of chunk ``i`` of a dataset folder."""
    return f"chunk_{i:05d}.npz"


def _open_manifest(out: Path, params: dict, n_chunks: int) -> dict:
    """The manifest to continue: the stored one if it has these parameters, else a fresh one.

    A dataset made with other parameters, or whose manifest cannot be read, is moved aside first.
    """
    path = out / "manifest.json"
    if path.exists():
        try:
            old = load_json(path)
        except CorruptFileError as err:
            old = {"params": "unreadable manifest"}
            print(f"{err} The chunks beside it cannot be trusted.")
        if old.get("params") == params and old.get("n_chunks") == n_chunks:
            old.setdefault("chunks", {})
            return old
        kept = _move_aside(out, old.get("params"))
        print(f"{out.name}: a dataset with other parameters was there; kept it as {kept.name}")
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"params": params, "n_chunks": n_chunks, "code_version": code_version(), "complete": False,
                "chunks": {}}
    save_json(path, manifest)
    return manifest


def _chunks_to_make(out: Path, manifest: dict, n_chunks: int) -> list[int]:
    """Indices of the chunks to (re)generate: missing, or not matching their record.

    A chunk on disk without a record (its run was interrupted before the manifest was updated, or
    it predates checksums) is adopted if it reads back completely (zip CRC checked). A broken
    chunk is renamed to ``<name>.corrupt`` (kept for inspection) and regenerated.
    """
    records, todo = manifest["chunks"], []
    for i in range(n_chunks):
        path = out / chunk_name(i)
        if not path.exists():
            todo.append(i)
            continue
        problem = record_problem(path, records.get(path.name)) if path.name in records else _unreadable(path)
        if problem is None:
            if path.name not in records:
                records[path.name] = file_record(path)
            continue
        print(f"{path}: {problem}; regenerating it (the broken file is kept as {path.name}.corrupt)")
        path.replace(path.with_name(path.name + ".corrupt"))
        todo.append(i)
    if todo and manifest.get("complete"):
        manifest["complete"] = False
        save_json(out / "manifest.json", manifest)
    return todo


def _unreadable(path: Path) -> str | None:
    """Why an ``.npz`` cannot be read back in full (``None`` when it can)."""
    try:
        load_npz(path)
    except CorruptFileError as err:
        return str(err).removeprefix(f"{path}: ").rstrip(".")
    return None


def _close_manifest(out: Path, manifest: dict, made: list[int], shapes: dict | None) -> None:
    """Record the new chunks' sizes and checksums and mark the dataset complete (written only if changed)."""
    for i in made:
        manifest["chunks"][chunk_name(i)] = file_record(out / chunk_name(i))
    if shapes or "chunk_shapes" not in manifest:
        last = out / chunk_name(manifest["n_chunks"] - 1)
        manifest["chunk_shapes"] = shapes or ({k: list(v.shape) for k, v in load_npz(last).items()}
                                              if last.exists() else None)
    manifest["complete"] = True
    path = out / "manifest.json"
    if load_json(path) != to_jsonable(manifest):
        save_json(path, manifest)


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
    """Concatenate all chunks of a complete dataset along axis 0, after checking them.

    Raises ``FileNotFoundError`` naming the chapter ``made_by`` when the dataset is missing
    or incomplete, and ``CorruptFileError`` naming every chunk that is missing, extra, or differs
    from its manifest record (a partial dataset never loads).
    """
    out = Path(out_dir)
    manifest_path = out / "manifest.json"
    rerun = f"Rerun {made_by or 'the chapter that makes it'} with the same profile and data_dir"
    try:
        manifest = load_json(manifest_path) if manifest_path.exists() else {}
    except CorruptFileError as err:
        raise CorruptFileError(manifest_path, f"unreadable manifest ({err})", f"{rerun}: it regenerates the dataset "
                               "and keeps this one aside.") from None
    if not manifest.get("complete"):
        who = f" (needed by {needed_by})" if needed_by else ""
        raise FileNotFoundError(f"No complete dataset at {out}{who}. Run {made_by or 'the chapter that makes it'} "
                                "first with the same profile and data_dir.")
    names = _verified_chunks(out, manifest, rerun)
    parts = [load_npz(out / name) for name in names]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _verified_chunks(out: Path, manifest: dict, rerun: str) -> list[str]:
    """The manifest's chunk names after checking count, sizes and checksums; raises naming every broken file."""
    names = [chunk_name(i) for i in range(int(manifest.get("n_chunks", 0)))]
    records = manifest.get("chunks")
    if records is None:
        warnings.warn(f"{out}/manifest.json records no checksums (written by an older version); only the chunk "
                      f"count is checked. {rerun} to record them.", stacklevel=3)
    problems = {name: ("missing" if not (out / name).exists() else
                       record_problem(out / name, records.get(name)) if records is not None else None)
                for name in names}
    problems.update({p.name: "not in the manifest (from another run?)" for p in out.glob("chunk_*.npz")
                     if p.name not in problems})
    broken = {k: v for k, v in problems.items() if v}
    if broken:
        listing = "; ".join(f"{out / k}: {v}" for k, v in sorted(broken.items()))
        raise CorruptFileError(out, f"{len(broken)} broken file(s) in a dataset of {len(names)} "
                               f"chunks ({listing})", f"{rerun}: it regenerates only the broken chunks.")
    return names
