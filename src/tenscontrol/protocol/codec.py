"""Message <-> bytes: the codec's entry points, dispatching on the message class or the
type byte to the packers (:mod:`.encoders`) and decoders (:mod:`.decoders`), and framing
whole messages (:mod:`.framing`)."""

from __future__ import annotations

from tenscontrol.errors import PayloadError
from tenscontrol.protocol.constants import PROTOCOL_MAJOR, MsgType, NakCode
from tenscontrol.protocol.decoders import DECODER_OF
from tenscontrol.protocol.encoders import PACKERS
from tenscontrol.protocol.framing import Frame, encode_frame
from tenscontrol.protocol.messages import (
    Ack,
    Boot,
    Heartbeat,
    Hello,
    Identity,
    Message,
    Nak,
    Setpoint,
    Start,
    Stop,
    Telemetry,
)


def message_type(message: Message) -> MsgType:
    """The type byte a message is sent with."""
    return _TYPE_OF[type(message)]


def encode_payload(message: Message) -> bytes:
    """Payload bytes of ``message`` (header and CRC not included).

    Raises :class:`EncodeError` naming the field when one is not an integer in its wire
    range, a string is not ASCII or too long, or there are too many channels."""
    pack = PACKERS.get(type(message))
    if pack is None:
        raise TypeError(f"not a protocol message: {message!r}")
    return pack(message)


def encode_message(message: Message, seq: int, version: int = PROTOCOL_MAJOR) -> bytes:
    """One complete, stuffed and delimited frame carrying ``message`` with sequence id ``seq``.

    Raises :class:`EncodeError` as :func:`encode_payload` and
    :func:`~tenscontrol.protocol.framing.encode_frame` do."""
    return encode_frame(version, _TYPE_OF[type(message)], seq, encode_payload(message))


def decode_payload(msg_type: int, payload: bytes) -> Message:
    """Interpret a payload of type ``msg_type``. Raises :class:`PayloadError` if it does not fit."""
    decode = DECODER_OF.get(msg_type)
    if decode is None:
        raise PayloadError(f"unknown message type 0x{msg_type:02x}", code=NakCode.UNKNOWN_TYPE)
    return decode(payload)


def decode_message(frame: Frame) -> Message:
    """Interpret a checked frame's payload (the version byte is the caller's to judge)."""
    return decode_payload(frame.msg_type, frame.payload)


_TYPE_OF: dict[type, MsgType] = {
    Hello: MsgType.HELLO,
    Start: MsgType.START,
    Stop: MsgType.STOP,
    Setpoint: MsgType.SET,
    Heartbeat: MsgType.HEARTBEAT,
    Identity: MsgType.IDENTITY,
    Ack: MsgType.ACK,
    Nak: MsgType.NAK,
    Telemetry: MsgType.TELEMETRY,
    Boot: MsgType.BOOT,
}
