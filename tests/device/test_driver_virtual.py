"""The driver against the simulated device in virtual time: every behaviour and fault of
the device, deterministic and fast."""

from __future__ import annotations

import io

import pytest

from device.device_helpers import OpenVirtualDevice, setpoint, virtual_device
from tenscontrol.device import TensDevice
from tenscontrol.errors import (
    DeviceFault,
    DeviceRebooted,
    LinkTooNoisy,
    NakError,
    PortLost,
    ProtocolError,
    WatchdogTripped,
)
from tenscontrol.protocol import Lead, NakCode
from tenscontrol.transport import FrameTracer


def delivered(device: object, channel: int) -> int:
    sample = device.telemetry  # type: ignore[attr-defined]
    assert sample is not None
    return int(sample.telemetry.channels[channel - 1].delivered_ua)


def test_connect_reads_identity_and_leaves_output_at_zero(device: TensDevice) -> None:
    assert device.info is not None
    assert device.info.is_simulator
    assert device.info.protocol_version == 1
    assert len(device.info.channels) == 2
    assert device.info.channels[0].max_amplitude_ua == 80_000
    device.wait(0.2)
    assert all(c.delivered_ua == 0 for c in device.telemetry.telemetry.channels)  # type: ignore[union-attr]


def test_setpoint_ramps_at_the_device_slew_and_stop_drops_at_once(device: TensDevice) -> None:
    device.start([1])
    applied = device.set_channel(setpoint(1, 10_000))
    assert applied.amplitude_ua == 10_000
    device.wait(0.25)
    assert 3_000 <= delivered(device, 1) <= 6_000  # 20 mA/s, telemetry every 50 ms
    device.wait(0.5)
    assert delivered(device, 1) == 10_000
    device.stop()
    device.wait(0.1)
    assert delivered(device, 1) == 0


def test_out_of_range_setpoint_is_refused_with_a_named_field(device: TensDevice) -> None:
    device.start([1])
    with pytest.raises(NakError) as caught:
        device.set_channel(setpoint(1, 90_000))
    assert caught.value.code is NakCode.OUT_OF_RANGE
    assert caught.value.field == 2
    assert "field 2" in str(caught.value)


def test_set_before_start_is_refused(device: TensDevice) -> None:
    with pytest.raises(NakError) as caught:
        device.set_channel(setpoint(1, 1_000))
    assert caught.value.code is NakCode.BAD_STATE


def test_heartbeats_keep_the_watchdog_from_tripping(device: TensDevice) -> None:
    device.start([1, 2])
    device.set_channel(setpoint(1, 5_000))
    device.wait(30.0)  # 60 watchdog periods; the link alone keeps it alive
    assert device.failure is None
    assert delivered(device, 1) == 5_000


def test_silent_host_trips_the_device_watchdog_and_the_driver_says_so(device: TensDevice) -> None:
    device.start([1])
    device.set_channel(setpoint(1, 5_000))
    device._core.heartbeats = False  # the host "hangs"
    with pytest.raises(WatchdogTripped):
        device.wait(2.0)
    assert delivered(device, 1) == 0


def test_leaving_the_block_on_an_exception_stops_output() -> None:
    models = []

    def stimulate_then_crash() -> None:
        # the helper, not a fixture: leaving its block on an exception is what is tested
        with virtual_device() as device:
            device.start([1])
            device.set_channel(setpoint(1, 8_000))
            device.wait(1.0)
            models.append(device._core.port.model)  # type: ignore[attr-defined]
            assert models[0].channel(1).delivered_ua > 0
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        stimulate_then_crash()
    assert models[0].channel(1).delivered_ua == 0
    assert models[0].channel(1).setpoint_ua == 0


def test_close_is_idempotent(device: TensDevice) -> None:
    device.close()
    device.close()


