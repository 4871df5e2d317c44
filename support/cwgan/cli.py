"""``python -m support.cwgan sample``: XY fields of your own vortex map, exact (a Markov chain) or fast (approximate).

    python -m support.cwgan sample MAP --T T -n N -o OUT.npz [--exact | --fast] [--seed S]
                                   [--profile cpu [--data-dir data] | --checkpoint PATH]

**MAP** is one vortex-charge map ``k[i, j]`` ``(L, L)``, axis ``-2`` = ``i`` = rows = y, axis ``-1`` = ``j`` =
columns = x, plaquette ``[i, j]`` as :func:`support.xy.vortices` counts it: an ``.npy`` int array or a text grid
of ``-1 0 +1`` (or ``+ - .``), one row ``i`` per line (:mod:`support.cwgan.map_file` has the details).

**--exact** (the default) returns consecutive states of a Markov chain whose stationary law is exactly
``exp(-E/T)`` restricted to the map (:func:`support.cwgan.sample_exact`); **--fast** returns independent
generator draws (:func:`support.cwgan.generate`), which are APPROXIMATE and labelled so in the report and the
file. The generator is the learned one that chapter 02 of the profile trained (its results JSON names the
checkpoint), or ``--checkpoint PATH``.

**OUT.npz** (written atomically: an interrupted run leaves no file) holds ``theta`` float32 ``(N, L, L)``,
``charges`` int8 ``(L, L)``, ``T``, ``mode``, ``approximate``, ``note`` (what the fields are), ``seed``,
``checkpoint``, the per-field series ``energy_per_site``, ``abs_m`` and ``keeps_map``, the report's figures
(``acceptance``, ``local_acceptance``, ``tau_int_energy``, ``tau_int_abs_m``, ``ess_energy``, ``ess_abs_m``,
``n_keep_map``, ``energy_per_site_mean``/``_err``, ``abs_m_mean``/``_err``, ``seconds``), ``info_json`` (the
sampler's own record), ``report`` and ``code_version``.

Bad input (a map, T, N, seed, checkpoint, profile or output path that cannot work) is one line on stderr and
exit status 2, before any sampling and without touching OUT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from support import xy
from support.book.progress import tqdm
from support.book.runtime import REPO_ROOT, from_repo, repo_relative
from support.cwgan import exact
from support.cwgan.exact import sample_exact
from support.cwgan.generator import generate, load_generator, resize_generator
from support.cwgan.map_file import MapError, read_map
from support.cwgan.models.learned import KIND as LEARNED
from support.store.data import code_version, load_results, save_npz

#: the chapter whose results name the trained generator, and the key path to its checkpoint there
CHAPTER, CHECKPOINT_KEY = "02_train_cwgan", ("learned", "checkpoint")
#: exit status of bad input (as ``python -m support.book``) and of Ctrl-C
BAD_INPUT, INTERRUPTED = 2, 130


class BadInput(Exception):
    """Input that cannot work; its message is the one line printed on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`BadInput` instead of printing usage + error (two lines) and exiting."""

    def error(self, message: str):
        raise BadInput(f"{message} (see python -m support.cwgan sample --help)")


# ---------------------------------------------------------------------------------------------
# checking the arguments (the map: support.cwgan.map_file)
# ---------------------------------------------------------------------------------------------

def check_temperature(T: float) -> float:
    """A finite temperature above zero."""
    if not (math.isfinite(T) and T > 0):
        raise BadInput(f"--T must be a finite number > 0, got {T}")
    return float(T)


def check_count(n: int) -> int:
    """At least one field."""
    if n < 1:
        raise BadInput(f"-n must be at least 1, got {n}")
    return int(n)


def check_seed(seed: int) -> int:
    """A seed numpy and torch both accept (non-negative, below 2**63)."""
    if not 0 <= seed < 2 ** 63:
        raise BadInput(f"--seed must be an integer in [0, 2**63), got {seed}")
    return int(seed)


def check_output(path: str | os.PathLike) -> Path:
    """An ``.npz`` path in an existing folder this process can write to (probed with a temporary file)."""
    path = Path(path)
    if path.suffix != ".npz":
        raise BadInput(f"output {path} must end in .npz")
    if path.is_dir():
        raise BadInput(f"output {path} is a folder")
    folder = path.parent
    if not folder.is_dir():
        raise BadInput(f"output folder {folder} does not exist")
    try:   # os.access says yes to root on any folder; creating a file is the real test
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.remove(probe)
    except OSError as err:
        raise BadInput(f"output folder {folder} is not writable ({err.strerror})") from None
    return path


# ---------------------------------------------------------------------------------------------
# finding and loading the generator
# ---------------------------------------------------------------------------------------------

def find_checkpoint(profile: str, data_dir: str = "data") -> Path:
    """The learned generator's checkpoint named by chapter 02's results of ``profile`` (from the repository root)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", profile):
        raise BadInput(f"--profile must be a plain name such as cpu, got {profile!r}")
    folder = Path(data_dir) if Path(data_dir).is_absolute() else REPO_ROOT / data_dir
    results = folder / profile / "results" / f"{CHAPTER}.json"
    data_flag = "" if data_dir == "data" else f" -p data_dir {data_dir}"
    make = f"`python -m support.book run --profile {profile} --only 01,02{data_flag}`"
    if not results.is_file():
        raise BadInput(f"profile {profile!r} has no trained generator yet ({repo_relative(results)} is missing); "
                       f"make it with {make}, or pass --checkpoint PATH")
    try:
        entry = load_results(results)
    except ValueError as err:     # CorruptFileError: unreadable, or not what chapter 02 wrote
        raise BadInput(_one_line(err)) from None
    for key in CHECKPOINT_KEY:
        entry = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(entry, str):
        raise BadInput(f"{repo_relative(results)} names no learned generator ({'.'.join(CHECKPOINT_KEY)}); "
                       f"rerun chapter 02 with {make}, or pass --checkpoint PATH")
    return from_repo(entry)


