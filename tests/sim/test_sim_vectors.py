"""The simulator against the test vectors of firmware_protocol.md section 11, read out of
the spec itself: it answers the 1.0 conversation byte for byte, and does what every vector
with an ``expect`` about a device says (answer, version byte, seq, state, watchdog)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from simhost import setpoint

from tenscontrol.clock import VirtualClock
from tenscontrol.protocol import (
    Ack,
    DeviceState,
    Fault,
    Frame,
    FrameDecoder,
    Identity,
    Message,
    MsgType,
    Nak,
    Start,
    decode_message,
    encode_message,
)
from tenscontrol.sim.model import DeviceModel

SPEC = Path(__file__).resolve().parents[2] / "firmware_protocol.md"
_BLOCK = re.compile(r"```frame\n(?P<hex>[0-9a-f ]+)\n```\s*```json\n(?P<json>.+?)\n```", re.S)
#: Section 11's grammar of ``expect`` (tests/protocol/test_spec_vectors.py checks every one).
_EXPECT = re.compile(
    r"(?:(?P<drop>drop)|ack (?P<acked>[A-Z_]+)|nak (?P<code>[A-Z_]+)(?: field (?P<field>[0-9]))?"
    r"|identity selected (?P<selected>[0-9]+))(?P<quiet>; no watchdog refresh)?"
)
#: The first type byte a device sends: below it, host requests.
_FIRST_DEVICE_TYPE = 0x80
#: The running device each vector is sent to: both channels started with this watchdog (ms)
#: at 0 s, channel 1 set to this many uA, the vector arriving at _SEND_S.
_WATCHDOG_MS = 300
_CH1_UA = 3_000
_SEND_S = 0.2
#: Past the expiry counted from the START (0.3 s), before the one counted from _SEND_S.
_LOOK_S = 0.4


def spec_vectors() -> dict[str, tuple[bytes, dict[str, Any]]]:
    text = SPEC.read_text()
    found = [(bytes.fromhex(m["hex"]), json.loads(m["json"])) for m in _BLOCK.finditer(text)]
    return {record["name"]: (wire, record) for wire, record in found}


VECTORS = spec_vectors()
#: Vectors that say what a device does with a frame: dropped ones and host requests.
DEVICE_VECTORS = [
    name
    for name, (_, record) in VECTORS.items()
    if record.get("expect") == "drop"
    or ("expect" in record and MsgType[record["type"]] < _FIRST_DEVICE_TYPE)
]


def answers(model: DeviceModel, wire: bytes, at_s: float) -> list[Frame]:
    """Feed ``wire`` at ``at_s``; the answer frames the device sent (pushed ones left out)."""
    model.receive(wire, at_s)
    frames = FrameDecoder().feed(model.take_output())
    pushed = (MsgType.TELEMETRY, MsgType.BOOT)
    return [f for f in frames if isinstance(f, Frame) and f.msg_type not in pushed]


def running_device() -> DeviceModel:
    """A device on a virtual clock, RUNNING since 0 s with channel 1 delivering, at _SEND_S."""
    clock = VirtualClock()
    model = DeviceModel(clock.monotonic())
    answers(model, encode_message(Start(0b11, _WATCHDOG_MS), 60_000), 0.0)
    answers(model, encode_message(setpoint(1, _CH1_UA), 60_001), 0.0)
    model.advance(_SEND_S)
    model.take_output()
    assert model.channel(1).delivered_ua == _CH1_UA  # 20 mA/s: 3 mA at 0.15 s
    return model


def test_there_are_device_vectors_of_every_kind() -> None:
    kinds = {VECTORS[name][1]["expect"].split()[0] for name in DEVICE_VECTORS}
    assert kinds == {"drop", "ack", "nak", "identity"}


def test_the_simulator_answers_the_conversation_byte_for_byte() -> None:
    # V1, V3, V5, V9, V11 sent in order to a fresh device: V2, V4, V6, V10, V12 come back.
    model = DeviceModel(0.0)
    model.take_output()
    pairs = [
        ("hello", "identity"),
        ("start", "ack-start"),
        ("set-continuous", "ack-set"),
        ("heartbeat", "ack-heartbeat"),
        ("stop", "ack-stop"),
    ]
    for request, answer in pairs:
        model.receive(VECTORS[request][0], 0.001)
        out = FrameDecoder().feed(model.take_output())
        wires = [
            encode_message(decode_message(f), f.seq, f.version) for f in out if isinstance(f, Frame)
        ]
        assert wires == [VECTORS[answer][0]], request


@pytest.mark.parametrize("name", DEVICE_VECTORS)
def test_the_simulator_does_what_each_vector_expects(name: str) -> None:
    wire, record = VECTORS[name]
    match = _EXPECT.fullmatch(record["expect"])
    assert match is not None, record["expect"]
    model = running_device()
    errors = model.frame_errors
    got = answers(model, wire, _SEND_S)
    if match["drop"]:
        assert got == []
        assert model.frame_errors == errors + 1
        return
    (frame,) = got  # exactly one answer
    assert (frame.version, frame.seq) == (1, record["seq"])  # the negotiated version byte
    answer = decode_message(frame)
    _check_answer(answer, match)
    stopped = match["acked"] == "STOP"
    if stopped:
        assert model.state is DeviceState.IDLE
        assert all(model.channel(n).delivered_ua == 0 for n in (1, 2))
        assert model.watchdog_ms is None
        return
    # Nothing else changes output: not HELLO, nor a refused request.
    assert model.state is DeviceState.RUNNING
    assert model.channel(1).setpoint_ua == _CH1_UA
    model.advance(_LOOK_S)
    if match["quiet"]:
        assert Fault.HOST_LOST in model.device_faults  # the watchdog ran from the START
    elif record["version"] == 1:
        assert model.state is DeviceState.RUNNING  # every request in version 1 refreshes


def _check_answer(answer: Message, match: re.Match[str]) -> None:
    if match["acked"]:
        assert isinstance(answer, Ack)
        assert answer.request_type.name == match["acked"]
        assert answer.applied is None  # STOP and HEARTBEAT echo nothing
    elif match["code"]:
        assert isinstance(answer, Nak)
        assert (answer.code.name, answer.field) == (match["code"], int(match["field"] or 0))
    else:
        assert isinstance(answer, Identity)
        assert answer.selected_version == int(match["selected"])
