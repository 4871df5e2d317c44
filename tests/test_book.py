"""The runner: profiles, parameter validation, chapter selection (nothing is executed here)."""

import pytest

from support.book import runner as book


def test_chapters_in_order():
    # the findings page reads the results of the five chapters, so it runs after them (the TOC shows it first)
    assert book.chapters() == ["01_simulate", "02_train_cwgan", "03_train_vae", "04_evaluate",
                               "05_latent_analysis", "06_findings"]


def test_toc_names_the_intro_the_findings_page_and_every_chapter():
    import yaml

    toc = yaml.safe_load((book.ROOT / "_toc.yml").read_text())
    files = [entry["file"] for entry in toc["chapters"]]
    assert toc["root"] == "book/intro" and files[0] == "book/06_findings"       # findings right after the intro
    assert {f"book/{c}" for c in book.chapters()} <= set(files)
    for name in ["book/intro", *files]:   # executed chapters are made by the runner; pages are tracked sources
        stem = name.removeprefix("book/")
        assert stem in book.chapters() or (book.ROOT / f"{name}.md").exists(), name


def test_every_chapter_has_the_common_parameters():
    for chapter in book.chapters():
        params = book.parameter_defaults(chapter)
        assert {"profile", "data_dir", "seed", "device"} <= set(params), chapter
        assert params["device"] == "auto"


@pytest.mark.parametrize("profile", ["smoke", "cpu", "paper"])
def test_every_profile_key_is_a_parameter_of_its_chapter(profile):
    prof = book.load_profile(profile)
    assert set(prof) == {"common", *book.chapters()}
    for chapter in book.chapters():
        valid = book.parameter_defaults(chapter)
        for key in {**prof["common"], **prof[chapter]}:
            assert key in valid, f"{profile}.yaml: {key!r} is not a parameter of {chapter}"


def test_profiles_define_the_same_knobs():
    # A knob tuned in one profile but not the others would silently fall back to the notebook default.
    profs = {p: book.load_profile(p) for p in ["smoke", "cpu", "paper"]}
    for chapter in book.chapters():
        keys = {p: set(prof[chapter]) for p, prof in profs.items()}
        assert keys["smoke"] == keys["cpu"] == keys["paper"], (chapter, keys)


def test_unknown_profile_lists_profiles(capsys):
    assert book.main(["run", "--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown profile 'nope'" in err and "smoke" in err and "cpu" in err and "paper" in err


def test_unknown_override_fails_before_running(capsys, monkeypatch):
    ran = []
    monkeypatch.setattr(book, "execute_chapter", lambda *a, **k: ran.append(a) or 0.0)
    assert book.main(["run", "--profile", "smoke", "--only", "01", "-p", "no_such_param", "1"]) == 2
    err = capsys.readouterr().err
    assert "no_such_param" in err and "01_simulate" in err and "seed" in err
    assert ran == []


def test_override_reaches_only_chapters_that_define_it(monkeypatch):
    seen = {}
    monkeypatch.setattr(book, "execute_chapter", lambda ch, params, **k: seen.setdefault(ch, params) and 0.0)
    assert book.main(["run", "--profile", "smoke", "--only", "01,03", "-p", "seed", "3"]) == 0
    assert set(seen) == {"01_simulate", "03_train_vae"}
    assert all(p["seed"] == 3 and p["profile"] == "smoke" for p in seen.values())


def test_unknown_chapter_is_an_error():
    with pytest.raises(book.BookError, match="no such chapter"):
        book.resolve("smoke", ["07"], {})


def test_parameter_values_are_yaml():
    from support.book.strict_yaml import parse_overrides

    got = parse_overrides([("a", "3"), ("b", "0.1"), ("c", "[1, 2]"), ("d", "cuda")])
    assert got == {"a": 3, "b": 0.1, "c": [1, 2], "d": "cuda"}


@pytest.mark.parametrize("chapter", book.chapters())
def test_papermill_sees_every_parameter(chapter, tmp_path):
    # papermill parses the parameters cell itself (e.g. an '=' in a comment breaks its parser);
    # a name it cannot see is reported as "unknown parameter" and its type/help are lost.
    import jupytext
    import papermill

    path = tmp_path / f"{chapter}.ipynb"
    jupytext.write(jupytext.read(book.NOTEBOOKS / f"{chapter}.py"), path)
    assert set(papermill.inspect_notebook(str(path))) == set(book.parameter_defaults(chapter))
