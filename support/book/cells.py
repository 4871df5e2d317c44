"""Executed chapters made for reading: cell tags that fold code and parameters, outputs without machine paths.

Jupyter Book reads the cell tags: ``hide-input`` folds a code cell's source behind a toggle (the
output stays), ``hide-cell`` folds the whole cell, ``remove-cell`` leaves it out of the page. The
runner applies them to every executed chapter, so the sources in ``notebooks/`` stay plain.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Iterable

import nbformat

DEFAULTS_TAG = "parameters"             # the chapter's defaults, overridden by the profile
INJECTED_TAG = "injected-parameters"    # papermill's cell with the values actually used
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")

# An absolute POSIX path: a slash not preceded by a word character, ':' or another slash (so not a
# URL or a ratio such as "loss/step"), followed by at least two path components.
ABSOLUTE_PATH = re.compile(r"(?<![\w:/.~])/(?:[\w.+-]+/)+[\w.+-]*")
WARNING = re.compile(r"\b\w*Warning\b")


def reading_tags(cell: nbformat.NotebookNode) -> list[str]:
    """Tags a code cell gets for the book: the defaults cell removed, the values used folded,
    every other cell's source folded (outputs stay visible)."""
    tags = list(cell.get("metadata", {}).get("tags", []))
    if cell.cell_type != "code":
        return tags
    if DEFAULTS_TAG in tags:
        extra = "remove-cell"
    elif INJECTED_TAG in tags:
        extra = "hide-cell"
    else:
        extra = "hide-input"
    return tags if extra in tags else [*tags, extra]


def machine_prefixes(root: str | os.PathLike) -> list[tuple[str, str]]:
    """``(prefix, replacement)`` pairs, longest first: the repository root becomes a relative path,
    the Python environment ``$PYTHON_PREFIX`` and the home folder ``~``."""
    pairs = [(str(Path(root).resolve()) + os.sep, ""), (str(Path(root).resolve()), "."),
             (sys.prefix + os.sep, "$PYTHON_PREFIX" + os.sep), (str(Path.home()) + os.sep, "~" + os.sep)]
    pairs = [(p, r) for p, r in pairs if len(p) > 2]
    return sorted(pairs, key=lambda pr: -len(pr[0]))


def scrub_text(text: str, prefixes: Iterable[tuple[str, str]]) -> str:
    """``text`` with every machine prefix replaced (see :func:`machine_prefixes`)."""
    for prefix, replacement in prefixes:
        text = text.replace(prefix, replacement)
    return text


def _output_texts(output: nbformat.NotebookNode) -> Iterable[tuple[dict, str]]:
    """``(container, key)`` of every text field of an output."""
    if output.get("output_type") == "stream":
        yield output, "text"
    for mime in TEXT_MIMES:
        if mime in output.get("data", {}):
            yield output["data"], mime
    if output.get("output_type") == "error":
        for i in range(len(output.get("traceback", []))):
            yield output["traceback"], i


def prepare_for_reading(nb: nbformat.NotebookNode, root: str | os.PathLike) -> nbformat.NotebookNode:
    """Tag every code cell for the book (:func:`reading_tags`) and replace machine paths in outputs."""
    prefixes = machine_prefixes(root)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata["tags"] = reading_tags(cell)
        for output in cell.get("outputs", []):
            for container, key in _output_texts(output):
                value = container[key]
                joined = "".join(value) if isinstance(value, list) else value
                container[key] = scrub_text(joined, prefixes)
    return nb


def output_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What a published chapter must not show: warnings, absolute paths, stderr (raw progress bars).

    Returns:
        one line per problem, naming the cell (execution count or index) and the offending text.
    """
    problems = []
    for index, cell in enumerate(nb.cells):
        where = f"cell {cell.get('execution_count') or f'#{index}'}"
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                problems.append(f"{where}: stderr output {output['text'][:80]!r}")
            for container, key in _output_texts(output):
                value = container[key]
                text = "".join(value) if isinstance(value, list) else value
                for pattern, what in ((WARNING, "warning"), (ABSOLUTE_PATH, "absolute path")):
                    found = pattern.search(text)
                    if found:
                        problems.append(f"{where}: {what} {found.group(0)!r}")
    return problems
