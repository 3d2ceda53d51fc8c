"""The test vectors in firmware_protocol.md, read out of the spec itself, both ways."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Frame,
    FrameDecoder,
    FrameFault,
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


def test_spec_has_at_least_twelve_vectors_of_each_required_kind() -> None:
    names = {record["name"] for _, record in VECTORS}
    assert len(VECTORS) >= 12
    assert {"nak-out-of-range", "telemetry", "bad-crc", "hello"} <= names


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
    if result.version != PROTOCOL_MAJOR:
        # A device answers this with NAK UNSUPPORTED_VERSION; the frame itself is sound.
        assert encode_frame(result.version, result.msg_type, result.seq, result.payload) == wire
        return
    message = decode_message(result)
    assert message_type(message).name == record["type"]
    assert to_jsonable(message) == record["fields"]
    assert encode_message(message, record["seq"]) == wire


def test_crc_is_the_catalogue_crc32_iso_hdlc() -> None:
    from tenscontrol.protocol import crc32

    assert crc32(b"123456789") == 0xCBF43926
