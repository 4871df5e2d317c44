"""Rounding regimes: environment settings under which the same seeded run rounds floats differently.

A float32 result of torch, of the BLAS under numpy and of numba code depends on the CPU's instruction set
(AVX-512, AVX2, SSE only) and on how many threads split a reduction; a trained network and a Markov chain then
carry the last bit forward. Each regime below makes this machine round like another one, through the switches
that the libraries themselves read at start-up:

* ``ATEN_CPU_CAPABILITY``: torch's own vectorised kernels (``default`` = scalar, ``avx2``, ``avx512``);
* ``ONEDNN_MAX_CPU_ISA``: the oneDNN convolutions inside torch;
* ``MKL_ENABLE_INSTRUCTIONS``: the MKL BLAS inside torch;
* ``OPENBLAS_CORETYPE``: the OpenBLAS under numpy and scipy (``Prescott`` = SSE3, ``Haswell`` = AVX2);
* ``NPY_DISABLE_CPU_FEATURES``: numpy's own SIMD loops (its baseline SSE..SSE3 stays);
* ``NUMBA_CPU_NAME``: the machine numba compiles for (``generic`` x86-64, ``haswell``);
* ``OMP_NUM_THREADS`` and friends: one thread instead of all cores (:func:`support.book.runtime.set_threads`
  honours ``OMP_NUM_THREADS``).

``tests/smoke_results.json`` is written from the ``native`` run and holds every value to the spread it showed
over all regimes (:mod:`support.book.results_reference`); CI runs ``make test`` under :data:`CI_REGIME`, so a
reference that holds only on the machine that wrote it fails there.

    python -m support.book.rounding exec generic -- python -m pytest ...   # run a command under a regime
    python -m support.book.rounding show                                   # list the regimes
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_AVX512 = "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"

#: regime name -> environment variables it sets (``native``: none, the machine as it is)
REGIMES: dict[str, dict[str, str]] = {
    "native": {},
    "generic": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
                "OPENBLAS_CORETYPE": "Prescott", "NUMBA_CPU_NAME": "generic",
                "NPY_DISABLE_CPU_FEATURES": f"{_AVX512} AVX2 FMA3 AVX F16C POPCNT SSE41 SSE42 SSSE3"},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "OPENBLAS_CORETYPE": "Haswell", "NUMBA_CPU_NAME": "haswell", "NPY_DISABLE_CPU_FEATURES": _AVX512},
    "one_thread": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   "NUMBA_NUM_THREADS": "1"},
}
#: the regime the reference is written in, and the one CI tests it under (the most different from it)
REFERENCE_REGIME, CI_REGIME = "native", "generic"


def environment(regime: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the regime's variables set.

    Raises:
        ValueError: an unknown regime name.
    """
    if regime not in REGIMES:
        raise ValueError(f"unknown rounding regime {regime!r}; regimes: {', '.join(REGIMES)}")
    env = dict(os.environ if base is None else base)
    env.update(REGIMES[regime])
    return env


def checked_outputs(nb) -> list[str]:
    """The text each cell that nbval compares (``# NBVAL_CHECK_OUTPUT``) printed."""
    return ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells
            if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source]


def regime_mismatches(chapter: str, nb, root: Path) -> list[str]:
    """Checked cells whose output differs in the same chapter run under another rounding regime
    (``<root>/data/rounding/<regime>/book``, kept by ``make nbval-refresh``): nbval would fail on such a CPU."""
    import nbformat

    mine, out = checked_outputs(nb), []
    for other in sorted((Path(root) / "data" / "rounding").glob(f"*/book/{chapter}.ipynb")):
        theirs = checked_outputs(nbformat.read(other, as_version=4))
        out += [f"{chapter}, checked cell {i + 1}, regime {other.parts[-3]}: {a!r} here, {b!r} there"
                for i, (a, b) in enumerate(zip(mine, theirs)) if a != b]
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["show"]:
        for name, env in REGIMES.items():
            print(f"{name}: " + (" ".join(f"{k}={v!r}" for k, v in env.items()) or "(this machine as it is)"))
        return 0
    if len(argv) >= 4 and argv[0] == "exec" and argv[2] == "--":
        try:
            env = environment(argv[1] or REFERENCE_REGIME)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        os.execvpe(argv[3], argv[3:], env)
    print("usage: python -m support.book.rounding show | exec REGIME -- COMMAND ...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
