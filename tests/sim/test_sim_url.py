"""sim:// through real pyserial, on a virtual clock; fault injection; options; event log."""

from __future__ import annotations

import importlib
import json
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from tenscontrol import sim
from tenscontrol.clock import RealClock, VirtualClock
from tenscontrol.conformance.host import SpecHost
from tenscontrol.errors import UserInputError
from tenscontrol.protocol import (
    Ack,
    Boot,
    Frame,
    FrameDecoder,
    Heartbeat,
    Hello,
    Identity,
    IdentityFlag,
    Lead,
    Pattern,
    ResetReason,
    Setpoint,
    Start,
    Stop,
    Telemetry,
    Waveform,
    decode_message,
    encode_message,
)
from tenscontrol.sim import open_simulator, parse_query
from tenscontrol.sim.faults import LeadChange, OverDeliver, SimOptions, parse_options
from tenscontrol.sim.protocol_sim import Serial as SimSerial
from tenscontrol.transport import register_simulator

SET_10MA = Setpoint(1, 10_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0)


def client_of(port: SimSerial) -> SpecHost:
    """The reference host on a sim:// port, timing out on the port's (virtual) clock."""
    return SpecHost(port, now=port.clock.monotonic)


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    register_simulator()
    vc = VirtualClock()
    sim.register_clock("test", vc)
    yield vc
    sim.unregister_clock("test")


def open_sim(query: str = "") -> SimSerial:
    sep = "&" if query else ""
    port = serial.serial_for_url(f"sim://?clock=test{sep}{query}", timeout=0.05)
    assert isinstance(port, SimSerial)
    return port


def test_handler_module_imports_directly() -> None:
    module = importlib.import_module("tenscontrol.sim.protocol_sim")
    assert issubclass(module.Serial, serial.SerialBase)


def test_register_is_idempotent() -> None:
    register_simulator()
    register_simulator()
    assert serial.protocol_handler_packages.count("tenscontrol.sim") == 1


def test_session_through_pyserial_in_virtual_time(clock: VirtualClock) -> None:
    wall_start = time.monotonic()
    port = open_sim()
    assert port.clock is clock
    client = client_of(port)
    client.resync()
    identity = client.request(Hello(1, 1))
    assert isinstance(identity, Identity)
    assert IdentityFlag.SIMULATOR in identity.flags
    assert client.messages[0] == (0, Boot(ResetReason.POWER_ON))
    assert isinstance(client.request(Start(0b01, 500)), Ack)
    assert isinstance(client.request(SET_10MA), Ack)
    for _ in range(40):  # 40 x ~0.1 s of virtual time
        assert isinstance(client.request(Heartbeat()), Ack)
    assert port.model.channel(1).delivered_ua == 10_000
    assert isinstance(client.request(Stop()), Ack)
    assert port.model.channel(1).delivered_ua == 0
    assert clock.monotonic() > 2.0
    assert time.monotonic() - wall_start < 2.0
    port.close()
    port.close()


def test_read_with_timeout_advances_virtual_clock(clock: VirtualClock) -> None:
    port = open_sim()
    port.timeout = 1.0
    data = port.read(10_000)
    assert clock.monotonic() == pytest.approx(1.0)
    frames = [decode_message(f) for f in FrameDecoder().feed(data) if isinstance(f, Frame)]
    assert len([f for f in frames if isinstance(f, Telemetry)]) == 20
    port.timeout = 0
    assert port.read(100) == b""
    assert port.in_waiting == 0
    clock.advance(0.05)
    assert port.in_waiting > 0
    port.reset_input_buffer()
    assert port.in_waiting == 0
    port.flush()
    port.reset_output_buffer()
    port.close()


def test_real_clock_read_waits_without_spinning() -> None:
    register_simulator()
    port = serial.serial_for_url("sim://", timeout=0.3)
    assert isinstance(port, SimSerial)
    port.write(b"\x00" + encode_message(Hello(1, 1), 0))
    cpu, wall = time.process_time(), time.monotonic()
    data = port.read(100_000)
    assert time.monotonic() - wall >= 0.29
    assert time.process_time() - cpu < 0.1
    messages = [decode_message(f) for f in FrameDecoder().feed(data) if isinstance(f, Frame)]
    assert isinstance(messages[1], Identity)
    assert 4 <= len([m for m in messages if isinstance(m, Telemetry)]) <= 12
    port.close()


