"""Does the built book work without network? Every script it loads (MathJax above all) is served from
``_build/html`` itself.

    python -m support.book.offline [_build/html]
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit


class _Scripts(HTMLParser):
    """Collects the ``src`` of every ``<script>`` of a page."""

    def __init__(self):
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src")
        if tag == "script" and src:
            self.sources.append(src)


def script_sources(page: Path) -> list[str]:
    """The ``src`` attributes of the page's ``<script>`` tags, in order."""
    parser = _Scripts()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.sources


def offline_problems(html_dir: str | Path) -> list[str]:
    """Scripts a built book would fetch from the network or cannot find, and pages without MathJax.

    Returns:
        one line per problem (page and script); empty when every page's scripts are local files and
        the pages with math load a local MathJax.
    """
    html_dir = Path(html_dir)
    # Pages, not the theme's Jinja templates and copied sources under _static/ and _sources/.
    pages = sorted(p for p in html_dir.rglob("*.html")
                   if not {"_static", "_sources"} & set(p.relative_to(html_dir).parts))
    if not pages:
        return [f"no HTML pages under {html_dir}: build the book first"]
    problems = []
    for page in pages:
        name = page.relative_to(html_dir)
        sources = script_sources(page)
        for src in sources:
            parts = urlsplit(src)
            if parts.scheme or parts.netloc:
                problems.append(f"{name}: script from the network {src}")
            elif not (page.parent / parts.path).resolve().is_file():
                problems.append(f"{name}: script {src} is not in {html_dir}")
        has_math = re.search(r'class="[^"]*\bmath\b', page.read_text(encoding="utf-8")) is not None
        if has_math and not any("mathjax" in s.lower() for s in sources):
            problems.append(f"{name}: has math but loads no MathJax")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    html_dir = Path(args[0] if args else "_build/html")
    problems = offline_problems(html_dir)
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(f"[offline] every script of {html_dir} is served locally (MathJax included)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
