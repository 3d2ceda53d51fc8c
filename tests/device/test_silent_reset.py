"""A reset whose BOOT never reached the host (USB CDC re-enumerates at a reset, so BOOT
is best effort: firmware_protocol.md, Host duties) is still seen: the device's uptime goes
back, or it shows IDLE without a fault while the host believes it RUNNING. Either ends the
session as a reboot; nothing resumes by itself (safety rule 1)."""

from __future__ import annotations

import pytest
from pytest_mock import MockerFixture

from device.device_helpers import setpoint, virtual_device
from tenscontrol.device.telemetry_monitor import FaultVerdict, TelemetryMonitor
from tenscontrol.errors import DeviceRebooted
from tenscontrol.protocol import Boot, DeviceState, Fault, Message, Telemetry
from tenscontrol.sim.wire import DeviceWire


def telemetry(state: DeviceState, uptime_ms: int, faults: Fault = Fault.NONE) -> Telemetry:
    return Telemetry(state, faults, 3_900, 80, uptime_ms, 0, ())


def test_uptime_going_back_is_a_reset() -> None:
    monitor = TelemetryMonitor()
    assert monitor.observe(0, telemetry(DeviceState.IDLE, 5_000)) is FaultVerdict.NONE
    assert monitor.observe(1, telemetry(DeviceState.IDLE, 40)) is FaultVerdict.RESET


def test_uptime_wrapping_after_49_days_is_not_a_reset() -> None:
    monitor = TelemetryMonitor()
    monitor.observe(0, telemetry(DeviceState.IDLE, (1 << 32) - 30))
    assert monitor.observe(1, telemetry(DeviceState.IDLE, 20)) is FaultVerdict.NONE


def test_idle_while_armed_is_a_reset_and_idle_when_not_armed_is_not() -> None:
    monitor = TelemetryMonitor()
    assert monitor.observe(0, telemetry(DeviceState.IDLE, 100)) is FaultVerdict.NONE
    monitor.armed = True
    assert monitor.observe(1, telemetry(DeviceState.RUNNING, 150)) is FaultVerdict.NONE
    assert monitor.observe(2, telemetry(DeviceState.IDLE, 200)) is FaultVerdict.RESET


def test_a_fault_that_explains_idle_is_named_first() -> None:
    monitor = TelemetryMonitor()
    monitor.armed = True
    host_lost = telemetry(DeviceState.IDLE, 100, Fault.HOST_LOST)
    assert monitor.observe(0, host_lost) is FaultVerdict.HOST_LOST
    low = telemetry(DeviceState.IDLE, 150, Fault.LOW_BATTERY)
    assert monitor.observe(1, low) is FaultVerdict.FATAL


@pytest.fixture
def boot_lost(mocker: MockerFixture) -> None:
    """The simulated device's BOOT frames never reach the host."""
    real = DeviceWire.push

    def push(self: DeviceWire, message: Message) -> None:
        if not isinstance(message, Boot):
            real(self, message)

    mocker.patch.object(DeviceWire, "push", push)


def test_a_reboot_without_boot_ends_the_link_as_a_reboot(boot_lost: None) -> None:
    with virtual_device("reboot_at=3") as device:
        device.start([1])
        device.set_channel(setpoint(1, 5_000))
        with pytest.raises(DeviceRebooted, match="restarted without saying so"):
            device.wait(10.0, until=lambda: device.failure is not None)
        assert device.clock.monotonic() < 3.5


def test_a_normal_stop_is_not_mistaken_for_a_reset() -> None:
    with virtual_device() as device:
        device.start([1])
        device.set_channel(setpoint(1, 5_000))
        device.wait(1.0)
        device.stop_nowait()  # the signal handler's stop: no confirmation awaited
        device.wait(1.0)
        assert device.failure is None
        device.stop()
        assert device.failure is None
