"""Does every text output of the executed book fit the page? No line wider than :data:`LIMIT` characters.

The book's column holds about 100 characters of monospaced text; a longer printed line scrolls
sideways or wraps mid-number. Checked are the text outputs of the executed chapters
``book/NN_*.ipynb``: streams (``print``) and ``text/plain`` results, every line (a carriage return
starts a line too). Cells the book leaves out (``remove-cell``, ``remove-output``) are skipped;
folded outputs (``hide-output``) are not, since the reader unfolds them.

    python -m support.book.widths [book]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

#: the widest output line, in characters
LIMIT = 100
#: tags of cells whose outputs the built book does not show
REMOVED = {"remove-cell", "remove-output"}


def _texts(output: dict) -> list[str]:
    """The text of one output that the check reads: a stream's text, a result's ``text/plain``."""
    if output.get("output_type") == "stream":
        return [output.get("text", "")]
    plain = output.get("data", {}).get("text/plain")
    return [plain] if plain is not None else []


def _joined(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else text


def wide_lines(book_dir: str | Path, limit: int = LIMIT) -> list[str]:
    """Output lines of the executed chapters wider than ``limit`` characters.

    Args:
        book_dir: folder of the executed chapters (``book/``); hidden files (the runner's sources) are skipped.
        limit: the widest allowed line.

    Returns:
        one problem per line, ``"<chapter>: cell <n>, output line <m>: <width> > <limit> chars: <start>"``
        (cells counted from 1 over all cells, lines over the cell's outputs); empty when all fit, and
        one problem when there is no chapter to check.
    """
    chapters = sorted(p for p in Path(book_dir).glob("*.ipynb") if not p.name.startswith("."))
    if not chapters:
        return [f"no executed chapters (*.ipynb) in {book_dir}: run the book first"]
    problems = []
    for path in chapters:
        nb = nbformat.read(path, as_version=4)
        for n, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code" or REMOVED & set(cell.get("metadata", {}).get("tags", [])):
                continue
            # each output on its own lines: a result's text/plain has no final newline to end it
            lines = [line for out in cell.get("outputs", []) for t in _texts(out)
                     for line in re.split(r"\r\n|\r|\n", _joined(t))]
            for m, line in enumerate(lines, start=1):
                if len(line) > limit:
                    problems.append(f"{path.name}: cell {n}, output line {m}: {len(line)} > {limit} chars: "
                                    f"{line[:60]!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    book_dir = Path(args[0] if args else "book")
    problems = wide_lines(book_dir)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"[widths] {len(problems)} output line(s) of {book_dir} wider than {LIMIT} characters",
              file=sys.stderr)
    else:
        print(f"[widths] every output line of {book_dir} fits in {LIMIT} characters")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
