"""The simulated device's end of the wire: frame decoder, negotiated version, frames out.

:class:`DeviceWire` decodes what the host sent (counting dropped frames, as TELEMETRY
reports them), encodes what the device sends in the negotiated protocol version, numbers
pushed frames (TELEMETRY, BOOT) with the device's own counter and answers a request with
the request's sequence id (firmware_protocol.md sections 2 and 3). A reset forgets all of it.
"""

from __future__ import annotations

from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Frame,
    FrameDecoder,
    FrameFault,
    Message,
    encode_message,
)

_SEQ_MASK = 0xFFFF


class DeviceWire:
    """Decoder, version and output buffer of one simulated device."""

    def __init__(self) -> None:
        self._out = bytearray()
        self.reset()

    def reset(self) -> None:
        """Power-on state: a fresh decoder, version 1, pushed frames counted from 0."""
        self._decoder = FrameDecoder()
        #: Protocol major version of every frame sent, and expected of host frames.
        self.version = PROTOCOL_MAJOR
        self._push_seq = 0

    @property
    def frame_errors(self) -> int:
        """Host frames dropped since the last reset."""
        return self._decoder.frame_errors

    def feed(self, data: bytes) -> list[Frame | FrameFault]:
        """Decode host bytes: every frame they complete, or the fault that dropped it."""
        return self._decoder.feed(data)

    def push(self, message: Message) -> None:
        """Send a pushed frame (TELEMETRY, BOOT), numbered by the device's counter."""
        self._out += encode_message(message, self._push_seq, self.version)
        self._push_seq = (self._push_seq + 1) & _SEQ_MASK

    def reply(self, message: Message, seq: int) -> None:
        """Answer the host request numbered ``seq``."""
        self._out += encode_message(message, seq, self.version)

    def take(self) -> bytes:
        """Bytes sent since the last call."""
        if not self._out:
            return b""
        data = bytes(self._out)
        self._out.clear()
        return data

    def clear(self) -> None:
        """Forget bytes not yet taken (the port went away)."""
        self._out.clear()
