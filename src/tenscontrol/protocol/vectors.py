"""Test vectors of firmware_protocol.md section 11, and the JSON view of a message.

``python -m tenscontrol.protocol.vectors`` prints the vector section in Markdown; the
spec embeds that output and ``tests/protocol/test_spec_vectors.py`` checks the spec's copy
against the codec in both directions.
"""

from __future__ import annotations

import dataclasses
import json
from enum import IntEnum, IntFlag
from typing import Any

from tenscontrol.protocol.codec import encode_message, encode_payload, message_type
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

#: The simulator's IDENTITY (``tests/sim/test_sim_identity.py`` checks that they agree).
SIM_IDENTITY = Identity(
    selected_version=1,
    minor_version=1,
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
)

#: (name, note, seq, message) for every well-formed vector.
VECTORS: list[tuple[str, str, int, Message]] = [
    ("hello", "host -> device; seq 0, so the header holds zeros COBS must stuff", 0, Hello(1, 1)),
    ("identity", "device -> host; the simulator's identity, two channels", 0, SIM_IDENTITY),
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


#: (name, note, wire bytes, JSON record) of the vectors 1.1 added (V18 on): requests whose
#: answer 1.1 defines (``expect``), device answers it names, and a malformed IDENTITY.
#: A record with ``payload_len`` instead of ``fields`` carries a payload that does not fit
#: its type's layout; the frame shows its bytes.
VECTORS_1_1: list[tuple[str, str, bytes, dict[str, Any]]] = []


def _expecting(
    name: str, note: str, message: Message, seq: int, expect: str, *, version: int = 1
) -> None:
    """A well-formed request (in any version byte) and the answer a device gives it."""
    record = {
        "name": name,
        "version": version,
        "type": message_type(message).name,
        "seq": seq,
        "fields": to_jsonable(message),
        "expect": expect,
    }
    VECTORS_1_1.append((name, note, encode_message(message, seq, version), record))


def _odd_payload(
    name: str, note: str, msg_type: MsgType, seq: int, payload: bytes, expect: str, version: int
) -> None:
    """A frame whose payload does not fit ``msg_type``'s layout, and what a receiver does."""
    record = {
        "name": name,
        "version": version,
        "type": msg_type.name,
        "seq": seq,
        "payload_len": len(payload),
        "expect": expect,
    }
    VECTORS_1_1.append((name, note, encode_frame(version, msg_type, seq, payload), record))


def _answer(name: str, note: str, message: Message, seq: int) -> None:
    """A well-formed device answer, as the vectors V1-V14 are."""
    record = {
        "name": name,
        "version": 1,
        "type": message_type(message).name,
        "seq": seq,
        "fields": to_jsonable(message),
    }
    VECTORS_1_1.append((name, note, encode_message(message, seq), record))


def _seven_channel_identity() -> bytes:
    """The simulator's IDENTITY payload with a channel count of 7 (235 bytes: it would fit
    the 240-byte payload, but 1.1 bounds the count at 6)."""
    head = encode_payload(dataclasses.replace(SIM_IDENTITY, channels=()))  # ends in count 0
    one = encode_payload(dataclasses.replace(SIM_IDENTITY, channels=(SIM_CHANNEL,)))[len(head) :]
    return head[:-1] + bytes([7]) + one * 7


_expecting(
    "stop-foreign-version",
    "STOP written in version byte 2 to a device on version 1: output stops at once and it"
    " is answered ACK(STOP) in version 1, echoing seq 10",
    Stop(),
    10,
    "ack STOP",
    version=2,
)
_odd_payload(
    "stop-with-payload",
    "STOP carrying 2 stray bytes: output stops at once and it is answered ACK(STOP), echoing"
    " seq 11 (1.0 answered NAK BAD_LENGTH)",
    MsgType.STOP,
    11,
    bytes.fromhex("a5 5a"),
    "ack STOP",
    1,
)
_expecting(
    "hello-foreign-version",
    "HELLO(1, 1) written in version byte 2: answered IDENTITY selecting 1, in version 1;"
    " it does not refresh the watchdog, because it is not in the negotiated version byte",
    Hello(1, 1),
    12,
    "identity selected 1; no watchdog refresh",
    version=2,
)
_odd_payload(
    "hello-bad-length-foreign-version",
    "HELLO of 1 byte in version byte 2: the type is recognised in any version byte, then"
    " the length is checked: NAK BAD_LENGTH field 0, in version 1 (the version in force)",
    MsgType.HELLO,
    13,
    b"\x01",
    "nak BAD_LENGTH",
    2,
)
_expecting(
    "hello-empty-range",
    "HELLO(2, 1): min above max is a range with no version in it: IDENTITY selecting 0;"
    " the version in force does not change",
    Hello(2, 1),
    14,
    "identity selected 0",
)
_expecting(
    "start-first-refusal",
    "START with mask 0 and watchdog 50 ms, two faults: the first check in START's order"
    " answers, NAK BAD_CHANNEL field 1",
    Start(0, 50),
    15,
    "nak BAD_CHANNEL field 1",
)
_answer(
    "nak-low-battery",
    "device -> host; a START refused while the battery is below the restart level: field 0",
    Nak(MsgType.START, NakCode.LOW_BATTERY, 0),
    16,
)
_answer(
    "nak-internal",
    "device -> host; a START refused because the self-test failed: field 0",
    Nak(MsgType.START, NakCode.INTERNAL, 0),
    17,
)
_odd_payload(
    "identity-seven-channels",
    "device -> host; the simulator's IDENTITY claiming 7 channels: malformed (at most 6),"
    " a host drops it and never acts on it",
    MsgType.IDENTITY,
    0,
    _seven_channel_identity(),
    "malformed",
    1,
)


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
    base += len(DROP_VECTORS) + 1
    for offset, (name, note, wire, record) in enumerate(VECTORS_1_1, start=1):
        blocks.append(_block(base + offset, name, note, wire, record))
    return "\n".join(blocks)


def _block(index: int, name: str, note: str, wire: bytes, record: dict[str, Any]) -> str:
    return (
        f"### V{index}: {name}\n\n{note}.\n\n"
        f"```frame\n{wire.hex(' ')}\n```\n\n"
        f"```json\n{json.dumps(record, indent=None)}\n```\n"
    )


if __name__ == "__main__":
    print(render_markdown())
