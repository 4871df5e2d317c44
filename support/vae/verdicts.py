"""The verdict sentences of chapters 03–05, built from the run's numbers (glued into the prose, never typed).

Each function takes measured numbers and returns one sentence (or a clause) whose wording is chosen by comparing
them with a stated target or with a control; typed decimals appear only as targets and the thesis's numbers.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from support.vae.training.learning_curve import PLATEAU_MSE


def _finite(x) -> bool:
    """A finite number (a NaN read back from a results file is ``None``)."""
    return x is not None and bool(np.isfinite(x))


def _pm(entry: Mapping, digits: int = 2) -> str:
    return f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}"


def against_control(trained: Mapping, untrained: Mapping) -> str:
    """How a trained score (mean ± std over splits) stands against the untrained encoder's, as a clause."""
    t, u = trained["mean"], untrained["mean"]
    if not (np.isfinite(t) and np.isfinite(u)):
        return "cannot be compared with the untrained encoder's (undefined)"
    gap = trained["std"] + untrained["std"]
    if t - u > gap:
        return f"above the untrained encoder's {_pm(untrained)} by more than both spreads"
    if u - t > gap:
        return f"below the untrained encoder's {_pm(untrained)}"
    return f"no further from the untrained encoder's {_pm(untrained)} than the spreads over splits"


def latent_headline(rows: Mapping[str, Mapping], probe_q: Mapping, probe_q_untrained: Mapping) -> str:
    """Does the latent hold the charge of unseen phase points beyond the phase point and an untrained encoder?"""
    beats_phase = rows["probe_skill_Q"]["met"]
    beats_random = probe_q["mean"] - probe_q_untrained["mean"] > probe_q["std"] + probe_q_untrained["std"]
    if rows["probe_Q"]["met"] and beats_phase and beats_random:
        return ("The latent space holds the charge of unseen phase points, beyond what the phase point and an "
                "untrained encoder give.")
    missing = [what for what, ok in (("reach the R² target", rows["probe_Q"]["met"]),
                                     ("beat the phase point alone by the target skill", beats_phase),
                                     ("clearly beat the untrained encoder", beats_random)) if not ok]
    return "The latent's reading of the charge of unseen phase points does not " + " or ".join(missing) + "."


def defects_sentence(summary: Mapping, row: Mapping, n_splits: int, min_size: int) -> str:
    """The thesis's group-mean error–defects Pearson beside the per-lattice one (``summary``: results ``mse_defects``)."""
    g, p = summary["group_mean_pearson"], summary["per_lattice_pearson"]
    per_lattice = f"per lattice, r = {_pm(p)}"
    if g["splits_defined"] == 0:
        return (f"No split has three defect counts held by at least {min_size} test lattices, so the thesis's "
                f"group-mean statistic is undefined here (target {row['target']}: {row['verdict']}); {per_lattice}.")
    return (f"Grouped as the thesis does (the mean error of the lattices of each defect count, counts held by at "
            f"least {min_size} lattices), defects and error correlate at r = {_pm(g)} over the {g['splits_defined']} "
            f"of {n_splits} splits where three counts qualify (target {row['target']}: {row['verdict']}; thesis 0.84–0.92); "
            f"{per_lattice}.")


def partial_sentence(per_split_test: Sequence[float], fit: Mapping, test: Mapping) -> str:
    """Error and defects with the phase point removed: is the correlation positive in every split's test lattices?"""
    v = np.asarray(per_split_test, dtype=np.float64)
    head = (f"With the phase point removed, error and defects correlate at {_pm(fit)} on the fitted lattices and "
            f"{_pm(test)} on the test lattices")
    if len(v) and np.all(v > 0):
        return head + ": positive in every split, so in this run the defects do cost reconstruction error."
    return head + (": not positive in every split, so this run does not show that the defects cost reconstruction "
                   "error beyond what the phase point sets.")


def novelty_sentence(gsum: Mapping[str, Mapping], row: Mapping) -> str:
    """The two-sided novelty check of the improved sampler's lattices (means over splits)."""
    f, c, t, ft = (gsum[k]["mean"] for k in ("novel_fraction", "copy_fraction", "too_far_fraction",
                                             "novel_fraction_test"))
    return (f"{f:.2f} of the mixture's lattices lie inside both novelty bounds (target ≥ 0.8: {row['verdict']}): "
            f"{c:.2f} are closer to a training lattice than an independent anneal comes (copies) and {t:.2f} are "
            f"farther from every training lattice than real lattices of unseen phase points lie; {ft:.2f} of the "
            f"unseen test lattices lie inside, the check that the bounds hold.")


