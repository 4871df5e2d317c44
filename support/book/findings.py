"""The findings page's rows: each work's headline numbers from the chapters' results, judged against their targets.

The findings page (``notebooks/06_findings.py``) computes nothing: :func:`collect` reads the results trees that
chapters 02, 04 and 05 wrote and returns one row per headline finding: this run's value, the target, the verdict
(:func:`verdict`, from the number), the source work's figure where the chapters cite one (theirs, at their
settings) and the section of the chapter that measures it. :func:`glue_values` turns the rows into the page's
glued texts; :func:`tally` and :func:`answer` count the verdicts.

The targets are the chapters' own. This module keeps copies, because the book's machinery imports no story at
load time; ``tests/test_findings.py`` checks that they equal :data:`support.cwgan.evaluation.heldout.TARGETS`,
:data:`support.vae.report.TARGETS` and the constants of :mod:`support.cwgan.evaluation.verdicts`,
:mod:`support.cwgan.evaluation.z_scores` and :mod:`support.cwgan.evaluation.exact_checks`.
"""

from __future__ import annotations

import math
import os
from typing import Any, Mapping, Sequence

#: the chapters whose results the page reads
NEEDS = ("02_train_cwgan", "04_evaluate", "05_latent_analysis")
MET, MISSED, UNDEFINED = "met", "missed", "undefined"
SYMBOLS = {">=": "≥", "<=": "≤"}
WORKS = {"cwgan": "the conditional WGAN (Klos et al.)", "vae": "the residual VAE (Dušek's thesis)"}

#: chapter 02's targets on held-out placements at the target T (heldout.TARGETS): (rule, bound)
HELDOUT_TARGETS = {"charge_match_rate": (">=", 0.95), "energy_rel_error": ("<=", 0.02),
                   "magnetization_abs_error": ("<=", 0.02), "energy_std_ratio": ("within", 0.25),
                   "magnetization_std_ratio": ("within", 0.25)}
#: chapter 04: |z| within this on every observable (z_scores.WITHIN); the noise floor's binomial p at least SURPRISE
Z_WITHIN, SURPRISE = 3.0, 0.01
#: chapter 04's in-depth targets (verdicts.R2_TARGET, ACC_TARGET, R2_TARGETS)
R2_TARGET, ACC_TARGET = 0.9, 0.8
R2_OBSERVABLES = ("abs_m", "energy", "helicity", "chi", "nu")
#: the exact chain against long Monte Carlo (exact_checks.Z_LIMIT, R2_TARGET)
EXACT_Z, EXACT_R2 = 3.0, 0.95
#: chapter 04's cost target for the exact chain (exact_checks.RATIO_LIMIT): at L >= RATIO_MIN_L it costs at most this
#: many times the best Monte Carlo (Metropolis + k over-relaxation) per independent field, on every map and T
RATIO_LIMIT, RATIO_MIN_L = 1.25, 32
#: chapter 05's targets (vae.report.TARGETS) of the rows shown here, in page order: (rule, bound)
VAE_TARGETS = {"test_mse": ("<=", 0.012), "probe_Q": (">=", 0.9), "probe_skill_Q": (">=", 0.25),
               "pc0_Q": (">=", 0.75), "direction_Q": (">=", 0.8), "mse_defects": (">=", 0.8),
               "novel_fraction": (">=", 0.8), "skx_fraction": (">=", 0.8), "defects_ratio": ("in", (0.5, 2.0))}

#: the source works' figures as the chapters cite them: (text, (low, high) for a comparison, or None)
SOURCE = {
    "paper_heldout": ("their training: 120 GPU epochs of 250 000 fields per T, widths 64–256", None),
    "test_mse": ("thesis: 0.0318 on 200 × 200 lattices", (0.0318, 0.0318)),
    "pc0_Q": ("thesis: |ρ| 0.85–0.88", (0.85, 0.88)),
    "mse_defects": ("thesis: 0.84–0.92 (Table 3.3)", (0.84, 0.92)),
}
#: short names of the rows (the page's first column, the results file, the answer)
FINDINGS = {
    "paper_heldout": "paper U-Net, held-out placements: chapter 02's targets",
    "prior_heldout": "prior U-Net, held-out placements: chapter 02's targets",
    "noise_floor": "noise floor of the evaluation sets: z-scores beyond ±3",
    "learned_sets": "learned generator: sets where it cannot be told from Monte Carlo",
    "paper_sets": "paper U-Net: sets where it cannot be told from Monte Carlo",
    "prior_sets": "prior U-Net: sets where it cannot be told from Monte Carlo",
    "exact_sets": "exact chain: sets where it cannot be told from Monte Carlo",
    "indepth_targets": "in-depth generator on held-out placements: R² and Acc_topo targets",
    "exact_check": "exact chain against long Monte Carlo on unseen maps",
    "exact_speedup": f"exact chain: cost per independent field against the best Monte Carlo (Metropolis + "
                     f"over-relaxation), L ≥ {RATIO_MIN_L}",
    "test_mse": "test MSE on unseen phase points",
    "probe_Q": "ridge probe of Q from the latent: R²",
    "probe_skill_Q": "skill of the Q probe over the phase point (D, B)",
    "pc0_Q": "|r(PC0, Q)| on unseen phase points",
    "direction_Q": "|r| of the Q direction in the PC0–PC1 plane",
    "mse_defects": "group-mean r(defects, reconstruction error)",
    "novel_fraction": "generated lattices inside both novelty bounds",
    "skx_fraction": "generated lattices that are skyrmion lattices",
    "defects_ratio": "defects per generated lattice / per test lattice",
}
#: the fields of a row the page glues, as ``<row id>_<field>``
GLUED = ("finding", "value", "target", "verdict", "source", "versus")


