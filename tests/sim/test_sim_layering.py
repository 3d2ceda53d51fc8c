"""The reference host inside the simulator depends on the protocol alone. (Which layer may
import which, the simulator's included, is tests/test_layering.py's job.)"""

from __future__ import annotations

import sys
from pathlib import Path

import tenscontrol.sim
from helpers.imports import imported_modules


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
