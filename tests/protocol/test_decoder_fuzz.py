"""Decoder fuzzing: whatever bytes arrive, in whatever chunks, the decoder answers
with values, stays bounded, resynchronises on 0x00 and accepts only what the CRC vouches for.

Faults are values: :meth:`FrameDecoder.feed` returns :class:`Frame` or :class:`FrameFault`
and never raises; :func:`decode_message` returns a message or raises :class:`PayloadError`.
The long-running version of these checks is ``benchmarks/fuzz_decoder.py``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_oracle import RECEIVER_BUFFER_BOUND, check_message, check_stream, chunked
from wire_strategies import messages, streams, type_bytes, u8, u16

from tenscontrol.protocol import (
    Frame,
    FrameDecoder,
    FrameFault,
    FrameFaultKind,
    Heartbeat,
    Message,
    MsgType,
    decode_message,
    encode_frame,
    encode_message,
    encode_payload,
    message_type,
)
from tenscontrol.protocol.constants import MAX_PAYLOAD_LEN

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_decoder(stream: bytes, cuts: list[int]) -> list[Frame | FrameFault]:
    """Feed ``stream`` in the chunks ``cuts`` makes, checking every invariant on the way
    (the shared oracle, ``wire_oracle.py``); each CRC-valid frame's payload is decoded too."""
    results = [result for _, result in check_stream(chunked(stream, cuts))]
    for result in results:
        if isinstance(result, Frame):
            check_message(result)
    return results


# --- arbitrary bytes ----------------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=2_000), st.lists(st.integers(0, 10_000), max_size=30))
def test_arbitrary_bytes_in_arbitrary_chunks_give_only_values(
    stream: bytes, cuts: list[int]
) -> None:
    run_decoder(stream, cuts)


@FUZZ
@given(streams(), st.lists(st.integers(0, 10_000), max_size=30))
def test_mixed_streams_in_arbitrary_chunks_give_only_values(stream: bytes, cuts: list[int]) -> None:
    run_decoder(stream, cuts)


@FUZZ
@given(
    streams(),
    st.lists(st.tuples(messages, u16), min_size=1, max_size=3),
    st.lists(st.integers(0, 10_000), max_size=30),
)
def test_a_delimiter_always_resynchronises(
    garbage: bytes, items: list[tuple[Message, int]], cuts: list[int]
) -> None:
    frames = b"".join(encode_message(m, seq) for m, seq in items)
    results = run_decoder(garbage + b"\x00" + frames, cuts)
    tail = results[len(results) - len(items) :]
    assert len(tail) == len(items)
    for result, (message, seq) in zip(tail, items, strict=True):
        assert isinstance(result, Frame)
        assert (result.version, result.seq) == (1, seq)
        assert decode_message(result) == message


@settings(max_examples=60, deadline=None)
@given(st.integers(251, 20_000), st.integers(1, 255), st.integers(1, 4_096))
def test_long_runs_without_a_delimiter_stay_bounded(length: int, byte: int, chunk: int) -> None:
    decoder = FrameDecoder()
    run = bytes([byte]) * length
    for i in range(0, length, chunk):
        assert decoder.feed(run[i : i + chunk]) == []
        assert decoder.buffered <= RECEIVER_BUFFER_BOUND
    [fault, frame] = decoder.feed(b"\x00" + encode_message(Heartbeat(), 7))
    assert fault == FrameFault(FrameFaultKind.OVERSIZE, length, "frame longer than maximum")
    assert frame == Frame(1, MsgType.HEARTBEAT, 7, b"")


# --- frames that pass the CRC, with any type and payload ----------------------------------
@FUZZ
@given(u8, type_bytes, u16, st.binary(max_size=MAX_PAYLOAD_LEN))
def test_any_crc_valid_frame_decodes_or_names_the_problem(
    version: int, msg_type: int, seq: int, payload: bytes
) -> None:
    [frame] = run_decoder(encode_frame(version, msg_type, seq, payload), [])
    assert frame == Frame(version, msg_type, seq, payload)


@FUZZ
@given(messages, st.data())
def test_mutated_payloads_with_a_fresh_crc_decode_or_name_the_problem(
    message: Message, data: st.DataObject
) -> None:
    """Structure-aware: a real payload, damaged, then framed with a correct CRC, so the
    payload decoders (not the CRC) are what meets the damage."""
    payload = bytearray(encode_payload(message))
    for _ in range(data.draw(st.integers(1, 4))):
        payload = mutate(payload, data)
    frame = Frame(1, message_type(message), 0, bytes(payload[:MAX_PAYLOAD_LEN]))
    check_message(frame)


# --- mutated wire frames --------------------------------------------------------------------
def mutate(buffer: bytearray, data: st.DataObject) -> bytearray:
    """One random edit: flip a bit, overwrite, insert or delete a byte, truncate, duplicate."""
    out = bytearray(buffer)
    op = data.draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "duplicate"]))
    at = data.draw(st.integers(0, len(out)))
    if op == "insert" or not out:
        out.insert(at, data.draw(u8))
    elif op == "flip":
        out[min(at, len(out) - 1)] ^= 1 << data.draw(st.integers(0, 7))
    elif op == "set":
        out[min(at, len(out) - 1)] = data.draw(u8)
    elif op == "delete":
        del out[min(at, len(out) - 1)]
    elif op == "truncate":
        del out[at:]
    else:
        end = data.draw(st.integers(at, len(out)))
        out[at:at] = out[at:end]
    return out


@FUZZ
@given(st.lists(st.tuples(messages, u16), min_size=1, max_size=3), st.data())
def test_mutated_frames_are_never_accepted_as_something_the_crc_did_not_vouch_for(
    items: list[tuple[Message, int]], data: st.DataObject
) -> None:
    wire = bytearray(b"".join(encode_message(m, seq) for m, seq in items))
    for _ in range(data.draw(st.integers(1, 3))):
        wire = mutate(wire, data)
    cuts = data.draw(st.lists(st.integers(0, 10_000), max_size=10))
    # Trailing 0x00 flushes whatever the damage left half-collected.
    sent = [(message, seq) for message, seq in items]
    for result in run_decoder(bytes(wire) + b"\x00", cuts):
        if isinstance(result, Frame):
            # run_decoder proved the CRC really matches and the bytes re-encode exactly. A
            # damaged frame slipping through would need a CRC-32 collision (2**-32 per damaged
            # frame), so whatever is accepted is one of the frames we sent, undamaged.
            assert (decode_message(result), result.seq) in sent


# --- round trip at the edges: any version byte, any chunking ---------------------------------
@FUZZ
@given(messages, u16, u8, st.lists(st.integers(0, 10_000), max_size=10))
def test_every_message_round_trips_at_the_edges(
    message: Message, seq: int, version: int, cuts: list[int]
) -> None:
    """All flag and fault bits, any ASCII in identity strings, up to 4 capability and 8
    telemetry channels, ACKs of every type, NAKs of unknown types, any version byte."""
    [frame] = run_decoder(encode_message(message, seq, version), cuts)
    assert isinstance(frame, Frame)
    assert (frame.version, frame.msg_type, frame.seq) == (version, message_type(message), seq)
    assert decode_message(frame) == message
