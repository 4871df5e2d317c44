"""The book runner: jupytext sources -> papermill with a parameter profile -> Jupyter Book HTML.

    python -m support.book run --profile cpu [--only 02,04] [-p NAME VALUE ...] [--yes]
    python -m support.book check --profile cpu [--only 02,04] [-p NAME VALUE ...]   # validate only
    python -m support.book build
    python -m support.book refs          # refresh the nbval notebooks and tests/smoke_results.json (smoke run)

For each chapter ``notebooks/NN_name.py``: convert to ``book/NN_name.ipynb``, execute it with
papermill using the profile's ``common`` section, then the chapter's section, then the ``-p``
overrides (only names that the chapter's parameters cell defines), and record the wall time in
``<data_dir>/<profile>/results/timings.json``. Before any chapter starts, every parameter value
is checked against ``support.book.params`` (types, ranges, rules across chapters, device availability,
a GPU-sized profile on a machine without a GPU) and all violations are reported together. The
run stops at the first failing chapter.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import sys
import time
from pathlib import Path
from typing import Any

from support.book import strict_yaml

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
BOOK = ROOT / "book"
REFERENCES = ROOT / "tests" / "notebooks"


class BookError(RuntimeError):
    """A problem with the request (profile, chapter, parameter) found before anything runs."""


def chapters() -> list[str]:
    """Chapter names in book order (``01_simulate``, ...), from ``notebooks/NN_*.py``."""
    return sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def profiles() -> list[str]:
    """Available parameter profiles (``params/<name>.yaml``)."""
    return sorted(p.stem for p in PARAMS.glob("*.yaml"))


def parameter_defaults(chapter: str) -> dict[str, Any]:
    """Names and default values of the ``# %% tags=["parameters"]`` cell of a chapter source."""
    lines = (NOTEBOOKS / f"{chapter}.py").read_text().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("# %%") and '"parameters"' in line)
    except StopIteration:
        raise BookError(f"{chapter}: no '# %% tags=[\"parameters\"]' cell") from None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# %%")), len(lines))
    tree = ast.parse("\n".join(lines[start + 1:end]))
    defaults = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            defaults[node.targets[0].id] = ast.literal_eval(node.value)
    return defaults


def load_profile(profile: str) -> dict[str, dict[str, Any]]:
    """The profile YAML as ``{"common": {...}, "<chapter>": {...}}``; unknown profile is an error."""
    path = PARAMS / f"{profile}.yaml"
    if not path.exists():
        raise BookError(f"unknown profile {profile!r}; available profiles: {', '.join(profiles())}")
    try:
        data = strict_yaml.load(path.read_text(), path.name) or {}
    except strict_yaml.YamlProblem as err:
        raise BookError(str(err)) from None
    unknown = set(data) - {"common", *chapters()}
    if unknown:
        raise BookError(f"{path.name}: sections {sorted(unknown)} are not chapters ({', '.join(chapters())})")
    return {k: dict(v or {}) for k, v in data.items()}


