"""A STOP counts as confirmed only when the first telemetry after its ACK shows output 0
(docs/safety.md hazard 15; firmware_protocol.md, Host duties). Issue 14: a device that ACKed
STOP and kept RUNNING at 10 mA used to get ``"confirmed": true``."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from pytest_mock import MockerFixture

from device.device_helpers import setpoint, virtual_device
from tenscontrol.device.stop_check import STOP_ATTEMPTS, StopCheck, StopVerdict
from tenscontrol.errors import REMOVE_PADS, StopNotConfirmed
from tenscontrol.protocol import ChannelTelemetry, DeviceState, Fault, Lead, Telemetry
from tenscontrol.sim.firmware import Firmware


def frame(state: DeviceState, *channels_ua: tuple[int, int]) -> Telemetry:
    """A TELEMETRY with one channel per ``(setpoint_ua, delivered_ua)``."""
    channels = tuple(
        ChannelTelemetry(set_ua, ua, Lead.OK, 820, Fault.NONE) for set_ua, ua in channels_ua
    )
    return Telemetry(state, Fault.NONE, 3_950, 87, 1_000, 0, channels)


def test_frames_before_the_ack_are_not_judged() -> None:
    check = StopCheck()
    check.observe(frame(DeviceState.IDLE, (0, 0), (0, 0)))  # sent before the ACK: proves nothing
    assert check.verdict is StopVerdict.PENDING
    check.acked()
    check.observe(frame(DeviceState.IDLE, (0, 0), (0, 0)))
    assert check.confirmed
    assert check.done.is_set()


def test_the_first_frame_after_the_ack_decides() -> None:
    check = StopCheck()
    check.acked()
    check.observe(frame(DeviceState.RUNNING, (0, 0), (4_000, 4_000)))
    check.observe(frame(DeviceState.IDLE, (0, 0), (0, 0)))  # too late: the verdict stands
    assert check.verdict is StopVerdict.OUTPUT_ON
    assert "state RUNNING" in check.evidence
    assert "channel 2: setpoint 4000 uA, delivered 4000 uA" in check.evidence
    assert "channel 1" not in check.evidence


@pytest.mark.parametrize(
    "telemetry",
    [
        frame(DeviceState.IDLE, (0, 1)),  # 1 uA still delivered
        frame(DeviceState.IDLE, (1, 0)),  # a setpoint still in force
        frame(DeviceState.RUNNING, (0, 0)),  # zero, but not stopped
    ],
)
def test_anything_but_idle_and_all_zero_is_not_a_stop(telemetry: Telemetry) -> None:
    check = StopCheck()
    check.acked()
    check.observe(telemetry)
    assert not check.confirmed


def test_a_lost_port_ends_the_wait_unconfirmed() -> None:
    check = StopCheck()
    check.acked()
    check.lost()
    assert check.verdict is StopVerdict.LINK_LOST
    check.observe(frame(DeviceState.IDLE, (0, 0)))
    assert check.verdict is StopVerdict.LINK_LOST


def test_a_sound_device_is_confirmed_by_telemetry_after_the_ack() -> None:
    with virtual_device() as device:
        device.start([1])
        device.set_channel(setpoint(1, 5_000))
        device.wait(1.0)
        assert device.telemetry is not None
        assert device.telemetry.telemetry.channels[0].delivered_ua > 0
        device.stop()
        shown = device.telemetry
        assert shown is not None
        assert shown.telemetry.state is DeviceState.IDLE
        assert all(ch.delivered_ua == 0 for ch in shown.telemetry.channels)


@pytest.fixture
def stop_ignored(mocker: MockerFixture) -> MagicMock:
    """A simulated firmware that acknowledges STOP but keeps its output (the defect)."""
    return mocker.patch.object(Firmware, "stop_all", autospec=True)


def test_an_ack_without_output_0_is_not_a_stop(stop_ignored: MagicMock) -> None:
    with virtual_device() as device:  # connect's STOP: idle and 0 anyway, so confirmed
        stop_ignored.reset_mock()
        device.start([1])
        device.set_channel(setpoint(1, 10_000))
        device.wait(1.0)
        with pytest.raises(StopNotConfirmed) as refused:
            device.stop()
        # repeated before giving up, and the message says what telemetry showed
        assert stop_ignored.call_count == STOP_ATTEMPTS
        assert "acknowledged STOP but state RUNNING" in str(refused.value)
        assert "channel 1: setpoint 10000 uA, delivered 10000 uA" in str(refused.value)
        assert refused.value.hint == REMOVE_PADS
