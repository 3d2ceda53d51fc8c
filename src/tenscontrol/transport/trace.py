"""``--trace``: every frame in and out as timestamped hex with its decoded meaning."""

from __future__ import annotations

import datetime
import threading
from typing import TextIO

from tenscontrol.errors import ProtocolError
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Frame,
    FrameFault,
    Message,
    MsgType,
    decode_message,
    encode_frame,
    encode_payload,
    message_type,
)
from tenscontrol.protocol.vectors import to_jsonable


def describe(item: Frame | FrameFault) -> str:
    """One line saying what a frame means (or why it was dropped)."""
    if isinstance(item, FrameFault):
        return f"DROPPED {item.kind.value}: {item.detail}"
    name = MsgType(item.msg_type).name if item.msg_type in MsgType._value2member_map_ else None
    label = name or f"type 0x{item.msg_type:02x}"
    try:
        fields = to_jsonable(decode_message(item))
    except ProtocolError as error:
        return f"{label} seq={item.seq} v{item.version} UNREADABLE: {error}"
    text = " ".join(f"{k}={v}" for k, v in fields.items()) if isinstance(fields, dict) else ""
    return f"{label} seq={item.seq} v{item.version} {text}".rstrip()


class FrameTracer:
    """Writes one line per frame: wall time, direction (``>`` out, ``<`` in), hex, meaning.

    Thread-safe; each line is flushed so a crash loses nothing already traced.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def record(self, direction: str, wire: bytes, item: Frame | FrameFault | None) -> None:
        """Trace ``wire`` (the stuffed bytes, delimiter included) sent (``>``) or received."""
        now = datetime.datetime.now(datetime.UTC).strftime("%H:%M:%S.%f")
        meaning = describe(item) if item is not None else ""
        line = f"{now} {direction} {wire.hex(' ')}  | {meaning}\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()

    def record_sent(self, wire: bytes, message: Message, seq: int) -> None:
        """Trace a request this host wrote: its bytes and what they mean."""
        frame = Frame(PROTOCOL_MAJOR, message_type(message), seq, encode_payload(message))
        self.record(">", wire, frame)

    def record_received(self, item: Frame | FrameFault) -> None:
        """Trace a frame (or a dropped one) the decoder produced from the device's bytes."""
        if isinstance(item, FrameFault):
            self.record("<", b"", item)
        else:
            self.record(
                "<", encode_frame(item.version, item.msg_type, item.seq, item.payload), item
            )
