"""When a link counts as failed, apart from what the telemetry says: too many corrupt
frames, a device gone silent, heartbeats unanswered in a row.

Pure: fed counts and durations (seconds on the driver's clock), it answers with the error
to fail the link with, or None. The link asks it; it never touches a port.
"""

from __future__ import annotations

import threading

from tenscontrol.device.state import NOISE_WINDOW_FRAMES
from tenscontrol.errors import DeviceTimeout, LinkTooNoisy

#: Link too noisy: this many dropped frames among the last NOISE_WINDOW_FRAMES received.
NOISE_MAX_DROPPED = 50
#: The device pushes telemetry every 50 ms; this long without any frame means it is gone.
SILENCE_LIMIT_S = 1.0
#: Heartbeats that may time out in a row before the link counts as failed: at 100 ms a
#: beat, six span more than the 500 ms watchdog, and on a link losing 5 % of frames six in
#: a row happen about once in 3,000 hours of use, where three happen every half hour.
HEARTBEAT_MISSES = 6


def noise_error(dropped: int) -> LinkTooNoisy | None:
    """The failure for ``dropped`` corrupt frames among the last window, if that is too many."""
    if dropped < NOISE_MAX_DROPPED:
        return None
    return LinkTooNoisy(
        f"{dropped} of the last {NOISE_WINDOW_FRAMES} frames from the device were corrupt",
        hint="use a shorter or better USB cable, away from mains leads",
    )


def telemetry_silence_error(quiet_s: float) -> DeviceTimeout | None:
    """The failure for a running device that answered requests but sent no TELEMETRY for
    ``quiet_s`` seconds, if too long: the host can no longer check delivered current."""
    if quiet_s <= SILENCE_LIMIT_S:
        return None
    return DeviceTimeout(
        f"no telemetry from the device for {SILENCE_LIMIT_S:.1f} s while it ran: delivered "
        "current cannot be checked",
        hint="the device firmware may be faulty; do not use it until it is checked",
    )


def silence_error(quiet_s: float) -> DeviceTimeout | None:
    """The failure for a device that sent nothing for ``quiet_s`` seconds, if too long."""
    if quiet_s <= SILENCE_LIMIT_S:
        return None
    return DeviceTimeout(
        f"no frame from the device for {SILENCE_LIMIT_S:.1f} s",
        hint="check the cable; the device's watchdog has zeroed output",
    )


class HeartbeatMisses:
    """Heartbeats unanswered in a row. The writer thread counts misses, the reader thread
    answers: both under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def answered(self) -> None:
        """A heartbeat was answered: the run of misses is over."""
        with self._lock:
            self.count = 0

    def missed(self, n: int) -> DeviceTimeout | None:
        """``n`` more heartbeats timed out; the failure once the run is too long."""
        with self._lock:
            self.count += n
            count = self.count
        if count < HEARTBEAT_MISSES:
            return None
        return DeviceTimeout(f"{HEARTBEAT_MISSES} heartbeats in a row went unanswered")

    @property
    def failing(self) -> bool:
        """True once the run of misses is long enough to fail the link."""
        return self.count >= HEARTBEAT_MISSES
