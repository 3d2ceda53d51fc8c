"""Is output really 0? The confirmation of a STOP by telemetry (firmware_protocol.md, Host
duties; docs/safety.md hazard 15).

An ACK alone does not prove a stop: a device can acknowledge STOP and keep delivering. A
STOP counts as confirmed only when its ACK arrived and the *first* TELEMETRY frame received
after that ACK shows the device IDLE with every channel's setpoint and delivered current 0.
The device sends the ACK only once output is 0 and the link keeps frames in order, so every
frame after the ACK must show 0. The bound is counted in frames (the next one, within one
telemetry period of device time), not in host time, so a host that did not get to run
cannot mistake its own lateness for a device that did not stop; the host waits for that
frame at most :data:`STOP_CONFIRM_WAIT_S`.

Pure bookkeeping: the link calls :meth:`StopCheck.acked` and :meth:`StopCheck.observe` in
the order frames arrived, from the thread that reads the port; the driver waits on
``done``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum

from tenscontrol.protocol import DeviceState, Telemetry

#: How long the host waits for the first TELEMETRY after a STOP's ACK, seconds: ten
#: telemetry periods of 50 ms (the spec's bound, STOP_CONFIRM_WAIT_MS).
STOP_CONFIRM_WAIT_S = 0.5
#: STOPs sent before a stop is reported as not confirmed (the spec's 3 attempts).
STOP_ATTEMPTS = 3


class StopVerdict(Enum):
    """What the first telemetry after a STOP's ACK showed."""

    PENDING = "pending"  # no ACK yet, or no telemetry since it
    CONFIRMED = "confirmed"  # IDLE, every setpoint and delivered current 0
    OUTPUT_ON = "output_on"  # the device acknowledged STOP but reports otherwise
    LINK_LOST = "link_lost"  # the port went away before a verdict


@dataclass(eq=False)
class StopCheck:
    """One wait for proof that output is 0. ``done`` is set with the verdict; ``evidence``
    says what the judged frame showed (uA), for the message of an unconfirmed stop."""

    verdict: StopVerdict = StopVerdict.PENDING
    evidence: str = ""
    done: threading.Event = field(default_factory=threading.Event)
    _acked: bool = False

    def acked(self) -> None:
        """A STOP's ACK arrived: the next telemetry frame is the one judged."""
        self._acked = True

    def observe(self, telemetry: Telemetry) -> None:
        """A TELEMETRY frame arrived: judge it if it is the first one after the ACK."""
        if not self._acked or self.done.is_set():
            return
        on = [
            f"channel {n}: setpoint {ch.setpoint_ua} uA, delivered {ch.delivered_ua} uA"
            for n, ch in enumerate(telemetry.channels, start=1)
            if ch.setpoint_ua != 0 or ch.delivered_ua != 0
        ]
        if telemetry.state is DeviceState.IDLE and not on:
            self._finish(StopVerdict.CONFIRMED, "")
            return
        state = "" if telemetry.state is DeviceState.IDLE else f"state {telemetry.state.name}"
        self._finish(StopVerdict.OUTPUT_ON, "; ".join([s for s in (state, *on) if s]))

    def lost(self) -> None:
        """The port went away: no verdict can come."""
        if not self.done.is_set():
            self._finish(StopVerdict.LINK_LOST, "the port went away")

    @property
    def confirmed(self) -> bool:
        """True once the device showed output 0 after the ACK."""
        return self.verdict is StopVerdict.CONFIRMED

    def _finish(self, verdict: StopVerdict, evidence: str) -> None:
        self.verdict = verdict
        self.evidence = evidence
        self.done.set()
