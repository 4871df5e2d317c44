"""Rounding regimes reach the libraries they are meant for, and the book's thread count follows OMP_NUM_THREADS."""

import subprocess
import sys

import pytest

from support.book import rounding
from support.book.runtime import available_cores, set_threads

PROBE = ("import numba, torch; from numpy._core._multiarray_umath import __cpu_features__ as f; "
         "from support.book.runtime import set_threads; "
         "print(torch.backends.cpu.get_cpu_capability(), numba.config.CPU_NAME, f['AVX2'], set_threads())")


def _probe(regime):
    cmd = [sys.executable, "-m", "support.book.rounding", "exec", regime, "--", sys.executable, "-c", PROBE]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()


@pytest.mark.parametrize("regime, expected", [
    ("generic", ["DEFAULT", "generic", "False"]),    # torch's scalar kernels, numba for any x86-64, numpy SSE only
    ("avx2", ["AVX2", "haswell"]),
])
def test_a_regime_changes_what_torch_numba_and_numpy_run(regime, expected):
    assert _probe(regime)[:len(expected)] == expected


def test_the_one_thread_regime_gives_the_book_one_thread():
    assert _probe("one_thread")[-1] == "1"


def test_the_reference_and_ci_regimes_exist_and_differ():
    assert rounding.REGIMES[rounding.REFERENCE_REGIME] == {}
    assert rounding.REGIMES[rounding.CI_REGIME]["ATEN_CPU_CAPABILITY"] == "default"


def test_an_unknown_regime_is_one_line_and_exit_2():
    with pytest.raises(ValueError, match="unknown rounding regime 'avx9'; regimes: native, generic"):
        rounding.environment("avx9")
    out = subprocess.run([sys.executable, "-m", "support.book.rounding", "exec", "avx9", "--", "true"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "unknown rounding regime" in out.stderr


def test_threads_follow_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert available_cores() == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    import os

    assert available_cores() == (os.cpu_count() or 1)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    try:
        assert set_threads() == 1
    finally:
        monkeypatch.delenv("OMP_NUM_THREADS")
        set_threads()


def _notebook(*printed):
    import nbformat

    nb = nbformat.v4.new_notebook()
    for text in printed:
        cell = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(x)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell("print(y)"))   # not checked: may differ
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.1234")]
    return nb


def test_refs_refuse_checked_output_that_another_regime_prints_differently(tmp_path):
    import nbformat

    (tmp_path / "data/rounding/generic/book").mkdir(parents=True)
    nbformat.write(_notebook("a: 1\n", "met: 4\n"), tmp_path / "data/rounding/generic/book/02_x.ipynb")
    assert rounding.regime_mismatches("02_x", _notebook("a: 1\n", "met: 4\n"), tmp_path) == []
    assert rounding.regime_mismatches("02_x", _notebook("a: 1\n", "met: 3\n"), tmp_path) == [
        "02_x, checked cell 2, regime generic: 'met: 3\\n' here, 'met: 4\\n' there"]
