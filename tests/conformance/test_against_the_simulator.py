"""Every automatic check passes against the reference simulator, as ``tens simulate``
serves it on a pty (a real process on each side) and as ``sim://`` inside the process,
each in at most 60 s; a signal ends a run with its confirmed STOP. The pty tests run
against the device of ``TENS_TEST_TARGET`` (helpers/targets.py): the reference firmware
too, natively and under QEMU."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import run
from helpers.processes import child_env, tens
from helpers.targets import device_process, target
from helpers.waiting import wait_until

#: The issue's bound on a whole run against the simulator, seconds.
SUITE_BOUND_S = 60
#: The simulator options: over-delivery on channel 2, for the checks of the device's trip.
OVERDELIVER = ("--overdeliver", "2@0:50")
#: The checks that need the device's own over-delivery, which only fault injection provokes:
#: on a target without it (the mps2 board under QEMU) they skip, saying how to run them.
NEED_INJECTION = frozenset(
    {
        "overdelivery.device-trip",
        "nak.set.fault-latched",
        "set.zero-on-faulted",
        "fault.cleared-by-start",
    }
)


def assert_all_automatic_pass(
    doc: dict[str, object], *, manual: int, may_skip: frozenset[str] = frozenset()
) -> None:
    checks = doc["checks"]
    assert isinstance(checks, list)
    bad = [c for c in checks if c["result"] == "fail"]
    bad += [c for c in checks if c["result"] == "skip" and c["id"] not in may_skip]
    assert not bad, bad
    summary = doc["summary"]
    assert isinstance(summary, dict)
    assert summary["fail"] == 0
    assert summary["skip"] == sum(c["result"] == "skip" for c in checks)
    assert summary["manual"] == manual
    assert summary["stop_confirmed"] is True
    assert summary["seconds"] <= SUITE_BOUND_S


@pytest.mark.slow
def test_tens_simulate_on_a_pty_passes_every_automatic_check(tmp_path: Path) -> None:
    injects = target().faults
    with device_process(("--pty", *OVERDELIVER) if injects else ("--pty",)) as simulator:
        done = tens(
            child_env(tmp_path),
            "conformance",
            "--port",
            simulator.port,
            "--json",
            timeout=SUITE_BOUND_S + 30,
        )
    assert done.returncode == 0, done.stderr
    # DTR cannot be toggled on a pty (the ioctl is refused): that check is manual there
    doc = json.loads(done.stdout)
    assert_all_automatic_pass(doc, manual=7, may_skip=frozenset() if injects else NEED_INJECTION)
    dtr = next(c for c in doc["checks"] if c["id"] == "dtr.ignored")
    assert dtr["result"] == "manual"
    assert "cannot toggle DTR" in dtr["detail"]


@pytest.mark.slow
def test_sim_url_passes_every_automatic_check() -> None:
    result = run("conformance", "--port", "sim://?overdeliver=2@0:50", "--json")
    assert result.exit_code == 0, result.stderr
    assert_all_automatic_pass(json.loads(result.stdout), manual=6)


def test_sigterm_ends_the_run_with_a_confirmed_stop(tmp_path: Path) -> None:
    log = tmp_path / "sim.jsonl"
    with device_process(("--pty", "--log", str(log))) as simulator:
        child = subprocess.Popen(
            [sys.executable, "-m", "tenscontrol.cli", "conformance", "--port", simulator.port],
            env=child_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # the suite is driving an output (a SET reached the simulator): interrupt it
            wait_until(lambda: '"event": "set"' in _read(log), 30, "a SET from the suite")
            child.send_signal(signal.SIGTERM)
            _out, err = child.communicate(timeout=15)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == 128 + signal.SIGTERM, err
    assert "error: stopped by SIGTERM: final STOP confirmed" in err
    events = [json.loads(line) for line in log.read_text().splitlines()]
    last_set = max(i for i, e in enumerate(events) if e["event"] == "set")
    assert any(e["event"] == "stop" for e in events[last_set:])
    last_output = {e["channel"]: e["amplitude_ua"] for e in events if e["event"] == "output"}
    assert set(last_output.values()) == {0}


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""
