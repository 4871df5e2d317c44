"""The smoke book's results, pinned: a committed reference of every headline value and a comparison at stated tolerances.

nbval checks the few numbers a chapter prints; this module checks every value a chapter stores in its results JSON
(``<data_dir>/smoke/results/NN_*.json``). A results file is flattened to *key paths* (``xy_validation.abs_m``,
``by_T."0.1".r2``, ``rows[2].acc``) and leaves; leaves that say how long something took or what it cost on this
machine (``chapter_seconds``, ``*seconds*``, ``*_per_second``, ``cost_per_sample``, ``cost_slope``, ``speedup*``,
``growth_exponent``, ``size_needs``, ...) and absolute paths are left out, everything else is pinned:

* numbers: ``|run - reference| <= abs + rel * |reference|`` (``numpy.isclose``'s rule);
* booleans, strings (a checkpoint path relative to the repository, say), ``null`` (a non-finite number) and
  list lengths: exactly; a list of plain values item by item (``abs_m[1]``).

The reference (``tests/smoke_results.json``) holds the flattened leaves of each chapter and its policy for keys
the run has and the reference lacks (``"new_keys": "report"`` or ``"fail"``); a key the reference has and the run
lacks always fails. ``python -m support.book refs`` writes it from the same fresh smoke run as the nbval
reference notebooks. The findings page's results (:data:`RESTATED`) restate the chapters' and are not pinned again.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import math
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from support.book.runtime import REPO_ROOT

#: leaf names (the last dict key of a path) that measure time or cost on this machine, not the method
#: (``growth_exponent``: the slope of log seconds per independent field against log L, chapter 04; ``size_needs``:
#: chapter 05's cost of the size study carried to L = 200, fitted to timed anneals and training steps)
MACHINE_KEYS = ("chapter_seconds", "*seconds*", "*_per_second", "cost_per_sample", "cost_slope", "speedup*",
                "growth_exponent", "size_needs", "*wall*", "*timing*", "*elapsed*")
#: key paths left out whatever their name: the code version of a manifest changes with every commit
MACHINE_PATHS = ("*code_version*",)
#: the committed reference of the smoke book's results
REFERENCE = REPO_ROOT / "tests" / "smoke_results.json"
#: the tolerance a refresh writes: two smoke runs on one machine agree to the last bit (see the test's docstring);
#: 1e-6 relative leaves room for float32 sums in another order on another CPU, far below any change of method
REL_TOL, ABS_TOL = 1e-6, 1e-9
#: a chapter's results file: NN_name.json (records.json and timings.json are not results)
RESULTS_FILE = re.compile(r"^\d\d_\w+\.json$")
#: results files that only restate other chapters' results (the findings page): their numbers are pinned in the
#: chapters that measure them, their verdict words by nbval and ``tests/test_findings.py``
RESTATED = ("06_findings",)


def pinned(chapters: list[str]) -> list[str]:
    """The chapters whose results the reference pins: all but the pages that restate others' (:data:`RESTATED`)."""
    return [c for c in chapters if c not in RESTATED]


def is_machine_key(name: str) -> bool:
    """Whether a dict key names a wall-clock, speed or cost figure (left out of the comparison)."""
    return any(fnmatch.fnmatchcase(name.lower(), pattern) for pattern in MACHINE_KEYS)


def _is_path(value: Any) -> bool:
    return isinstance(value, str) and (os.path.isabs(value) or value.startswith("~"))


def _key(name: str) -> str:
    """A dict key as a path component: quoted when it holds a dot, bracket or quote (``"0.1"``)."""
    return json.dumps(name) if re.search(r"[.\[\]\"\s]", name) or not name else name


def _scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def flatten(results: Any, prefix: str = "") -> dict[str, Any]:
    """``{key path: leaf}`` of a results tree, machine figures and absolute paths left out.

    A list of plain values is one leaf (compared item by item, ``path[i]``); a list that holds dicts or lists
    contributes its length (``path.len``) and its items (``path[i]...``).
    """
    out: dict[str, Any] = {}
    if isinstance(results, dict):
        for name, value in results.items():
            path = f"{prefix}.{_key(str(name))}" if prefix else _key(str(name))
            if is_machine_key(str(name)) or any(fnmatch.fnmatchcase(path, p) for p in MACHINE_PATHS):
                continue
            out.update(flatten(value, path))
    elif isinstance(results, list) and not all(map(_scalar, results)):
        out[f"{prefix}.len"] = len(results)
        for i, value in enumerate(results):
            out.update(flatten(value, f"{prefix}[{i}]"))
    elif not (_is_path(results) or isinstance(results, list) and any(map(_is_path, results))):
        out[prefix] = results
    return out


