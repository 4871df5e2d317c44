"""support.book.cells: reading tags, machine paths scrubbed, and clean committed nbval references."""

import sys
from pathlib import Path

import nbformat
import pytest

from support.book.cells import output_problems, prepare_for_reading, reading_tags
from support.book import runner as book

ROOT = "/somewhere/on/a/machine/repo"


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("seed = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('seed = 1\nprofile = "smoke"', metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("print(path)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text=f"dataset at {ROOT}/data/smoke/xy\n"),
            nbformat.v4.new_output("execute_result", data={"text/plain": f"'{ROOT}'"}, execution_count=1)]),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hide-input"]}),
    ]
    return nb


def test_reading_tags():
    nb = _notebook()
    assert reading_tags(nb.cells[0]) == []                       # markdown untouched
    assert reading_tags(nb.cells[1]) == ["parameters", "remove-cell"]
    assert reading_tags(nb.cells[2]) == ["injected-parameters", "hide-cell"]
    assert reading_tags(nb.cells[3]) == ["hide-input"]
    assert reading_tags(nb.cells[4]) == ["hide-input"]           # not doubled


def test_prepare_for_reading_makes_paths_relative():
    nb = prepare_for_reading(_notebook(), ROOT)
    outputs = nb.cells[3].outputs
    assert outputs[0]["text"] == "dataset at data/smoke/xy\n"
    assert outputs[1]["data"]["text/plain"] == "'.'"
    assert output_problems(nb) == []


def test_prepare_for_reading_hides_the_python_environment():
    nb = _notebook()
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{sys.prefix}/lib/x.py\n")]
    assert prepare_for_reading(nb, ROOT).cells[3].outputs[0]["text"] == "$PYTHON_PREFIX/lib/x.py\n"


@pytest.mark.parametrize("text, problem", [
    ("/home/user/venv/lib/tqdm/auto.py:21: TqdmWarning: IProgress not found", "warning"),
    ("saved to /data/run/generator.pt", "absolute path"),
])
def test_output_problems_finds_warnings_and_paths(text, problem):
    nb = _notebook()
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    assert any(problem in p for p in output_problems(nb))


@pytest.mark.parametrize("text", ["see https://example.org/a/b/c for details", "loss/step 0.3", "E/N = -2.0",
                                  "data/smoke/xy_dataset", "<td>1.0</td></tr>"])
def test_output_problems_accepts_urls_ratios_and_relative_paths(text):
    nb = _notebook()
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    assert output_problems(nb) == []


def test_output_problems_flags_stderr():
    nb = _notebook()
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stderr", text="\rbar:  50%|#####     | 1/2")]
    assert output_problems(nb) and "stderr" in output_problems(nb)[0]


@pytest.mark.parametrize("chapter", book.chapters())
def test_committed_reference_is_clean(chapter):
    path = Path(book.REFERENCES) / f"{chapter}.ipynb"
    if not path.exists():
        pytest.skip(f"no reference for {chapter} (test_references reports it)")
    problems = output_problems(nbformat.read(path, as_version=4))
    assert problems == [], (f"tests/notebooks/{chapter}.ipynb shows warnings, machine paths or stderr; "
                            "refresh it with `make nbval-refresh`:\n" + "\n".join(problems[:10]))
