"""The test vectors in firmware_protocol.md, read out of the spec itself, both ways."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tenscontrol.protocol import (
    Frame,
    FrameDecoder,
    FrameFault,
    MsgType,
    NakCode,
    PayloadError,
    decode_message,
    encode_frame,
    encode_message,
    message_type,
)
from tenscontrol.protocol.vectors import render_markdown, to_jsonable

SPEC = Path(__file__).resolve().parents[2] / "firmware_protocol.md"
_BLOCK = re.compile(r"```frame\n(?P<hex>[0-9a-f ]+)\n```\s*```json\n(?P<json>.+?)\n```", re.S)


def spec_vectors() -> list[tuple[bytes, dict[str, Any]]]:
    text = SPEC.read_text()
    return [(bytes.fromhex(m["hex"]), json.loads(m["json"])) for m in _BLOCK.finditer(text)]


VECTORS = spec_vectors()

#: Section 10's grammar of ``expect``: what a receiver does with the frame.
EXPECT = re.compile(
    r"(?P<what>drop|malformed|ack (?P<acked>[A-Z_]+)|nak (?P<code>[A-Z_]+)( field [0-9])?"
    r"|identity selected [0-9]+)(?P<quiet>; no watchdog refresh)?"
)
#: The behaviours 1.1 changed or stated, each with a vector (issue 14).
VECTORS_1_1 = {
    "identity",  # minor_version 1
    "stop-foreign-version",
    "stop-with-payload",
    "hello-foreign-version",
    "hello-bad-length-foreign-version",
    "hello-empty-range",
    "start-first-refusal",
    "nak-low-battery",
    "nak-internal",
    "identity-seven-channels",
}


def test_spec_has_at_least_twelve_vectors_of_each_required_kind() -> None:
    names = {record["name"] for _, record in VECTORS}
    assert len(VECTORS) >= 12
    assert {"nak-out-of-range", "telemetry", "bad-crc", "hello"} <= names


def test_every_change_of_1_1_has_a_vector() -> None:
    names = [record["name"] for _, record in VECTORS]
    assert len(names) == len(set(names))
    assert set(names) >= VECTORS_1_1


@pytest.mark.parametrize(
    "record", [r for _, r in VECTORS if "expect" in r], ids=lambda r: str(r["name"])
)
def test_every_expectation_follows_the_grammar_of_section_10(record: dict[str, Any]) -> None:
    match = EXPECT.fullmatch(record["expect"])
    assert match is not None, record["expect"]
    if match["acked"]:
        assert match["acked"] in MsgType.__members__
    if match["code"]:
        assert match["code"] in NakCode.__members__
    if match["quiet"]:
        assert record["type"] in MsgType.__members__  # a request, sent to a device


def test_spec_vectors_are_the_generated_ones() -> None:
    # The spec embeds the generator's output; if the codec changes, the spec must too.
    assert render_markdown() in SPEC.read_text()


@pytest.mark.parametrize(("wire", "record"), VECTORS, ids=[r["name"] for _, r in VECTORS])
def test_vector_decodes_to_its_fields_and_encodes_back(wire: bytes, record: dict[str, Any]) -> None:
    decoder = FrameDecoder()
    results = decoder.feed(wire)
    assert len(results) == 1
    (result,) = results
    if record.get("expect") == "drop":
        assert isinstance(result, FrameFault)
        assert decoder.frame_errors == 1
        return
    assert isinstance(result, Frame)
    assert result.version == record["version"]
    assert result.seq == record["seq"]
    assert MsgType(result.msg_type).name == record["type"]
    # The frame itself is sound whatever its version byte or payload.
    assert encode_frame(result.version, result.msg_type, result.seq, result.payload) == wire
    if "payload_len" in record:
        # A payload that does not fit its type's layout (a STOP with bytes, a 1-byte HELLO,
        # an IDENTITY of 7 channels): the codec refuses it, the vector's expect says why.
        assert len(result.payload) == record["payload_len"]
        with pytest.raises(PayloadError):
            decode_message(result)
        return
    # Read with the 1.x layouts in any version byte (HELLO's and STOP's are frozen).
    message = decode_message(result)
    assert message_type(message).name == record["type"]
    assert to_jsonable(message) == record["fields"]
    assert encode_message(message, record["seq"], result.version) == wire


def test_crc_is_the_catalogue_crc32_iso_hdlc() -> None:
    from tenscontrol.protocol import crc32

    assert crc32(b"123456789") == 0xCBF43926
