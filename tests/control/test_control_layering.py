"""Layers: ``control`` sits above ``session`` and below ``cli``. It imports the session, the
device, the protocol and the leaf modules, never the CLI; nothing below it imports it; and
the client that ``tens stop`` loads stays light (neither the engine nor pydantic)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tenscontrol

PACKAGE = Path(tenscontrol.__file__).parent
#: What the control package may import of the project's own modules.
CONTROL_MAY_IMPORT = (
    "tenscontrol.control",
    "tenscontrol.session",
    "tenscontrol.records",
    "tenscontrol.device",
    "tenscontrol.protocol",
    "tenscontrol.errors",
    "tenscontrol.hard_limits",
    "tenscontrol.clock",
    "tenscontrol.lazy",
)
#: Packages below control: none of them may import it.
BELOW_CONTROL = ("session", "records", "device", "protocol", "transport", "sim", "profiles")
#: Third-party modules the control package uses.
THIRD_PARTY = ("platformdirs",)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute imports; TYPE_CHECKING ones included)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            if node.module == "tenscontrol":  # from tenscontrol import hard_limits
                names.update(f"tenscontrol.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
    return names


def modules_of(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


def test_control_imports_only_the_layers_below_it() -> None:
    for path in modules_of("control"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top == "tenscontrol":
                assert name.startswith(CONTROL_MAY_IMPORT), f"{path.name} imports {name}"
            else:
                assert top in sys.stdlib_module_names or top in THIRD_PARTY, (
                    f"{path.name} imports {name}"
                )


@pytest.mark.parametrize("package", BELOW_CONTROL)
def test_nothing_below_control_imports_it(package: str) -> None:
    for path in modules_of(package):
        for name in imported_modules(path):
            assert not name.startswith("tenscontrol.control"), f"{path} imports {name}"


def test_the_cli_reaches_the_endpoint_through_control() -> None:
    used = set().union(*(imported_modules(path) for path in modules_of("cli")))
    assert "tenscontrol.control.client" in used
    assert "tenscontrol.control.server" in used
    assert not {name for name in used if name.startswith("tenscontrol.session.control")}


def test_the_client_loads_neither_the_engine_nor_pydantic() -> None:
    code = (
        "import sys\n"
        "import tenscontrol.cli.control_cmd\n"
        "heavy = ('pydantic', 'tenscontrol.session.engine', 'tenscontrol.control.server',"
        " 'tenscontrol.control.handler')\n"
        "print('HEAVY', [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
