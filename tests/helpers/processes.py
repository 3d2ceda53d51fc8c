"""Running ``tens`` as a child process: its environment, and one command run to its end."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
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
    env: dict[str, str],
    *args: str,
    timeout: float = DEADLINE_S,
    umask: int = -1,
    file_size_limit: int | None = None,
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``tens ARGS`` in a child process, run to its end (stdin closed, output captured).

    ``umask``: the child's (-1: this one's); ``file_size_limit``: RLIMIT_FSIZE in bytes, a
    disk that is full after that many bytes of any one file (Python ignores SIGXFSZ, so a
    write past it fails with EFBIG like a full disk's ENOSPC); ``preexec``: anything else
    to do in the child before ``exec`` (e.g. drop capabilities), after the size limit."""
    return subprocess.run(
        [sys.executable, "-m", "tenscontrol.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
        umask=umask,
        preexec_fn=_child_setup(file_size_limit, preexec),
    )


def _child_setup(limit: int | None, then: Callable[[], None] | None) -> Callable[[], None] | None:
    if limit is None:
        return then

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        if then is not None:
            then()

    return apply
