"""The reference host of firmware_protocol.md: the smallest host that follows the spec.

It exists to check a device (the simulator first) against the spec with nothing of
:class:`~tenscontrol.device.TensDevice` in between, so it is written from the spec alone,
on purpose independent of the driver: it depends only on :mod:`tenscontrol.protocol`.
Used by ``tens simulate --self-test`` and by the tests that talk to the simulator.

- :class:`HostExchange` is the sans-I/O part: it numbers requests (16-bit sequence ids),
  decodes the device's frames, keeps them in order, and is strict about the answers:
  a device frame answering one of its requests must be that request's IDENTITY (HELLO
  only), ACK or NAK, and a device never sends a host request. Anything else raises
  :class:`SpecViolation`. Frames the link broke are counted, not raised.
- :class:`SpecHost` drives an exchange over a port (pyserial's or anything with ``read``
  and ``write``): a request is sent, the port is read until its answer comes or the
  reference host's reply timeout (:data:`REPLY_TIMEOUT_S`, spec section 8) has passed on
  the host's clock, and sent again with a new sequence id up to ``attempts`` times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple, Protocol, TypeVar

from tenscontrol.errors import DeviceError, ProtocolError
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Frame,
    FrameDecoder,
    Heartbeat,
    Identity,
    Message,
    MsgType,
    Nak,
    Telemetry,
    decode_message,
    encode_message,
    message_type,
)

#: The reference host's reply timeout (spec section 8: a device answers within 20 ms), s.
REPLY_TIMEOUT_S = 0.25
#: Bytes asked of the port per read.
READ_SIZE = 4_096
_SEQ_MASK = 0xFFFF
#: Message types that answer a request (the others are pushed: TELEMETRY, BOOT).
_ANSWERS = frozenset({MsgType.IDENTITY, MsgType.ACK, MsgType.NAK})
#: The first message type a device sends (below it: host requests).
_FIRST_DEVICE_TYPE = 0x80

M = TypeVar("M", bound=Message)


class SpecViolation(ProtocolError):
    """A device frame that breaks the spec, as the reference host sees it."""


class SpecHostError(DeviceError):
    """A request the device did not answer as asked, or telemetry that never came."""


class Received(NamedTuple):
    """One message from the device, with its frame's sequence id."""

    seq: int
    message: Message


class HostExchange:
    """The host's side of the exchange without I/O: request numbering, decoding, matching."""

    def __init__(self) -> None:
        self._decoder = FrameDecoder()
        self._next_seq = 0
        self._awaiting: dict[int, MsgType] = {}
        #: Every message received, in order.
        self.messages: list[Received] = []
        #: TELEMETRY received since the caller last cleared this list.
        self.telemetry: list[Telemetry] = []
        #: Frames from the device that failed to decode (a broken link).
        self.frame_errors = 0

    def request(self, message: Message, version: int = PROTOCOL_MAJOR) -> tuple[int, bytes]:
        """Number ``message`` as the next request: its sequence id and its wire bytes."""
        seq = self._next_seq
        self._next_seq = (seq + 1) & _SEQ_MASK
        self._awaiting[seq] = message_type(message)
        return seq, encode_message(message, seq, version)

    def feed(self, data: bytes) -> list[Received]:
        """Decode device bytes; the messages they complete, in order. Raises
        :class:`SpecViolation` for a frame the spec forbids."""
        out = []
        for result in self._decoder.feed(data):
            if not isinstance(result, Frame):
                self.frame_errors += 1
                continue
            message = decode_message(result)
            self._check(result, message)
            if isinstance(message, Telemetry):
                self.telemetry.append(message)
            received = Received(result.seq, message)
            self.messages.append(received)
            out.append(received)
        return out

    def _check(self, frame: Frame, message: Message) -> None:
        if frame.msg_type < _FIRST_DEVICE_TYPE:
            raise SpecViolation(f"the device sent a host request: {message}")
        if frame.msg_type not in _ANSWERS:
            return
        asked = self._awaiting.pop(frame.seq, None)
        if asked is None:  # an answer to bytes sent past this exchange, or a late repeat
            return
        if isinstance(message, Identity):
            fits = asked is MsgType.HELLO
        else:
            fits = isinstance(message, Ack | Nak) and message.request_type == asked
        if not fits:
            raise SpecViolation(f"seq {frame.seq} asked {asked.name}, answered with {message}")