def spread_sentence(std_q_thesis: float, std_q_test: float) -> str:
    """Does the thesis's sampler cover the spread of the charge, or decode to nearly one lattice?"""
    if std_q_thesis < 0.5 * std_q_test:
        verdict = "less than half the spread of the test set: it decodes to nearly one lattice"
    else:
        verdict = "at least half the spread of the test set"
    return (f"The thesis's sampler's lattices spread in Q by {std_q_thesis:.2f} (standard deviation) against "
            f"{std_q_test:.2f} for the test lattices, {verdict}.")


# ----------------------------------------------------------------------------- chapter 03


def kl_choice_sentence(rows: Sequence[Mapping], tolerance: float) -> str:
    """How the KL weight was chosen (rows of :func:`support.vae.training.runs.kl_sweep_rows`)."""
    best = next(r for r in rows if r["chosen"])
    if all(r["failed"] for r in rows):
        return (f"All {len(rows)} weights failed (none left the plateau of the best uniform state), so the lowest "
                f"validation MSE chooses C_KL = {best['weight']:g}; no weight can be said to serve the latent.")
    sharp = [f"{r['weight']:g}" for r in rows if r["sharp"]]
    failed = [f"{r['weight']:g}" for r in rows if r["failed"]]
    head = (f"Of the {len(rows)} weights, {len(sharp)} ({', '.join(sharp)}) reconstruct the validation lattices within "
            f"{tolerance:g} times the lowest validation MSE" + (f"; {', '.join(failed)} failed" if failed else ""))
    if np.isfinite(best["val_r2_Q"]):
        return head + (f"; among them C_KL = {best['weight']:g} reads Q best from its latent on the validation "
                       f"lattices (R² {best['val_r2_Q']:.2f}) and is chosen.")
    return head + (f"; no latent score is defined on the validation lattices (their Q does not vary), so the lowest "
                   f"validation MSE chooses C_KL = {best['weight']:g}.")


def plateau_sentence(histories: Mapping[str, Mapping | None], baseline: float) -> str:
    """How many runs started on the all-spins-up plateau and how many left it (validation MSE against half the
    best uniform state's)."""
    runs = [h for h in histories.values() if h is not None]
    started = sum(h["val_mse"][0] > 0.5 * baseline for h in runs)
    left = sum(min(h["val_mse"]) <= 0.5 * baseline for h in runs)
    tail = "every run left it" if left == len(runs) else f"{len(runs) - left} never left it"
    return (f"{started} of {len(runs)} runs ended their first epoch on the plateau of the best uniform state "
            f"(validation MSE above half of its MSE) and {tail}.")


def learning_plateau_sentence(plateaus: Mapping[str, Mapping]) -> str:
    """How many budgets reached the plateau of :func:`support.vae.training.learning_curve.plateau` (half the steps
    against all of them), with the largest gain in best validation MSE and the largest change of ``|r(PC0, Q)|``."""
    judged = {k: p for k, p in plateaus.items() if p["reached"] is not None}
    if not judged:
        return "No run and its half-budget twin both finished, so no budget could be judged."
    reached = sum(p["reached"] for p in judged.values())
    gain = max(p["mse_gain"] for p in judged.values())
    change = max((abs(p["r_change"]) for p in judged.values() if _finite(p["r_change"])), default=float("nan"))
    return (f"{reached} of {len(judged)} budgets reached the plateau, their best validation MSE falling by less than "
            f"{PLATEAU_MSE:.0%} from half the steps to all of them (the largest fall {gain:.1%}; the validation "
            f"|r(PC0, Q)| moved by up to {change:.2f}).")


GAP_DATA_LIMITED = 2.0  # validation MSE / training MSE above which a flat curve is read as limited by its data


def generalisation_gap_sentence(gaps: Mapping[str, float], plateaus: Mapping[str, Mapping]) -> str:
    """The ratio of the last epoch's validation MSE to its training MSE (:func:`~support.vae.training.learning_curve.
    generalisation_gap`, median and range over runs), and what limits the runs: with most runs on their plateau and
    the median ratio above :data:`GAP_DATA_LIMITED`, their data."""
    ratios = [g for g in gaps.values() if _finite(g)]
    if not ratios:
        return "No run finished, so there is no generalisation gap to report."
    text = (f"In the last epoch the validation MSE is {np.median(ratios):.1f} times the training MSE (median over "
            f"{len(ratios)} runs, range {min(ratios):.1f} to {max(ratios):.1f}; the training MSE with a sampled "
            f"latent, the validation MSE with its mean)")
    flat = sum(bool(p["reached"]) for p in plateaus.values())
    if flat > len(plateaus) / 2 and np.median(ratios) > GAP_DATA_LIMITED:
        return text + ": the curves are flat while fitted lattices are reconstructed far better than unseen ones, so " \
                      "the data (a few hundred lattices), not the number of steps, limit the validation error."
    if flat <= len(plateaus) / 2:
        return text + "; most runs were still improving, so more steps may still lower the validation error."
    return text + "."


