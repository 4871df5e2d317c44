"""Progress bars that show in a terminal and stay quiet in notebooks, logs and tests.

``tqdm.auto`` picks the Jupyter widget inside a kernel and, without ipywidgets, warns
(``TqdmWarning: IProgress not found``, with the path of the machine's site-packages) and falls
back to text bars written as raw stderr into the executed notebook. This wrapper uses the plain
text bar and lets tqdm decide by the output stream: a bar that the caller enables is drawn only
when stderr is a terminal (``disable=None``), so papermill, nbval and pytest see no bar at all.
"""

from __future__ import annotations

from typing import Any

from tqdm import tqdm as _tqdm


def tqdm(*args: Any, disable: bool = False, **kwargs: Any) -> _tqdm:
    """``tqdm.tqdm`` with the same arguments; an enabled bar draws only on a terminal.

    Args:
        *args: passed to ``tqdm.tqdm`` (usually the iterable).
        disable: ``True`` switches the bar off everywhere (the callers' ``not progress``).
        **kwargs: passed to ``tqdm.tqdm`` (``desc``, ``total``, ``leave``, ...).
    """
    return _tqdm(*args, disable=True if disable else None, **kwargs)
