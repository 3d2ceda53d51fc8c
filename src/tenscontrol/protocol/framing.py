"""Frames: header, CRC-32 trailer, COBS stuffing, and an incremental, bounded decoder.

Sans-I/O: bytes in, frames out. A frame on the wire is
``COBS(version u8 | type u8 | seq u16le | payload | crc32le) 0x00`` where the CRC is
CRC-32/ISO-HDLC (``binascii.crc32``) over header and payload.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass
from enum import Enum

from cobs import cobs

from tenscontrol.errors import EncodeError
from tenscontrol.protocol.constants import (
    CRC_LEN,
    DELIMITER,
    HEADER_LEN,
    MAX_PAYLOAD_LEN,
    MAX_STUFFED_FRAME_LEN,
    MIN_RAW_FRAME_LEN,
)
from tenscontrol.protocol.wire_struct import Layout

_HEADER = Layout("frame", "BBH", ("version", "msg_type", "seq"))
_CRC = struct.Struct("<I")


def crc32(data: bytes) -> int:
    """CRC-32/ISO-HDLC (poly 0x04C11DB7 reflected, init and xorout 0xFFFFFFFF)."""
    return binascii.crc32(data) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame whose stuffing and CRC checked out. The payload is not interpreted yet."""

    version: int
    msg_type: int
    seq: int
    payload: bytes


class FrameFaultKind(Enum):
    """Why bytes between two delimiters were dropped."""

    STUFFING = "stuffing"
    TOO_SHORT = "too_short"
    OVERSIZE = "oversize"
    CRC = "crc"


@dataclass(frozen=True, slots=True)
class FrameFault:
    """Bytes dropped by the decoder. ``length`` counts the dropped stuffed bytes."""

    kind: FrameFaultKind
    length: int
    detail: str


def encode_frame(version: int, msg_type: int, seq: int, payload: bytes) -> bytes:
    """Stuff and delimit one frame.

    Raises :class:`EncodeError` naming the header field outside its wire range, or a
    payload longer than the frame can carry."""
    if len(payload) > MAX_PAYLOAD_LEN:
        raise EncodeError(
            f"cannot encode frame.payload of {len(payload)} bytes: outside its wire range"
            f" 0..{MAX_PAYLOAD_LEN} bytes"
        )
    raw = _HEADER.pack(version, msg_type, seq) + payload
    raw += _CRC.pack(crc32(raw))
    stuffed: bytes = cobs.encode(raw)
    return stuffed + bytes([DELIMITER])


def decode_frame(stuffed: bytes) -> Frame | FrameFault:
    """Check and unpack one frame given without its delimiter."""
    if len(stuffed) > MAX_STUFFED_FRAME_LEN:
        return FrameFault(FrameFaultKind.OVERSIZE, len(stuffed), "frame longer than maximum")
    try:
        raw: bytes = cobs.decode(stuffed)
    except cobs.DecodeError as error:
        return FrameFault(FrameFaultKind.STUFFING, len(stuffed), str(error))
    if len(raw) < MIN_RAW_FRAME_LEN:
        return FrameFault(FrameFaultKind.TOO_SHORT, len(stuffed), f"{len(raw)} bytes unstuffed")
    body = raw[:-CRC_LEN]
    (received,) = _CRC.unpack_from(raw, len(raw) - CRC_LEN)
    computed = binascii.crc32(body)  # unsigned in Python 3: crc32() without the mask
    if received != computed:
        return FrameFault(
            FrameFaultKind.CRC,
            len(stuffed),
            f"crc 0x{received:08x} != computed 0x{computed:08x}",
        )
    version, msg_type, seq = _HEADER.unpack_from(body)
    return Frame(version, msg_type, seq, bytes(body[HEADER_LEN:]))


class FrameDecoder:
    """Incremental decoder: feed arbitrary chunks, get whole frames and faults back.

    Memory is bounded: bytes past the maximum stuffed frame length are counted and
    discarded until the next delimiter, which always resynchronises the decoder. Empty
    frames (two delimiters in a row) are ignored silently: senders may use a lone
    delimiter to flush a receiver.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._overflow = 0
        self.frames_ok = 0
        self.frame_errors = 0

    def feed(self, data: bytes) -> list[Frame | FrameFault]:
        """Consume ``data``; return the frames and faults completed by it, in order."""
        results: list[Frame | FrameFault] = []
        start = 0
        while True:
            end = data.find(DELIMITER, start)
            if 0 < end - start <= MAX_STUFFED_FRAME_LEN and not self._buffer and not self._overflow:
                # A whole frame inside ``data`` with nothing held from before: decode it in
                # place (what _append then _finish do, without copying it into the buffer).
                whole = decode_frame(data[start:end])
                if isinstance(whole, Frame):
                    self.frames_ok += 1
                else:
                    self.frame_errors += 1
                results.append(whole)
                start = end + 1
                continue
            chunk = data[start:] if end < 0 else data[start:end]
            self._append(chunk)
            if end < 0:
                return results
            result = self._finish()
            if result is not None:
                results.append(result)
            start = end + 1

    def _append(self, chunk: bytes) -> None:
        room = MAX_STUFFED_FRAME_LEN + 1 - len(self._buffer)
        if self._overflow or len(chunk) > room:
            self._overflow += len(chunk) - max(room, 0)
            self._buffer += chunk[: max(room, 0)]
        else:
            self._buffer += chunk

    def _finish(self) -> Frame | FrameFault | None:
        stuffed, overflow = bytes(self._buffer), self._overflow
        self._buffer.clear()
        self._overflow = 0
        if not stuffed:
            return None
        if overflow:
            result: Frame | FrameFault = FrameFault(
                FrameFaultKind.OVERSIZE, len(stuffed) + overflow, "frame longer than maximum"
            )
        else:
            result = decode_frame(stuffed)
        if isinstance(result, Frame):
            self.frames_ok += 1
        else:
            self.frame_errors += 1
        return result

    @property
    def buffered(self) -> int:
        """Bytes held waiting for a delimiter (never more than the maximum frame + 1)."""
        return len(self._buffer)
