"""The CLI reaches the endpoint only through ``control``, and the client that ``tens stop``
loads stays light (neither the engine nor pydantic). Which layer may import which is
tests/test_layering.py's job."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tenscontrol
from helpers.imports import imported_modules

PACKAGE = Path(tenscontrol.__file__).parent


def modules_of(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


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