def load_checked_generator(path: Path):
    """:func:`~support.cwgan.load_generator` on the CPU, every failure as one line."""
    if not path.is_file():
        raise BadInput(f"checkpoint {path} not found")
    try:
        return load_generator(path)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError) as err:
        raise BadInput(f"checkpoint {path} cannot be loaded as a generator: {_one_line(err)}") from None


def fit_generator(generator, L: int, mode: str):
    """The generator for maps of size ``L``: refuses sizes its architecture (or the exact chain) cannot take.

    The learned generator's U-Net halves the lattice once per level, so ``L`` must be a multiple of
    ``2**depth``; a U-Net generator is built for one ``L`` and rebuilt for another when its weights allow.
    """
    if getattr(generator, "kind", None) == LEARNED:
        step = 2 ** generator.net.depth
        if L % step:
            raise BadInput(f"map size L = {L} does not fit the generator: its U-Net halves the lattice "
                           f"{generator.net.depth} times, so L must be a multiple of {step}")
    elif L != generator.L:
        resized = resize_generator(generator, L)
        if resized is None:
            raise BadInput(f"map size L = {L} does not fit the generator (a U-Net built for L = {generator.L}; "
                           f"L must be a multiple of {2 ** generator.depth})")
        generator = resized
    if mode == "exact" and L // 2 <= exact.MODES:
        raise BadInput(f"map size L = {L} is too small for the exact chain's long-wavelength moves "
                       f"(L >= {2 * exact.MODES + 2}); try --fast")
    return generator


# ---------------------------------------------------------------------------------------------
# sampling, diagnostics, report, output
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _ticking(desc: str):
    """A bar that shows the elapsed time on a terminal while one long call runs (the chain reports no steps)."""
    bar = tqdm(total=None, desc=desc, bar_format="{desc}: {elapsed}", leave=False)
    done = threading.Event()

    def tick():
        while not done.wait(0.5):
            bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    if not bar.disable:
        thread.start()
    try:
        yield
    finally:
        done.set()
        if thread.is_alive():
            thread.join()
        bar.close()


def draw_fields(generator, charges: np.ndarray, T: float, n: int, mode: str, seed: int) -> tuple[np.ndarray, dict]:
    """``(theta float32 (n, L, L), info)``: the exact chain, or ``n`` independent generator draws."""
    L = charges.shape[0]
    with _ticking(f"{mode}: {n} fields of L = {L} at T = {T:g}"):
        if mode == "exact":
            return sample_exact(generator, charges, T, n, seed=seed)
        t0 = time.perf_counter()
        theta = generate(generator, np.broadcast_to(charges, (n, L, L)).copy(), np.full(n, T), seed=seed)
        return theta, dict(seconds=time.perf_counter() - t0)


#: a series shorter than this many tau_int is flagged: Sokal's window estimate is then rough
SHORT_SERIES = 50


def mean_with_error(x: np.ndarray, tau: float) -> tuple[float, float]:
    """Mean of a series and its error ``sqrt(var * 2 tau / N)`` (``nan`` when it cannot be estimated)."""
    if len(x) < 2 or not math.isfinite(tau):
        return float(np.mean(x)), math.nan
    return float(np.mean(x)), float(math.sqrt(np.var(x, ddof=1) * 2 * tau / len(x)))


def chain_tau(x: np.ndarray) -> float:
    """``tau_int`` of a chain's series (Sokal's window), at least 1/2; ``nan`` below 4 states.

    On a short series the estimate can fall below 1/2, even below 0; that is noise, and taking it would
    shrink the error bars, so it is floored at the value of independent draws.
    """
    from support.cwgan.evaluation.mc_reference import integrated_autocorrelation_time   # lazy: pulls pandas

    return max(0.5, integrated_autocorrelation_time(x)) if len(x) >= 4 else math.nan