def chapter_parameters(profile: str, chapter: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parameters papermill injects into ``chapter``: common < chapter section < overrides.

    Raises ``BookError`` naming the chapter and its valid parameters if any name is unknown
    (``resolve`` has already dropped overrides that belong to other selected chapters).
    """
    prof = load_profile(profile)
    valid = parameter_defaults(chapter)
    params = {"profile": profile, **prof.get("common", {}), **prof.get(chapter, {}), **(overrides or {})}
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise BookError(f"{chapter}: unknown parameter(s) {unknown}; valid parameters: {', '.join(sorted(valid))}")
    return params


def resolve(profile: str, only: list[str] | None, overrides: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Check everything before running: chapters exist, every override is a parameter of a selected chapter.

    An override goes to every selected chapter that defines it (``seed`` goes to all), and a name
    no selected chapter defines is an error naming the chapters and their parameters.
    """
    selected = selected_chapters(only)
    load_profile(profile)
    defined = {c: parameter_defaults(c) for c in selected}
    for name in overrides:
        if not any(name in d for d in defined.values()):
            listing = "; ".join(f"{c}: {', '.join(sorted(d))}" for c, d in defined.items())
            raise BookError(f"-p {name}: not a parameter of {', '.join(selected)}. Valid parameters: {listing}")
    plan = []
    for chapter in selected:
        mine = {k: v for k, v in overrides.items() if k in defined[chapter]}
        plan.append((chapter, chapter_parameters(profile, chapter, mine)))
    return plan


def selected_chapters(only: list[str] | None) -> list[str]:
    """The chapters ``--only`` names (``01``, ``01_simulate``), in book order whatever order they were given in."""
    names = chapters()
    if not only:
        return names
    selected = set()
    for key in only:
        match = [c for c in names if c == key or c.startswith(f"{key}_") or c.split("_", 1)[0] == key]
        if not match:
            raise BookError(f"--only {key!r}: no such chapter; chapters: {', '.join(names)}")
        selected.update(match)
    return [c for c in names if c in selected]


def check(profile: str, only: list[str] | None, overrides: dict[str, Any], *,
          yes: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """Validate a request without running anything; return the plan or raise listing every violation.

    Checked: each ``-p`` name is a parameter of a selected chapter and not ``profile``; every value
    (notebook default < profile < ``-p``) against its spec in ``support.book.params``; the rules across
    chapters; the device; and a GPU-sized profile on a machine without CUDA needs ``yes``.
    """
    from support.book import params as schema

    selected = selected_chapters(only)
    prof = load_profile(profile)
    problems = _override_problems(selected, overrides)
    values, origin = _effective_values(profile, prof, selected, overrides)
    problems += [str(v) for v in schema.validate(values, origin)]
    problems += _gpu_problems(profile, values, selected, yes)
    unchecked = sorted({n for c, p in values.items() for n in p if schema.spec_of(c, n) is None})
    if unchecked:
        print(f"[book] warning: no schema entry (support/book/params.py) for {', '.join(unchecked)}; "
              "their values are not checked", file=sys.stderr)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise BookError(f"{len(problems)} problem(s) with --profile {profile} "
                        f"(chapters {', '.join(selected)}); nothing was run:\n{listing}")
    return resolve(profile, selected, {k: v for k, v in overrides.items() if k != "profile"})


def _override_problems(selected: list[str], overrides: dict[str, Any]) -> list[str]:
    """``-p`` names that no selected chapter defines, and ``-p profile``."""
    from support.book.params import Violation

    defined = {c: parameter_defaults(c) for c in selected}
    out = []
    for name, value in overrides.items():
        if name == "profile":
            out.append(str(Violation("-p", name, value, "is set by --profile only (a -p profile would write this "
                                                        "profile's data into another profile's folder)")))
        elif not any(name in d for d in defined.values()):
            listing = "; ".join(f"{c}: {', '.join(sorted(d))}" for c, d in defined.items())
            out.append(str(Violation("-p", name, value, f"not a parameter of {', '.join(selected)}. "
                                                        f"Valid parameters: {listing}")))
    return out


def _effective_values(profile: str, prof: dict, selected: list[str], overrides: dict[str, Any]):
    """Every chapter's parameters as its notebook will see them, and where each value came from.

    Unselected chapters get the profile's values (rules across chapters compare with them);
    ``-p`` values reach only the selected chapters that define them.
    """
    values, sources = {}, {}
    for chapter in chapters():
        defaults = parameter_defaults(chapter)
        layers = [("notebook default", defaults), (f"{profile}.yaml common", prof.get("common", {})),
                  (f"{profile}.yaml {chapter}", prof.get(chapter, {}))]
        if chapter in selected:
            layers.append(("-p", {k: v for k, v in overrides.items() if k in defaults and k != "profile"}))
        values[chapter], sources[chapter] = {}, {}
        for where, layer in layers:
            for name, value in layer.items():
                values[chapter][name] = value
                sources[chapter][name] = where if where != "notebook default" else f"notebooks/{chapter}.py default"
        values[chapter]["profile"] = profile
        sources[chapter]["profile"] = "--profile"
    return values, lambda chapter, name: sources[chapter].get(name, chapter)


def _gpu_problems(profile: str, values: dict, selected: list[str], yes: bool) -> list[str]:
    """A GPU-sized profile on a machine where it would run on the CPU needs ``--yes``."""
    from support.book.params import GPU_PROFILES

    if profile not in GPU_PROFILES or yes:
        return []
    devices = {values[c].get("device") for c in selected}
    on_cpu = "cpu" in devices
    if not on_cpu:
        import torch

        on_cpu = not torch.cuda.is_available()
    if not on_cpu:
        return []
    return [f"--profile {profile}: {GPU_PROFILES[profile]}; without a CUDA device it would run on the CPU for "
            "days rather than hours. Add --yes to run it anyway, or use --profile cpu."]


def _record_time(path: Path, chapter: str, seconds: float) -> None:
    """Add a chapter's wall time to ``timings.json`` (an unreadable file is set aside with a warning and rewritten,
    see :func:`support.store.data.update_results`)."""
    from support.store.data import update_results

    update_results(path, **{chapter: round(seconds, 1)})


def _timings_path(params: dict[str, Any]) -> Path:
    data_dir = Path(params.get("data_dir", "data"))
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    return data_dir / params["profile"] / "results" / "timings.json"


def execute_chapter(chapter: str, params: dict[str, Any], *, log_output: bool = False) -> float:
    """Convert and execute one chapter into ``book/<chapter>.ipynb``; return its wall time in seconds."""
    import jupytext
    import papermill as pm

    BOOK.mkdir(exist_ok=True)
    source = BOOK / f".{chapter}.source.ipynb"
    target = BOOK / f"{chapter}.ipynb"
    jupytext.write(jupytext.read(NOTEBOOKS / f"{chapter}.py"), source)
    start = time.perf_counter()
    try:
        pm.execute_notebook(str(source), str(target), parameters=params, kernel_name="python3",
                            cwd=str(ROOT), progress_bar=False, log_output=log_output)
    except pm.PapermillExecutionError as err:
        raise BookError(f"{chapter} failed in cell {err.exec_count} ({err.ename}: {err.evalue}). "
                        f"The executed notebook with the traceback is {target}") from None
    finally:
        source.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    _prepare_for_reading(target)
    _record_time(_timings_path(params), chapter, seconds)
    return seconds


def _prepare_for_reading(path: Path) -> None:
    """Fold code and parameters and drop machine paths in an executed chapter (see support.book.cells)."""
    import nbformat

    from support.book.cells import prepare_for_reading

    nbformat.write(prepare_for_reading(nbformat.read(path, as_version=4), ROOT), path)


def run(profile: str, only: list[str] | None = None, overrides: dict[str, Any] | None = None,
        *, log_output: bool = False, yes: bool = False) -> dict[str, float]:
    """Check the request, then run the selected chapters in book order; stop at the first failure."""
    from support.store.locks import file_lock

    plan = check(profile, only, overrides or {}, yes=yes)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    times = {}
    # one runner per profile folder: a second one waits, naming the first one's pid (its chapters would
    # otherwise describe data that the other run rewrites)
    with file_lock(_timings_path(plan[0][1]).parent.parent):
        for chapter, params in plan:
            print(f"[book] {chapter}: running with {params}", flush=True)
            times[chapter] = execute_chapter(chapter, params, log_output=log_output)
            print(f"[book] {chapter}: done in {times[chapter]:.1f} s", flush=True)
    return times


def build() -> Path:
    """Build the HTML book into ``_build/html`` with warnings as errors."""
    import subprocess

    missing = [c for c in chapters() if not (BOOK / f"{c}.ipynb").exists()]
    if missing:
        raise BookError(f"chapters not executed yet: {', '.join(missing)}; run `python -m support.book run` first")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT), "-W", "--keep-going"]
    subprocess.run(cmd, check=True, cwd=ROOT)
    return ROOT / "_build" / "html" / "index.html"


