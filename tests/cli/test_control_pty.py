"""End to end, three processes: ``tens simulate --pty``, ``tens start --port <pty>``, and
``tens status`` / ``tens adjust`` / ``tens stop`` from a third. ``tens stop`` returns after
the device's output is 0 (the simulator's own log shows the STOP), ``tens start`` exits 0
with reason "remote", and afterwards ``tens status`` finds no session (exit 1)."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

from process_helpers import child_env, read_until_stimulating, spawn_start

from helpers.processes import tens
from tenscontrol.sim.spawn import SimulatorProcess


def test_status_adjust_and_stop_from_a_third_process(tmp_path: Path) -> None:
    sim_log = tmp_path / "sim.jsonl"
    env = child_env(tmp_path / "home")
    with SimulatorProcess(("--pty", "--log", str(sim_log))) as simulator:
        proc = spawn_start(env, simulator.port, "--intensity", "5", "--duration", "1m")
        watch: subprocess.Popen[str] | None = None
        try:
            read_until_stimulating(proc, 15)

            shown = tens(env, "status", "--json")
            assert shown.returncode == 0, shown.stderr
            status = json.loads(shown.stdout)
            assert (status["profile"], status["state"], status["simulated"]) == (
                "low-back",
                "running",
                True,
            )
            assert status["channels"][0]["target_ua"] == 5_000

            plain = tens(env, "status")
            assert plain.returncode == 0, plain.stderr
            assert plain.stdout.startswith("SIMULATED session ")

            adjusted = tens(env, "adjust", "-1")
            assert adjusted.returncode == 0, adjusted.stderr
            assert adjusted.stdout.strip() == "channel 1: target 4 mA"

            watch = subprocess.Popen(
                [sys.executable, "-m", "tenscontrol.cli", "status", "--watch", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            assert watch.stdout is not None
            ready, _, _ = select.select([watch.stdout], [], [], 10)
            first = json.loads(watch.stdout.readline() if ready else "null")
            assert first["state"] == "running"
            stopped = tens(env, "stop")
            assert stopped.returncode == 0, stopped.stderr
            assert "remote" in stopped.stdout
            assert "confirmed" in stopped.stdout
            assert watch.wait(timeout=10) == 0  # ends with the session (small output: no deadlock)
            watched = watch.stdout.read()

            out, err = proc.communicate(timeout=10)
        finally:
            for child in (proc, watch):
                if child is not None and child.poll() is None:
                    child.kill()
                    child.wait()
        assert proc.returncode == 0, err
        end = json.loads(out.splitlines()[-1])
        assert (end["event"], end["reason"], end["stop_confirmed"]) == ("end", "remote", True)
        assert all(
            json.loads(line)["session_id"] == first["session_id"] for line in watched.splitlines()
        )

        none = tens(env, "status")
        assert none.returncode == 1
        assert none.stderr.strip() == "error: no session is running (start one with `tens start`)"
    events = [json.loads(line) for line in sim_log.read_text().splitlines()]
    outputs = [e for e in events if e["event"] == "output" and e["channel"] == 1]
    assert any(e["amplitude_ua"] > 0 for e in outputs)
    assert outputs[-1]["amplitude_ua"] == 0
    last_on = max(i for i, e in enumerate(events) if e["event"] == "output" and e["amplitude_ua"])
    assert any(e["event"] == "stop" for e in events[last_on:])