def diagnostics(theta: np.ndarray, charges: np.ndarray, mode: str, info: dict) -> dict:
    """Acceptance, ``tau_int`` of E and |M|, ESS ``N / (2 tau)``, fields keeping the map, means with errors."""
    e, m = xy.energy_per_site(theta), xy.magnetization(theta)
    keeps = xy.matches_map(theta, np.broadcast_to(charges, theta.shape))
    # independent draws have tau = 1/2 by construction; a chain's is measured
    tau_e, tau_m = (0.5, 0.5) if mode == "fast" else (chain_tau(e), chain_tau(m))
    (e_mean, e_err), (m_mean, m_err) = mean_with_error(e, tau_e), mean_with_error(m, tau_m)
    return dict(acceptance=info.get("acceptance", math.nan), local_acceptance=info.get("local_acceptance", math.nan),
                tau_int_energy=tau_e, tau_int_abs_m=tau_m, ess_energy=len(theta) / (2 * tau_e),
                ess_abs_m=len(theta) / (2 * tau_m), n_keep_map=int(keeps.sum()), energy_per_site_mean=e_mean,
                energy_per_site_err=e_err, abs_m_mean=m_mean, abs_m_err=m_err, seconds=float(info["seconds"]),
                series=dict(energy_per_site=e, abs_m=m, keeps_map=keeps))


def _fmt(x: float, spec: str = ".3g") -> str:
    return "n/a" if not math.isfinite(x) else format(x, spec)


def _pm(mean: float, err: float) -> str:
    """``mean +/- err`` with two significant digits of the error and the mean to the same decimal."""
    if not (math.isfinite(err) and err > 0):
        return f"{mean:.5f} +/- {_fmt(err)}"
    decimals = min(10, max(0, 1 - math.floor(math.log10(err))))
    return f"{mean:.{decimals}f} +/- {err:.{decimals}f}"


def format_report(*, map_path, charges, T, n, mode, seed, checkpoint, generator, info, diag, out) -> str:
    """The one-screen report printed at the end."""
    L, d = charges.shape[0], diag
    kind = getattr(generator, "kind", None) or f"U-Net, {generator.variant} variant"
    lines = [f"{'EXACT' if mode == 'exact' else 'APPROXIMATE'} fields of the map {map_path} "
             f"(L = {L}, {int((charges == 1).sum())} vortices, {int((charges == -1).sum())} antivortices) at T = {T:g}"]
    if mode == "exact":
        lines += ["  sampler     Markov chain whose stationary law is exp(-E/T) on this map (exact)",
                  f"              {n} consecutive states after {info['burn_in_steps']} burn-in steps",
                  f"  acceptance  {_fmt(d['acceptance'], '.2f')} (long-wavelength moves); "
                  f"local sweeps {_fmt(d['local_acceptance'], '.2f')}",
                  f"  tau_int     E: {_fmt(d['tau_int_energy'], '.2f')}   |M|: {_fmt(d['tau_int_abs_m'], '.2f')}  "
                  "(steps, Sokal window)"]
    else:
        lines += [f"  sampler     {n} independent generator draws (--fast): the generator's law, NOT exp(-E/T)",
                  "              (use --exact for exact fields)",
                  "  tau_int     1/2 (independent draws)"]
    lines += [f"  N_eff       N / (2 tau): E {_fmt(d['ess_energy'], '.0f')}   |M| {_fmt(d['ess_abs_m'], '.0f')}"]
    tau = max(d["tau_int_energy"], d["tau_int_abs_m"])
    if mode == "exact" and not n >= SHORT_SERIES * tau:
        lines += [f"  note        N < {SHORT_SERIES} tau: a short chain, so tau and the errors are rough (ask for more)"]
    keep = "" if d["n_keep_map"] == n else "  (keeps_map in the file says which)"
    lines += [f"  map kept    {d['n_keep_map']} of {n} fields{keep}",
              f"  E / site    {_pm(d['energy_per_site_mean'], d['energy_per_site_err'])}",
              f"  |M|         {_pm(d['abs_m_mean'], d['abs_m_err'])}   (errors from tau)",
              f"  generator   {repo_relative(checkpoint)} ({kind}); seed {seed}; {d['seconds']:.1f} s",
              f"  written     {out}: theta float32 {(n, L, L)}, charges int8 {(L, L)}, diagnostics"]
    return "\n".join(lines)


