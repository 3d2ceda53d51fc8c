"""The reference host depends on the protocol alone: it is written from the spec, so it
uses nothing of the simulator it checks, nothing of the driver (TensDevice), nothing of
pyserial. (Which layer may import which is tests/test_layering.py's job.)"""

from __future__ import annotations

import sys
from pathlib import Path

import tenscontrol.conformance
from helpers.imports import imported_modules


def test_the_reference_host_depends_only_on_the_protocol() -> None:
    path = Path(tenscontrol.conformance.__file__).parent / "host.py"
    for name in imported_modules(path):
        top = name.split(".")[0]
        if top == "tenscontrol":
            assert name.startswith(("tenscontrol.protocol", "tenscontrol.errors")), name
        else:
            assert top in sys.stdlib_module_names, name
