"""The chapter's computed sentences: the floor check flags miscalibrated error bars, the variant sentence
counts sets where every z is within 3 and the map is kept, split by training distribution."""

from support.cwgan.evaluation import verdicts
from support.cwgan.evaluation.generalisation import NOISE_FLOOR


def _row(z, inside=True, exact=1.0):
    a = [abs(v) for v in z.values()]
    return {"z_by_T": {"0.1": z}, "z_within": sum(v <= 3 for v in a) / len(a), "n_z": len(a), "z_max": max(a),
            "exact_map": exact, "in_training_distribution": inside}


def test_floor_check_passes_normal_looking_z_and_flags_too_many_beyond_three():
    calm = {f"s{i}": {NOISE_FLOOR: _row({"e": 0.3, "m": -1.2, "c": 2.0})} for i in range(20)}
    ok = verdicts.floor_check(calm)
    assert ok["floor_beyond"] == 0 and ok["floor_p"] == 1.0 and "hold" in ok["floor_words"]
    wild = {f"s{i}": {NOISE_FLOOR: _row({"e": 4.0 if i % 4 == 0 else 0.1, "m": 0.2, "c": 1.0})} for i in range(20)}
    bad = verdicts.floor_check(wild)                  # 5 of 60 beyond 3, where 0.16 are expected
    assert bad["floor_beyond"] == 5 and bad["floor_p"] < verdicts.SURPRISE and "too small" in bad["floor_words"]


def test_variant_sentence_counts_inside_and_outside_and_names_the_worst():
    scores = {"a": {"g": _row({"e": 0.5, "m": 1.0})},
              "b": {"g": _row({"e": 0.5, "m": 9.5}, inside=False)},
              "c": {"g": _row({"e": 0.5, "m": 1.0}, inside=False)},
              "d": {"g": _row({"e": 0.5, "m": 1.0}, inside=False, exact=0.9)},
              "e": {"other": _row({"e": 0.1})}}
    s = verdicts.variant_sentence(scores, "g", "G")
    assert "1 of 1 sets inside its training distribution (a)" in s
    assert "1 of 3 sets outside its training distribution (c)" in s
    assert "largest |z| on the sets outside is 9.5 (b, m at T = 0.1)" in s
    assert verdicts.worst(scores["b"]["g"]) == (9.5, "0.1", "m")


def test_variant_sentence_of_a_variant_scored_inside_only_names_the_inside_worst():
    s = verdicts.variant_sentence({"a": {"g": _row({"e": 5.0})}}, "g", "G")
    assert "0 of 1 sets inside" in s and "outside" not in s and "on the sets inside is 5.0" in s


def test_target_table_and_sentence_separate_own_misses_from_undecided_ones():
    names = {"generator": "gen", "MC halves": "floor"}
    r2 = {"generator": {"0.1": {"abs_m": 0.95, "energy": 0.5, "helicity": 0.2, "chi": -1.0, "nu": 1.0}},
          "MC halves": {"0.1": {"abs_m": 0.99, "energy": 0.99, "helicity": 0.5, "chi": -3.0, "nu": 1.0}}}
    acc = {"generator": {"area": 0.9}, "MC halves": {"area": 0.95}}
    table = verdicts.target_table(r2, acc, names, "0.1")
    assert list(table["met"]) == [True, False, False, False, True, True]
    s = verdicts.target_sentence(table, "gen")
    assert s.startswith("Gen meets 3 of 6 targets; of its 3 misses, 2 are missed by the two Monte Carlo halves")
    assert s.endswith("and 1 is the generator's own.")
