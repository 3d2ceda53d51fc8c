"""DeviceModel against firmware_protocol.md sections 4-8, in virtual time."""

from __future__ import annotations

import itertools

import pytest
from simhost import Host, ack, nak, options, setpoint

from tenscontrol.protocol import (
    Boot,
    DeviceState,
    Fault,
    Heartbeat,
    Hello,
    Identity,
    IdentityFlag,
    Lead,
    MsgType,
    NakCode,
    ResetReason,
    Start,
    Stop,
    Telemetry,
    encode_frame,
    encode_message,
)
from tenscontrol.protocol.vectors import SIM_CHANNEL

SLEW = 20_000  # uA/s


@pytest.fixture
def host() -> Host:
    return Host()


def running(host: Host, mask: int = 0b11, watchdog: int = 1000) -> None:
    ack(host.send(Start(mask, watchdog)))


# --- power-on, HELLO, framing ----------------------------------------------------------
def test_boot_is_first_frame_and_output_zero(host: Host) -> None:
    host.run(0.12)
    first = host.received[0]
    assert first[2] == Boot(ResetReason.POWER_ON)
    assert first[1] == 0
    assert [seq for _, seq, _ in host.received] == [0, 1, 2]
    assert host.model.state is DeviceState.IDLE
    assert all(host.delivered(n) == 0 for n in (1, 2))


def test_hello_answers_identity_with_simulator_flag(host: Host) -> None:
    identity = host.send(Hello(1, 3))
    assert isinstance(identity, Identity)
    assert identity.selected_version == 1
    assert identity.model == "TC-SIM-2"
    assert IdentityFlag.SIMULATOR in identity.flags
    assert identity.channels == (SIM_CHANNEL, SIM_CHANNEL)
    assert identity.slew_ua_per_s == SLEW


@pytest.mark.parametrize(("low", "high"), [(2, 3), (0, 0), (3, 1)])
def test_hello_without_common_version_selects_zero(host: Host, low: int, high: int) -> None:
    identity = host.send(Hello(low, high))
    assert isinstance(identity, Identity)
    assert identity.selected_version == 0
    assert host.model.version == 1


def test_hello_in_any_version_byte_is_answered(host: Host) -> None:
    assert isinstance(host.send(Hello(1, 1), version=7), Identity)


def test_wrong_version_is_nak_and_does_not_refresh_watchdog(host: Host) -> None:
    running(host, watchdog=200)
    host.run(0.15)
    reply = nak(host.send(Heartbeat(), version=2))
    assert reply.code is NakCode.UNSUPPORTED_VERSION
    host.run(0.06)
    assert Fault.HOST_LOST in host.model.device_faults


def test_unknown_type_and_bad_length(host: Host) -> None:
    host.send_raw(encode_frame(1, 0x42, 9, b""))
    reply = nak(host.received[-1][2])
    assert (reply.request_type, reply.code, reply.field) == (0x42, NakCode.UNKNOWN_TYPE, 0)
    assert host.received[-1][1] == 9
    for kind, payload in [(MsgType.HEARTBEAT, b"x"), (MsgType.START, b"\x01"), (MsgType.SET, b"")]:
        host.send_raw(encode_frame(1, kind, 3, payload))
        reply = nak(host.received[-1][2])
        assert (reply.request_type, reply.code) == (kind, NakCode.BAD_LENGTH)


def test_device_frame_types_from_host_are_unknown(host: Host) -> None:
    host.send_raw(encode_frame(1, MsgType.TELEMETRY, 1, b""))
    assert nak(host.received[-1][2]).code is NakCode.UNKNOWN_TYPE


def test_frame_errors_counted_and_reported(host: Host) -> None:
    bad = bytearray(encode_message(Heartbeat(), 7))
    bad[-2] ^= 1
    host.collect()
    assert host.send_raw(bytes(bad) + b"\x05\x11\x22\x00") == []
    assert host.model.frame_errors == 2
    assert len(host.sink.of("frame_error")) == 2
    host.run(0.05)
    assert host.telemetry()[-1].frame_errors == 2


# --- START -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mask", "watchdog", "code", "field"),
    [
        (0, 500, NakCode.BAD_CHANNEL, 1),
        (0b100, 500, NakCode.BAD_CHANNEL, 1),
        (0b11, 99, NakCode.OUT_OF_RANGE, 2),
        (0b11, 1001, NakCode.OUT_OF_RANGE, 2),
    ],
)
def test_start_refusals(host: Host, mask: int, watchdog: int, code: NakCode, field: int) -> None:
    reply = nak(host.send(Start(mask, watchdog)))
    assert (reply.code, reply.field) == (code, field)
    assert host.model.state is DeviceState.IDLE


