"""The simulator against what firmware_protocol.md 1.1 settled (issue 14): STOP in any
version byte and with any payload (4.4), START's check order with the self-test and the
battery restart level (4.3), HELLO and the watchdog (4.1, 7), event telemetry (4.9) and the
amplitude-0 SET on a faulted channel (4.5). In virtual time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from simhost import Host, ack, nak, options, setpoint

from tenscontrol.protocol import (
    Ack,
    DeviceState,
    Fault,
    Frame,
    FrameDecoder,
    Hello,
    Identity,
    Lead,
    MsgType,
    NakCode,
    Start,
    Telemetry,
    decode_message,
    encode_frame,
)
from tenscontrol.sim.channel import Channel
from tenscontrol.sim.checks import check_start
from tenscontrol.sim.firmware import BATTERY_RESTART_MV, BATTERY_SUSTAIN_MV
from tenscontrol.sim.identity import CHANNEL_CAPS


def running(host: Host, mask: int = 0b11, watchdog: int = 1000) -> None:
    ack(host.send(Start(mask, watchdog)))


def delivering() -> Host:
    """Both channels started (watchdog 1 s), channel 1 at 4 mA after 0.2 s."""
    host = Host()
    running(host)
    ack(host.send(setpoint(1, 4_000)))
    host.run(0.2)
    assert host.delivered(1) == 4_000
    return host


def raw_answers(host: Host, wire: bytes) -> list[Frame]:
    """Feed ``wire`` now; the frames the device answered with (pushed ones left out)."""
    host.model.receive(wire, host.clock.monotonic())
    frames = FrameDecoder().feed(host.model.take_output())
    pushed = (MsgType.TELEMETRY, MsgType.BOOT)
    return [f for f in frames if isinstance(f, Frame) and f.msg_type not in pushed]


# --- STOP always stops (4.4) -------------------------------------------------------------
@given(version=st.integers(0, 255), payload=st.binary(max_size=240), seq=st.integers(0, 0xFFFF))
def test_a_stop_in_any_version_byte_with_any_payload_stops_and_is_acked_in_version_1(
    version: int, payload: bytes, seq: int
) -> None:
    host = delivering()
    (frame,) = raw_answers(host, encode_frame(version, MsgType.STOP, seq, payload))
    assert (frame.version, frame.seq) == (1, seq)
    assert decode_message(frame) == Ack(MsgType.STOP)
    assert host.model.state is DeviceState.IDLE
    assert all(host.delivered(n) == 0 for n in (1, 2))
    assert host.model.watchdog_ms is None


def test_a_foreign_stop_is_logged_as_a_stop_after_the_output_went_to_0() -> None:
    host = delivering()
    raw_answers(host, encode_frame(9, MsgType.STOP, 3, b"\x01\x02\x03"))
    names = [name for _, name, _ in host.sink.events]
    assert names[-2:] == ["output", "stop"]
    assert host.sink.of("nak") == []


# --- START: the order of its checks, the self-test, the battery (4.3) --------------------
def test_start_checks_the_watchdog_then_the_self_test_then_the_rest() -> None:
    host = Host(options(internal_fault_at="0.05", low_battery_at="0.05", lead_off="1@0.05"))
    host.run(0.1)
    assert nak(host.send(Start(0, 50))).field == 1  # BAD_CHANNEL first
    reply = nak(host.send(Start(0b01, 50)))
    assert (reply.code, reply.field) == (NakCode.OUT_OF_RANGE, 2)
    reply = nak(host.send(Start(0b01, 500)))
    assert (reply.code, reply.field) == (NakCode.INTERNAL, 0)
    assert host.model.state is DeviceState.IDLE
    assert Fault.INTERNAL in host.model.device_faults  # stays latched


def test_a_low_battery_is_refused_before_a_lead_off() -> None:
    host = Host(options(low_battery_at="0.05", lead_off="1@0.05"))
    host.run(0.1)
    reply = nak(host.send(Start(0b01, 500)))
    assert (reply.code, reply.field) == (NakCode.LOW_BATTERY, 0)


def test_a_start_of_the_wrong_length_is_bad_length_field_0() -> None:
    host = Host()
    host.send_raw(encode_frame(1, MsgType.START, 4, b"\x01\xf4"))
    reply = nak(host.received[-1][2])
    assert (reply.code, reply.field) == (NakCode.BAD_LENGTH, 0)


@pytest.mark.parametrize(
    ("battery_mv", "refused"),
    [
        (BATTERY_SUSTAIN_MV - 1, True),
        (BATTERY_SUSTAIN_MV, True),  # sustains output, but below the restart level
        (BATTERY_RESTART_MV - 1, True),
        (BATTERY_RESTART_MV, False),
    ],
)
def test_start_needs_the_battery_at_its_restart_level(battery_mv: int, refused: bool) -> None:
    assert BATTERY_SUSTAIN_MV < BATTERY_RESTART_MV
    channels = [Channel(1, CHANNEL_CAPS)]
    refusal = check_start(
        0b01, 500, channels=channels, self_test_passes=True, battery_mv=battery_mv
    )
    assert refusal == ((NakCode.LOW_BATTERY, 0) if refused else None)


def test_an_internal_fault_zeroes_everything_and_survives_a_reset() -> None:
    host = Host(options(internal_fault_at="0.5", reboot_at="1"))
    running(host)
    ack(host.send(setpoint(1, 5_000)))
    ack(host.send(setpoint(2, 5_000)))
    host.run(0.5)
    assert host.delivered(1) == host.delivered(2) == 0
    assert host.model.state is DeviceState.IDLE
    assert Fault.INTERNAL in host.telemetry()[-1].faults  # an event frame at once
    assert host.telemetry()[-1].uptime_ms == 500
    host.run(0.6)
    assert host.model.boot_count == 2
    assert Fault.INTERNAL in host.model.device_faults  # the power-on self-test fails again
    assert nak(host.send(Start(0b01, 0))).code is NakCode.INTERNAL


def test_start_while_running_adds_channels_and_re_arms_the_watchdog() -> None:
    host = Host()
    running(host, mask=0b01, watchdog=1000)
    ack(host.send(setpoint(1, 2_000)))
    host.run(0.1)
    assert ack(host.send(Start(0b10, 200))).applied == Start(0b10, 200)
    assert host.model.watchdog_ms == 200
    assert host.delivered(1) == 2_000  # channel 1 keeps going
    host.run(0.2)
    assert Fault.HOST_LOST in host.model.device_faults  # 200 ms, not 1 s


# --- HELLO (4.1) and the watchdog (7) ------------------------------------------------------
def test_a_hello_in_another_version_byte_does_not_refresh_the_watchdog() -> None:
    host = Host()
    running(host, watchdog=300)
    host.run(0.2)
    identity = host.send(Hello(1, 1), version=2)
    assert isinstance(identity, Identity)
    assert identity.selected_version == 1
    host.run(0.1)
    assert Fault.HOST_LOST in host.model.device_faults


def test_a_hello_of_the_wrong_length_in_version_1_is_nak_and_still_refreshes() -> None:
    host = Host()
    running(host, watchdog=300)
    host.run(0.2)
    (frame,) = raw_answers(host, encode_frame(1, MsgType.HELLO, 8, b"\x01\x01\x01"))
    reply = nak(decode_message(frame))
    assert (frame.version, reply.code, reply.field) == (1, NakCode.BAD_LENGTH, 0)
    host.run(0.2)
    assert host.model.state is DeviceState.RUNNING  # a NAKed request proves the host alive


@pytest.mark.parametrize(("low", "high"), [(2, 3), (2, 1), (1, 1)])
def test_hello_never_changes_output_or_state(low: int, high: int) -> None:
    host = delivering()
    host.send(Hello(low, high))
    assert host.model.state is DeviceState.RUNNING
    assert host.model.version == 1
    host.run(0.1)
    assert host.delivered(1) == 4_000


# --- event telemetry (4.9) -----------------------------------------------------------------
def test_a_fault_on_a_periodic_instant_is_reported_by_that_one_frame() -> None:
    host = Host(options(lead_off="2@0.1"))
    host.run(0.2)
    uptimes = [t.uptime_ms for t in host.telemetry()]
    assert uptimes == [50, 100, 150, 200]
    assert host.telemetry()[1].channels[1].lead is Lead.OFF


def test_a_watchdog_expiry_on_a_periodic_instant_is_reported_by_that_one_frame() -> None:
    host = Host()
    running(host, watchdog=200)
    host.run(0.25)
    at_200 = [t for t in host.telemetry() if t.uptime_ms == 200]
    assert len(at_200) == 1
    assert Fault.HOST_LOST in at_200[0].faults


def test_an_event_between_periodic_instants_adds_a_frame_and_keeps_the_grid() -> None:
    host = Host(options(lead_off="1@0.1234", lead_on="1@0.1701"))
    host.run(0.25)
    uptimes = [t.uptime_ms for t in host.telemetry()]
    assert uptimes == [50, 100, 123, 150, 170, 200, 250]
    seqs = [seq for _, seq, m in host.received if isinstance(m, Telemetry)]
    assert seqs == list(range(1, 8))  # BOOT took 0; every frame the next pushed seq
    assert [t.channels[0].lead for t in host.telemetry()][2:5] == [Lead.OFF, Lead.OFF, Lead.OK]


# --- SET at amplitude 0 on a faulted channel (4.5) -------------------------------------------
def test_an_amplitude_0_set_on_a_faulted_channel_is_acked_and_stores_nothing() -> None:
    host = Host(options(lead_off="1@0.2", lead_on="1@0.25"))
    running(host)
    first = setpoint(1, 2_000, rate_mhz=80_000, width_us=180)
    ack(host.send(first))
    host.run(0.3)
    assert Fault.LEAD_OFF in host.model.channel(1).faults
    sent = setpoint(1, 0, rate_mhz=120_000, width_us=250, waveform=1)
    assert ack(host.send(sent)).applied == sent  # echoed as asked
    status = host.model.channel(1)
    assert status.applied == first  # nothing stored: not the rate, width or waveform
    assert (status.setpoint_ua, status.output_ua, status.delivered_ua) == (0, 0, 0)
    assert nak(host.send(setpoint(1, 1_000))).code is NakCode.FAULT_LATCHED
