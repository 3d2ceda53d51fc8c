"""One output channel of the simulated device: its state, the slew, and the limit crossings.

All amounts are integers: current in uA, time in microseconds since power-on. The ramp is
exact: while rising, ``output = anchor_ua + floor(SLEW_UA_PER_S * (t - anchor_us) / 1e6)``,
capped at the setpoint. Re-anchoring (on every new setpoint) keeps the floor, so the rise
over any interval is never more than the slew allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenscontrol import hard_limits
from tenscontrol.protocol import ChannelCapabilities, Fault, Lead, Setpoint
from tenscontrol.sim.identity import SLEW_UA_PER_S

US_PER_S = 1_000_000


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """Read-only view of one channel. Units: uA.

    ``output_ua`` is what the current source is driven to (slew-limited); ``delivered_ua``
    is what it measures, which differs only when over-delivery is injected.
    """

    number: int
    enabled: bool
    setpoint_ua: int
    output_ua: int
    delivered_ua: int
    lead: Lead
    faults: Fault
    applied: Setpoint | None


class Channel:
    """Mutable state of one output channel (the model's, not for callers)."""

    def __init__(self, number: int, caps: ChannelCapabilities) -> None:
        self.number = number
        self.caps = caps
        self.lead = Lead.OK
        self.over_percent = 0  # injected over-delivery, percent (hardware: survives reset)
        self.reset()

    def reset(self) -> None:
        """Power-on state: disabled, everything 0, no latched fault."""
        self.enabled = False
        self.setpoint = 0
        self.output = 0
        self.delivered = 0
        self.anchor_us = 0
        self.anchor_ua = 0
        self.faults = Fault.NONE
        self.applied: Setpoint | None = None
        self.over_since_us: int | None = None

    def status(self) -> ChannelStatus:
        """A read-only copy of the channel's state."""
        return ChannelStatus(
            number=self.number,
            enabled=self.enabled,
            setpoint_ua=self.setpoint,
            output_ua=self.output,
            delivered_ua=self.delivered,
            lead=self.lead,
            faults=self.faults,
            applied=self.applied,
        )

    def measured(self, output_ua: int) -> int:
        """What the current source delivers (uA) when driven to ``output_ua``."""
        return output_ua * (100 + self.over_percent) // 100

    def over_delivery_limit(self) -> int:
        """Delivered above this (uA) counts as over-delivery (spec section 7)."""
        return self.setpoint + hard_limits.over_delivery_margin_ua(self.setpoint)

    def set_setpoint(self, amplitude_ua: int, now_us: int) -> None:
        """A new setpoint in force at ``now_us``: drop at once, or ramp up from here."""
        self.setpoint = amplitude_ua
        self.output = min(self.output, amplitude_ua)
        self.anchor_us, self.anchor_ua = now_us, self.output

    def zero(self, now_us: int) -> None:
        """Setpoint and output to 0 at once (``delivered`` is updated by the caller)."""
        self.setpoint = 0
        self.output = 0
        self.anchor_us, self.anchor_ua = now_us, 0
        self.over_since_us = None

    def ramp(self, now_us: int) -> None:
        """Raise ``output`` towards the setpoint as the slew allows by ``now_us``."""
        if self.enabled and self.output < self.setpoint:
            elapsed = now_us - self.anchor_us
            rise = SLEW_UA_PER_S * elapsed // US_PER_S
            self.output = min(self.setpoint, self.anchor_ua + rise)

    def crossing_us(self, now_us: int) -> int | None:
        """While ramping with injected over-delivery: when a limit check next turns true.

        The over-delivery limit (unless already exceeded) and ``max_amplitude_ua``; None if
        neither will be crossed by this ramp.
        """
        if not self.enabled or self.over_percent == 0 or self.output >= self.setpoint:
            return None
        levels = [self.caps.max_amplitude_ua]
        if self.over_since_us is None:
            levels.append(self.over_delivery_limit())
        best: int | None = None
        factor = 100 + self.over_percent
        for level in levels:
            # smallest output X with measured(X) > level, then when the ramp reaches X
            needed = -(-(level + 1) * 100 // factor)
            if needed > self.setpoint:
                continue
            at = self.anchor_us - (-(needed - self.anchor_ua) * US_PER_S // SLEW_UA_PER_S)
            at = max(at, now_us)
            best = at if best is None else min(best, at)
        return best