class FindingsError(LookupError):
    """A results file or key the findings need is missing; the message names the chapter to run."""

    def __str__(self) -> str:
        return str(self.args[0])


def verdict(value: float | None, rule: str, bound: Any) -> str:
    """``met``, ``missed`` or ``undefined`` (no finite value) for ``value`` against ``rule`` and ``bound``.

    Rules: ``">="``, ``"<="``, ``"in"`` (``bound = (low, high)``, ends included) and ``"within"`` (``|value - 1|
    <= bound``, a ratio to Monte Carlo's).
    """
    if value is None or isinstance(value, bool) or not math.isfinite(float(value)):
        return UNDEFINED
    if rule == ">=":
        ok = value >= bound
    elif rule == "<=":
        ok = value <= bound
    elif rule == "in":
        ok = bound[0] <= value <= bound[1]
    elif rule == "within":
        ok = abs(value - 1) <= bound
    else:
        raise ValueError(f"unknown rule {rule!r}; use >=, <=, in or within")
    return MET if ok else MISSED


def all_of(verdicts: Sequence[str]) -> str:
    """One verdict for several: ``undefined`` if any (or none at all) is, else ``met`` only if every one is."""
    if not verdicts or UNDEFINED in verdicts:
        return UNDEFINED
    return MET if all(v == MET for v in verdicts) else MISSED


def versus(value: float | None, source: tuple[float, float] | None) -> str:
    """Where this run's value lies against the source work's figure (``(low, high)``): below, within or above
    its range ("equal" for a single figure); empty without a figure or a finite value."""
    if source is None or verdict(value, ">=", 0.0) == UNDEFINED:
        return ""
    low, high = source
    if value < low:
        return "below"
    if value > high:
        return "above"
    return "within" if low < high else "equal"


def text_of(value: float | None) -> str:
    """A value as the page prints it: three significant digits, ``undefined`` when there is none."""
    return UNDEFINED if verdict(value, ">=", 0.0) == UNDEFINED else f"{value:.3g}"


def _target_text(rule: str, bound: Any) -> str:
    if rule == "in":
        return f"{bound[0]}–{bound[1]}"
    if rule == "within":
        return f"1 ± {bound}"
    return f"{SYMBOLS[rule]} {bound}"


def _missing(chapter: str, what: str) -> FindingsError:
    return FindingsError(f"{chapter}.json has no {what}: written by an older version of chapter {chapter[:2]}? "
                         f"Rerun it (python -m support.book run --only {chapter[:2]}).")


def _get(results: Mapping[str, Mapping], chapter: str, *keys: str | int) -> Any:
    node = results[chapter]
    for n, key in enumerate(keys):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise _missing(chapter, ".".join(map(str, keys[:n + 1]))) from None
    return node


def _guarded(chapter: str, build, *args) -> Any:
    """``build(*args)``, a key missing deeper in ``chapter``'s results named as such (not a bare KeyError)."""
    try:
        return build(*args)
    except KeyError as err:
        raise _missing(chapter, f"{err.args[0]!r} (a key the findings read)") from None


def _row(row_id: str, work: str, chapter: str, section: str, value: float | None, value_text: str, target: str,
         word: str) -> dict:
    source, figure = SOURCE.get(row_id, ("—", None))
    return {"id": row_id, "work": work, "chapter": chapter, "section": section, "finding": FINDINGS[row_id],
            "value": None if verdict(value, ">=", 0.0) == UNDEFINED else float(value), "value_text": value_text,
            "target": target, "verdict": word, "source": source, "versus": versus(value, figure)}


