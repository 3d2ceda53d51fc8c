"""Faults that only a real port shows: an unplugged pty, a rebooting device, over a pty and
a socket, on the real clock. The pty serves the device of TENS_TEST_TARGET
(helpers/targets.py); the firmware under QEMU injects no faults, so there the pty cases skip.
What the device delivered is read from its own event log, the same on every target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from device.device_helpers import setpoint
from device.serving import ServeDevice, Transport
from tenscontrol.device import TensDevice
from tenscontrol.errors import DeviceRebooted, PortLost

#: When the fault happens, seconds after the device started.
FAULT_AT = "0.6"


def device_events(log: Path) -> list[dict[str, Any]]:
    """Every event of a device's JSON-lines event log, in order."""
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("transport", list(Transport))
def test_unplug_mid_stimulation_raises_port_lost(
    transport: Transport, serve_device: ServeDevice
) -> None:
    with serve_device(transport, unplug_at=FAULT_AT) as port:
        device = TensDevice.open(port)
        try:
            device.start([1])
            device.set_channel(setpoint(1, 2_000))
            with pytest.raises(PortLost):
                device.wait(3.0)
            with pytest.raises(PortLost):
                device.stop()
        finally:
            device.close()


@pytest.mark.parametrize("transport", list(Transport))
def test_reboot_mid_stimulation_raises_and_output_stays_zero(
    transport: Transport, serve_device: ServeDevice, tmp_path: Path
) -> None:
    log = tmp_path / "device.jsonl"
    with (
        serve_device(transport, reboot_at=FAULT_AT, log=str(log)) as port,
        TensDevice.open(port) as device,
    ):
        device.start([1])
        device.set_channel(setpoint(1, 2_000))
        with pytest.raises(DeviceRebooted):
            device.wait(3.0)
    events = device_events(log)
    reboots = [i for i, e in enumerate(events) if e["event"] == "reboot"]
    assert reboots, events
    # from the reset on, nothing was delivered and no setpoint above 0 was taken
    after = events[reboots[0] :]
    assert [e for e in after if e["event"] in ("output", "set") and e["amplitude_ua"]] == []
