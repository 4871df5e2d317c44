"""support.book.offline: a built book that fetches scripts from the network (a MathJax CDN) is caught."""

from support.book.offline import offline_problems

MATH = '<span class="math notranslate nohighlight">\\(E\\)</span>'


def _page(tmp_path, scripts, body=MATH):
    tags = "".join(f'<script defer="defer" src="{s}"></script>' for s in scripts)
    (tmp_path / "chapter.html").write_text(f"<html><head>{tags}</head><body>{body}</body></html>")


def test_local_mathjax_passes(tmp_path):
    (tmp_path / "_static" / "mathjax").mkdir(parents=True)
    (tmp_path / "_static" / "mathjax" / "tex-chtml.js").write_text("// mathjax")
    _page(tmp_path, ["_static/mathjax/tex-chtml.js"])
    assert offline_problems(tmp_path) == []


def test_cdn_mathjax_fails(tmp_path):
    _page(tmp_path, ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"])
    problems = offline_problems(tmp_path)
    assert any("from the network" in p for p in problems)
    assert not any("loads no MathJax" in p for p in problems)   # it does load one, from a CDN


def test_missing_local_script_and_math_without_mathjax_fail(tmp_path):
    _page(tmp_path, ["_static/missing.js"])
    problems = offline_problems(tmp_path)
    assert any("not in" in p for p in problems) and any("loads no MathJax" in p for p in problems)


def test_no_pages_is_a_problem(tmp_path):
    assert offline_problems(tmp_path)


def test_theme_templates_under_static_are_not_pages(tmp_path):
    (tmp_path / "_static" / "mathjax").mkdir(parents=True)
    (tmp_path / "_static" / "mathjax" / "tex-chtml.js").write_text("// mathjax")
    (tmp_path / "_static" / "macros.html").write_text("<script src=\"{{ pathto('x.js', 1) }}\"></script>")
    _page(tmp_path, ["_static/mathjax/tex-chtml.js"])
    assert offline_problems(tmp_path) == []
