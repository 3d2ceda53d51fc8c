"""The send path's record: each request becomes wire bytes once, and every frame sent is
traced, counted and timed.

Pure: the link writes the bytes to the port and then tells the sender the frame went out;
the sender never touches a port. The timing (the gaps between this host's frames and the
watchdog the last START asked for) is what a watchdog trip is judged by: a host that did
not get to run (:class:`~tenscontrol.errors.HostStarved`) or a link that lost its frames.
Times are seconds on the driver's clock.
"""

from __future__ import annotations

from tenscontrol.device.requests import Pending
from tenscontrol.device.state import LinkStats
from tenscontrol.device.telemetry_monitor import SendGaps, watchdog_error
from tenscontrol.errors import WatchdogTripped
from tenscontrol.protocol import Start, encode_message
from tenscontrol.transport.trace import FrameTracer


class FrameSender:
    """Encodes requests for the wire and keeps the record of the frames sent. Used by the
    one thread that writes the port."""

    def __init__(self, started: float, stats: LinkStats) -> None:
        self.gaps = SendGaps(started)
        self._stats = stats
        #: The watchdog asked for in the last START sent (s), for telling a host that did
        #: not run (HostStarved) from a link or device problem when the watchdog trips.
        self.watchdog_s: float | None = None

    @staticmethod
    def wire(pending: Pending) -> bytes:
        """The bytes of ``pending`` on the wire, encoded when first sent: a retry sends the
        same bytes, sequence id included."""
        if not pending.wire:
            pending.wire = encode_message(pending.message, pending.seq)
        return pending.wire

    def sent(
        self, pending: Pending, now: float, *, counted: bool, tracer: FrameTracer | None
    ) -> None:
        """``pending`` was written to the port at ``now``: time it (``counted``: the gap
        before it counts, the link was sound), count it, and trace it to ``tracer``."""
        self.gaps.sent(now, counted=counted)
        if isinstance(pending.message, Start):
            self.watchdog_s = pending.message.watchdog_ms / 1_000
        self._stats.frames_out += 1
        if tracer:
            tracer.record_sent(pending.wire, pending.message, pending.seq)

    def watchdog_error(self, now: float) -> WatchdogTripped:
        """What the device's HOST_LOST reported at ``now`` means, judged by the frames this
        host sent just before."""
        return watchdog_error(self.gaps.recent(now), self.watchdog_s)