class HostPort(Protocol):
    """What the reference host needs of a port (pyserial's ports fit)."""

    def read(self, size: int = 1, /) -> bytes:
        """Up to ``size`` bytes, waiting at most the port's timeout."""
        ...

    def write(self, data: bytes, /) -> int | None:
        """Send ``data``."""
        ...


class SpecHost:
    """The reference host on ``port``: requests answered within ``reply_timeout_s`` of
    ``now`` (the host's monotonic clock, seconds), each sent up to ``attempts`` times."""

    def __init__(
        self,
        port: HostPort,
        *,
        now: Callable[[], float] = time.monotonic,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
        attempts: int = 1,
        read_size: int = READ_SIZE,
    ) -> None:
        self.port = port
        self.exchange = HostExchange()
        self._now = now
        self._reply_timeout_us = _whole_us(reply_timeout_s)
        self._attempts = attempts
        self._read_size = read_size

    @property
    def messages(self) -> list[Received]:
        """Every message received, in order."""
        return self.exchange.messages

    @property
    def telemetry(self) -> list[Telemetry]:
        """TELEMETRY received since this list was last cleared (the caller may clear it)."""
        return self.exchange.telemetry

    @property
    def frame_errors(self) -> int:
        """Frames from the device that failed to decode."""
        return self.exchange.frame_errors

    def resync(self) -> None:
        """Send a lone delimiter: whatever half frame the device holds is dropped."""
        self.port.write(b"\x00")

    def pump(self) -> list[Received]:
        """Read the port once (up to its timeout); the messages that completed."""
        return self.exchange.feed(self.port.read(self._read_size))

    def request(self, message: Message, *, version: int = PROTOCOL_MAJOR) -> Message | None:
        """Send ``message``; its answer (IDENTITY, ACK or NAK), or None if none came in time."""
        for _ in range(self._attempts):
            seq, wire = self.exchange.request(message, version)
            self.port.write(wire)
            sent_at = self._now()
            while True:
                for received in self.pump():
                    if received.seq == seq and isinstance(received.message, Identity | Ack | Nak):
                        return received.message
                if _whole_us(self._now() - sent_at) >= self._reply_timeout_us:
                    break
        return None

    def expect(self, message: Message, kind: type[M]) -> M:
        """Send ``message``; its answer, which must be a ``kind``. Raises
        :class:`SpecHostError` for no answer, a NAK, or another answer."""
        reply = self.request(message)
        what = message_type(message).name
        if reply is None:
            raise SpecHostError(f"no reply to {type(message).__name__} in time")
        if isinstance(reply, Nak):
            raise SpecHostError(f"{what} refused with NAK {reply.code.name}")
        if not isinstance(reply, kind):
            raise SpecHostError(f"{what} answered with {type(reply).__name__}")
        return reply

    def heartbeat_until(
        self, check: Callable[[Telemetry], bool], *, within_s: float, what: str
    ) -> Telemetry:
        """Send heartbeats until a TELEMETRY passes ``check``; ``what`` names the check in
        the :class:`SpecHostError` raised if none does within ``within_s`` seconds."""
        began, within_us = self._now(), _whole_us(within_s)
        while _whole_us(self._now() - began) < within_us:
            self.expect(Heartbeat(), Ack)
            for sample in self.telemetry:
                if check(sample):
                    return sample
            self.telemetry.clear()
        raise SpecHostError(f"telemetry never showed {what}")


def _whole_us(seconds: float) -> int:
    """``seconds`` in whole microseconds. Waits are compared so, not as floats: on a virtual
    clock a wait made of reads is a float sum, and whether it reaches the timeout must not
    depend on the rounding of the instant it started at (runs stay deterministic)."""
    return round(seconds * 1_000_000)
