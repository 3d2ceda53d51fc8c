"""The IDENTITY checks a 1.1 host makes before it sends anything but STOP
(firmware_protocol.md, Host duties): the watchdog range inside the hard ceilings and
containing the host's own watchdog, and telemetry at the fixed 50 ms of protocol 1."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytest_mock import MockerFixture

from device.device_helpers import virtual_device
from tenscontrol import hard_limits as hl
from tenscontrol.device import TensDevice
from tenscontrol.device.state import device_info
from tenscontrol.errors import IncompatibleDevice, UserInputError
from tenscontrol.protocol import Identity
from tenscontrol.sim.identity import device_identity
from tenscontrol.sim.model import DeviceModel
from tenscontrol.transport import open_port


def test_the_hard_watchdog_range_is_pinned() -> None:
    # firmware_protocol.md section 4.2: watchdog_min_ms >= 100, watchdog_max_ms <= 1000
    assert (hl.MIN_WATCHDOG_MS, hl.MAX_WATCHDOG_MS) == (100, 1_000)


@pytest.mark.parametrize(
    ("shortest", "longest"),
    [(99, 1_000), (100, 1_001), (600, 400), (50, 50), (2_000, 3_000)],
)
def test_a_watchdog_range_outside_the_ceilings_is_refused(shortest: int, longest: int) -> None:
    identity = replace(
        device_identity(1, channels=2), watchdog_min_ms=shortest, watchdog_max_ms=longest
    )
    with pytest.raises(IncompatibleDevice, match=f"watchdog range is {shortest}-{longest} ms"):
        device_info(identity)


@pytest.mark.parametrize(("shortest", "longest"), [(100, 100), (1_000, 1_000), (100, 1_000)])
def test_a_watchdog_range_inside_the_ceilings_is_accepted(shortest: int, longest: int) -> None:
    identity = replace(
        device_identity(1, channels=2), watchdog_min_ms=shortest, watchdog_max_ms=longest
    )
    assert device_info(identity).identity.watchdog_max_ms == longest


@pytest.mark.parametrize("period_ms", [0, 25, 49, 51, 100])
def test_telemetry_at_another_period_is_refused(period_ms: int) -> None:
    identity = replace(device_identity(1, channels=2), telemetry_period_ms=period_ms)
    with pytest.raises(IncompatibleDevice, match=f"telemetry every {period_ms} ms"):
        device_info(identity)


def test_a_device_that_cannot_take_the_hosts_watchdog_is_refused(mocker: MockerFixture) -> None:
    real = DeviceModel.identity

    def short_only(self: DeviceModel, selected_version: int = 1) -> Identity:
        return replace(real(self, selected_version), watchdog_min_ms=100, watchdog_max_ms=400)

    mocker.patch.object(DeviceModel, "identity", short_only)
    expected = "accepts a watchdog of 100-400 ms, not this host's 500 ms"
    with pytest.raises(IncompatibleDevice, match=expected), virtual_device():
        pass


@pytest.mark.parametrize("watchdog_ms", [0, 99, 1_001, 5_000])
def test_the_driver_refuses_a_watchdog_outside_the_ceilings(watchdog_ms: int) -> None:
    port = open_port("sim://")
    try:
        with pytest.raises(UserInputError, match=f"watchdog {watchdog_ms} ms is outside"):
            TensDevice(port, threaded=False, watchdog_ms=watchdog_ms)
    finally:
        port.close()


def test_the_driver_refuses_a_heartbeat_slower_than_half_its_watchdog() -> None:
    port = open_port("sim://")
    try:
        with pytest.raises(UserInputError, match="too slow for a 400 ms watchdog"):
            TensDevice(port, threaded=False, watchdog_ms=400, heartbeat_period_s=0.21)
    finally:
        port.close()
