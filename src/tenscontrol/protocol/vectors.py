"""Test vectors of firmware_protocol.md section 10, and the JSON view of a message.

``python -m tenscontrol.protocol.vectors`` prints the vector section in Markdown; the
spec embeds that output and ``tests/protocol/test_spec_vectors.py`` checks the spec's copy
against the codec in both directions.
"""

from __future__ import annotations

import dataclasses
import json
from enum import IntEnum, IntFlag
from typing import Any

from tenscontrol.protocol.codec import encode_message, message_type
from tenscontrol.protocol.constants import (
    DeviceState,
    Fault,
    IdentityFlag,
    Lead,
    MsgType,
    NakCode,
    Pattern,
    ResetReason,
    Waveform,
)
from tenscontrol.protocol.framing import encode_frame
from tenscontrol.protocol.messages import (
    Ack,
    Boot,
    ChannelCapabilities,
    ChannelTelemetry,
    Heartbeat,
    Hello,
    Identity,
    Message,
    Nak,
    Setpoint,
    Start,
    Stop,
    Telemetry,
)


def to_jsonable(value: object) -> Any:
    """A message (or part of one) as plain JSON data: flags as name lists, enums as names."""
    if isinstance(value, IntFlag):
        return [f.name for f in type(value) if f.value and f in value]
    if isinstance(value, IntEnum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    return value


SIM_CHANNEL = ChannelCapabilities(
    max_amplitude_ua=80_000,
    rate_min_mhz=1_000,
    rate_max_mhz=150_000,
    width_min_us=50,
    width_max_us=300,
    waveforms=0b11,
    patterns=0b11,
    burst_rate_min_mhz=1_000,
    burst_rate_max_mhz=5_000,
    pulses_per_burst_min=2,
    pulses_per_burst_max=15,
)

_CONTINUOUS = Setpoint(
    1, 20_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0
)
_BURST = Setpoint(2, 15_500, 100_000, 200, Waveform.ASYMMETRIC_BIPHASIC, Pattern.BURST, 2_000, 7)

#: (name, note, seq, message) for every well-formed vector.
VECTORS: list[tuple[str, str, int, Message]] = [
    ("hello", "host -> device; seq 0, so the header holds zeros COBS must stuff", 0, Hello(1, 1)),
    (
        "identity",
        "device -> host; the simulator's identity, two channels",
        0,
        Identity(
            selected_version=1,
            minor_version=0,
            device_min_version=1,
            device_max_version=1,
            flags=IdentityFlag.SIMULATOR,
            firmware=(0, 1, 0),
            model="TC-SIM-2",
            serial_number="SIM00001",
            watchdog_min_ms=100,
            watchdog_max_ms=1_000,
            watchdog_default_ms=1_000,
            telemetry_period_ms=50,
            slew_ua_per_s=20_000,
            channels=(SIM_CHANNEL, SIM_CHANNEL),
        ),
    ),
    ("start", "host -> device; channels 1 and 2, watchdog 500 ms", 1, Start(0b11, 500)),
    ("ack-start", "device -> host", 1, Ack(MsgType.START, Start(0b11, 500))),
    ("set-continuous", "channel 1: 20 mA, 80 Hz, 180 us, continuous", 2, _CONTINUOUS),
    ("ack-set", "device -> host; echoes the setpoint as applied", 2, Ack(MsgType.SET, _CONTINUOUS)),
    ("set-burst", "channel 2: 15.5 mA, 7 pulses at 100 Hz, 2 trains/s", 3, _BURST),
    (
        "nak-out-of-range",
        "device -> host; a SET asked 90 mA: field 2 (amplitude_ua) out of range",
        4,
        Nak(MsgType.SET, NakCode.OUT_OF_RANGE, 2),
    ),
    ("heartbeat", "host -> device", 5, Heartbeat()),
    ("ack-heartbeat", "device -> host", 5, Ack(MsgType.HEARTBEAT)),
    ("stop", "host -> device; seq 256 puts a zero in the sequence id", 256, Stop()),
    ("ack-stop", "device -> host; sent only once output is 0", 256, Ack(MsgType.STOP)),
    (
        "telemetry",
        "device -> host, pushed (device counter 42); channel 2's lead is off",
        42,
        Telemetry(
            state=DeviceState.RUNNING,
            faults=Fault.LEAD_OFF,
            battery_mv=3_950,
            battery_pct=87,
            uptime_ms=123_456,
            frame_errors=3,
            channels=(
                ChannelTelemetry(20_000, 18_400, Lead.OK, 820, Fault.NONE),
                ChannelTelemetry(0, 0, Lead.OFF, 0xFFFF, Fault.LEAD_OFF),
            ),
        ),
    ),
    ("boot", "device -> host, pushed after a power-on reset", 0, Boot(ResetReason.POWER_ON)),
]


def _corrupt_crc() -> bytes:
    good = bytearray(encode_message(Heartbeat(), 7))
    good[-2] ^= 0x01  # flip one bit of the CRC's last byte (before the delimiter)
    return bytes(good)


#: (name, note, wire bytes) for frames a receiver MUST drop.
DROP_VECTORS: list[tuple[str, str, bytes]] = [
    (
        "bad-crc",
        "HEARTBEAT seq 7 with one CRC bit flipped: drop, count a frame error",
        _corrupt_crc(),
    ),
    (
        "bad-stuffing",
        "a COBS code byte pointing past the delimiter: drop",
        bytes.fromhex("05 11 22 00"),
    ),
]

#: A frame that decodes but must be refused by a device: NAK UNSUPPORTED_VERSION.
WRONG_VERSION = ("wrong-version", "HEARTBEAT written in major version 2: answered NAK 3", 9)


def render_markdown() -> str:
    """The vectors as Markdown blocks, as embedded in firmware_protocol.md."""
    blocks: list[str] = []
    for index, (name, note, seq, message) in enumerate(VECTORS, start=1):
        record = {
            "name": name,
            "version": 1,
            "type": message_type(message).name,
            "seq": seq,
            "fields": to_jsonable(message),
        }
        wire = encode_message(message, seq)
        blocks.append(_block(index, name, note, wire, record))
    base = len(VECTORS)
    for offset, (name, note, wire) in enumerate(DROP_VECTORS, start=1):
        blocks.append(_block(base + offset, name, note, wire, {"name": name, "expect": "drop"}))
    name, note, seq = WRONG_VERSION
    wire = encode_frame(2, MsgType.HEARTBEAT, seq, b"")
    record = {"name": name, "version": 2, "type": "HEARTBEAT", "seq": seq, "fields": {}}
    record["expect"] = "nak UNSUPPORTED_VERSION"
    blocks.append(_block(base + len(DROP_VECTORS) + 1, name, note, wire, record))
    return "\n".join(blocks)


def _block(index: int, name: str, note: str, wire: bytes, record: dict[str, Any]) -> str:
    return (
        f"### V{index}: {name}\n\n{note}.\n\n"
        f"```frame\n{wire.hex(' ')}\n```\n\n"
        f"```json\n{json.dumps(record, indent=None)}\n```\n"
    )


if __name__ == "__main__":
    print(render_markdown())
