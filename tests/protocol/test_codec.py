"""Messages round-trip through bytes; malformed payloads name the problem."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wire_strategies import messages, u16

from tenscontrol.errors import EncodeError
from tenscontrol.protocol import (
    Boot,
    Frame,
    FrameDecoder,
    Identity,
    IdentityFlag,
    Message,
    NakCode,
    PayloadError,
    ResetReason,
    decode_message,
    decode_payload,
    encode_message,
)


@given(st.lists(st.tuples(messages, u16), min_size=1, max_size=5), st.integers(1, 64))
def test_every_message_round_trips_through_chunked_bytes(
    items: list[tuple[Message, int]], chunk: int
) -> None:
    wire = b"".join(encode_message(m, seq) for m, seq in items)
    decoder = FrameDecoder()
    frames = []
    for i in range(0, len(wire), chunk):
        frames += decoder.feed(wire[i : i + chunk])
    assert all(isinstance(f, Frame) for f in frames)
    decoded = [(decode_message(f), f.seq) for f in frames if isinstance(f, Frame)]
    assert decoded == items


@pytest.mark.parametrize(
    ("msg_type", "payload", "code", "field"),
    [
        (0x04, b"\x01" * 17, NakCode.BAD_LENGTH, 0),
        (0x03, b"\x00", NakCode.BAD_LENGTH, 0),
        (0x7E, b"", NakCode.UNKNOWN_TYPE, 0),
        (0x04, bytes(11) + b"\x09" + bytes(6), NakCode.OUT_OF_RANGE, 5),
        (0x04, bytes(12) + b"\x07" + bytes(5), NakCode.OUT_OF_RANGE, 6),
        (0x83, b"\x04\x63\x00", NakCode.OUT_OF_RANGE, 2),
        (0xA0, bytes(13) + b"\x09", NakCode.OUT_OF_RANGE, 0),
        # 7 channels, each of them present: still malformed, the wire carries at most 6
        (0xA0, bytes(13) + b"\x07" + bytes(7 * 12), NakCode.OUT_OF_RANGE, 0),
    ],
)
def test_malformed_payloads_say_what_a_nak_would(
    msg_type: int, payload: bytes, code: NakCode, field: int
) -> None:
    with pytest.raises(PayloadError) as caught:
        decode_payload(msg_type, payload)
    assert caught.value.code is code
    assert caught.value.field == field
    assert str(caught.value)


def test_truncated_identity_names_the_byte() -> None:
    with pytest.raises(PayloadError, match="ends at byte 8"):
        decode_payload(0x81, bytes(8))


def test_unknown_reset_reason_decodes_as_unknown() -> None:
    assert decode_payload(0xA1, b"\x77") == Boot(ResetReason.UNKNOWN)


def test_identity_strings_longer_than_24_bytes_are_refused_when_encoding() -> None:
    identity = Identity(1, 0, 1, 1, IdentityFlag.NONE, (1, 0, 0), "x" * 25, "", 0, 0, 0, 0, 0, ())
    with pytest.raises(EncodeError, match="longer than 24"):
        encode_message(identity, 1)
