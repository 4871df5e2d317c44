"""The parameter schema: complete for every chapter, the profiles pass it, the specs catch what they claim."""

import pytest

from support.book import params
from support.book import runner as book
from support.book.spec import choice, flag, integer, list_of, number, optional, record, text


@pytest.mark.parametrize("chapter", book.chapters())
def test_every_notebook_parameter_has_a_schema_entry(chapter):
    # read from the notebooks' parameters cells: a new parameter without a rule cannot slip through
    missing = [n for n in book.parameter_defaults(chapter) if params.spec_of(chapter, n) is None]
    assert missing == [], f"{chapter}: add these to support/book/params.py SCHEMA: {missing}"


def test_schema_has_no_stale_entries():
    assert set(params.SCHEMA) == set(book.chapters())
    for chapter, specs in params.SCHEMA.items():
        stale = set(specs) - set(book.parameter_defaults(chapter))
        assert not stale, f"{chapter}: schema entries for parameters the notebook no longer has: {stale}"


@pytest.mark.parametrize("chapter", book.chapters())
def test_notebook_defaults_pass_their_specs(chapter):
    for name, value in book.parameter_defaults(chapter).items():
        assert params.spec_of(chapter, name).problems(value) == [], (chapter, name, value)


@pytest.mark.parametrize("profile", ["smoke", "cpu"])
def test_profiles_pass_every_check(profile):
    plan = book.check(profile, None, {})
    assert [c for c, _ in plan] == book.chapters()


def test_paper_profile_passes_once_accepted():
    assert len(book.check("paper", None, {}, yes=True)) == len(book.chapters())


def test_integer_rejects_bools_floats_and_text():
    spec = integer(1, 4)
    assert spec.problems(2) == []
    for bad in (True, 2.0, "2", 0, 5, None):
        assert spec.problems(bad), bad


def test_number_accepts_ints_and_hints_at_yaml_exponents():
    spec = number(0, lo_open=True)
    assert spec.problems(1) == [] and spec.problems(0.5) == []
    assert spec.problems(0) and spec.problems(float("nan")) and spec.problems(False)
    assert "write 1.0e-4" in spec.problems("1e-4")[0]


def test_lists_choices_records():
    temps = list_of(number(0, lo_open=True), distinct=True)
    assert temps.problems([0.1, 0.5]) == []
    assert "non-empty" in temps.problems([])[0]
    assert temps.problems([0.1, -1])[0].startswith("entry 1:")
    assert "repeat" in temps.problems([0.1, 0.1])[0]
    assert list_of(integer(0), increasing=True).problems([0, 2, 1])
    assert list_of(integer(0), length=2).problems([1, 2, 3])
    assert choice("neel", "bloch").problems("neel") == [] and choice("neel", "bloch").problems("Neel")
    assert flag().problems(1) and flag().problems(True) == []
    assert optional(integer(1)).problems(None) == [] and optional(integer(1)).problems(0)
    assert text(r"auto|cpu").problems("gpu") and text().problems("")
    rec = record({"a": integer(0), "b": flag()}, required=("a",))
    assert rec.problems({"a": 1}) == []
    problems = rec.problems({"b": 2, "c": 0})
    assert any("unknown key 'c'" in p for p in problems) and any("needs the key 'a'" in p for p in problems)
    assert any("['b']" in p for p in problems)


def test_rules_across_chapters_skip_values_that_are_already_wrong():
    values, _ = book._effective_values("smoke", book.load_profile("smoke"), book.chapters(),
                                       {"xy_temperatures": [], "target_T": 0.3})
    found = params.validate(values, lambda c, n: "-p")
    assert [v.name for v in found] == ["xy_temperatures"]   # target_T is not compared with an invalid list


def test_device_problem_without_cuda():
    torch = pytest.importorskip("torch")
    assert params.device_problem("auto") is None and params.device_problem("cpu") is None
    if not torch.cuda.is_available():
        assert "no such CUDA device" in params.device_problem("cuda")
    assert "no such CUDA device" in params.device_problem("cuda:99")


def test_profile_values_are_named_by_their_file():
    prof = book.load_profile("smoke")
    prof["01_simulate"]["xy_L"] = 15
    values, origin = book._effective_values("smoke", prof, book.chapters(), {})
    found = [str(v) for v in params.validate(values, origin)]
    assert len(found) == 1 and found[0].startswith("smoke.yaml 01_simulate: xy_L = 15: must be a multiple of 16")
