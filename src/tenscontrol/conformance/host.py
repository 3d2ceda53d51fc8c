"""The reference host of firmware_protocol.md: the smallest host that follows the spec.

It exists to check a device (the simulator first, then any maker's) against the spec with
nothing of :class:`~tenscontrol.device.TensDevice` in between, so it is written from the
spec alone, on purpose independent of the driver: it depends only on
:mod:`tenscontrol.protocol` and :mod:`tenscontrol.errors`. ``tens conformance`` (and
``tens simulate --self-test``, which runs it on a fresh simulator) drive a device with it,
and so do the tests that talk to the simulator.

- :class:`HostExchange` is the sans-I/O part: it numbers requests (16-bit sequence ids,
  section 3), decodes the device's frames, keeps them in order (with the host time and the
  version byte each came in), and is strict about the answers: a device frame answering
  one of its requests must be that request's IDENTITY (HELLO only), ACK or NAK, and a device
  never sends a host request; anything else is a :class:`SpecViolation`, raised once the
  whole chunk of bytes is decoded (no frame after it is lost). Frames the link broke and
  malformed device frames are counted and dropped, as a host must (section 2).
- :class:`SpecHost` drives an exchange over a port (pyserial's or anything with ``read``
  and ``write``): a request is sent, the port is read until its answer comes or the reply
  timeout (:data:`REPLY_TIMEOUT_S`, section 9.3) has passed on the host's clock, and sent
  again **with the same sequence id** up to ``attempts`` times (section 9.3). Every frame
  the host writes passes ``outgoing`` first, the place a caller puts its own limits. By
  default the port is read for its whole timeout at a time (so on a virtual clock every
  request costs one timeout of device time, as the simulator's tests expect); with
  ``prompt`` a read returns as soon as bytes come, which is what measurements need.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple, Protocol, TypeVar

from tenscontrol.errors import DeviceError, PayloadError, ProtocolError
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
    encode_frame,
    encode_payload,
    message_type,
)

#: The host's reply timeout (section 9.3: an answer is expected within 250 ms), s.
REPLY_TIMEOUT_S = 0.25
#: Bytes asked of the port per :meth:`SpecHost.pump`.
READ_SIZE = 4_096
_SEQ_MASK = 0xFFFF
#: Message types that answer a request (the others are pushed: TELEMETRY, BOOT).
_ANSWERS = frozenset({MsgType.IDENTITY, MsgType.ACK, MsgType.NAK})
#: The first message type a device sends (below it: host requests).
_FIRST_DEVICE_TYPE = 0x80

M = TypeVar("M", bound=Message)
#: Called with (type byte, payload) before any frame is written; raises to refuse it.
Outgoing = Callable[[int, bytes], None]


class SpecViolation(ProtocolError):
    """A device frame that breaks the spec, as the reference host sees it."""


class SpecHostError(DeviceError):
    """A request the device did not answer as asked, or telemetry that never came."""


class Received(NamedTuple):
    """One message from the device, with its frame's sequence id."""

    seq: int
    message: Message


class Arrival(NamedTuple):
    """One device message as it arrived: its place in the run (``place``, from 0), the
    host's clock when it was read (``at``, s), the frame's version byte and seq."""

    place: int
    at: float
    version: int
    seq: int
    message: Message


