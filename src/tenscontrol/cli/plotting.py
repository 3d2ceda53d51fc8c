"""matplotlib for the commands that draw a PNG (``tens report --png``, ``tens progress
--png``), imported only when a PNG is asked for, so ``tens --help`` stays fast."""

from __future__ import annotations

import importlib
from typing import Any

from tenscontrol.errors import UserInputError


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (no display needed); a clear error without
    matplotlib (the ``plot`` extra)."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        return importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise UserInputError(
            "--png needs matplotlib, which is not installed",
            hint="pip install 'tenscontrol[plot]'",
        ) from None
