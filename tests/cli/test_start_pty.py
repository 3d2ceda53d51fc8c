"""``tens start --port <pty>`` in its own process against ``tens simulate --pty`` in another:
JSON lines while stimulating, then SIGTERM -> exit 0, and the simulator's own log shows the
output going to 0 and a STOP. No screening: the device's IDENTITY says SIMULATOR."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from process_helpers import child_env, read_until_stimulating, spawn_start

from helpers.targets import device_process


def test_sigterm_stops_a_session_on_a_pty_simulator(tmp_path: Path) -> None:
    sim_log = tmp_path / "sim.jsonl"
    env = child_env(tmp_path / "home")
    with device_process(("--pty", "--log", str(sim_log))) as simulator:
        proc = spawn_start(env, simulator.port, "--intensity", "20", "--no-diary")
        try:
            seen = read_until_stimulating(proc, 15)
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
