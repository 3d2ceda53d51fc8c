"""A running device that still answers requests but sends no TELEMETRY fails the link
within the silence limit (firmware_protocol.md, Host duties: lost telemetry): without
telemetry the host cannot check delivered current, so it must not go on commanding it."""

from __future__ import annotations

import pytest
from pytest_mock import MockerFixture

from device.device_helpers import setpoint, virtual_device
from tenscontrol.device.link_health import SILENCE_LIMIT_S
from tenscontrol.errors import DeviceTimeout
from tenscontrol.protocol import DeviceState
from tenscontrol.sim.model import DeviceModel


@pytest.fixture
def mute_while_running(mocker: MockerFixture) -> None:
    """The simulated device pushes no TELEMETRY while RUNNING (answers still come)."""
    real = DeviceModel._send_telemetry

    def send(self: DeviceModel) -> None:
        if self._firmware.state is DeviceState.RUNNING:
            self._firmware.report_now = False
            return
        real(self)

    mocker.patch.object(DeviceModel, "_send_telemetry", send)


def test_telemetry_stopping_while_running_fails_the_link(mute_while_running: None) -> None:
    with virtual_device() as device:
        device.start([1])
        device.set_channel(setpoint(1, 2_000))
        started = device.clock.monotonic()
        with pytest.raises(DeviceTimeout, match=r"no telemetry from the device for 1\.0 s"):
            device.wait(5.0, until=lambda: device.failure is not None)
        waited = device.clock.monotonic() - started
        assert SILENCE_LIMIT_S < waited < SILENCE_LIMIT_S + 0.2


def test_an_idle_device_is_not_held_to_it(mute_while_running: None) -> None:
    with virtual_device() as device:
        device.wait(3.0)  # IDLE: telemetry flows; nothing armed
        assert device.failure is None