FRAME_NAMES = {"canonical_frame": "canonical-frame model", "fixed_frame": "thesis's fixed-frame model",
               "fixed_frame_augmented": "thesis's fixed-frame model with symmetry augmentation"}


def main_frame_sentence(main_frame: str, choice: str) -> str:
    """Which frame the main model has, and why: chosen by validation MSE (``choice == "auto"``) or set by the profile."""
    if choice == "auto":
        return f"By validation MSE on split 0 the main model is the {FRAME_NAMES[main_frame]}."
    return f"The profile sets the main model: the {FRAME_NAMES[main_frame]} (no choice was made on data)."


def frame_sentence(mse: Mapping[str, float]) -> str:
    """Which model of the frame comparison has the lowest test MSE on split 0."""
    finite = {k: v for k, v in mse.items() if k in FRAME_NAMES and np.isfinite(v)}
    if len(finite) < 2:
        return "The frame comparison was not run or did not finish."
    best = min(finite, key=finite.get)
    return f"The {FRAME_NAMES[best]} has the lowest test MSE of the {len(finite)}."


def target_word(value: float, bound: float, below: bool = True) -> str:
    """``meets`` or ``misses`` a target ``value <= bound`` (``below``) or ``value >= bound``."""
    if not np.isfinite(value):
        return "cannot be judged against"
    return "meets" if (value <= bound if below else value >= bound) else "misses"


def energy_sentence(diff) -> str:
    """Do the reconstructions cost energy? ``diff``: ``E_rec - E_in`` per test lattice."""
    d = np.asarray(diff, dtype=np.float64)
    share = float(np.mean(d > 0)) if len(d) else float("nan")
    verdict = ("cost energy: every one lies above its input" if share == 1 else
               "mostly cost energy" if share > 0.5 else "do not mostly cost energy")
    return f"Reconstructions {verdict} ({share:.2f} of them higher in energy than their input)."


def chapter05(rows: Mapping[str, Mapping], summary: Mapping, control: Mapping, results: Mapping,
              diag: Sequence[Mapping], diag_summary: Mapping, gsum: Mapping, std_q_test: float,
              min_size: int) -> dict[str, str]:
    """Every verdict sentence of chapter 05's answer, keyed by glue name.

    Args:
        rows: the targets by key (:func:`support.vae.report.targets`); ``summary``: the score summary
            (:func:`support.vae.report.summarize_scores`); ``control``: :func:`support.vae.report.control_summary`;
        results: the results entries (:func:`support.vae.report.results_entry`); ``diag``, ``diag_summary``:
            :mod:`support.vae.evaluation.diagnostics` per split and summarised; ``gsum``: the improved sampler's generation
            summary; ``std_q_test``: the spread of Q of split 0's test lattices; ``min_size``: the group rule.
    """
    probe_q, pc0_q = summary["probe_r2_test"]["Q"], summary["pearson_pc0_test"]["Q"]
    errors = diag_summary["errors"]
    return {
        "latent_headline": latent_headline(rows, probe_q, control["probe_r2_test_untrained"]),
        "probe_Q_control": against_control(probe_q, control["probe_r2_test_untrained"]),
        "pc0_Q_control": against_control(pc0_q, control["pearson_pc0_test_untrained"]),
        "direction_Q_control": against_control(summary["q_direction_test"], control["q_direction_test_untrained"]),
        "defects_sentence": defects_sentence(results["mse_defects"], rows["mse_defects"], len(diag), min_size),
        "partial_sentence": partial_sentence([d["errors"]["test"]["r_given_phase"] for d in diag],
                                             errors["fit"]["r_given_phase"], errors["test"]["r_given_phase"]),
        "novelty_sentence": novelty_sentence(gsum, rows["novel_fraction"]),
        "spread_sentence": spread_sentence(results["generated_all"]["thesis"]["std_Q"], std_q_test)}


def chapter03(kl_rows: Sequence[Mapping], split_mse: Sequence[float], test_mse: Mapping[str, float],
              histories: Mapping[str, Mapping | None], baseline: float, tolerance: float,
              plateaus: Mapping[str, Mapping], size_plateaus: Mapping[str, Mapping],
              gaps: Mapping[str, float]) -> dict[str, str]:
    """Every verdict of chapter 03's answer, keyed by glue name: the KL choice, the test MSE against its target
    (≤ 0.012), the frame comparison, the uniform-state plateau and the learning-curve plateaus."""
    return {"learning_plateau": learning_plateau_sentence(plateaus),
            "generalisation_gap": generalisation_gap_sentence(gaps, plateaus),
            "size_learning_plateau": learning_plateau_sentence(size_plateaus),
            "kl_choice": kl_choice_sentence(kl_rows, tolerance),
            "test_mse_verdict": target_word(float(np.mean(split_mse)), 0.012),
            "frame_verdict": frame_sentence(test_mse),
            "plateau": plateau_sentence(histories, baseline)}