def write_output(path: Path, *, theta, charges, T, mode, seed, checkpoint, info, diag, report) -> None:
    """The ``.npz`` of the module docstring, atomically (temporary file, then rename)."""
    scalars = {k: v for k, v in diag.items() if k != "series"}
    note = ("consecutive states of an exact Markov chain for exp(-E/T) on this map" if mode == "exact" else
            "APPROXIMATE: independent generator draws, not exact samples of exp(-E/T)")
    save_npz(path, theta=theta.astype(np.float32), charges=charges.astype(np.int8), T=np.float64(T),
             mode=np.str_(mode), approximate=np.bool_(mode == "fast"), note=np.str_(note), seed=np.int64(seed),
             checkpoint=np.str_(repo_relative(checkpoint)), **diag["series"], **scalars,
             info_json=np.str_(json.dumps(info)), report=np.str_(report), code_version=np.str_(code_version()))


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------

DESCRIPTION = ("XY fields of your own vortex map at temperature T: consecutive states of an exact\n"
               "Markov chain for exp(-E/T) on the map (--exact, the default), or independent,\n"
               "APPROXIMATE generator draws (--fast).")
EPILOG = """map: one charge per plaquette [i, j], row i (y) per line, column j (x) per entry:
  ......+.......-...     (+ vortex, - antivortex, . none; or whitespace-separated 1 -1 0)
  or an .npy int array (L, L), axis -2 = i, axis -1 = j; charges in -1..1 summing to 0.
out: theta float32 (N, L, L), charges int8 (L, L), T, mode, seed, checkpoint, diagnostics.
See README.md, "Fields for your own map"."""


def build_parser() -> argparse.ArgumentParser:
    """``python -m support.cwgan`` with its one command, ``sample``."""
    parser = _Parser(prog="python -m support.cwgan", description="Tools around the trained cWGAN generator.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("sample", help="XY fields of your own vortex map",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("map", metavar="MAP", help=".npy int map (L, L) or a text grid of -1/0/+1 (row i = y per line)")
    p.add_argument("--T", type=float, required=True, help="temperature (> 0, units of J)")
    p.add_argument("-n", type=int, required=True, help="number of fields")
    p.add_argument("-o", "--out", required=True, help="output .npz (written atomically)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--exact", dest="mode", action="store_const", const="exact",
                      help="consecutive states of an exact Markov chain (default)")
    mode.add_argument("--fast", dest="mode", action="store_const", const="fast",
                      help="independent generator draws: APPROXIMATE")
    p.set_defaults(mode="exact")
    p.add_argument("--seed", type=int, default=0, help="fixes every draw (default 0)")
    where = p.add_mutually_exclusive_group()
    # default None, not "cpu": argparse does not see a value equal to the default as given, so
    # "--profile cpu --checkpoint X" would pass the exclusive group
    where.add_argument("--profile", help="use the generator chapter 02 trained for it (default cpu)")
    where.add_argument("--checkpoint", help="a generator checkpoint instead")
    p.add_argument("--data-dir", default="data", help="the chapters' data_dir (default data, from the repository root)")
    return parser


def prepare(args: argparse.Namespace) -> dict:
    """Every check, cheap ones first; returns what sampling needs. Raises :class:`BadInput`."""
    T, n, seed = check_temperature(args.T), check_count(args.n), check_seed(args.seed)
    out = check_output(args.out)
    charges = read_map(args.map)
    checkpoint = Path(args.checkpoint) if args.checkpoint else find_checkpoint(args.profile or "cpu", args.data_dir)
    generator = fit_generator(load_checked_generator(checkpoint), charges.shape[0], args.mode)
    return dict(T=T, n=n, seed=seed, out=out, charges=charges, checkpoint=checkpoint, generator=generator)


def run_sample(args: argparse.Namespace) -> str:
    """Check, sample, diagnose, write; returns the report."""
    job = prepare(args)
    theta, info = draw_fields(job["generator"], job["charges"], job["T"], job["n"], args.mode, job["seed"])
    diag = diagnostics(theta, job["charges"], args.mode, info)
    report = format_report(map_path=args.map, mode=args.mode, info=info, diag=diag, **{k: job[k] for k in (
        "charges", "T", "n", "seed", "checkpoint", "generator", "out")})
    write_output(job["out"], theta=theta, charges=job["charges"], T=job["T"], mode=args.mode, seed=job["seed"],
                 checkpoint=job["checkpoint"], info=info, diag=diag, report=report)
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 on success, 2 on bad input (one line on stderr), 130 on Ctrl-C (no output written)."""
    try:
        args = build_parser().parse_args(argv)
        print(run_sample(args))
    except (BadInput, MapError) as err:
        print(f"error: {err}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: no output written", file=sys.stderr)
        return INTERRUPTED
    return 0


def _one_line(err: BaseException) -> str:
    """An exception's message on one line (torch and numpy messages can span several)."""
    return " ".join(str(err).split()) or type(err).__name__