def test_start_default_watchdog_and_echo(host: Host) -> None:
    reply = ack(host.send(Start(0b01, 0)))
    assert reply.applied == Start(0b01, 1000)
    assert host.model.state is DeviceState.RUNNING
    assert host.model.channel(1).enabled
    assert not host.model.channel(2).enabled


def test_start_refused_on_one_channel_device() -> None:
    host = Host(options(channels="1"))
    assert nak(host.send(Start(0b10, 500))).code is NakCode.BAD_CHANNEL


def test_start_keeps_other_channels_and_zeroes_named_ones(host: Host) -> None:
    running(host)
    ack(host.send(setpoint(1, 10_000)))
    ack(host.send(setpoint(2, 10_000)))
    host.run(0.2)
    assert host.delivered(1) == host.delivered(2) == 4_000
    ack(host.send(Start(0b10, 500)))
    assert host.delivered(1) == 4_000
    assert host.model.channel(2).setpoint_ua == 0
    assert host.delivered(2) == 0


# --- SET: every row of the table -------------------------------------------------------
def test_set_while_idle_is_bad_state(host: Host) -> None:
    reply = nak(host.send(setpoint(1, 1_000)))
    assert (reply.code, reply.field) == (NakCode.BAD_STATE, 0)


def test_set_on_channel_not_started_is_bad_state(host: Host) -> None:
    running(host, mask=0b01)
    reply = nak(host.send(setpoint(2, 1_000)))
    assert (reply.code, reply.field) == (NakCode.BAD_STATE, 0)


@pytest.mark.parametrize("channel", [0, 3, 255])
def test_set_bad_channel(host: Host, channel: int) -> None:
    running(host)
    reply = nak(host.send(setpoint(channel, 1_000)))
    assert (reply.code, reply.field) == (NakCode.BAD_CHANNEL, 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amplitude_ua": 80_001}, 2),
        ({"amplitude_ua": 2**32 - 1}, 2),
        ({"rate_mhz": 999}, 3),
        ({"rate_mhz": 150_001}, 3),
        ({"width_us": 49}, 4),
        ({"width_us": 301}, 4),
        ({"waveform": 2}, 5),
        ({"waveform": 255}, 5),
        ({"pattern": 2}, 6),
        ({"burst_mhz": 1}, 7),
        ({"pulses": 3}, 8),
        ({"pattern": 1, "burst_mhz": 999, "pulses": 5}, 7),
        ({"pattern": 1, "burst_mhz": 5_001, "pulses": 5}, 7),
        ({"pattern": 1, "burst_mhz": 2_000, "pulses": 1}, 8),
        ({"pattern": 1, "burst_mhz": 2_000, "pulses": 16}, 8),
        # a train of 10 pulses at 10 Hz lasts 1 s, the period of 1 train/s: too long
        ({"pattern": 1, "rate_mhz": 10_000, "burst_mhz": 1_000, "pulses": 10}, 8),
        # field order: the first bad field is named
        ({"amplitude_ua": 90_000, "rate_mhz": 1}, 2),
        ({"width_us": 1, "waveform": 9}, 4),
    ],
)
def test_set_out_of_range_names_the_first_field(
    host: Host, fields: dict[str, int], field: int
) -> None:
    running(host)
    reply = nak(host.send(setpoint(1, **fields)))
    assert (reply.request_type, reply.code, reply.field) == (
        MsgType.SET,
        NakCode.OUT_OF_RANGE,
        field,
    )
    assert host.model.channel(1).setpoint_ua == 0


def test_set_limits_are_inclusive_and_burst_accepted(host: Host) -> None:
    running(host)
    ack(host.send(setpoint(1, 80_000, 150_000, 300)))
    ack(host.send(setpoint(1, 0, 1_000, 50, waveform=1)))
    burst = setpoint(2, 15_500, 100_000, 200, 1, 1, 2_000, 7)
    assert ack(host.send(burst)).applied == burst
    # just short of the burst period: 9 pulses at 10 Hz in a 1 s period
    ack(host.send(setpoint(2, 1_000, 10_000, 200, 0, 1, 1_000, 9)))


