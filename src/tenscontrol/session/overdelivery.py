"""The host's commanded-versus-delivered check (hazard 8), pure: integer ms and uA.

Rule (docs/safety.md, hard_limits): delivered above commanded by more than
``over_delivery_margin_ua(commanded)`` (20 % or 2 mA, the stricter) for more than
``OVER_DELIVERY_HOST_MS`` -> emergency stop. The device's own check trips after 200 ms; the
host's must come first on a sound link.

What "commanded" is, so that ordinary traffic never trips it:

* A telemetry frame carries the setpoint the device had in force when it measured
  (``setpoint_ua``) and the delivered current at that same instant. The device drops output
  at once on a lower setpoint and only rises at its slew, so within one frame delivered can
  legitimately exceed that frame's setpoint by nothing at all.
* A frame measured *before* a lowering SET reached the device, but read by the host *after*
  sending it, still shows the old, higher setpoint with the old delivered current. Comparing
  it with the new, lower SET would be a false trip. So the reference is never below the
  highest amplitude the host sent within the last :data:`COMMAND_HISTORY_MS` (the one in
  force at the start of that window included).
* A device that misreports its own setpoint (claims a higher one than the host sent) must
  not hide over-delivery, so the reference is never above that highest recent SET either.

Reference = min(frame setpoint, highest amplitude sent in the window). Duration: the excess
counts from the first frame that shows it; the host trips on the first frame at least
``OVER_DELIVERY_HOST_MS`` later by the host's clock (arrival) or the device's (the frames'
``uptime_ms``), whichever says so first (the true onset lies before that first frame, so the
excess has by then lasted more than the rule's 100 ms). With 50 ms telemetry that is the
third consecutive excessive frame: 100-150 ms after the onset, well before the device's
200 ms.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tenscontrol import hard_limits as hl

#: How far back a sent setpoint can still be the one a telemetry frame saw, ms: longer than
#: any telemetry still in transit (the driver declares the link dead after 1 s of silence).
COMMAND_HISTORY_MS = 1_000
#: TELEMETRY's uptime_ms is a u32: device durations are taken modulo its wrap.
_UPTIME_WRAP_MS = 1 << 32


@dataclass(frozen=True, slots=True)
class Trip:
    """An over-delivery the host trips on. Units: uA, ms."""

    channel: int
    delivered_ua: int
    reference_ua: int
    lasted_ms: int


class OverDeliveryMonitor:
    """Feed it every setpoint sent and every telemetry frame; it says when to trip."""

    def __init__(self, channels: tuple[int, ...]) -> None:
        self._sent: dict[int, deque[tuple[int, int]]] = {ch: deque() for ch in channels}
        self._in_force: dict[int, int] = dict.fromkeys(channels, 0)
        #: Per channel, when the current excess was first seen: (host ms, device ms).
        self._over_since: dict[int, tuple[int, int | None] | None] = dict.fromkeys(channels)
        #: Per channel, the reference the latest frame was judged against (None before any
        #: frame): the setpoint a display shows next to that frame's delivered current.
        self.judged_ua: dict[int, int | None] = dict.fromkeys(channels)

    def commanded(self, channel: int, at_ms: int, amplitude_ua: int) -> None:
        """Record that ``amplitude_ua`` was sent (or forced by START/STOP) at ``at_ms``."""
        self._sent[channel].append((at_ms, amplitude_ua))

    def reference_ua(self, channel: int, at_ms: int) -> int:
        """Highest amplitude that may be in force for a frame read at ``at_ms``."""
        sent = self._sent[channel]
        while sent and sent[0][0] < at_ms - COMMAND_HISTORY_MS:
            self._in_force[channel] = sent.popleft()[1]
        return max([self._in_force[channel], *(amp for _, amp in sent)])

    def observe(
        self,
        channel: int,
        at_ms: int,
        frame_setpoint_ua: int,
        delivered_ua: int,
        device_ms: int | None = None,
    ) -> Trip | None:
        """Check one channel of one telemetry frame read at ``at_ms`` (host clock) and
        stamped ``device_ms`` by the device (its ``uptime_ms``; None: host time only); a
        Trip or None.

        The excess has lasted as long as the *longer* of the two clocks says: a host that
        ran late and reads three buffered frames at once still trips on the third (device
        time), and a device whose clock stalls cannot hold the trip off (host time).
        """
        reference = min(frame_setpoint_ua, self.reference_ua(channel, at_ms))
        self.judged_ua[channel] = reference
        if delivered_ua <= reference + hl.over_delivery_margin_ua(reference):
            self._over_since[channel] = None
            return None
        since = self._over_since[channel]
        if since is None:
            self._over_since[channel] = (at_ms, device_ms)
            return None
        lasted = at_ms - since[0]
        if device_ms is not None and since[1] is not None:
            lasted = max(lasted, (device_ms - since[1]) % _UPTIME_WRAP_MS)
        if lasted >= hl.OVER_DELIVERY_HOST_MS:
            return Trip(channel, delivered_ua, reference, lasted)
        return None