@dataclass
class Comparison:
    """What differs between a run and the reference: each entry is ``"chapter: key path: detail"``."""

    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    new_keys_fail: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.changed or self.missing or (self.new and self.new_keys_fail))

    def report(self, limit: int = 40) -> str:
        """Readable listing, at most ``limit`` lines per kind."""
        lines = []
        for title, items in (("changed beyond tolerance", self.changed), ("missing from the run", self.missing),
                             ("in the run, not in the reference", self.new)):
            if items:
                lines.append(f"{len(items)} {title}:")
                lines += [f"  {item}" for item in items[:limit]]
                lines += [f"  ... and {len(items) - limit} more"] if len(items) > limit else []
        return "\n".join(lines)


def leaf_difference(run: Any, ref: Any, rel: float, abs_: float) -> str | None:
    """Why a run's leaf differs from the reference's (``None`` when it matches)."""
    numbers = (int, float)
    if isinstance(ref, bool) or isinstance(run, bool) or not (isinstance(ref, numbers) and isinstance(run, numbers)):
        return None if (type(run) is type(ref) and run == ref) else f"{run!r} (reference {ref!r})"
    if math.isclose(run, ref, rel_tol=0.0, abs_tol=abs_ + rel * abs(ref)):
        return None
    return f"{run!r} (reference {ref!r}, differs by {run - ref:.3g}; allowed {abs_ + rel * abs(ref):.3g})"


def differences(path: str, run: Any, ref: Any, tol: dict) -> list[tuple[str, str]]:
    """``(key path, why)`` for a leaf that differs from the reference; a list of values item by item."""
    if isinstance(run, list) and isinstance(ref, list):
        if len(run) != len(ref):
            return [(path, f"{len(run)} items (reference {len(ref)}): {_short(run)} (reference {_short(ref)})")]
        pairs = [(f"{path}[{i}]", a, b) for i, (a, b) in enumerate(zip(run, ref))]
    else:
        pairs = [(path, run, ref)]
    found = [(p, leaf_difference(a, b, tol["rel"], tol["abs"])) for p, a, b in pairs]
    return [(p, why) for p, why in found if why is not None]


