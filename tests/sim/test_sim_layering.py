"""The sim package imports only the protocol, the leaf modules, itself and pyserial."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import tenscontrol.sim

ALLOWED_OWN = ("tenscontrol.protocol", "tenscontrol.sim", "tenscontrol.clock")
ALLOWED_LEAVES = ("tenscontrol.hard_limits", "tenscontrol.errors", "tenscontrol.loopback")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "tenscontrol":  # from tenscontrol import hard_limits
                names.update(f"tenscontrol.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
    return names


def test_sim_imports_only_allowed_layers() -> None:
    package = Path(tenscontrol.sim.__file__).parent
    for path in sorted(package.glob("*.py")):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top == "tenscontrol":
                allowed = ALLOWED_OWN + ALLOWED_LEAVES
                assert name.startswith(allowed), f"{path.name} imports {name}"
            else:
                assert top in sys.stdlib_module_names or top in ("serial", "_typeshed"), (
                    f"{path.name} imports {name}"
                )


def test_the_spec_host_depends_only_on_the_protocol() -> None:
    # The reference host is written from the spec alone: nothing of the simulator it
    # checks, nothing of the driver (TensDevice), nothing of pyserial.
    path = Path(tenscontrol.sim.__file__).parent / "spec_host.py"
    for name in imported_modules(path):
        top = name.split(".")[0]
        if top == "tenscontrol":
            assert name.startswith(("tenscontrol.protocol", "tenscontrol.errors")), name
        else:
            assert top in sys.stdlib_module_names, name
