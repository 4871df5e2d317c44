"""The package is a house a newcomer can walk: no import cycle, every import allowed, no module unused or too long.

Imports inside functions are lazy and do not count for cycles and rules. Importing ``support.a.b`` first
runs the package ``support.a``, so an import names its parent packages too, except a module's own
ancestors: those are already being imported when it runs (a package's ``__init__`` may import its own
submodules). Each package's docstring ends with a ``May import:`` paragraph naming the packages (or
modules) outside itself that its modules may import at load time; the root package's rule covers the
modules at the root.
"""

import ast
import re
from pathlib import Path

import support

ROOT = Path(support.__file__).parent
REPO = ROOT.parent
#: the longest module a reader should have to hold in mind
MAX_LINES = 400
#: the longest notebook code cell, in lines of logic (not blank, comments or imports); parameter cells aside
MAX_CELL_LINES = 15
#: entry points nothing imports: the public contract's paths (README, "Contract") and ``python -m`` targets
ENTRY_POINTS = {"support.heisenberg", "support.metrics", "support.book.__main__", "support.cwgan.__main__"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, modules: set[str], own_ancestors: set[str]) -> set[str]:
    out = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}  # "from support.vae.latent import analysis"
        elif isinstance(node, (ast.If, ast.Try)):
            continue  # guarded imports (TYPE_CHECKING, optional extras) are not load-time edges here
    deps = set()
    for name in out:
        parts = name.split(".")
        deps |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)} & modules
    return deps - own_ancestors


def import_graph() -> dict[str, set[str]]:
    """``{module: support modules it imports at load time}``."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        ancestors = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
        graph[name] = _top_level_imports(path, modules, ancestors) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or ``None``."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_support_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50 and "support.vae.latent.analysis" in graph["support.vae.evaluation.heldout"]
    assert find_cycle(graph) is None


def _package_of(module: str) -> str:
    """The innermost package holding ``module`` (a package holds itself)."""
    return module if (ROOT.parent / module.replace(".", "/") / "__init__.py").exists() else module.rsplit(".", 1)[0]


def allowed_imports(package: str) -> set[str]:
    """The names after ``May import:`` in the package's docstring (``support...`` words only)."""
    doc = ast.get_docstring(ast.parse((REPO / package.replace(".", "/") / "__init__.py").read_text())) or ""
    match = re.search(r"May import:(.*?)(?:\n\s*\n|\Z)", doc, re.S)
    assert match, f"{package}: its docstring has no 'May import:' paragraph"
    return set(re.findall(r"support(?:\.\w+)*", match.group(1)))


def forbidden_imports(graph: dict[str, set[str]]) -> list[str]:
    """``"module -> import"`` for every load-time import outside the module's package that its rule lacks."""
    out = []
    for module, deps in sorted(graph.items()):
        package = _package_of(module)
        rule = allowed_imports(package)
        for dep in sorted(deps):
            inside = _package_of(dep) == package or dep == package
            # an allowed module's parent packages run first, so they are allowed with it
            if not inside and not any(dep == a or dep.startswith(a + ".") or a.startswith(dep + ".") for a in rule):
                out.append(f"{module} -> {dep}")
    return out


def test_every_import_is_allowed_by_its_package():
    graph = import_graph()
    assert forbidden_imports(graph) == []
    broken = dict(graph, **{"support.xy.charges": graph["support.xy.charges"] | {"support.cwgan.generator"}})
    assert forbidden_imports(broken) == ["support.xy.charges -> support.cwgan.generator"]


def _all_imports(path: Path) -> set[str]:
    """Every ``support`` name an AST imports, lazy imports included."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in out if n.split(".")[0] == "support"}


def unused_modules(modules: set[str], users: list[Path]) -> set[str]:
    """Modules that no user file imports (a package counts as used when one of its modules is)."""
    used = set()
    for path in users:
        for name in _all_imports(path):
            parts = name.split(".")
            used |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
    run_by_make = set(re.findall(r"-m (support[\w.]*)", (REPO / "Makefile").read_text()))
    return modules - used - run_by_make - ENTRY_POINTS


def test_no_module_unused():
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    users = [*ROOT.rglob("*.py"), *(REPO / "notebooks").glob("*.py"), *(REPO / "benchmarks").glob("*.py")]
    assert unused_modules(set(files), users) == set()
    # the check sees a module only a test would import
    assert unused_modules(set(files) | {"support.orphan"}, users) == {"support.orphan"}


def test_no_module_too_long():
    lengths = {p.relative_to(REPO).as_posix(): len(p.read_text().splitlines()) for p in ROOT.rglob("*.py")}
    assert {p: n for p, n in lengths.items() if n > MAX_LINES} == {}


def long_cells(source: str) -> list[int]:
    """Lines of logic of each jupytext code cell longer than ``MAX_CELL_LINES`` (parameter cells aside)."""
    out = []
    for cell in re.split(r"^# %%", source, flags=re.M)[1:]:
        header, _, body = cell.partition("\n")
        if "[markdown]" in header or "parameters" in header:
            continue
        logic = [line for line in body.splitlines()
                 if line.strip() and not line.lstrip().startswith(("#", "import ", "from "))]
        if len(logic) > MAX_CELL_LINES:
            out.append(len(logic))
    return out


def test_notebook_cells_are_short():
    assert {p.name: long_cells(p.read_text()) for p in (REPO / "notebooks").glob("*.py")
            if long_cells(p.read_text())} == {}
    assert long_cells("# %%\n" + "x = 1\n" * 16) == [16]
    assert long_cells('# %% tags=["parameters"]\n' + "x = 1\n" * 16) == []
