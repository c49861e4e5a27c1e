"""The layout keeps its promises: a pure core, no import circles, few top-level modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "custom_components" / "ems"
ROOT_NAME = "custom_components.ems"
# Packages that must not need Home Assistant (the planner is one: its command line runs
# without it).
PURE = ("core", "planner")
MAX_TOP_LEVEL_MODULES = 16


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([ROOT_NAME, *parts])


def _runtime_nodes(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Yield every statement, those imported for type checking only included."""
    for node in body:
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from _runtime_nodes([child])


def _imports(path: Path) -> set[str]:
    """Return the absolute names of the modules `path` imports at run time."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _runtime_nodes(tree.body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _modules() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def test_pure_core_imports_nothing_from_home_assistant() -> None:
    """`core` and `planner` run without Home Assistant and without the glue around them."""
    offenders = []
    for module, imports in _modules().items():
        inside = module.removeprefix(f"{ROOT_NAME}.").split(".")[0]
        if inside not in PURE:
            continue
        for name in imports:
            glue = name.startswith(f"{ROOT_NAME}.") and name.removeprefix(
                f"{ROOT_NAME}."
            ).split(".")[0] not in (*PURE, "const")
            if name.split(".")[0] == "homeassistant" or glue:
                offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_no_import_circles() -> None:
    """Module-level imports inside the integration form no circle."""
    modules = _modules()
    graph = {
        module: {name for name in imports if name in modules and name != module}
        for module, imports in modules.items()
    }
    circles = [circle for circle in _strongly_connected(graph) if len(circle) > 1]
    assert circles == []


def test_few_top_level_modules() -> None:
    """The entry, the platforms and a few shared modules sit at the top; the rest is grouped."""
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; returns each strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root, children in graph.items():
        if root in index:
            continue
        work = [(root, iter(sorted(children)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components
