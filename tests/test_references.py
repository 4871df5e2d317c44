"""The nbval reference notebooks must hold the current chapter sources (else nbval tests stale code)."""

import jupytext
import nbformat
import pytest

from support.book import runner as book


@pytest.mark.parametrize("chapter", book.chapters())
def test_reference_notebook_matches_source(chapter):
    ref_path = book.REFERENCES / f"{chapter}.ipynb"
    assert ref_path.exists(), f"no nbval reference for {chapter}: run `make nbval-refresh`"
    ref = nbformat.read(ref_path, as_version=4)
    src = jupytext.read(book.NOTEBOOKS / f"{chapter}.py")

    def code(nb):
        return [c.source for c in nb.cells
                if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]

    assert code(ref) == code(src), f"tests/notebooks/{chapter}.ipynb is stale: run `make nbval-refresh`"
    injected = [c.source for c in ref.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'profile = "smoke"' in injected[0]
