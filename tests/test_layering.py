"""Every layer imports only the layers below it (the README's architecture section).

Read from the source with ``ast``, so an import inside a function or under TYPE_CHECKING
counts too: a layer that reaches up, however it does it, fails here.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import tenscontrol
from helpers.imports import imported_modules

ROOT = Path(tenscontrol.__file__).parent

#: Modules (and the one package, ``files``) at the bottom that any layer may import; they
#: import no layer.
LEAVES = frozenset(
    {"errors", "hard_limits", "clock", "lazy", "waker", "loopback", "files", "__version__"}
)

#: Each layer and the layers it may import (leaves always allowed).
ALLOWED: dict[str, frozenset[str]] = {
    "protocol": frozenset(),
    "transport": frozenset({"protocol"}),
    "device": frozenset({"protocol", "transport"}),
    "sim": frozenset({"protocol"}),
    "conformance": frozenset({"protocol", "transport"}),
    "profiles": frozenset({"protocol"}),
    "records": frozenset(),
    "session": frozenset({"protocol", "transport", "device", "profiles", "records"}),
    "control": frozenset({"protocol", "device", "profiles", "session", "records"}),
    "cli": frozenset(
        {
            "protocol",
            "transport",
            "device",
            "sim",
            "conformance",
            "profiles",
            "session",
            "records",
            "control",
        }
    ),
}


def imported_layers(path: Path) -> set[str]:
    """The tenscontrol top-level names ``path`` imports (``tenscontrol.x.y`` -> ``x``)."""
    return {
        name.split(".")[1]
        for name in imported_modules(path)
        if name.startswith("tenscontrol.") and name.count(".") >= 1
    }


#: Layers held to a short list of third-party modules besides the standard library: the
#: simulator runs with pyserial alone, the control endpoint (loaded by `tens stop`) light.
THIRD_PARTY: dict[str, frozenset[str]] = {
    "sim": frozenset({"serial", "_typeshed"}),
    "control": frozenset({"platformdirs"}),
}


def layer_of(path: Path) -> str:
    """The layer (top-level package or leaf module) ``path`` belongs to."""
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def test_every_package_has_a_rule() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - LEAVES
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
        module = ROOT / f"{name}.py"
        for path in [module] if module.exists() else sorted((ROOT / name).rglob("*.py")):
            found = imported_layers(path)
            assert found <= LEAVES, f"{path.relative_to(ROOT)} imports {found}"


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


@pytest.mark.parametrize("layer", sorted(THIRD_PARTY))
def test_a_light_layer_uses_only_its_third_party_modules(layer: str) -> None:
    allowed = THIRD_PARTY[layer] | {"tenscontrol"}
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names | allowed
    }
    assert not wrong, sorted(wrong)
