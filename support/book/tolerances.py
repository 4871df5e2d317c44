"""Tolerances measured over rounding regimes: how far each value of a results tree may move on another CPU.

Inputs are flattened results (``{chapter: {key path: leaf}}``, :func:`support.book.results_reference.flatten`) of
one run written natively and of the same seeded run under each other regime of :mod:`support.book.rounding`.
The rules, by what a leaf is, are those of :mod:`support.book.results_reference`'s docstring.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

#: what a leaf that no rounding regime moved may move (``abs + rel * |reference|``): exact for counts and seeds,
#: a few float32 ulps for a value of deterministic code
FLOOR_REL, FLOOR_ABS = 1e-6, 1e-9
#: a leaf that a regime moved may move this many times the largest move measured over the regimes (an
#: out-of-sample check: a run of the same commit written on another machine moved every value by at most 1x)
MULTIPLE = 10


def is_number(value: Any) -> bool:
    """A number that is not a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def floor_tolerance(ref: float, tol: dict) -> float:
    """What a leaf that did not move between the regimes may move: ``floor_abs + floor_rel * |ref|``."""
    return tol["floor_abs"] + tol["floor_rel"] * abs(ref)


#: a leaf that a regime's run lacks
_ABSENT = object()


def _moves(ref: Any, others: list[Any]) -> tuple[str | None, Any]:
    """How far the other regimes moved a leaf: ``(None, largest move)`` for a number (a list: one per item), or
    ``(why, None)`` when the leaf is not comparable as such (a boolean, string or length that changed, or the
    leaf missing from a regime)."""
    if any(o is _ABSENT for o in others):
        return "missing from a regime's run", None
    if isinstance(ref, list):
        if any(not isinstance(o, list) or len(o) != len(ref) for o in others):
            lengths = {len(o) if isinstance(o, list) else -1 for o in others} - {len(ref)}
            return f"its length changed: {sorted(lengths)}", None
        items = [_moves(r, [o[i] for o in others]) for i, r in enumerate(ref)]
        why = next((w for w, _ in items if w is not None), None)
        return (why, None) if why else (None, [m for _, m in items])
    if is_number(ref) and all(is_number(o) for o in others):
        return None, max((abs(o - ref) for o in others), default=0.0)
    changed = [o for o in others if not (type(o) is type(ref) and o == ref)]
    return (f"took {json.dumps([ref, *changed])[:60]}" if changed else None), 0.0



def measured_tolerances(native: dict[str, dict], regimes: dict[str, dict[str, dict]], *,
                        multiple: float = MULTIPLE, floor: dict | None = None) -> tuple[dict, dict]:
    """``(allowed, unpinned)`` of a native run against runs of the same book under other rounding regimes.

    ``allowed[chapter][path]`` (a list leaf: one per item): for a number that some regime moved by more than
    :func:`floor_tolerance`, or a float whose siblings moved, ``multiple`` times the larger of its own largest
    move and the typical relative move of its siblings (the median over the moved numbers in the same dict or
    list) times its size. Siblings come
    out of the same computation, so a chain that diverged moves all of them; pooling them keeps a leaf whose two
    or three measured moves happened to be small from a tolerance that another machine's run would exceed.
    ``unpinned[chapter][path]``: a boolean, string, ``null`` or list length that changed between regimes (a
    choice made from numbers: the numbers stay pinned, the choice is not), with the values it took.
    """
    floor = floor or {"floor_rel": FLOOR_REL, "floor_abs": FLOOR_ABS}
    allowed: dict[str, dict] = {}
    unpinned: dict[str, dict] = {}
    for chapter, leaves in native.items():
        others = [runs.get(chapter, {}) for runs in regimes.values()]
        moves = {}
        for path, ref in leaves.items():
            why, move = _moves(ref, [o.get(path, _ABSENT) for o in others])
            if why is None:
                moves[path] = (ref, move)
            else:
                unpinned.setdefault(chapter, {})[path] = why
        typical = _typical_relative_moves(moves, floor)
        for path, (ref, move) in moves.items():
            tol = _scaled(ref, move, typical.get(_parent(path), 0.0), multiple, floor)
            if tol is not None:
                allowed.setdefault(chapter, {})[path] = tol
    return allowed, unpinned


def _parent(path: str) -> str:
    """The dict that holds a leaf (``a.b."0.1".c`` -> ``a.b."0.1"``, ``rows[2].a`` -> ``rows[2]``); a top-level leaf
    or a list of values is its own group."""
    cut = path.rfind(".")
    while cut > 0 and path.count('"', 0, cut) % 2:      # a dot inside a quoted key ("0.1") does not split
        cut = path.rfind(".", 0, cut)
    return path[:cut] if cut > 0 else path


def _typical_relative_moves(moves: dict[str, tuple], floor: dict) -> dict[str, float]:
    """Per parent dict: the median of ``move / |ref|`` over its numbers (list items too) that moved beyond the floor."""
    groups: dict[str, list[float]] = {}
    for path, (ref, move) in moves.items():
        pairs = zip(ref, move) if isinstance(ref, list) else [(ref, move)]
        for r, m in pairs:
            if is_number(r) and r and m > floor_tolerance(r, floor):
                groups.setdefault(_parent(path), []).append(m / abs(r))
    return {group: float(np.median(rel)) for group, rel in groups.items()}


def _scaled(ref: Any, move: Any, typical: float, multiple: float, floor: dict) -> Any:
    """``multiple * max(move, typical * |ref|)`` (a list: per item); ``None`` where the floor covers the leaf.

    A float that no regime moved still gets its siblings' typical move: a fraction such as ``z_within`` sits on a
    plateau in the measured runs and leaves it in another (seen: 1.0 in four regimes, 0.9 in a fifth run). An
    integer that no regime moved is a count and stays exact."""
    if isinstance(ref, list):
        items = [_scaled(r, m, typical, multiple, floor) for r, m in zip(ref, move)]
        if all(t is None for t in items):
            return None
        return [t if t is not None else (floor_tolerance(r, floor) if is_number(r) else 0.0)
                for r, t in zip(ref, items)]
    if not is_number(ref):
        return None
    own = move if move > floor_tolerance(ref, floor) else 0.0
    if own == 0.0 and isinstance(ref, int):      # a count no regime moved stays exact, whatever its siblings did
        return None
    tol = multiple * max(own, typical * abs(ref))
    return float(f"{tol:.3g}") if tol > floor_tolerance(ref, floor) else None


def spread_summary(native: dict[str, dict], allowed: dict, unpinned: dict) -> dict:
    """Per chapter and top-level key: leaves pinned, leaves at a measured tolerance, the largest relative one, and
    choices left unpinned (the measured basis that the module docstring and the README quote)."""
    out: dict[str, dict] = {}
    for chapter, leaves in native.items():
        for path, ref in leaves.items():
            group = re.split(r"[.\[]", path, maxsplit=1)[0]
            row = out.setdefault(chapter, {}).setdefault(group, {"leaves": 0, "measured": 0, "unpinned": 0,
                                                                  "max_relative_tolerance": 0.0})
            row["leaves"] += 1
            if path in unpinned.get(chapter, {}):
                row["unpinned"] += 1
            elif path in allowed.get(chapter, {}):
                row["measured"] += 1
                tols = allowed[chapter][path]
                pairs = zip(ref, tols) if isinstance(ref, list) else [(ref, tols)]
                rel = max((t / abs(r) for r, t in pairs if is_number(r) and r), default=0.0)   # a zero: no ratio
                row["max_relative_tolerance"] = float(f"{max(row['max_relative_tolerance'], rel):.3g}")
    return out
