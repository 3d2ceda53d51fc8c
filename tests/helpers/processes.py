"""Running ``tens`` as a child process: its environment, and one command run to its end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Longest a child ``tens`` command may take by default, seconds.
DEADLINE_S = 15.0


def child_env(home: Path, sim_options: str | None = None) -> dict[str, str]:
    """The environment of a child ``tens``: its own TENS_HOME, no TENS_PORT, unbuffered;
    ``TENS_SIM_OPTIONS`` is ``sim_options`` (unset when None)."""
    env = {**os.environ, "TENS_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("TENS_PORT", None)
    env.pop("TENS_SIM_OPTIONS", None)
    if sim_options is not None:
        env["TENS_SIM_OPTIONS"] = sim_options
    return env


def tens(
    env: dict[str, str], *args: str, timeout: float = DEADLINE_S
) -> subprocess.CompletedProcess[str]:
    """``tens ARGS`` in a child process, run to its end (stdin closed, output captured)."""
    return subprocess.run(
        [sys.executable, "-m", "tenscontrol.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
