"""Every layer imports only the layers below it (the README's architecture section).

Read from the source with ``ast``, so an import inside a function or under TYPE_CHECKING
counts too: a layer that reaches up, however it does it, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tenscontrol

ROOT = Path(tenscontrol.__file__).parent

#: Modules at the bottom that any layer may import; they import no layer.
LEAVES = frozenset({"errors", "hard_limits", "clock", "lazy", "waker", "loopback", "__version__"})

#: Each layer and the layers it may import (leaves always allowed).
ALLOWED: dict[str, frozenset[str]] = {
    "protocol": frozenset(),
    "transport": frozenset({"protocol"}),
    "device": frozenset({"protocol", "transport"}),
    "sim": frozenset({"protocol"}),
    "profiles": frozenset({"protocol"}),
    "records": frozenset(),
    "session": frozenset({"protocol", "transport", "device", "profiles", "records"}),
    "control": frozenset({"protocol", "device", "profiles", "session", "records"}),
    "cli": frozenset(
        {"protocol", "transport", "device", "sim", "profiles", "session", "records", "control"}
    ),
}


def imported_layers(path: Path) -> set[str]:
    """The tenscontrol top-level names ``path`` imports (``tenscontrol.x.y`` -> ``x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != "tenscontrol":
                continue
            if len(parts) == 1:
                found.update(alias.name for alias in node.names)
            else:
                found.add(parts[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "tenscontrol" and len(parts) > 1:
                    found.add(parts[1])
    return found


def layer_of(path: Path) -> str:
    """The layer (top-level package or leaf module) ``path`` belongs to."""
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def test_every_package_has_a_rule() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in ROOT.glob("*.py")} - {"__init__"}
    assert packages <= set(ALLOWED), f"no import rule for {packages - set(ALLOWED)}"
    assert modules <= LEAVES, f"top-level modules that are not leaves: {modules - LEAVES}"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_is_below_it(layer: str) -> None:
    allowed = ALLOWED[layer] | LEAVES | {layer}
    wrong = {
        f"{path.relative_to(ROOT)} imports tenscontrol.{name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in imported_layers(path) - allowed
    }
    assert not wrong, sorted(wrong)


def test_leaves_import_no_layer() -> None:
    for name in LEAVES - {"__version__"}:
        path = ROOT / f"{name}.py"
        assert imported_layers(path) <= LEAVES, f"{name} imports {imported_layers(path)}"


def test_the_protocol_never_touches_serial() -> None:
    for path in (ROOT / "protocol").rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not modules & {"serial", "socket", "select", "termios"}, path