def test_set_with_fault_latched(host: Host) -> None:
    host = Host(options(lead_off="1@0.1", lead_on="1@0.2"))
    running(host)
    host.run(0.3)
    reply = nak(host.send(setpoint(1, 1_000)))
    assert (reply.code, reply.field) == (NakCode.FAULT_LATCHED, 0)
    # amplitude 0 is accepted and changes nothing, but is still range-checked
    ack(host.send(setpoint(1, 0)))
    assert nak(host.send(setpoint(1, 0, rate_mhz=1))).field == 3
    assert host.model.channel(1).setpoint_ua == 0
    # channel 2 is unaffected
    ack(host.send(setpoint(2, 1_000)))


def test_set_echo_and_never_clamps(host: Host) -> None:
    running(host)
    sent = setpoint(1, 12_345, 80_000, 180)
    assert ack(host.send(sent)).applied == sent
    assert host.model.channel(1).setpoint_ua == 12_345


# --- slew ------------------------------------------------------------------------------
def test_slew_rate_is_exact(host: Host) -> None:
    running(host)
    ack(host.send(setpoint(1, 20_000)))
    for _ in range(20):
        host.run(0.013)
        elapsed_us = round(host.clock.monotonic() * 1e6) - 0
        assert host.delivered(1) <= SLEW * elapsed_us // 1_000_000
    ack(host.send(Heartbeat()))
    host.run(0.8)
    assert host.delivered(1) == 20_000
    samples = [t.channels[0].delivered_ua for t in host.telemetry()]
    steps = [b - a for a, b in itertools.pairwise(samples)]
    assert max(steps) == 1_000  # 20 mA/s over 50 ms
    assert samples == sorted(samples)


def test_slew_from_exact_start_time() -> None:
    host = Host()
    host.run(0.0371)
    running(host)
    ack(host.send(setpoint(1, 5_000)))
    host.run(0.1)
    assert host.delivered(1) == 2_000
    host.run(0.000049)
    assert host.delivered(1) == 2_000
    host.run(0.000001)
    assert host.delivered(1) == 2_001


def test_drop_is_instant_and_rise_resumes_from_there(host: Host) -> None:
    running(host)
    ack(host.send(setpoint(1, 20_000)))
    host.run(0.5)
    assert host.delivered(1) == 10_000
    ack(host.send(setpoint(1, 3_000)))
    assert host.delivered(1) == 3_000
    ack(host.send(setpoint(1, 5_000)))
    host.run(0.05)
    assert host.delivered(1) == 4_000


def test_output_events_logged_for_every_change(host: Host) -> None:
    running(host)
    ack(host.send(setpoint(1, 2_000)))
    host.run(0.2)
    ack(host.send(setpoint(1, 0)))
    values = [e["amplitude_ua"] for e in host.sink.of("output")]
    assert values == [1_000, 2_000, 0]


# --- STOP ------------------------------------------------------------------------------
def test_stop_zeroes_disables_and_keeps_latches(host: Host) -> None:
    host = Host(options(lead_off="2@0.05", lead_on="2@0.06"))
    running(host, mask=0b01)
    ack(host.send(setpoint(1, 10_000)))
    host.run(0.3)
    assert host.delivered(1) > 0
    assert ack(host.send(Stop())).applied is None
    assert host.delivered(1) == 0
    assert host.model.state is DeviceState.IDLE
    assert host.model.watchdog_ms is None
    assert Fault.LEAD_OFF in host.model.channel(2).faults
    assert nak(host.send(setpoint(1, 1_000))).code is NakCode.BAD_STATE
    ack(host.send(Stop()))  # idempotent, in every state


def test_stop_ack_comes_after_output_is_zero(host: Host) -> None:
    running(host)
    ack(host.send(setpoint(1, 10_000)))
    host.run(0.2)
    host.send(Stop())
    names = [name for _, name, _ in host.sink.events]
    assert names[-2:] == ["output", "stop"]


# --- watchdog --------------------------------------------------------------------------
def test_watchdog_expiry_zeroes_and_latches_host_lost(host: Host) -> None:
    running(host, watchdog=500)
    ack(host.send(setpoint(1, 20_000)))
    host.run(0.4999)
    assert host.delivered(1) > 0
    host.run(0.0001)
    assert host.delivered(1) == 0
    assert host.model.state is DeviceState.IDLE
    assert Fault.HOST_LOST in host.model.device_faults
    assert host.sink.of("watchdog") == [{"timeout_ms": 500}]
    # an immediate telemetry frame reports it
    assert Fault.HOST_LOST in host.telemetry()[-1].faults
    assert nak(host.send(setpoint(1, 1_000))).code is NakCode.BAD_STATE
    ack(host.send(Stop()))
    assert Fault.HOST_LOST in host.model.device_faults
    running(host)
    assert Fault.HOST_LOST not in host.model.device_faults