class HostExchange:
    """The host's side of the exchange without I/O: request numbering, decoding, matching."""

    def __init__(self) -> None:
        self._decoder = FrameDecoder()
        #: Sequence id the next request gets (a caller may move it, e.g. to test the wrap).
        self.next_seq = 0
        self._awaiting: dict[int, int] = {}
        #: Every message received, in order.
        self.messages: list[Received] = []
        #: The same, with time, version byte and place (see :class:`Arrival`).
        self.arrivals: list[Arrival] = []
        #: TELEMETRY received since the caller last cleared this list.
        self.telemetry: list[Telemetry] = []
        #: Answers whose seq matched no request still waiting (late repeats, wrong echoes).
        self.unmatched: list[Arrival] = []
        #: Device frames dropped: broken on the link, or malformed (the second count too).
        self.frame_errors = 0
        self.malformed = 0

    def request(self, message: Message, version: int = PROTOCOL_MAJOR) -> tuple[int, bytes]:
        """Number ``message`` as the next request: its sequence id and its wire bytes."""
        return self.request_raw(message_type(message), encode_payload(message), version)

    def request_raw(
        self, msg_type: int, payload: bytes, version: int = PROTOCOL_MAJOR
    ) -> tuple[int, bytes]:
        """Number a frame of any type byte and payload (a wrong length, an unknown type) as
        the next request: its sequence id and its wire bytes."""
        seq = self.next_seq
        self.next_seq = (seq + 1) & _SEQ_MASK
        self._awaiting[seq] = msg_type
        return seq, encode_frame(version, msg_type, seq, payload)

    def forget(self, seq: int) -> None:
        """Stop waiting for an answer to ``seq`` (a frame sent to be dropped)."""
        self._awaiting.pop(seq, None)

    def feed(self, data: bytes, at: float = 0.0) -> list[Received]:
        """Decode device bytes read at host time ``at`` (s); the messages they complete, in
        order. Raises :class:`SpecViolation` for a frame the spec forbids, after the rest."""
        out = []
        violations: list[str] = []
        for result in self._decoder.feed(data):
            if not isinstance(result, Frame):
                self.frame_errors += 1
                continue
            try:
                message = decode_message(result)
            except PayloadError:
                self.frame_errors += 1
                self.malformed += 1
                continue
            arrival = Arrival(len(self.arrivals), at, result.version, result.seq, message)
            problem = self._check(result, arrival)
            if problem is not None:
                violations.append(problem)
            if isinstance(message, Telemetry):
                self.telemetry.append(message)
            received = Received(result.seq, message)
            self.messages.append(received)
            self.arrivals.append(arrival)
            out.append(received)
        if violations:
            raise SpecViolation("; ".join(violations))
        return out

    def _check(self, frame: Frame, arrival: Arrival) -> str | None:
        message = arrival.message
        if frame.msg_type < _FIRST_DEVICE_TYPE:
            return f"the device sent a host request: {message}"
        if frame.msg_type not in _ANSWERS:
            return None
        asked = self._awaiting.pop(frame.seq, None)
        if asked is None:  # a late repeat, or an answer with a seq nobody asked with
            self.unmatched.append(arrival)
            return None
        if isinstance(message, Identity):
            fits = asked == MsgType.HELLO
        else:
            fits = isinstance(message, Ack | Nak) and int(message.request_type) == asked
        if not fits:
            return f"seq {frame.seq} asked type 0x{asked:02x}, answered with {message}"
        return None


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
    ``now`` (the host's monotonic clock, seconds), each sent up to ``attempts`` times with
    the same sequence id; ``outgoing`` sees every frame before it is written; ``prompt``
    reads return as soon as bytes come (see the module's doc)."""

    def __init__(
        self,
        port: HostPort,
        *,
        now: Callable[[], float] = time.monotonic,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
        attempts: int = 1,
        read_size: int = READ_SIZE,
        outgoing: Outgoing | None = None,
        prompt: bool = False,
    ) -> None:
        self.port = port
        self.exchange = HostExchange()
        self.now = now
        self._reply_timeout_us = whole_us(reply_timeout_s)
        self._attempts = attempts
        self._read_size = read_size
        self._outgoing = outgoing
        self._read = self.poll if prompt else self.pump

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
        """Frames from the device that were dropped (broken or malformed)."""
        return self.exchange.frame_errors

    def resync(self) -> None:
        """Send a lone delimiter: whatever half frame the device holds is dropped."""
        self.port.write(b"\x00")

    def write_bytes(self, data: bytes) -> None:
        """Write ``data`` as it is: garbage, broken frames (never a request to answer)."""
        self.port.write(data)

    def pump(self) -> list[Received]:
        """Read the port once, for up to its whole timeout; the messages that completed."""
        data = self.port.read(self._read_size)
        return self.exchange.feed(data, self.now())

    def poll(self) -> list[Received]:
        """Read what arrives next (waiting at most the port's timeout for the first byte,
        then taking what is already there); the messages that completed. Returns as soon
        as bytes come, so the time they are stamped with is when they arrived."""
        data = self.port.read(1)
        waiting = getattr(self.port, "in_waiting", 0) if data else 0
        if isinstance(waiting, int) and waiting > 0:
            data += self.port.read(waiting)
        return self.exchange.feed(data, self.now())

    def send(self, msg_type: int, payload: bytes, *, version: int = PROTOCOL_MAJOR) -> int:
        """Number and write one request frame; its sequence id (nothing is awaited)."""
        if self._outgoing is not None:
            self._outgoing(msg_type, payload)
        seq, wire = self.exchange.request_raw(msg_type, payload, version)
        self.port.write(wire)
        return seq

    def request(self, message: Message, *, version: int = PROTOCOL_MAJOR) -> Message | None:
        """Send ``message``; its answer (IDENTITY, ACK or NAK), or None if none came in time."""
        return self.request_raw(message_type(message), encode_payload(message), version=version)

    def request_raw(
        self, msg_type: int, payload: bytes, *, version: int = PROTOCOL_MAJOR
    ) -> Message | None:
        """Send a frame of any type and payload; its answer, or None if none came in time."""
        if self._outgoing is not None:
            self._outgoing(msg_type, payload)
        seq, wire = self.exchange.request_raw(msg_type, payload, version)
        return self.await_answer(seq, wire)

    def await_answer(self, seq: int, wire: bytes) -> Message | None:
        """Write ``wire`` (the request numbered ``seq``) and wait for its answer, writing it
        again, the same bytes, until the attempts are used up; None if nothing came."""
        for _ in range(self._attempts):
            self.port.write(wire)
            sent_at = self.now()
            while True:
                for received in self._read():
                    if received.seq == seq and isinstance(received.message, Identity | Ack | Nak):
                        return received.message
                if whole_us(self.now() - sent_at) >= self._reply_timeout_us:
                    break
        self.exchange.forget(seq)
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
        began, within_us = self.now(), whole_us(within_s)
        while whole_us(self.now() - began) < within_us:
            self.expect(Heartbeat(), Ack)
            for sample in self.telemetry:
                if check(sample):
                    return sample
            self.telemetry.clear()
        raise SpecHostError(f"telemetry never showed {what}")


def whole_us(seconds: float) -> int:
    """``seconds`` in whole microseconds. Waits are compared so, not as floats: on a virtual
    clock a wait made of reads is a float sum, and whether it reaches the timeout must not
    depend on the rounding of the instant it started at (runs stay deterministic)."""
    return round(seconds * 1_000_000)
