"""Typed parameter specs: each says what a value must be and lists, in words, how a value breaks it.

A :class:`Spec` is a rule in words plus a check; ``spec.problems(value)`` returns one sentence per
broken rule (empty when the value is fine). Constructors: :func:`integer`, :func:`number`,
:func:`choice`, :func:`flag`, :func:`text`, :func:`list_of`, :func:`optional`, :func:`record`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Spec:
    """What a parameter must be (``rule``, in words) and how to find out (``problems``)."""

    rule: str
    problems: Callable[[Any], list[str]]


def _kind(value: Any) -> str:
    hint = ""
    if isinstance(value, str):
        try:
            float(value)
            hint = "; YAML reads 1e-4 as text, write 1.0e-4"
        except ValueError:
            pass
    return f"got {value!r} ({type(value).__name__}{hint})"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _bounds(lo, hi, lo_open: bool = False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo}")
    if hi is not None:
        parts.append(f"<= {hi}")
    return " and ".join(parts)


def _scalar(kind: str, accept: Callable[[Any], bool], lo, hi, lo_open: bool, why: str) -> Spec:
    bounds = _bounds(lo, hi, lo_open)
    rule = f"{kind}{' ' + bounds if bounds else ''}{f' ({why})' if why else ''}"

    def problems(v):
        if not accept(v):
            return [f"must be {rule}; {_kind(v)}"]
        too_low = lo is not None and (v <= lo if lo_open else v < lo)
        if too_low or (hi is not None and v > hi):
            return [f"must be {rule}"]
        return []
    return Spec(rule, problems)


def integer(lo: int | None = None, hi: int | None = None, *, why: str = "") -> Spec:
    """An ``int`` (not a bool) in ``[lo, hi]``."""
    return _scalar("an integer", _is_int, lo, hi, False, why)


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, why: str = "") -> Spec:
    """A finite int or float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""
    return _scalar("a number", _is_number, lo, hi, lo_open, why)


def choice(*options: Any, why: str = "") -> Spec:
    """One of ``options``."""
    rule = f"one of {', '.join(repr(o) for o in options)}{f' ({why})' if why else ''}"
    return Spec(rule, lambda v: [] if any(v == o and type(v) is type(o) for o in options)
                else [f"must be {rule}; {_kind(v)}"])


def flag() -> Spec:
    """``True`` or ``False``."""
    return Spec("true or false", lambda v: [] if isinstance(v, bool) else [f"must be true or false; {_kind(v)}"])


def text(pattern: str = "", *, why: str = "") -> Spec:
    """A non-empty string (matching the regular expression ``pattern`` if given)."""
    import re

    rule = f"a text{f' like {why}' if why else ''}"

    def problems(v):
        if not isinstance(v, str) or not v or (pattern and not re.fullmatch(pattern, v)):
            return [f"must be {rule}; {_kind(v)}"]
        return []
    return Spec(rule, problems)


def optional(spec: Spec) -> Spec:
    """``None`` (YAML ``null``) or a value of ``spec``."""
    return Spec(f"null or {spec.rule}", lambda v: [] if v is None else spec.problems(v))


def _same_key(x: Any) -> Any:
    """Numbers compare by value (``1`` and ``1.0`` repeat each other), anything else by its text."""
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else repr(x)


def list_of(item: Spec, *, min_len: int = 1, length: int | None = None, increasing: bool = False,
            distinct: bool = False) -> Spec:
    """A list of ``item`` values with at least ``min_len`` entries (exactly ``length`` if given)."""
    size = (f"a list of {length} entries" if length is not None else
            "a non-empty list" if min_len == 1 else f"a list of at least {min_len} entries")
    extra = (", increasing" if increasing else "") + (", no repeats" if distinct else "")
    rule = f"{size}{extra}, each {item.rule}"

    def problems(v):
        if not isinstance(v, (list, tuple)):
            return [f"must be {rule}; {_kind(v)}"]
        if (length is not None and len(v) != length) or len(v) < min_len:
            return [f"must be {rule}; got {len(v)} entries"]
        out = [f"entry {k}: {p}" for k, x in enumerate(v) for p in item.problems(x)]
        if out:
            return out
        if increasing and any(b <= a for a, b in zip(v, v[1:])):
            out.append(f"must be increasing; got {list(v)}")
        if distinct and len({_same_key(x) for x in v}) < len(v):
            out.append(f"must not repeat an entry; got {list(v)}")
        return out
    return Spec(rule, problems)


def record(fields: dict[str, Spec], *, required: tuple[str, ...] = ()) -> Spec:
    """A mapping whose keys are among ``fields`` (``required`` ones present), each value per its spec."""
    rule = f"a mapping with keys among {', '.join(fields)}"

    def problems(v):
        if not isinstance(v, dict):
            return [f"must be {rule}; {_kind(v)}"]
        out = [f"unknown key {k!r} (known: {', '.join(fields)})" for k in v if k not in fields]
        out += [f"needs the key {k!r}" for k in required if k not in v]
        out += [f"[{k!r}] = {v[k]!r}: {p}" for k in v if k in fields for p in fields[k].problems(v[k])]
        return out
    return Spec(rule, problems)
