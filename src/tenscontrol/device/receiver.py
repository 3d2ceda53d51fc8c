"""The receive path: bytes from the device become the messages of this link's protocol
version, each traced; what cannot be used is counted as dropped.

Pure: fed the bytes the link read from the port (it never touches a port itself), it
yields, in order, each usable message with its sequence id, and a marker for each frame it
dropped (corrupt, in another protocol version, or with an unreadable payload), so the link
can act on every item before the next is decoded. It also answers what the drops and a
silence amount to (:mod:`~tenscontrol.device.link_health`); the link decides whether that
fails it. Times are seconds on the driver's clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from tenscontrol.clock import Clock
from tenscontrol.device.link_health import noise_error, silence_error
from tenscontrol.device.state import LinkStats
from tenscontrol.errors import DeviceTimeout, LinkTooNoisy, ProtocolError
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Frame,
    FrameDecoder,
    FrameFault,
    Message,
    decode_message,
)
from tenscontrol.transport.trace import FrameTracer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Received:
    """A usable message from the device and the sequence id of its frame."""

    seq: int
    message: Message


class FrameReceiver:
    """Decodes what the device sent, traces every frame (dropped ones too) and counts each
    in the link's stats. Run by the one thread that reads the port.

    The tracer is the link's, passed with each batch: it may be set or replaced at any time.
    """

    def __init__(self, clock: Clock, stats: LinkStats) -> None:
        self._clock = clock
        self._stats = stats
        self._decoder = FrameDecoder()
        #: The version byte of the last whole frame written in another protocol version
        #: (None before any): a device that answers HELLO only in a version this host
        #: cannot read is then named for that, not for silence.
        self.foreign_version: int | None = None
        #: When the last whole frame arrived (clock seconds), usable or not: any frame
        #: whose CRC checks out shows the device is there.
        self.last_frame = clock.monotonic()

    def reset(self) -> None:
        """Forget a frame that had begun arriving (after stale input was discarded)."""
        self._decoder = FrameDecoder()

    def feed(self, data: bytes, tracer: FrameTracer | None) -> Iterator[Received | None]:
        """The frames completed by ``data``, in order, each traced to ``tracer``: a
        :class:`Received` for each usable message, None for each frame dropped (already
        counted)."""
        for item in self._decoder.feed(data):
            if tracer:
                tracer.record_received(item)
            if isinstance(item, FrameFault):
                self._stats.frame(ok=False)
                yield None
                continue
            self.last_frame = self._clock.monotonic()
            yield self._decode(item)

    def _decode(self, frame: Frame) -> Received | None:
        if frame.version != PROTOCOL_MAJOR:
            self._stats.frame(ok=False)  # a frame in another version is noise on this link too
            self.foreign_version = frame.version  # named if the handshake gets no answer
            return None
        try:
            message = decode_message(frame)
        except ProtocolError as error:
            log.debug("unreadable frame: %s", error)
            self._stats.frame(ok=False)
            return None
        self._stats.frame(ok=True)
        return Received(frame.seq, message)

    def noise(self) -> LinkTooNoisy | None:
        """The failure the frames dropped lately amount to, if they are too many."""
        return noise_error(self._stats.recent_error_count()[0])

    def silence(self) -> DeviceTimeout | None:
        """The failure for the time since the last whole frame, if that is too long."""
        return silence_error(self._clock.monotonic() - self.last_frame)
