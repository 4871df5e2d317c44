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


@pytest.mark.parametrize("chapter", book.chapters())
def test_checked_cells_print_text_only(chapter):
    """A cell nbval compares (``# NBVAL_CHECK_OUTPUT``) may only print: a glued value or a displayed table adds
    output fields (``application/papermill.record/...``, ``text/html``) that the references do not keep, and
    nbval then fails with "Unexpected output fields"."""
    ref = nbformat.read(book.REFERENCES / f"{chapter}.ipynb", as_version=4)
    src = jupytext.read(book.NOTEBOOKS / f"{chapter}.py")
    checked = [c for c in src.cells if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source]
    for cell in checked:
        assert "glue(" not in cell.source, f"{chapter}: a checked cell glues a value:\n{cell.source}"
    for cell in ref.cells:
        if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source:
            kinds = {o.output_type for o in cell.outputs}
            assert kinds <= {"stream"}, f"{chapter}: a checked cell shows {sorted(kinds)}:\n{cell.source}"
