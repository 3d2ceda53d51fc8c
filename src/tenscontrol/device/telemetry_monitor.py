"""What the device's telemetry means for the link: lost frames, and the faults that end it.

Pure: fed one TELEMETRY at a time with its sequence id, it counts sequence gaps and says
whether the frame reports a failure (the watchdog expired, or a fault that ends a session).
The send-gap record (:class:`SendGaps`) tells a host that did not get to run from a link
that lost its frames, so a watchdog trip is named for what caused it.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from tenscontrol.errors import DeviceFault, HostStarved, TensError, WatchdogTripped
from tenscontrol.protocol import DeviceState, Fault, Telemetry

#: Faults that end a session (lead-off does not: the session handles it per channel).
FATAL_FAULTS = Fault.OVER_DELIVERY | Fault.OVER_CURRENT | Fault.LOW_BATTERY | Fault.INTERNAL
#: How far back a watchdog trip looks for a gap between this host's own frames, seconds:
#: the telemetry that reports the trip arrives within a few frames of it.
STARVED_LOOKBACK_S = 2.0
#: Gaps between sent frames longer than this (s) are kept for that look back (rare: the
#: heartbeat sends a frame every 100 ms).
LONG_GAP_S = 0.25
#: The fault bits looked at, as plain ints (no flag arithmetic per frame).
_HOST_LOST = int(Fault.HOST_LOST)
_FATAL = int(FATAL_FAULTS)
#: A sequence id behind the last one by less than half the 16-bit space is a gap, not a
#: frame from the past.
_SEQ_SPACE = 0x10000
#: TELEMETRY's uptime_ms wraps at 2**32 ms; a drop from within this window of it is a wrap.
_UPTIME_WRAP_MS = 1 << 32
_WRAP_WINDOW_MS = 60_000


class SendGaps:
    """The gaps between frames this host sent while the link was sound (seconds on the
    driver's clock): the longest ever, and the long ones of the last
    :data:`STARVED_LOOKBACK_S`."""

    def __init__(self, now: float) -> None:
        self.last_sent = now
        self.longest_s = 0.0
        self._long: deque[tuple[float, float]] = deque()  # (ended at, gap)

    def sent(self, now: float, *, counted: bool) -> None:
        """A frame went out at ``now``; ``counted``: the gap before it counts (the link
        was sound)."""
        if counted:
            gap = now - self.last_sent
            if gap > self.longest_s:
                self.longest_s = gap
            if gap > LONG_GAP_S:
                self._long.append((now, gap))
                while self._long and self._long[0][0] < now - STARVED_LOOKBACK_S:
                    self._long.popleft()
        self.last_sent = now

    def recent(self, now: float) -> float:
        """Longest gap (s) in the last :data:`STARVED_LOOKBACK_S`, counting the time since
        the last frame sent."""
        gaps = tuple(self._long)  # one C-level copy: the writer thread may append
        recent = [gap for end, gap in gaps if end >= now - STARVED_LOOKBACK_S]
        return max([now - self.last_sent, *recent])


def watchdog_error(recent_gap_s: float, watchdog_s: float | None) -> WatchdogTripped:
    """The device reported HOST_LOST: :class:`HostStarved` when this host itself sent
    nothing for a watchdog period just before (``recent_gap_s`` >= ``watchdog_s``: it did
    not get to run), otherwise :class:`WatchdogTripped` (frames went out in time: lost on
    the way, or late)."""
    gap_ms = round(recent_gap_s * 1_000)
    if watchdog_s is not None and recent_gap_s >= watchdog_s:
        return HostStarved(
            f"the device's watchdog expired: this computer did not run the controller "
            f"for {gap_ms} ms (watchdog {watchdog_s * 1_000:.0f} ms); output is 0",
            gap_ms=gap_ms,
            hint="the computer was overloaded or suspended; close other programs",
        )
    return WatchdogTripped(
        f"the device's watchdog expired: it stopped hearing this host (longest gap "
        f"between frames sent {gap_ms} ms); output is 0",
        hint="the computer may be overloaded, or the link unreliable",
    )


class FaultVerdict(Enum):
    """What a telemetry frame's faults mean for the link."""

    NONE = "none"
    HOST_LOST = "host_lost"  # the device's watchdog expired
    FATAL = "fatal"  # a fault that ends the session (FATAL_FAULTS)
    RESET = "reset"  # the device reset without a BOOT reaching us (firmware_protocol.md D7)


class TelemetryMonitor:
    """Counts lost TELEMETRY frames and finds the faults that end the link.

    ``armed`` (set by the driver between an acknowledged START and the moment it sends
    STOP): only then do fault bits count, because a device reports latched faults until a
    START clears them, and only then does an IDLE device mean that it reset.
    """

    def __init__(self) -> None:
        self.armed = False
        self.lost = 0  # frames missing from the sequence, in all
        self._last_seq: int | None = None
        self._last_uptime_ms = -1

    def observe(self, seq: int, telemetry: Telemetry) -> FaultVerdict:
        """Count the gap before ``seq`` and say what the frame means: its faults, or a
        reset whose BOOT was lost (USB CDC re-enumerates at a reset): the device's uptime
        went backwards, or it is IDLE, with no fault to say why, while armed."""
        if self._last_seq is not None:
            gap = (seq - self._last_seq - 1) % _SEQ_SPACE
            if gap < _SEQ_SPACE // 2:
                self.lost += gap
        self._last_seq = seq
        # uptime_ms is a u32 that wraps after 49.7 days: a drop from its last minute is a wrap
        last = self._last_uptime_ms
        went_back = telemetry.uptime_ms < last < _UPTIME_WRAP_MS - _WRAP_WINDOW_MS
        self._last_uptime_ms = telemetry.uptime_ms
        faults = int(telemetry.faults) if self.armed else 0
        if faults & _HOST_LOST:
            return FaultVerdict.HOST_LOST
        if faults & _FATAL:
            return FaultVerdict.FATAL
        if went_back or (self.armed and telemetry.state is DeviceState.IDLE):
            return FaultVerdict.RESET
        return FaultVerdict.NONE


def fatal_fault_error(telemetry: Telemetry) -> TensError:
    """The error for a frame reporting faults that end a session, naming them."""
    names = tuple(f.name or "" for f in Fault if f & FATAL_FAULTS & telemetry.faults)
    return DeviceFault(f"the device latched {', '.join(names)}", faults=names)