def test_reboot_is_reported_and_nothing_resumes(open_virtual_device: OpenVirtualDevice) -> None:
    device = open_virtual_device("reboot_at=2")
    device.start([1])
    device.set_channel(setpoint(1, 8_000))
    with pytest.raises(DeviceRebooted):
        device.wait(3.0)
    with pytest.raises(DeviceRebooted):
        device.set_channel(setpoint(1, 8_000))


def test_unplug_is_reported_as_port_lost(open_virtual_device: OpenVirtualDevice) -> None:
    device = open_virtual_device("unplug_at=1")
    device.start([1])
    with pytest.raises(PortLost):
        device.wait(2.0)


def test_lead_off_zeroes_the_channel_and_latches_until_start(
    open_virtual_device: OpenVirtualDevice,
) -> None:
    device = open_virtual_device("lead_off=1@1&lead_on=1@2")
    device.start([1])
    device.set_channel(setpoint(1, 5_000))
    device.wait(1.2)
    sample = device.telemetry
    assert sample is not None
    assert sample.telemetry.channels[0].lead is Lead.OFF
    assert delivered(device, 1) == 0
    assert device.failure is None  # lead-off is the session's to handle, not fatal
    device.wait(1.0)
    with pytest.raises(NakError) as caught:
        device.set_channel(setpoint(1, 5_000))
    assert caught.value.code is NakCode.FAULT_LATCHED
    device.start([1])
    device.set_channel(setpoint(1, 1_000))


def test_over_delivery_latches_a_fault_that_ends_the_link(
    open_virtual_device: OpenVirtualDevice,
) -> None:
    device = open_virtual_device("overdeliver=1@1:50")
    device.start([1])
    device.set_channel(setpoint(1, 10_000))
    with pytest.raises(DeviceFault) as caught:
        device.wait(3.0)
    assert "OVER_DELIVERY" in caught.value.faults


@pytest.mark.parametrize("seed", [2, 8])
def test_a_corrupting_link_is_survived_with_retries(
    seed: int, open_virtual_device: OpenVirtualDevice
) -> None:
    # Seeds 2 and 8 once lost three heartbeats in a row and failed a sound session.
    device = open_virtual_device(f"seed={seed}&corrupt_rate=0.002&drop_rate=0.01")
    device.start([1])
    for level in range(1_000, 11_000, 1_000):
        device.set_channel(setpoint(1, level))
        device.wait(0.1)
    device.wait(300.0)
    assert device.failure is None
    assert device.stats.frame_errors > 0


def test_a_hopeless_link_is_reported_as_too_noisy() -> None:
    # the helper, not a fixture: the whole connection, its close too, is inside the raises
    with pytest.raises(LinkTooNoisy), virtual_device("seed=3&corrupt_rate=0.01") as device:
        device.wait(30.0)


def test_latency_shows_in_round_trip_times(open_virtual_device: OpenVirtualDevice) -> None:
    device = open_virtual_device("latency_ms=30")
    device.wait(1.0)
    summary = device.stats.rtt_summary()
    assert summary is not None
    assert summary[0] >= 0.06


def test_trace_shows_every_frame_with_its_meaning(open_virtual_device: OpenVirtualDevice) -> None:
    out = io.StringIO()
    device = open_virtual_device(tracer=FrameTracer(out))
    device.start([1])
    device.wait(0.1)
    device.close()  # the trace of a whole connection, as the block's end gave it
    text = out.getvalue()
    assert "> 0" in text
    assert "HELLO seq=0" in text
    assert "IDENTITY" in text
    assert "ACK" in text
    assert "TELEMETRY" in text


def test_an_ack_that_echoes_other_values_stops_output(mocker: object, device: TensDevice) -> None:
    from tenscontrol.protocol import Ack, MsgType

    device.start([1])
    wrong = Ack(MsgType.SET, setpoint(1, 20_000))
    mocker.patch.object(device, "_acked", return_value=wrong)  # type: ignore[attr-defined]
    with pytest.raises(ProtocolError, match="applied"):
        device.set_channel(setpoint(1, 2_000))
    assert device.failure is not None