@pytest.mark.parametrize("request_", [Heartbeat(), Hello(1, 1), Start(0b01, 300)])
def test_every_valid_request_refreshes_watchdog(host: Host, request_: object) -> None:
    running(host, watchdog=300)
    for _ in range(10):
        host.run(0.25)
        host.send(request_)  # type: ignore[arg-type]
    host.run(0.25)
    assert host.model.state is DeviceState.RUNNING
    # a NAKed request refreshes it too
    nak(host.send(setpoint(9, 0)))
    host.run(0.25)
    assert host.model.state is DeviceState.RUNNING


def test_corrupt_frames_do_not_refresh_watchdog(host: Host) -> None:
    running(host, watchdog=300)
    bad = bytearray(encode_message(Heartbeat(), 50))
    bad[3] ^= 0x40
    host.run(0.2)
    host.send_raw(bytes(bad))
    host.run(0.1)
    assert Fault.HOST_LOST in host.model.device_faults


# --- leads -----------------------------------------------------------------------------
def test_lead_off_zeroes_latches_and_blocks_start_until_lead_back() -> None:
    host = Host(options(lead_off="1@1", lead_on="1@2"))
    running(host)
    ack(host.send(setpoint(1, 20_000)))
    ack(host.send(setpoint(2, 5_000)))
    host.run(0.9)
    ack(host.send(Heartbeat()))
    host.run(0.1)
    assert host.delivered(1) == 0
    assert host.model.channel(1).lead is Lead.OFF
    assert Fault.LEAD_OFF in host.model.channel(1).faults
    assert host.delivered(2) == 5_000  # the other channel keeps going
    last = host.telemetry()[-1]
    assert last.uptime_ms == 1000
    assert last.channels[0].impedance_ohm == 0xFFFF
    assert Fault.LEAD_OFF in last.channels[0].faults
    reply = nak(host.send(Start(0b01, 1000)))
    assert (reply.code, reply.field) == (NakCode.LEAD_OFF, 1)
    host.run(0.9)
    ack(host.send(Heartbeat()))
    host.run(0.1)
    # lead is back: still 0, still latched, SET refused until a START names it
    assert host.model.channel(1).lead is Lead.OK
    assert host.delivered(1) == 0
    assert nak(host.send(setpoint(1, 1_000))).code is NakCode.FAULT_LATCHED
    assert [e["lead"] for e in host.sink.of("lead")] == ["off", "on"]
    ack(host.send(Start(0b01, 1000)))
    ack(host.send(setpoint(1, 1_000)))
    host.run(0.1)
    assert host.delivered(1) == 1_000


def test_lead_change_sends_telemetry_at_once() -> None:
    host = Host(options(lead_off="2@0.0123"))
    host.run(0.02)
    telemetry = host.telemetry()
    assert len(telemetry) == 1
    assert telemetry[0].uptime_ms == 12
    assert telemetry[0].channels[1].lead is Lead.OFF


# --- over-delivery, over-current -------------------------------------------------------
def test_overdelivery_latches_after_200_ms() -> None:
    host = Host(options(overdeliver="1@2:50"))
    running(host)
    ack(host.send(setpoint(1, 10_000)))
    host.run(0.9)
    ack(host.send(Heartbeat()))
    host.run(0.9)
    ack(host.send(Heartbeat()))
    host.run(0.2)
    assert host.delivered(1) == 15_000  # from t = 2 s: 50 % more than 10 mA
    ack(host.send(Heartbeat()))
    host.run(0.2)
    assert host.delivered(1) == 15_000
    assert Fault.OVER_DELIVERY not in host.model.channel(1).faults
    host.run(0.000001)  # more than 200 ms now
    assert host.delivered(1) == 0
    assert Fault.OVER_DELIVERY in host.model.channel(1).faults
    assert nak(host.send(setpoint(1, 1_000))).code is NakCode.FAULT_LATCHED


def test_overdelivery_within_margin_is_tolerated() -> None:
    host = Host(options(overdeliver="1@0:10"))
    running(host)
    ack(host.send(setpoint(1, 10_000)))  # 11 mA measured: 1 mA above, margin 2 mA
    for _ in range(10):
        host.run(0.2)
        ack(host.send(Heartbeat()))
    assert host.delivered(1) == 11_000
    assert host.model.all_faults == Fault.NONE