def _short(value: Any, width: int = 60) -> str:
    text = json.dumps(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def compare(run: dict[str, dict], reference: dict) -> Comparison:
    """Compare ``{chapter: results tree}`` with a reference written by :func:`reference_of`."""
    tol = reference["tolerance"]
    out = Comparison(new_keys_fail=reference.get("new_keys", "fail") != "report")
    for chapter, ref_leaves in reference["chapters"].items():
        if chapter not in run:
            out.missing.append(f"{chapter}: the whole results file")
            continue
        leaves = flatten(run[chapter])
        for path, ref in ref_leaves.items():
            if path not in leaves:
                out.missing.append(f"{chapter}: {path}")
            else:
                out.changed += [f"{chapter}: {p}: {why}" for p, why in differences(path, leaves[path], ref, tol)]
        out.new += [f"{chapter}: {path}" for path in leaves if path not in ref_leaves]
    out.new += [f"{chapter}: the whole results file" for chapter in run if chapter not in reference["chapters"]]
    return out


def reference_of(run: dict[str, dict], *, rel: float, abs_: float, new_keys: str = "report") -> dict:
    """The reference of a run: its flattened leaves per chapter, the tolerance and the policy for new keys."""
    if new_keys not in ("report", "fail"):
        raise ValueError(f"new_keys must be 'report' or 'fail', got {new_keys!r}")
    return {"tolerance": {"rel": rel, "abs": abs_}, "new_keys": new_keys,
            "chapters": {chapter: flatten(tree) for chapter, tree in sorted(run.items())}}


def read_run(folder: str | os.PathLike, *, newer_than: float | None = None,
             only: list[str] | None = None) -> dict[str, dict]:
    """``{chapter: results}`` of every ``NN_*.json`` in a results folder (or the chapters ``only`` names), each
    checked against its record.

    Raises:
        FileNotFoundError: no results there, a chapter of ``only`` without results, or (``newer_than``, a POSIX
            time) a file older than that, so the comparison never judges results of an earlier run.
    """
    from support.store.data import load_results

    folder = Path(folder)
    files = sorted(p for p in folder.glob("*.json") if RESULTS_FILE.match(p.name))
    if only is not None:
        missing = [c for c in only if not (folder / f"{c}.json").exists()]
        if missing:
            raise FileNotFoundError(f"{folder}: no results of {', '.join(missing)}")
        files = [folder / f"{c}.json" for c in only]
    if not files:
        raise FileNotFoundError(f"no chapter results (NN_*.json) in {folder}")
    stale = [p.name for p in files if newer_than is not None and p.stat().st_mtime < newer_than]
    if stale:
        raise FileNotFoundError(f"{folder}: {', '.join(stale)} predate this run (written by an earlier one)")
    return {p.stem: load_results(p) for p in files}


def write_reference(path: str | os.PathLike, run: dict[str, dict], *, rel: float, abs_: float,
                    new_keys: str = "report") -> Path:
    """Write :func:`reference_of` ``run`` as JSON, one leaf a line (diffs stay readable)."""
    ref = reference_of(run, rel=rel, abs_=abs_, new_keys=new_keys)
    lines = [f' "tolerance": {json.dumps(ref["tolerance"])},', f' "new_keys": {json.dumps(new_keys)},',
             ' "chapters": {']
    for n, (chapter, leaves) in enumerate(ref["chapters"].items()):
        body = ",\n".join(f"   {json.dumps(k)}: {json.dumps(v)}" for k, v in leaves.items())
        lines.append(f'  {json.dumps(chapter)}: {{\n{body}\n  }}' + ("," if n < len(ref["chapters"]) - 1 else ""))
    path = Path(path)
    path.write_text("{\n" + "\n".join(lines) + "\n }\n}\n")
    return path


def injected_parameters(notebook) -> dict[str, Any]:
    """The values of an executed notebook's ``injected-parameters`` cell (papermill writes Python literals)."""
    cells = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise ValueError("the notebook has no injected-parameters cell (not run by papermill)")
    body = ast.parse(cells[0].source).body
    return {n.targets[0].id: ast.literal_eval(n.value) for n in body
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}


def results_dir(params: dict[str, Any]) -> Path:
    """``<data_dir>/<profile>/results`` of a chapter's parameters (a relative data_dir is from the repository)."""
    data_dir = Path(params.get("data_dir", "data"))
    return (data_dir if data_dir.is_absolute() else REPO_ROOT / data_dir) / params["profile"] / "results"


def _started(notebook) -> float:
    stamp = datetime.fromisoformat(notebook.metadata["papermill"]["start_time"])
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


def refresh(book_dir: str | os.PathLike, chapters: list[str], reference: str | os.PathLike = REFERENCE) -> Path:
    """Write the reference from the smoke run that executed ``book_dir/<chapter>.ipynb`` (``make nbval-refresh``).

    Raises:
        FileNotFoundError: a chapter's results file is missing or older than its executed notebook (the results
            would not be those of this run).
        ValueError: a notebook was not run with the smoke profile, or the chapters used different data folders.
    """
    import nbformat

    run, folders = {}, set()
    for chapter in chapters:
        nb = nbformat.read(Path(book_dir) / f"{chapter}.ipynb", as_version=4)
        params = injected_parameters(nb)
        if params.get("profile") != "smoke":
            raise ValueError(f"{book_dir}/{chapter}.ipynb was not run with the smoke profile")
        folders.add(results_dir(params))
        run.update(read_run(results_dir(params), newer_than=_started(nb), only=[chapter]))
    if len(folders) != 1:
        raise ValueError(f"the chapters wrote their results into several folders: {sorted(map(str, folders))}")
    return write_reference(reference, run, rel=REL_TOL, abs_=ABS_TOL)
