"""Dependencies point one way: no import cycle between Samla's modules, and no import placed
inside a function to hide one. A lower area tells a higher one what happened by a signal
(app/signals.py), never by importing it."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# (module, function) -> why the import waits until the function runs. A heavy library loaded
# lazily is a reason; a cycle is not.
ALLOWED_INSIDE_FUNCTIONS = {
    ("app", "register_celery"): "Celery and Redis are loaded only when REDIS_URL is set",
}


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(root: Path, path: Path, node, modules: set[str]) -> list[str]:
    """The modules of `root` (named in `modules`) an import statement names (`from app import
    seats` names the module app.seats; `from app.x import name` the module app.x)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    if node.level:
        package = module_name(root, path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    found = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        if candidate in modules:
            found.append(candidate)
        elif base in modules:
            found.append(base)
    return found


def import_graph(root: Path):
    """(edges: module -> modules it imports, imports inside functions: [(module, function,
    imported)])."""
    edges, inside = {}, []
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(root, path) for path in paths}
    for path in paths:
        name = module_name(root, path)
        tree = ast.parse(path.read_text(), str(path))
        edges.setdefault(name, set())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges[name].update(imported_modules(root, path, node, modules))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        names = [alias.name for alias in node.names]
                        inside.append((name, function.name, f"{node.__class__.__name__} {names}"))
    return edges, inside


def cycles(edges) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a cycle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(edges.get(module, ())):
            if target == module:
                continue
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_between_samlas_modules():
    edges, _inside = import_graph(APP)
    assert cycles(edges) == []


def test_no_import_inside_a_function_except_the_allowed_lazy_ones():
    _edges, inside = import_graph(APP)
    hidden = [f"{module}.{function}: {what}" for module, function, what in inside
              if (module, function) not in ALLOWED_INSIDE_FUNCTIONS]
    assert hidden == [], "imports inside functions:\n" + "\n".join(hidden)


def test_the_checks_find_a_cycle_and_a_hidden_import(tmp_path):
    root = tmp_path / "app"
    (root / "orders").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "orders" / "__init__.py").write_text("")
    (root / "orders" / "services.py").write_text("from app.payments import refund\n")
    (root / "payments.py").write_text(
        "def refund():\n    from app.orders import services\n    return services\n")
    edges, inside = import_graph(root)
    assert cycles(edges) == [["app.orders.services", "app.payments"]]
    assert [(module, function) for module, function, _what in inside] == [
        ("app.payments", "refund")]
