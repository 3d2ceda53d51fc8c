"""A whole ``tens start`` session, start to natural end, in its own process against the
device of ``TENS_TEST_TARGET`` (the simulator, or the reference firmware natively and
under QEMU: issue 15 asks that ``tens start`` completes a session against the QEMU build)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.processes import child_env, tens
from helpers.targets import device_process


def test_a_short_session_completes_with_a_confirmed_stop(tmp_path: Path) -> None:
    with device_process(("--pty",)) as device:
        done = tens(
            child_env(tmp_path),
            "start",
            "--port",
            device.port,
            "--profile",
            "low-back",
            "--intensity",
            "3",
            "--duration",
            "10s",
            "--yes",
            "--no-diary",
            "--json",
            timeout=40,
        )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    end = lines[-1]
    assert end["event"] == "end"
    assert end["reason"] == "completed"
    assert end["stop_confirmed"] is True
    assert 0 < end["max_delivered_ua"]["1"] <= 3_000
