"""``tens start --port <pty>`` in its own process against ``tens simulate --pty`` in another:
JSON lines while stimulating, then SIGTERM -> exit 0, and the simulator's own log shows the
output going to 0 and a STOP. No screening: the device's IDENTITY says SIMULATOR."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tenscontrol.sim.spawn import SimulatorProcess


def _read_until(proc: subprocess.Popen[str], want: str, deadline: float) -> list[dict[str, Any]]:
    """JSON lines from ``proc`` until one with event ``want`` and delivered current > 0."""
    stdout = proc.stdout
    assert stdout is not None
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = stdout.readline() if ready else ""
        if not line:
            break
        record = json.loads(line)
        seen.append(record)
        if record["event"] == want and any(c["delivered_ua"] for c in record["channels"]):
            return seen
    raise AssertionError(f"no {want} with output: {seen[-3:]}")


def test_sigterm_stops_a_session_on_a_pty_simulator(tmp_path: Path) -> None:
    sim_log = tmp_path / "sim.jsonl"
    env = {**os.environ, "TENS_HOME": str(tmp_path / "home"), "PYTHONUNBUFFERED": "1"}
    env.pop("TENS_PORT", None)
    with SimulatorProcess(("--pty", "--log", str(sim_log))) as simulator:
        command = [sys.executable, "-m", "tenscontrol.cli", "start", "--profile", "low-back",
                   "--port", simulator.port, "--intensity", "20", "--yes", "--json",
                   "--no-diary"]  # fmt: skip
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env,
        )  # fmt: skip
        try:
            seen = _read_until(proc, "status", time.monotonic() + 15)
            assert all(r["simulated"] is True for r in seen)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, err
        end = json.loads(out.splitlines()[-1])
        assert end["event"] == "end"
        assert end["reason"] == "signal"
        assert end["stop_confirmed"]
    events = [json.loads(line) for line in sim_log.read_text().splitlines()]
    outputs = [e for e in events if e["event"] == "output" and e["channel"] == 1]
    assert any(e["amplitude_ua"] > 0 for e in outputs)
    assert outputs[-1]["amplitude_ua"] == 0
    last_on = max(i for i, e in enumerate(events) if e["event"] == "output" and e["amplitude_ua"])
    assert any(e["event"] == "stop" for e in events[last_on:])