def test_cancel_read_ends_a_blocking_read_at_once() -> None:
    # The driver's I/O thread relies on this to send a STOP without waiting out a read.
    register_simulator()
    port = serial.serial_for_url("sim://", timeout=5.0)
    assert isinstance(port, SimSerial)
    port.reset_input_buffer()
    reader = threading.Thread(target=port.read, args=(100_000,))
    wall = time.monotonic()
    reader.start()
    port.cancel_read()
    reader.join(timeout=2.0)
    assert not reader.is_alive()
    assert time.monotonic() - wall < 1.0
    port.close()


def test_watchdog_through_port(clock: VirtualClock) -> None:
    port = open_sim()
    client = client_of(port)
    client.request(Start(0b01, 200))
    client.request(SET_10MA)
    port.timeout = 0.5
    client.pump()
    assert port.model.channel(1).delivered_ua == 0
    last = [m for _, m in client.messages if isinstance(m, Telemetry)][-1]
    assert last.channels[0].delivered_ua == 0
    assert last.faults != 0


def test_unplug_raises_serial_exception(clock: VirtualClock) -> None:
    port = open_sim("unplug_at=0.3")
    port.timeout = 0.2
    port.read(10_000)
    with pytest.raises(serial.SerialException):
        port.read(10_000)
    with pytest.raises(serial.SerialException):
        port.write(b"\x00")


def test_latency_delays_responses(clock: VirtualClock) -> None:
    port = open_sim("latency_ms=40")
    port.timeout = 0.2
    port.read(10_000)
    sent_at = clock.monotonic()
    port.write(encode_message(Heartbeat(), 5))
    port.timeout = 0
    decoder = FrameDecoder()
    found = None
    while found is None:
        port.timeout = 0.001
        for f in decoder.feed(port.read(1000)):
            if isinstance(f, Frame) and f.msg_type == 0x82:
                found = clock.monotonic()
    assert found - sent_at == pytest.approx(0.080, abs=0.0011)


def run_noisy(clock: VirtualClock, seed: int) -> tuple[list[tuple[int, str]], int, int]:
    port = open_sim(f"seed={seed}&corrupt_rate=0.01&drop_rate=0.05")
    client = client_of(port)
    answered = 0
    for _ in range(60):
        if client.request(Heartbeat()) is not None:
            answered += 1
    trace = [(seq, type(m).__name__) for seq, m in client.messages]
    device_errors = port.model.frame_errors
    port.close()
    return trace, answered, device_errors + 1000 * client.frame_errors


def test_fault_injection_is_deterministic_for_a_seed(clock: VirtualClock) -> None:
    first = run_noisy(clock, 7)
    again = run_noisy(clock, 7)
    other = run_noisy(clock, 8)
    assert first == again
    assert first != other
    _trace, answered, errors = first
    assert 0 < answered < 60
    assert errors > 0


def test_url_errors(clock: VirtualClock) -> None:
    with pytest.raises(UserInputError, match="corrupt_rate"):
        serial.serial_for_url("sim://?corrupt_rate=2")
    with pytest.raises(UserInputError, match="not registered"):
        serial.serial_for_url("sim://?clock=nope")
    with pytest.raises(UserInputError, match="unknown simulator option 'bogus'"):
        serial.serial_for_url("sim://?bogus=1")


def test_event_log_file(clock: VirtualClock, tmp_path: Path) -> None:
    log = tmp_path / "sim.jsonl"
    port = open_sim(f"log={log}&lead_off=2@0.3")
    client = client_of(port)
    client.request(Start(0b01, 500))
    client.request(SET_10MA)
    port.timeout = 0.2
    client.pump()
    client.request(Stop())
    port.close()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(isinstance(r["t"], float) and "event" in r for r in lines)
    assert lines[0]["event"] == "boot"
    assert lines[0]["t"] == pytest.approx(clock.wall() - clock.monotonic(), abs=1e-6)
    events = {r["event"] for r in lines}
    assert {"boot", "start", "set", "output", "stop", "lead", "fault"} <= events
    outputs = [r["amplitude_ua"] for r in lines if r["event"] == "output"]
    assert outputs[-1] == 0
    assert max(outputs) > 0
    times = [r["t"] for r in lines]
    assert times == sorted(times)


