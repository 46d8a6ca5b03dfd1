"""The layering, read from the source with ``ast`` (no project module is imported or run).

- ``index/`` imports nothing from ``rag`` (nor from ``app``/``evals``).
- ``app.py`` and ``evals/`` import from ``rag`` the package only (never ``rag.something`` or
  ``index``), and every name they take from it is in ``rag.__all__``.
- The modules of ``rag/`` and ``index/`` import each other without a cycle.

Which imports count: for the two boundary rules, every import statement, including those
inside functions (a deferred import is still a dependency). For the cycle rule, only imports
executed when the module is loaded (module level, including under ``if``/``try``); imports
inside functions run later, once every module is loaded, so they cannot make an import-time
cycle. ``from package import name`` counts as an import of ``package.name`` when that is a
module, else of ``package``; importing a submodule is not counted as importing its parent
packages' ``__init__`` (Python has the parent half-loaded by then, which is harmless).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"rag", "index", "evals", "app", "benchmarks", "tests"}


@dataclass(frozen=True)
class Import:
    """One imported module (and, for ``from X import a``, the name ``a``) at a source line."""

    module: str
    name: str | None
    line: int
    at_load: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(*roots: str) -> dict[str, Path]:
    """Module name → file, for the given packages (folders) and single modules (``x.py``)."""
    files: dict[str, Path] = {}
    for root in roots:
        path = ROOT / root
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            files[module_name(file)] = file
    return files


KNOWN = source_files("rag", "index", "evals", "app.py")


def imports_of(path: Path) -> list[Import]:
    """Every import in a file, resolved to absolute module names."""
    return parse_imports(path.read_text(encoding="utf-8"), module_name(path), path.name)


def parse_imports(source: str, name: str, filename: str = "x.py") -> list[Import]:
    """Every import in ``source`` (module ``name``), resolved to absolute module names."""
    tree = ast.parse(source, filename=filename)
    package = name if filename == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, at_load: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside_function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            # `if TYPE_CHECKING:` blocks never run: their imports are not made at load time.
            inside_function = inside_function or (
                isinstance(child, ast.If)
                and isinstance(child.test, ast.Name)
                and child.test.id == "TYPE_CHECKING"
            )
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, None, child.lineno, at_load) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    if sub in KNOWN:
                        found.append(Import(sub, None, child.lineno, at_load))
                    else:
                        found.append(Import(base, alias.name, child.lineno, at_load))
            visit(child, at_load and not inside_function)

    visit(tree, True)
    return found


def top(module: str) -> str:
    return module.partition(".")[0]


def rag_public_names() -> set[str]:
    """``rag.__all__``, read from rag/__init__.py."""
    tree = ast.parse((ROOT / "rag" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError("rag/__init__.py has no __all__")


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle ``[a, b, ..., a]`` in a directed graph, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := walk(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def test_index_imports_nothing_from_rag_app_or_evals() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{imp.line} imports {imp.module}"
        for name, path in KNOWN.items()
        if top(name) == "index"
        for imp in imports_of(path)
        if top(imp.module) in {"rag", "app", "evals"}
    ]
    assert wrong == []


def test_app_and_evals_use_only_the_public_rag_api() -> None:
    public = rag_public_names()
    wrong = []
    for name, path in KNOWN.items():
        if top(name) not in {"app", "evals"}:
            continue
        for imp in imports_of(path):
            where = f"{path.relative_to(ROOT)}:{imp.line}"
            if top(imp.module) not in FIRST_PARTY or top(imp.module) == "evals":
                continue
            if imp.module != "rag":
                wrong.append(f"{where} imports {imp.module} (use `from rag import ...`)")
            elif imp.name is not None and imp.name not in public:
                wrong.append(f"{where} imports rag.{imp.name}, which is not in rag.__all__")
    assert wrong == []


def test_rag_all_names_exist() -> None:
    """Every name in ``rag.__all__`` is bound in rag/__init__.py (by an import or a def), or
    imported on first use (``_LAZY``, checked at run time below)."""
    tree = ast.parse((ROOT / "rag" / "__init__.py").read_text(encoding="utf-8"))
    statements = [*tree.body, *(s for n in tree.body if isinstance(n, ast.If) for s in n.body)]
    bound = {
        alias.asname or alias.name
        for node in statements
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    } | {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    assert rag_public_names() - bound == set()


def test_no_import_cycle_between_rag_and_index_modules() -> None:
    graph = {
        name: {
            imp.module
            for imp in imports_of(path)
            if imp.at_load and imp.module in KNOWN and imp.module != name
        }
        for name, path in KNOWN.items()
        if top(name) in {"rag", "index"}
    }
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_checks_can_fail() -> None:
    """The cycle finder finds a cycle; imports resolve as the checks above expect."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    source = (
        "import gradio as gr\n"
        "from rag import Assistant, render\n"
        "from .answer import Citation\n"
        "from .. import verify\n"
        "def late():\n"
        "    from rag.assistant import Answer\n"
        "if TYPE_CHECKING:\n"
        "    from rag.types import Passage\n"
    )
    found = {(i.module, i.name, i.at_load) for i in parse_imports(source, "rag.generate.x")}
    assert found == {
        ("gradio", None, True),
        ("rag", "Assistant", True),
        ("rag.render", None, True),
        ("rag.generate.answer", "Citation", True),
        ("rag.verify", None, True),
        ("rag.assistant", "Answer", False),
        ("rag.types", "Passage", False),
    }