def test_overdelivery_during_ramp_trips_200_ms_after_crossing() -> None:
    host = Host(options(overdeliver="1@0:100"))
    running(host)
    ack(host.send(setpoint(1, 10_000)))
    # measured = 2 x output > 12_000 once output reaches 6_001 at t = 0.30005 s
    host.run(0.50005)
    assert host.model.channel(1).faults == Fault.NONE
    host.run(0.000001)
    assert Fault.OVER_DELIVERY in host.model.channel(1).faults


def test_overcurrent_is_immediate() -> None:
    host = Host(options(overdeliver="1@0:10"))
    running(host)
    ack(host.send(setpoint(1, 80_000)))
    for _ in range(19):
        host.run(0.2)
        ack(host.send(Heartbeat()))
    # output 72_729 uA x 1.1 = 80_001.9 > 80 mA: reached at 3.63645 s
    assert host.model.channel(1).faults == Fault.OVER_CURRENT
    assert host.delivered(1) == 0
    faults = host.sink.of("fault")
    assert faults == [{"channel": 1, "fault": "OVER_CURRENT"}]
    fault_time = next(t for t, name, _ in host.sink.events if name == "fault")
    assert fault_time == pytest.approx(3.63645, abs=1e-6)
    assert max(e["amplitude_ua"] for e in host.sink.of("output")) == 80_001  # type: ignore[type-var]


# --- low battery, reboot, unplug -------------------------------------------------------
def test_low_battery_zeroes_everything_and_refuses_start() -> None:
    host = Host(options(low_battery_at="0.5"))
    running(host)
    ack(host.send(setpoint(1, 5_000)))
    host.run(0.5)
    assert host.delivered(1) == 0
    assert host.model.state is DeviceState.IDLE
    assert Fault.LOW_BATTERY in host.model.device_faults
    last = host.telemetry()[-1]
    assert last.battery_pct < 10
    reply = nak(host.send(Start(0b01, 0)))
    assert reply.code is NakCode.LOW_BATTERY


def test_reboot_sends_boot_and_resets_everything() -> None:
    host = Host(options(reboot_at="1.01"))
    running(host)
    ack(host.send(setpoint(1, 5_000)))
    bad = bytearray(encode_message(Heartbeat(), 1))
    bad[2] ^= 1
    host.send_raw(bytes(bad))
    host.run(0.9)
    ack(host.send(Heartbeat()))
    host.received.clear()
    host.run(0.2)
    boots = [(seq, m) for _, seq, m in host.received if isinstance(m, Boot)]
    assert boots == [(0, Boot(ResetReason.MCU_WATCHDOG))]
    after = [m for _, _, m in host.received if not isinstance(m, Telemetry)]
    assert after == [Boot(ResetReason.MCU_WATCHDOG)]
    seqs = [seq for _, seq, m in host.received]
    assert seqs[seqs.index(0) :] == list(range(len(seqs) - seqs.index(0)))
    assert host.delivered(1) == 0
    assert host.model.state is DeviceState.IDLE
    assert host.model.frame_errors == 0
    assert host.model.boot_count == 2
    last = host.telemetry()[-1]
    assert last.uptime_ms < 200
    assert nak(host.send(setpoint(1, 1_000))).code is NakCode.BAD_STATE


def test_unplug_stops_everything() -> None:
    host = Host(options(unplug_at="0.2"))
    running(host)
    ack(host.send(setpoint(1, 5_000)))
    host.run(0.3)
    assert host.model.unplugged
    assert host.delivered(1) == 0
    assert host.model.next_event_time() == float("inf")
    host.model.receive(encode_message(Heartbeat(), 1), 0.4)
    assert host.model.take_output() == b""


# --- telemetry -------------------------------------------------------------------------
def test_telemetry_every_50_ms_in_every_state(host: Host) -> None:
    host.run(1.0)
    running(host)
    ack(host.send(setpoint(1, 3_000)))
    for _ in range(10):
        host.run(0.1)
        host.send(Heartbeat())
    ack(host.send(Stop()))
    host.run(1.0)
    uptimes = [t.uptime_ms for t in host.telemetry()]
    assert uptimes == list(range(50, 3001, 50))
    states = {t.state for t in host.telemetry()}
    assert states == {DeviceState.IDLE, DeviceState.RUNNING}
    running_frames = [t for t in host.telemetry() if t.state is DeviceState.RUNNING]
    assert running_frames[-1].channels[0].setpoint_ua == 3_000
    assert isinstance(host.telemetry()[0], Telemetry)