def _heldout_row(results: Mapping, variant: str) -> dict:
    checks = _get(results, "02_train_cwgan", "targets").get(variant)
    target = f"all {len(HELDOUT_TARGETS)}: exact map ≥ 0.95, |ΔE|/E ≤ 0.02, Δ|M| ≤ 0.02, spreads 1 ± 0.25"
    if checks is None:
        return _row(f"{variant}_heldout", "cwgan", "02_train_cwgan", "cwgan-heldout", None, "not trained", target,
                    UNDEFINED)
    words = [verdict(checks[k]["value"], *rule) for k, rule in HELDOUT_TARGETS.items()]
    met = words.count(MET)
    return _row(f"{variant}_heldout", "cwgan", "02_train_cwgan", "cwgan-heldout", met, f"{met} of {len(words)}",
                target, all_of(words))


def _sets_row(results: Mapping, variant: str) -> dict:
    sets = _get(results, "04_evaluate", "cwgan", "sets")
    scored = {name: s[variant] for name, s in sets.items() if variant in s}
    good = [name for name, s in scored.items() if s["z_within"] == 1.0 and s["exact_map"] == 1.0]
    word = UNDEFINED if not scored else (MET if len(good) == len(scored) else MISSED)
    text = f"{len(good)} of {len(scored)} sets" + (f" ({', '.join(good)})" if good else "") if scored else "not scored"
    return _row(f"{variant}_sets", "cwgan", "04_evaluate", "cwgan-sets", len(good), text,
                f"every set: all |z| ≤ {Z_WITHIN:g}, every map kept", word)


def _floor_row(results: Mapping) -> dict:
    floor = _get(results, "04_evaluate", "cwgan", "set_floor_check")
    p = floor["floor_p"]
    return _row("noise_floor", "cwgan", "04_evaluate", "cwgan-sets", p,
                f"{floor['floor_beyond']} of {floor['floor_n_z']} (p = {text_of(p)})",
                f"no more than normal errors give (p ≥ {SURPRISE:g})", verdict(p, ">=", SURPRISE))


def _indepth_row(results: Mapping) -> dict:
    r2 = _get(results, "04_evaluate", "cwgan", "r2")
    acc = _get(results, "04_evaluate", "cwgan", "acc_topo")
    words = [verdict(r2.get(o), ">=", R2_TARGET) for o in R2_OBSERVABLES]
    words += [verdict(a, ">=", ACC_TARGET) for a in acc.values()]
    met = words.count(MET)
    variant = _get(results, "04_evaluate", "cwgan", "variant")
    return _row("indepth_targets", "cwgan", "04_evaluate", "cwgan-indepth-targets", met,
                f"{met} of {len(words)} ({variant})",
                f"R² ≥ {R2_TARGET} ({len(R2_OBSERVABLES)} observables), "
                f"Acc_topo ≥ {ACC_TARGET} ({len(acc)} measures)",
                all_of(words))


def _exact_rows(results: Mapping) -> list[dict]:
    ex = _get(results, "04_evaluate", "exact_sampling")
    z_max, r2_min = ex["z_max"], ex["corr_r2_min"]
    check = _row("exact_check", "cwgan", "04_evaluate", "cwgan-exact", z_max,
                 f"{ex['z_within']} of {ex['z_n']} |z| ≤ {EXACT_Z:g} (largest {text_of(z_max)}); "
                 f"C(r) R² ≥ {text_of(r2_min)}", f"every |z| ≤ {EXACT_Z:g}, C(r) R² ≥ {EXACT_R2}",
                 all_of([verdict(z_max, "<=", EXACT_Z), verdict(r2_min, ">=", EXACT_R2)]))
    ratios = [1.0 / r["speedup_vs_best_mc"] for r in ex["cost"] if r["L"] >= RATIO_MIN_L]
    worst = max(ratios) if ratios else None
    text = (f"up to {text_of(worst)} times its cost ({len(ratios)} maps × T)" if ratios else
            f"not measured at L ≥ {RATIO_MIN_L} in this profile")
    speed = _row("exact_speedup", "cwgan", "04_evaluate", "cwgan-exact", worst, text,
                 f"≤ {RATIO_LIMIT:g} times on every map and T", verdict(worst, "<=", RATIO_LIMIT))
    return [check, speed]


