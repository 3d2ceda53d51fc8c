"""The names a script needs come from the top-level package, and cost nothing until used."""

from __future__ import annotations

import subprocess
import sys

import tenscontrol


def test_the_public_names_resolve_to_the_library() -> None:
    from tenscontrol.device.driver import TensDevice
    from tenscontrol.errors import TensError
    from tenscontrol.profiles.loader import resolve
    from tenscontrol.session.engine import SessionEngine

    assert tenscontrol.TensDevice is TensDevice
    assert tenscontrol.SessionEngine is SessionEngine
    assert tenscontrol.resolve is resolve
    assert tenscontrol.TensError is TensError
    for name in tenscontrol.__all__:
        assert getattr(tenscontrol, name) is not None


def test_importing_the_package_imports_none_of_its_layers() -> None:
    code = (
        "import sys, tenscontrol\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('tenscontrol.'))\n"
        "print(' '.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["tenscontrol.lazy"]
