"""The package's modules import each other without cycles (at module level), so any module imports alone.

Imports inside functions are lazy and do not count. Importing ``support.a.b`` first runs the package
``support.a``, so an import names its parent packages too, except a module's own ancestors: those are
already being imported when it runs (a package's ``__init__`` may import its own submodules).
"""

import ast
from pathlib import Path

import support

ROOT = Path(support.__file__).parent


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
            out |= {f"{node.module}.{a.name}" for a in node.names}  # "from support.vae import latent"
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
    assert len(graph) > 50 and "support.vae.latent" in graph["support.vae.evaluation"]
    assert find_cycle(graph) is None
