"""The driver's own thread keeps the watchdog fed while the caller is busy: a CPU-bound
loop in two other threads for 20 s, against ``tens simulate --pty`` in another process (as a
real device would be). The simulator's event log must show no watchdog expiry."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from device.device_helpers import setpoint
from tenscontrol.device import TensDevice
from tenscontrol.sim.spawn import SimulatorProcess

#: 200 heartbeats under load in CI; the 10-minute run with both cores busy is in
#: benchmarks/host_loss.py, where its time does not count against the suite.
RUN_S = 20.0


def burn_cpu(stop: threading.Event) -> None:
    """Pure-Python work that holds the GIL as much as the interpreter lets it."""
    total = 0
    while not stop.is_set():
        for i in range(10_000):
            total += i * i


@pytest.mark.slow
def test_watchdog_does_not_trip_while_the_caller_burns_cpu(tmp_path: Path) -> None:
    log = tmp_path / "sim.jsonl"
    stop = threading.Event()
    with (
        SimulatorProcess(["--pty", "--log", str(log)]) as simulator,
        TensDevice.open(simulator.port) as device,
    ):
        device.start([1])
        device.set_channel(setpoint(1, 1_000))
        burners = [threading.Thread(target=burn_cpu, args=(stop,)) for _ in range(2)]
        for burner in burners:
            burner.start()
        try:
            device.wait(RUN_S)  # returns early, raising, if the link fails
        finally:
            stop.set()
            for burner in burners:
                burner.join()
        assert device.failure is None
        assert device.stats.timeouts == 0
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert "watchdog" not in events
    assert "fault" not in events
    assert events.count("stop") >= 1
