"""The independent decoder oracle: section 2 of firmware_protocol.md re-implemented from the
spec (COBS from the ``cobs`` package, CRC-32 from ``zlib``, lengths as the spec states them,
nothing from ``framing.py``), and the checks a decoder must pass against it.

The one copy, shared by ``tests/protocol/test_decoder_fuzz.py`` and
``benchmarks/fuzz_decoder.py``. A breach raises :class:`Violation` (an ``AssertionError``,
so pytest and hypothesis report it as a failed check). No hypothesis here: the benchmark's
own fuzzer runs without it.
"""

from __future__ import annotations

import itertools
import zlib

from cobs import cobs

from tenscontrol.protocol import (
    Boot,
    Frame,
    FrameDecoder,
    FrameFault,
    FrameFaultKind,
    Message,
    MsgType,
    NakCode,
    PayloadError,
    ResetReason,
    decode_frame,
    decode_message,
    encode_frame,
    encode_message,
    encode_payload,
    message_type,
)

#: Section 2: a receiver MUST NOT buffer more than 250 bytes; more than 249 stuffed is oversize.
RECEIVER_BUFFER_BOUND = 250
MAX_STUFFED = 249
#: Header (4) and CRC (4): the shortest frame, unstuffed.
MIN_RAW = 8
CRC_LEN = 4
MAX_PAYLOAD = 240
#: Most fields any request or response payload has (SET: 8); a NAK's field is a u8 anyway.
MAX_FIELD = 8


class Violation(AssertionError):
    """An invariant of the decoder did not hold."""


def reference(piece: bytes) -> Frame | FrameFaultKind:
    """What the spec's receive rules make of one non-empty run of bytes ended by 0x00."""
    if len(piece) > MAX_STUFFED:
        return FrameFaultKind.OVERSIZE
    try:
        raw: bytes = cobs.decode(piece)
    except cobs.DecodeError:
        return FrameFaultKind.STUFFING
    if len(raw) < MIN_RAW:
        return FrameFaultKind.TOO_SHORT
    if zlib.crc32(raw[:-CRC_LEN]) != int.from_bytes(raw[-CRC_LEN:], "little"):
        return FrameFaultKind.CRC
    return Frame(raw[0], raw[1], int.from_bytes(raw[2:4], "little"), raw[4:-CRC_LEN])


def segments(stream: bytes) -> tuple[list[bytes], int]:
    """What section 2 says a receiver makes of ``stream``: the non-empty runs of bytes ended by
    0x00, each to be judged alone; and how many bytes it holds waiting for the next 0x00."""
    *complete, tail = stream.split(b"\x00")
    return [s for s in complete if s], min(len(tail), RECEIVER_BUFFER_BOUND)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` split at the (wrapped, deduplicated) positions in ``cuts``."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def check_stream(chunks: list[bytes]) -> list[tuple[bytes, Frame | FrameFault]]:
    """Feed ``chunks`` to a fresh :class:`FrameDecoder`; every delimited run with its result.

    Checks: ``feed`` returns only lists of values; the decoder never holds more than 250
    bytes, and at the end holds what the spec says; each run gives exactly one result, the
    same as the run decoded alone (chunking changes nothing) and the one :func:`reference`
    gives; a frame re-encodes to exactly its wire bytes; the decoder's counters agree.
    """
    decoder = FrameDecoder()
    results: list[Frame | FrameFault] = []
    for chunk in chunks:
        out = decoder.feed(chunk)
        if type(out) is not list:
            raise Violation(f"feed returned {type(out).__name__}")
        results += out
        if not 0 <= decoder.buffered <= RECEIVER_BUFFER_BOUND:
            raise Violation(f"decoder holds {decoder.buffered} bytes")
    pieces, held = segments(b"".join(chunks))
    if len(results) != len(pieces):
        raise Violation(f"{len(results)} results for {len(pieces)} delimited runs")
    if decoder.buffered != held:
        raise Violation(f"holds {decoder.buffered} bytes, the spec says {held}")
    for piece, result in zip(pieces, results, strict=True):
        if result != decode_frame(piece):
            raise Violation(f"{result} in a stream, {decode_frame(piece)} alone")
        expected = reference(piece)
        if type(result) is FrameFault:
            if result.kind is not expected or result.length != len(piece):
                raise Violation(f"{result} for a run the spec calls {expected}")
        elif type(result) is Frame:
            if result != expected or len(result.payload) > MAX_PAYLOAD:
                raise Violation(f"accepted {result}; the spec says {expected}")
            wire = encode_frame(result.version, result.msg_type, result.seq, result.payload)
            if wire != piece + b"\x00":
                raise Violation(f"{result} does not re-encode to its wire bytes")
        else:
            raise Violation(f"feed gave a {type(result).__name__}")
    if decoder.frames_ok != sum(type(r) is Frame for r in results):
        raise Violation(f"frames_ok {decoder.frames_ok} disagrees with the results")
    if decoder.frame_errors != sum(type(r) is FrameFault for r in results):
        raise Violation(f"frame_errors {decoder.frame_errors} disagrees with the results")
    return list(zip(pieces, results, strict=True))


def check_message(frame: Frame) -> Message | PayloadError:
    """``decode_message`` gives a message that re-encodes to the payload the CRC covered, or
    raises :class:`PayloadError` with a NAK code, a field and a text naming the message
    type; nothing else. Returns the message or the error."""
    try:
        message = decode_message(frame)
    except PayloadError as error:
        if not isinstance(error.code, NakCode) or not 0 <= error.field <= MAX_FIELD:
            raise Violation(f"PayloadError without a NAK code and field: {error!r}") from None
        names = [t.name for t in MsgType] + ["message type"]
        if not any(name in str(error) for name in names):
            raise Violation(f"PayloadError not naming the message type: {error!r}") from None
        return error
    return check_reencodes(frame, message)


def check_reencodes(frame: Frame, message: Message) -> Message:
    """``message``, decoded from ``frame``, is the type and the exact bytes the CRC covered."""
    if message_type(message) != frame.msg_type:
        raise Violation(f"type 0x{frame.msg_type:02x} decoded as {message!r}")
    if isinstance(message, Boot) and message.reason is ResetReason.UNKNOWN:
        # The one documented normalisation: reasons the spec does not list read as UNKNOWN
        # (test_codec.py::test_unknown_reset_reason_decodes_as_unknown). Still one byte.
        if len(frame.payload) != 1:
            raise Violation(f"BOOT of {len(frame.payload)} bytes decoded as {message!r}")
        return message
    payload = encode_payload(message)
    if payload != frame.payload:
        raise Violation(f"{message!r} re-encodes to {payload.hex()}, not {frame.payload.hex()}")
    framed = encode_frame(frame.version, frame.msg_type, frame.seq, frame.payload)
    if encode_message(message, frame.seq, frame.version) != framed:
        raise Violation(f"{message!r} does not re-encode to the frame it came from")
    return message
