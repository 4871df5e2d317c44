"""Chapter 02's DataFrames (support.cwgan.tables) and learning-curve words (support.cwgan.training.curve)."""

import pytest

from support.cwgan import tables
from support.cwgan.training.curve import curve_glue, curve_scorer, plot_learning_curve


def _summary(match, e_err, T=0.1):
    at = dict(charge_match_rate=match, energy_rel_error=e_err, magnetization_abs_error=0.01, energy_std_ratio=1.1,
              magnetization_std_ratio=0.5)
    return dict(target_T=T, by_T={"0.1": at, "0.9": dict(at, charge_match_rate=0.0)},
                charge_match_rate={"0.1": match, "0.9": 0.0})


def test_targets_frame_marks_met_and_missed_targets():
    frame = tables.targets_frame({"paper": _summary(0.5, 0.01), "prior": _summary(0.97123, 0.03)})
    assert list(frame.columns) == ["paper", "prior", "target"] and len(frame) == 5
    assert frame.loc["exact-map rate", "paper"] == "0.500 ✗" and frame.loc["exact-map rate", "prior"] == "0.971 ✓"
    assert frame.loc["|ΔE/N| / |E/N|", "prior"].endswith("✗") and frame.loc["exact-map rate", "target"] == ">= 0.95"
    assert "<table" in frame.to_html()


def test_match_rate_and_headline_frames_are_rounded():
    frame = tables.match_rate_frame({"paper": _summary(0.51234, 0.01)})
    assert frame.loc["0.1", "paper"] == 0.512 and frame.loc["0.9", "paper"] == 0.0
    head = tables.headline_frame({"physics only": {"match": 0.98765, "dE/N %": -1.23456}})
    assert head.loc["physics only", "dE/N %"] == -1.235
    means = tables.seed_mean_frame({"unseen": {"match": (0.98765, 0.01)}})
    assert means.loc["unseen", "match"] == "0.988 ± 0.010"


def _rows(*rates):
    return [{"step": s, "exact_map": r, "dE_per_site": 0.5 / s} for s, r in zip((1, 3, 10, 30), rates)]


@pytest.mark.parametrize(("rates", "trend"), [((0.0, 0.1, 0.2, 0.4), "still rising"), ((0.0, 0.3, 0.3, 0.3), "flat"),
                                             ((0.0, 0.5, 0.6, 0.2), "falling"), ((0.7,), "a single point")])
def test_curve_trend_is_read_from_the_last_two_points(rates, trend):
    words = curve_glue(list(reversed(_rows(*rates))))      # any order: sorted by step
    assert words["curve_trend"] == trend
    assert words["curve_exact_first"] == f"{rates[0]:.2f}" and words["curve_first_step"] == "1"


def test_curve_scorer_and_frame_and_figure():
    score = curve_scorer(lambda g: {"charge_match_rate": 0.25, "energy_gen": -1.5, "energy_mc": -1.75})
    point = score(None)
    assert point["exact_map"] == 0.25 and point["dE_per_site"] == 0.25 and point["seconds"] >= 0
    rows = _rows(0.0, 0.1, 0.2, 0.4)
    frame = tables.curve_frame(rows)
    assert list(frame.index) == [1, 3, 10, 30] and frame.loc[3, "ΔE/N (gen − MC)"] == 0.167
    assert plot_learning_curve(rows).axes[0].get_xscale() == "log"
    assert set(curve_glue([]).values()) == {"not measured"}
