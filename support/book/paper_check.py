"""``make paper-check``: the paper profile end to end on a CPU, counts and epochs shrunk, every size kept.

    python -m support.book.paper_check [--only 01,03]

Runs each chapter with the ``paper`` profile plus the overrides of
``params/checks/paper-check.yaml`` into ``data/paper-check/paper`` (apart from a real paper run),
then checks that every chapter wrote its results JSON. Dict-valued parameters (training
schedules) are merged key by key, so the overrides name only what they shrink.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from support.book import runner as book
from support.book import strict_yaml
from support.book.runtime import results_path

OVERRIDES = book.PARAMS / "checks" / "paper-check.yaml"
DATA_DIR = "data/paper-check"


def chapter_overrides(chapter: str, path: Path = OVERRIDES) -> dict[str, Any]:
    """The ``-p`` overrides of one chapter: the check's values, dicts merged into the paper profile's."""
    paper = book.load_profile("paper").get(chapter, {})
    check = (strict_yaml.load(path.read_text(), path.name) or {}).get(chapter, {})
    merged = {k: ({**paper[k], **v} if isinstance(v, dict) and isinstance(paper.get(k), dict) else v)
              for k, v in check.items()}
    return {"data_dir": DATA_DIR, **merged}


def run(only: list[str] | None = None) -> dict[str, float]:
    """Run the selected chapters (default all) and return their wall times; raise if one fails or
    leaves no results JSON."""
    times = {}
    for chapter, _ in book.resolve("paper", only, {}):
        # the paper profile is GPU-sized, but these counts are meant for a CPU: accept it without CUDA
        times.update(book.run("paper", [chapter], chapter_overrides(chapter), yes=True))
        written = results_path(DATA_DIR, "paper", chapter)
        if not written.exists():
            raise book.BookError(f"{chapter} ran but wrote no {written}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support.book.paper_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=None, help="comma-separated chapters, e.g. 01,03")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        times = run([s.strip() for s in args.only.split(",")] if args.only else None)
    except book.BookError as err:
        print(f"paper-check failed: {err}", file=sys.stderr)
        return 2
    print("[paper-check] " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
          + f"; total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