def refresh_references() -> list[Path]:
    """Copy the executed smoke chapters into ``tests/notebooks`` without images (nbval references).

    Raises:
        BookError: a checked cell printed something else under another rounding regime (print fewer digits
            there, or move the line out of the checked cell: the results regression pins the numbers).
    """
    import nbformat

    from support.book.rounding import regime_mismatches

    REFERENCES.mkdir(parents=True, exist_ok=True)
    notebooks = {chapter: nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4) for chapter in chapters()}
    mismatches = [m for chapter, nb in notebooks.items() for m in regime_mismatches(chapter, nb, ROOT)]
    if mismatches:
        raise BookError("nbval references not written; checked output depends on rounding:\n  "
                        + "\n  ".join(mismatches))
    written = []
    for chapter, nb in notebooks.items():
        injected = [c for c in nb.cells if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
        if not injected or "profile = \"smoke\"" not in injected[0].source:
            raise BookError(f"book/{chapter}.ipynb was not run with the smoke profile; run it first")
        for cell in nb.cells:
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
            if cell.cell_type == "code":
                cell.outputs = [_strip_output(o) for o in cell.outputs]
        nb.metadata.pop("papermill", None)
        path = REFERENCES / f"{chapter}.ipynb"
        nbformat.write(nb, path)
        written.append(path)
    return written


def refresh_results_reference() -> Path:
    """Write ``tests/smoke_results.json`` from the results of the smoke run that made ``book/*.ipynb``, its
    tolerances measured against the smoke runs under the other rounding regimes (``data/rounding/<regime>``,
    written by ``make nbval-refresh``)."""
    from support.book import results_reference
    from support.book.rounding import REFERENCE_REGIME, REGIMES
    from support.store.integrity import CorruptFileError

    regimes = {r: results_reference.regime_results_dir(r) for r in REGIMES if r != REFERENCE_REGIME}
    try:
        return results_reference.refresh(BOOK, results_reference.pinned(chapters()), regimes=regimes)
    except (FileNotFoundError, CorruptFileError, ValueError) as err:
        raise BookError(f"results reference not written: {err}") from None


def _strip_output(output):
    """Drop images/HTML from an output (nbval-lax only compares marked text outputs)."""
    output = copy.deepcopy(output)
    if "data" in output:
        output["data"] = {k: v for k, v in output["data"].items() if k == "text/plain"}
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support.book", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="execute chapters with a parameter profile")
    run_p.add_argument("--profile", default="cpu", help=f"one of: {', '.join(profiles())}")
    run_p.add_argument("--only", default=None, help="comma-separated chapters, e.g. 01,03 or 02_train_cwgan")
    run_p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    run_p.add_argument("--log-output", action="store_true", help="stream cell output to the terminal")
    run_p.add_argument("--yes", action="store_true", help="run a GPU-sized profile even without a GPU")
    check_p = sub.add_parser("check", help="validate a profile and -p values, run nothing")
    check_p.add_argument("--profile", default="cpu", help=f"one of: {', '.join(profiles())}")
    check_p.add_argument("--only", default=None, help="comma-separated chapters, e.g. 01,03")
    check_p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    check_p.add_argument("--yes", action="store_true", help="accept a GPU-sized profile without a GPU")
    sub.add_parser("build", help="build the HTML book into _build/html")
    sub.add_parser("refs", help="refresh tests/notebooks and tests/smoke_results.json from the smoke run in book/")
    args = parser.parse_args(argv)
    try:
        if args.command in ("run", "check"):
            only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only is not None else None
            if only == []:
                raise BookError(f"--only {args.only!r} selects no chapter; chapters: {', '.join(chapters())}")
            try:   # -p values are YAML: 3 is an int, 0.1 a float, [1, 2] a list, abc a string
                overrides = strict_yaml.parse_overrides(args.parameter)
            except strict_yaml.YamlProblem as err:
                raise BookError(str(err)) from None
        if args.command == "run":
            times = run(args.profile, only, overrides, log_output=args.log_output, yes=args.yes)
            print("[book] wall times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))
        elif args.command == "check":
            plan = check(args.profile, only, overrides, yes=args.yes)
            print(f"[book] ok: --profile {args.profile}, {sum(len(p) for _, p in plan)} parameter values of "
                  f"{', '.join(c for c, _ in plan)} pass every check")
        elif args.command == "build":
            print(f"[book] built {build()}")
        else:
            for path in [*refresh_references(), refresh_results_reference()]:
                print(f"[book] wrote {path.relative_to(ROOT)}")
    except BookError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