def _vae_rows(results: Mapping) -> list[dict]:
    targets = {r["key"]: r for r in _get(results, "05_latent_analysis", "targets")}
    sections = {"mse_defects": "vae-defects", "novel_fraction": "vae-generation", "skx_fraction": "vae-generation",
                "defects_ratio": "vae-generation"}
    rows = []
    for key, (rule, bound) in VAE_TARGETS.items():
        if key not in targets:
            raise _missing("05_latent_analysis", f"target {key!r}")
        value = targets[key]["value"]
        rows.append(_row(key, "vae", "05_latent_analysis", sections.get(key, "vae-scores"), value, text_of(value),
                         _target_text(rule, bound), verdict(value, rule, bound)))
    return rows


def collect(results: Mapping[str, Mapping], profile: str = "cpu") -> list[dict]:
    """The findings rows of one run, cWGAN first, then the VAE.

    Args:
        results: ``{chapter: results tree}`` as the chapters wrote them (``02_train_cwgan``, ``04_evaluate`` and
            ``05_latent_analysis`` are read; others are ignored).
        profile: the run's profile, named in the message when a chapter is missing.

    Returns:
        one dict per finding: ``id``, ``work`` (``cwgan`` or ``vae``), ``chapter``, ``section`` (the label of
        the section that measures it), ``finding``, ``value`` (a number or ``None``), ``value_text``, ``target``,
        ``verdict`` (``met``, ``missed`` or ``undefined``), ``source`` (the source work's figure, ``—`` if the
        chapters cite none) and ``versus`` (this run's value against that figure).

    Raises:
        FindingsError: a chapter's results or a key of them are missing, naming the chapter to run.
    """
    missing = [c for c in NEEDS if c not in results]
    if missing:
        listing = ", ".join(f"chapter {c[:2]} ({c}.json)" for c in missing)
        only = ",".join(c[:2] for c in missing)
        raise FindingsError(f"the findings read the results of {listing}, which this run has not written: run "
                            f"`python -m support.book run --profile {profile} --only {only}` first.")
    rows = [_guarded("02_train_cwgan", _heldout_row, results, v) for v in ("paper", "prior")]
    rows.append(_guarded("04_evaluate", _floor_row, results))
    rows += [_guarded("04_evaluate", _sets_row, results, v) for v in ("learned", "paper", "prior", "exact")]
    rows += [_guarded("04_evaluate", _indepth_row, results), *_guarded("04_evaluate", _exact_rows, results)]
    return rows + _guarded("05_latent_analysis", _vae_rows, results)


def read_results(data_dir: str | os.PathLike, profile: str) -> dict[str, dict]:
    """``{chapter: results}`` of the chapters :data:`NEEDS` that have written theirs (each checked against its
    record); a missing one is left out, for :func:`collect` to name."""
    from support.book.runtime import results_path
    from support.store.data import load_results

    paths = {c: results_path(data_dir, profile, c) for c in NEEDS}
    return {c: load_results(p) for c, p in paths.items() if p.exists()}


def tally(rows: Sequence[Mapping]) -> dict[str, dict[str, int]]:
    """``{work: {"met": n, "missed": n, "undefined": n, "rows": n}}``."""
    out = {}
    for work in WORKS:
        words = [r["verdict"] for r in rows if r["work"] == work]
        out[work] = {w: words.count(w) for w in (MET, MISSED, UNDEFINED)} | {"rows": len(words)}
    return out


def answer(rows: Sequence[Mapping], work: str) -> str:
    """One sentence per work: how many findings meet their target, how many miss it, which are undefined."""
    mine = [r for r in rows if r["work"] == work]
    count = tally(rows)[work]
    undefined = [r["finding"] for r in mine if r["verdict"] == UNDEFINED]
    text = (f"Of the {count['rows']} findings on {WORKS[work]}, this run meets {count[MET]} and misses "
            f"{count[MISSED]}")
    return text + (f"; {len(undefined)} {'is' if len(undefined) == 1 else 'are'} undefined here "
                   f"({'; '.join(undefined)})." if undefined else ".")


def glue_values(rows: Sequence[Mapping]) -> dict[str, str]:
    """The page's glued texts: ``<row id>_<field>`` for the fields :data:`GLUED` of every row, and
    ``answer_<work>`` for every work."""
    out = {f"{r['id']}_{field}": str(r["value_text"] if field == "value" else r[field]) or "—"
           for r in rows for field in GLUED}
    return out | {f"answer_{work}": answer(rows, work) for work in WORKS}


def verdict_lines(rows: Sequence[Mapping]) -> str:
    """``work  row id  verdict`` per row, for the page's printed check."""
    width = max(len(r["id"]) for r in rows)
    return "\n".join(f"{r['work']:5s}  {r['id']:{width}s}  {r['verdict']}" for r in rows)
