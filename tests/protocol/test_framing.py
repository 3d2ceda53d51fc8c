"""The incremental decoder: chunking, resynchronisation, bounded memory, every fault kind."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from tenscontrol.protocol import (
    Frame,
    FrameDecoder,
    FrameFault,
    FrameFaultKind,
    Heartbeat,
    Hello,
    decode_message,
    encode_frame,
    encode_message,
)
from tenscontrol.protocol.constants import MAX_PAYLOAD_LEN, MAX_STUFFED_FRAME_LEN

frames = st.builds(
    lambda t, s, p: (t, s, p),
    st.integers(0, 255),
    st.integers(0, 0xFFFF),
    st.binary(max_size=MAX_PAYLOAD_LEN),
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(st.lists(frames, min_size=1, max_size=8), st.lists(st.integers(0, 10_000), max_size=20))
def test_any_frames_in_any_chunks_come_back_whole(
    items: list[tuple[int, int, bytes]], cuts: list[int]
) -> None:
    wire = b"".join(encode_frame(1, t, s, p) for t, s, p in items)
    decoder = FrameDecoder()
    out: list[Frame | FrameFault] = []
    for chunk in chunked(wire, cuts):
        out += decoder.feed(chunk)
    assert out == [Frame(1, t, s, p) for t, s, p in items]
    assert decoder.frame_errors == 0
    assert decoder.buffered == 0


@given(st.binary(max_size=600))
def test_garbage_then_a_valid_frame_resynchronises(garbage: bytes) -> None:
    decoder = FrameDecoder()
    decoder.feed(garbage)
    # A lone delimiter flushes whatever the garbage left; then a frame always decodes.
    results = decoder.feed(b"\x00" + encode_message(Hello(1, 1), 3))
    assert results[-1] == Frame(1, 0x01, 3, b"\x01\x01")
    assert decode_message(results[-1]) == Hello(1, 1)


@given(st.binary(max_size=2_000))
def test_memory_stays_bounded_for_any_input(noise: bytes) -> None:
    decoder = FrameDecoder()
    for i in range(0, len(noise), 97):
        decoder.feed(noise[i : i + 97])
        assert decoder.buffered <= MAX_STUFFED_FRAME_LEN + 1


def test_oversize_frame_is_dropped_and_the_next_frame_survives() -> None:
    decoder = FrameDecoder()
    huge = b"\x01" * 10_000
    results = decoder.feed(huge)
    assert results == []
    assert decoder.buffered <= MAX_STUFFED_FRAME_LEN + 1
    results = decoder.feed(b"\x00" + encode_message(Heartbeat(), 9))
    assert isinstance(results[0], FrameFault)
    assert results[0].kind is FrameFaultKind.OVERSIZE
    assert results[0].length == 10_000
    assert results[1] == Frame(1, 0x05, 9, b"")
    assert decoder.frame_errors == 1


def test_short_frame_and_bad_stuffing_are_counted() -> None:
    decoder = FrameDecoder()
    short, bad = decoder.feed(b"\x03\x01\x02\x00\x05\x11\x22\x00")
    assert isinstance(short, FrameFault)
    assert short.kind is FrameFaultKind.TOO_SHORT
    assert isinstance(bad, FrameFault)
    assert bad.kind is FrameFaultKind.STUFFING
    assert decoder.frame_errors == 2


def test_every_single_bit_flip_is_caught() -> None:
    wire = encode_message(Hello(1, 1), 1234)
    for index in range(len(wire) - 1):  # not the delimiter
        for bit in range(8):
            damaged = bytearray(wire)
            damaged[index] ^= 1 << bit
            decoder = FrameDecoder()
            results = decoder.feed(bytes(damaged) + b"\x00")
            assert not any(isinstance(r, Frame) and r.seq == 1234 for r in results), (index, bit)


def test_empty_frames_are_ignored_silently() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x00\x00\x00") == []
    assert decoder.frame_errors == 0
