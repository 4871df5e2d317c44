"""support.book.widths: an executed chapter with an output line wider than the column is caught."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from support.book.widths import LIMIT, main, wide_lines


def _chapter(tmp_path, *outputs, name="01_demo.ipynb", tags=()):
    cell = new_code_cell("print(x)", outputs=list(outputs), metadata={"tags": list(tags)})
    nbformat.write(new_notebook(cells=[new_code_cell("1"), cell]), tmp_path / name)


def test_line_of_the_limit_passes(tmp_path):
    _chapter(tmp_path, new_output("stream", name="stdout", text="a" * LIMIT + "\nshort\n"),
             new_output("execute_result", data={"text/plain": "b" * LIMIT}, execution_count=2))
    assert wide_lines(tmp_path) == []
    assert main([str(tmp_path)]) == 0


def test_outputs_do_not_run_into_each_other(tmp_path):
    """Two results of 60 characters without a final newline are two lines, not one of 120."""
    _chapter(tmp_path, new_output("display_data", data={"text/plain": "c" * 60}),
             new_output("display_data", data={"text/plain": "d" * 60}))
    assert wide_lines(tmp_path) == []


def test_over_long_stream_line_is_caught_with_chapter_and_line(tmp_path):
    _chapter(tmp_path, new_output("stream", name="stdout", text="short\n" + "a" * (LIMIT + 1) + "\n"))
    (problem,) = wide_lines(tmp_path)
    assert problem.startswith("01_demo.ipynb: cell 2, output line 2: 101 > 100 chars")
    assert main([str(tmp_path)]) == 1


def test_over_long_plain_text_result_and_carriage_return_lines(tmp_path):
    _chapter(tmp_path, new_output("display_data", data={"text/plain": "x" * 150, "text/html": "<p>x</p>"}),
             new_output("stream", name="stderr", text="ok\r" + "y" * 120))
    assert len(wide_lines(tmp_path)) == 2


def test_removed_cells_and_runner_sources_are_skipped(tmp_path):
    wide = new_output("stream", name="stdout", text="a" * 200)
    _chapter(tmp_path, wide, tags=["remove-output"])
    _chapter(tmp_path, wide, name=".01_demo.source.ipynb")
    assert wide_lines(tmp_path) == []
    _chapter(tmp_path, wide, tags=["hide-output"])   # folded, but the reader unfolds it
    assert len(wide_lines(tmp_path)) == 1


def test_no_chapters_is_a_problem(tmp_path):
    assert wide_lines(tmp_path)