# --- option parsing --------------------------------------------------------------------
def test_parse_all_options() -> None:
    options = parse_options(
        [
            ("seed", "3"),
            ("corrupt_rate", "0.001"),
            ("drop_rate", "0"),
            ("latency_ms", "20"),
            ("lead_off", "1@2.5"),
            ("lead_off", "2@3"),
            ("lead_on", "1@4"),
            ("reboot_at", "10"),
            ("unplug_at", "11.000001"),
            ("overdeliver", "1@3:50"),
            ("low_battery_at", "12"),
            ("log", "x.jsonl"),
            ("channels", "2"),
        ]
    )
    assert options.seed == 3
    assert options.lead_changes == (
        LeadChange(1, 2_500_000, True),
        LeadChange(2, 3_000_000, True),
        LeadChange(1, 4_000_000, False),
    )
    assert options.overdeliver == (OverDeliver(1, 3_000_000, 50),)
    assert options.unplug_at_us == 11_000_001
    assert options.link_impaired


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("seed", "-1", "seed='-1'"),
        ("corrupt_rate", "abc", "corrupt_rate='abc'"),
        ("drop_rate", "1.5", "drop_rate=1.5"),
        ("latency_ms", "99999", "latency_ms=99999"),
        ("lead_off", "3@1", "lead_off=3@1"),
        ("lead_on", "1-2", "lead_on='1-2'"),
        ("reboot_at", "-3", "reboot_at='-3'"),
        ("unplug_at", "1e3", "unplug_at='1e3'"),
        ("overdeliver", "1@2", "overdeliver='1@2'"),
        ("overdeliver", "1@2:0", "overdeliver=1@2:0"),
        ("low_battery_at", "", "low_battery_at=''"),
        ("channels", "3", "channels=3"),
        ("log", "", "log needs a value"),
    ],
)
def test_bad_option_values(name: str, value: str, needle: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_options([(name, value)])
    message = str(caught.value)
    assert needle in message
    assert "\n" not in message


def test_repeats_and_channel_count() -> None:
    with pytest.raises(UserInputError, match="reboot_at given twice"):
        parse_options([("reboot_at", "1"), ("reboot_at", "2")])
    with pytest.raises(UserInputError, match="channel 2"):
        parse_options([("channels", "1"), ("lead_off", "2@1")])
    with pytest.raises(UserInputError, match="clock"):
        parse_options([("clock", "x")])


# --- open_simulator: the direct way, no URL, no registry -------------------------------
def test_open_simulator_runs_on_the_given_clock(tmp_path: Path) -> None:
    clock = VirtualClock()
    log = tmp_path / "sim.jsonl"
    port = open_simulator(parse_query(f"log={log}&lead_off=2@0.3"), clock=clock, timeout_s=0.05)
    assert port.clock is clock
    client = client_of(port)
    client.resync()
    assert isinstance(client.request(Hello(1, 1)), Identity)
    assert isinstance(client.request(Start(0b01, 500)), Ack)
    assert isinstance(client.request(SET_10MA), Ack)
    port.timeout = 0.5
    client.pump()
    assert clock.monotonic() > 0.5
    assert port.model.channel(2).lead is Lead.OFF
    port.close()
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert events[0] == "boot"
    assert "lead" in events


def test_open_simulator_defaults_and_refusals() -> None:
    port = open_simulator()
    assert port.is_open
    assert port.timeout == 0.02
    assert isinstance(port.clock, RealClock)
    with pytest.raises(serial.SerialException, match="already open"):
        port.power_on(SimOptions(), RealClock())
    port.close()
    with pytest.raises(UserInputError, match="clock"):
        parse_query("clock=x")
    assert parse_query("clock=x", url=True).clock == "x"
    assert parse_query("") == SimOptions()
