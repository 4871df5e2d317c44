"""A user's vortex map from a file: an ``.npy`` array or a text grid, checked for the torus.

The map ``k[i, j]`` lives on the dual lattice of an ``L x L`` torus: axis ``-2`` is ``i`` (rows, y), axis
``-1`` is ``j`` (columns, x); plaquette ``[i, j]`` has corners ``(i, j) -> (i, j+1) -> (i+1, j+1) ->
(i+1, j)`` (mod ``L``), as :func:`support.xy.vortices` counts them. A file is either

* an ``.npy`` array of integers ``(L, L)`` (recognised by its contents, not its name), or
* a text grid, one row ``i`` per line, row 0 first: whitespace-separated ``-1``, ``0``, ``1`` (``+1``,
  ``+``, ``-``, ``.`` also read), or a row of the characters ``+ - . 0`` alone (``..+...-.``);
  blank lines and ``#`` comments are skipped.

Entries are in ``{-1, 0, +1}`` and sum to zero (a torus has as many vortices as antivortices).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

_NPY_MAGIC = b"\x93NUMPY"
_SYMBOLS = {"+": 1, "-": -1, ".": 0, "0": 0}


class MapError(ValueError):
    """A map file that cannot be read, or a map that no field on the torus can have; the message is one line."""


def read_map(path: str | os.PathLike) -> np.ndarray:
    """The checked map of an ``.npy`` file or a text grid (module docstring): int8 ``(L, L)``.

    Raises:
        MapError: a missing or unreadable file, or a map that :func:`check_map` refuses.
    """
    return check_map(read_raw_map(path))


def read_raw_map(path: str | os.PathLike) -> np.ndarray:
    """The array of an ``.npy`` file or a text grid, unchecked."""
    path = Path(path)
    if not path.is_file():
        raise MapError(f"map file {path} not found")
    with open(path, "rb") as fh:
        head = fh.read(len(_NPY_MAGIC))
    if head == _NPY_MAGIC:
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as err:
            raise MapError(f"map file {path}: not a readable .npy array ({' '.join(str(err).split())})") from None
    try:
        return parse_text_grid(path.read_text())
    except UnicodeDecodeError:
        raise MapError(f"map file {path}: neither an .npy array nor a text grid") from None


def _grid_row(line: str, number: int) -> list[int]:
    """One text-grid line as integers: a row of ``+ - . 0`` characters, or whitespace-separated entries."""
    packed = "".join(line.split())
    if set(packed) <= set(_SYMBOLS):
        return [_SYMBOLS[c] for c in packed]
    row = []
    for token in line.split():
        if re.fullmatch(r"[+-]?\d+", token):
            row.append(int(token))      # out-of-range values are named by check_map, with their place
        elif token in _SYMBOLS:
            row.append(_SYMBOLS[token])
        else:
            raise MapError(f"map line {number}: {token!r} is not an integer charge (use -1, 0, +1 or + - .)")
    return row


def parse_text_grid(text: str) -> np.ndarray:
    """A text grid (module docstring) as an int64 array ``(rows, columns)``, unchecked."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            rows.append(_grid_row(line, number))
    if not rows:
        raise MapError("map text grid has no rows")
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise MapError(f"map text grid is not rectangular: rows have {sorted(widths)} entries")
    return np.array(rows, dtype=np.int64)


def check_map(k: np.ndarray) -> np.ndarray:
    """One square integer map with charges in ``{-1, 0, 1}`` summing to zero, as int8 ``(L, L)``.

    Each refusal names the first offending entry, so a user can find it in a large map.
    """
    k = np.asarray(k)
    if k.ndim != 2:
        raise MapError(f"map must be one 2-D grid (L, L), got shape {k.shape}")
    if k.shape[0] != k.shape[1] or k.size == 0:
        raise MapError(f"map must be square and non-empty (L, L), got {k.shape[0]} x {k.shape[1]}")
    if k.dtype.kind not in "iuf":
        raise MapError(f"map must hold integers, got dtype {k.dtype}")
    bad = ~np.isfinite(k) | (k != np.rint(k)) if k.dtype.kind == "f" else np.zeros(k.shape, bool)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MapError(f"map must hold integers, got {k[i, j]} at [{i}, {j}]")
    outside = (k < -1) | (k > 1)        # not abs(): abs(int8 -128) is -128
    if outside.any():
        i, j = np.argwhere(outside)[0]
        raise MapError(f"charge {int(k[i, j])} at [{i}, {j}] is outside -1..1 (one vortex per plaquette at most)")
    plus, minus = int((k == 1).sum()), int((k == -1).sum())
    if plus != minus:
        raise MapError(f"charges sum to {plus - minus}, not 0: a torus carries as many +1 as -1 "
                       f"(this map has {plus} and {minus})")
    return k.astype(np.int8)
