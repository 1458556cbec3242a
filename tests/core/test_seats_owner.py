"""Seats have one owner: app/seats.py is the only module that writes a seat counter, so the
rule that makes overselling impossible (one conditional UPDATE) cannot be bypassed."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
COUNTERS = {"seats_taken", "signups_taken"}


def writes_of_counters(path: Path) -> list[str]:
    """Every place a counter is assigned, passed as a value or augmented."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.keyword) and node.arg in COUNTERS:
            found.append(f"{path.name}:{node.value.lineno} {node.arg}=")
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in COUNTERS:
                found.append(f"{path.name}:{target.lineno} .{target.attr} assigned")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values"):
            for arg in node.args:
                if isinstance(arg, ast.Dict) and any(
                        isinstance(key, ast.Constant) and key.value in COUNTERS
                        for key in arg.keys):
                    found.append(f"{path.name}:{arg.lineno} values({{counter}})")
    return found


def test_only_the_seats_module_writes_seat_counters():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        if path == APP / "seats.py" or "migrations" in path.parts:
            continue
        offenders += [f"{path.relative_to(APP)}: {hit}" for hit in writes_of_counters(path)]
    assert offenders == [], "seat counters written outside app/seats.py:\n" + "\n".join(offenders)


def test_the_check_finds_a_second_writer(tmp_path):
    """The walk above must see the ways a counter can be written."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "ticket.seats_taken += 1\n"
        "update(TicketType).values(seats_taken=TicketType.seats_taken + 1)\n"
        "item.signups_taken = 3\n"
    )
    assert len(writes_of_counters(sneaky)) == 3


def test_no_module_imports_another_modules_private_name():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        modules = _imported_modules(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                offenders += [f"{path.relative_to(APP)}: {node.module}.{alias.name}"
                              for alias in node.names
                              if alias.name.startswith("_") and not alias.name.startswith("__")]
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name)
                    and node.value.id in modules):
                offenders.append(f"{path.relative_to(APP)}: {node.value.id}.{node.attr}")
    assert offenders == [], "private names used across modules:\n" + "\n".join(offenders)


def _imported_modules(path: Path) -> set[str]:
    """Names bound to Samla's own modules in this file (`from . import services`)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            package = path.parents[node.level - 1]
        elif (node.module or "").split(".")[0] == "app":
            package = APP.parent
        else:
            continue
        package = package.joinpath(*(node.module or "").split(".")) if node.module else package
        for alias in node.names:
            if (package / f"{alias.name}.py").exists() or (package / alias.name).is_dir():
                names.add(alias.asname or alias.name)
    return names
