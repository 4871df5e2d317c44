"""Result tables for the book: rows of numbers as a pandas DataFrame (an HTML table in the rendered page,
aligned text in a terminal and in the nbval references)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd


def table(rows: Mapping[Any, Mapping[str, Any]] | Sequence[Mapping[str, Any]], *, index: str | None = None,
          columns: Sequence[str] | None = None, digits: int | None = 3) -> pd.DataFrame:
    """A table with one row per entry of ``rows``.

    Args:
        rows: ``{row label: {column: value}}`` (labels become the index) or a list of
            ``{column: value}`` (numbered rows, or the column named by ``index`` as the index).
        index: name of the index (with a mapping) or the column to use as index (with a list).
        columns: column order (default: order of first appearance); missing values are blank.
        digits: decimals floats are rounded to for display (``None`` keeps them).

    Returns:
        the DataFrame; a notebook cell ending in it shows an HTML table.

    Example:
        >>> table({"T = 0.1": {"R2": 0.9312, "Acc": 0.86}, "T = 0.5": {"R2": 0.91, "Acc": 0.8}}, index="T")  # doctest: +NORMALIZE_WHITESPACE
                    R2   Acc
        T
        T = 0.1  0.931  0.86
        T = 0.5  0.910  0.80
    """
    if isinstance(rows, Mapping):
        frame = pd.DataFrame.from_dict({k: dict(v) for k, v in rows.items()}, orient="index")
        frame.index.name = index
    else:
        frame = pd.DataFrame([dict(r) for r in rows])
        if index is not None:
            if index not in frame.columns:
                raise KeyError(f"table: index column {index!r} not among {list(frame.columns)}")
            frame = frame.set_index(index)
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(f"table: columns {missing} not among {list(frame.columns)}")
        frame = frame[list(columns)]
    return frame.round(digits) if digits is not None else frame
