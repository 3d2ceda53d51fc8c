"""Running ``tens start`` as its own process for the end-to-end tests."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from typing import Any

from helpers.processes import child_env as child_env  # re-exported for the cli tests


def spawn_start(env: dict[str, str], port: str, *args: str) -> subprocess.Popen[str]:
    """``tens start --profile low-back --port PORT --json --yes ARGS`` in a child process."""
    command = [
        sys.executable,
        "-m",
        "tenscontrol.cli",
        "start",
        "--profile",
        "low-back",
        "--port",
        port,
        "--json",
        "--yes",
        *args,
    ]
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_until_stimulating(proc: subprocess.Popen[str], timeout_s: float) -> list[dict[str, Any]]:
    """``tens start --json`` lines until a status with delivered current above 0."""
    stdout = proc.stdout
    assert stdout is not None
    deadline = time.monotonic() + timeout_s
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = stdout.readline() if ready else ""
        if not line:
            break
        seen.append(json.loads(line))
        if seen[-1]["event"] == "status" and any(c["delivered_ua"] for c in seen[-1]["channels"]):
            return seen
    raise AssertionError(f"never stimulating: {seen[-3:]}")
