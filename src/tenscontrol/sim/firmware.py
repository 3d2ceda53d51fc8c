"""The simulated firmware's state and duties: firmware_protocol.md sections 5-7.

:class:`Firmware` holds what the device's firmware keeps (run state, latched faults, the
watchdog, the channels) and does what the spec makes it do: start channels, stop all
output, apply a setpoint with the slew, latch faults, run the limit checks as time passes,
and reset. It knows nothing of frames; :mod:`tenscontrol.sim.requests` turns host requests
into these operations and :mod:`tenscontrol.sim.model` runs the clock and the schedule.

Time is the device's: integer microseconds since power-on (``now_us``), every limit check
integer arithmetic. Events go to the sink stamped with monotonic seconds
(``t0 + now_us / 1e6``). The event sink sees one ``output`` event per channel at each step
where the channel's delivered amplitude changed.
"""

from __future__ import annotations

from tenscontrol.protocol import DeviceState, Fault, Lead, ResetReason
from tenscontrol.protocol.constants import (
    DEVICE_OVER_DELIVERY_MS,
    WATCHDOG_DEFAULT_MS,
    fault_of,
)
from tenscontrol.sim.channel import US_PER_S, Channel
from tenscontrol.sim.eventlog import EventSink
from tenscontrol.sim.identity import CHANNEL_CAPS

US_PER_MS = 1_000
#: Battery of the simulated device (mV, percent): healthy, and after ``low_battery_at``. The
#: model is simple on purpose: a low battery never recovers (no charging is simulated).
BATTERY_OK = (3_950, 87)
BATTERY_LOW = (3_300, 3)
#: Battery hysteresis (spec 4.3, the reference values), mV: below SUSTAIN, LOW_BATTERY
#: latches; START is refused below RESTART, which is higher, so a battery that just
#: recovered past the sustain level cannot start and fail again at once.
BATTERY_SUSTAIN_MV = 3_400
BATTERY_RESTART_MV = 3_600
#: Impedance the simulated electrodes show when the lead is on, ohm.
LEAD_IMPEDANCE_OHM = 820

_OVER_DELIVERY_US = DEVICE_OVER_DELIVERY_MS * US_PER_MS
#: An accepted START clears these device-wide faults (spec 4.3: it got past the self-test
#: and the battery's restart level, so neither INTERNAL nor LOW_BATTERY still holds).
_CLEARED_BY_START = Fault.HOST_LOST | Fault.INTERNAL | Fault.LOW_BATTERY


class Firmware:
    """The firmware of one simulated device with ``channels`` outputs, powered on at
    monotonic time ``t0`` (s). Attributes are the model's, not for callers."""

    def __init__(self, t0: float, channels: int, sink: EventSink) -> None:
        self.t0 = t0
        self.now_us = 0
        self._sink = sink
        self.channels = [Channel(n, CHANNEL_CAPS) for n in range(1, channels + 1)]
        # Physical conditions: they survive a reset.
        self.battery_low = False
        self.hardware_failed = False
        self.boot_count = 0
        self._set_power_on_state()

    def _set_power_on_state(self) -> None:
        self.state = DeviceState.IDLE
        self.device_faults = Fault.NONE
        self.watchdog_armed = False
        self.watchdog_ms = WATCHDOG_DEFAULT_MS
        self.watchdog_refreshed_us = self.now_us
        self.boot_us = self.now_us
        #: Something the host must hear at once (a fault, a lead change): telemetry now.
        self.report_now = False

    # --- events ------------------------------------------------------------------------
    def when(self) -> float:
        """Monotonic time (s) of the firmware's ``now_us``."""
        return self.t0 + self.now_us / US_PER_S

    def record(self, event: str, **fields: object) -> None:
        """Report ``event`` to the sink, stamped with the firmware's time."""
        self._sink.record(self.when(), event, **fields)

    # --- reading -----------------------------------------------------------------------
    def all_faults(self) -> Fault:
        """Every latched fault, device-wide and of any channel (as TELEMETRY reports it)."""
        faults = int(self.device_faults)
        for ch in self.channels:
            faults |= int(ch.faults)
        return fault_of(faults)

    @property
    def battery_mv(self) -> int:
        """The battery voltage the device measures now, mV."""
        return BATTERY_LOW[0] if self.battery_low else BATTERY_OK[0]

    def self_test_passes(self) -> bool:
        """START's self-test (spec 4.3): the simulated hardware passes unless it has failed
        (``internal_fault_at``); a failure never heals."""
        return not self.hardware_failed

    def watchdog_expiry_us(self) -> int | None:
        """Device time (us) the watchdog expires at, or None while disarmed."""
        if not self.watchdog_armed:
            return None
        return self.watchdog_refreshed_us + self.watchdog_ms * US_PER_MS

    def limit_due_us(self, due: int) -> int:
        """The earlier of ``due`` and when a limit check next changes its verdict: an
        over-delivery trip coming due, or an injected over-delivery ramp crossing a limit."""
        now_us = self.now_us
        for ch in self.channels:
            if ch.over_since_us is not None and ch.over_since_us + _OVER_DELIVERY_US + 1 < due:
                due = ch.over_since_us + _OVER_DELIVERY_US + 1
            if ch.over_percent:  # crossing_us is None without injected over-delivery
                crossing = ch.crossing_us(now_us)
                if crossing is not None and crossing < due:
                    due = crossing
        return due

    # --- time --------------------------------------------------------------------------
    def step_to(self, t_us: int) -> None:
        """Move time to ``t_us``: ramps rise, limit checks run."""
        if t_us > self.now_us:
            self.now_us = t_us
        now_us = self.now_us
        for ch in self.channels:
            if ch.enabled and ch.output < ch.setpoint:  # else ramp() changes nothing
                ch.ramp(now_us)
            # a channel at 0 with no over-delivery running (measured(0) is 0 whatever the
            # injection): update_delivered would change nothing
            if ch.output or ch.delivered or ch.over_since_us is not None:
                self.update_delivered(ch)

    def check_watchdog(self, t_us: int) -> None:
        """Trip the watchdog if it has expired by ``t_us``: HOST_LOST, output 0."""
        expiry = self.watchdog_expiry_us()
        if expiry is not None and t_us >= expiry:
            self.record("watchdog", timeout_ms=self.watchdog_ms)
            self.latch_device(Fault.HOST_LOST)

    def refresh_watchdog(self) -> None:
        """A valid host frame: the watchdog counts from now."""
        self.watchdog_refreshed_us = self.now_us

    def update_delivered(self, ch: Channel) -> None:
        """Recompute measured current, log a change, run over-current/over-delivery checks."""
        delivered = ch.measured(ch.output)
        if delivered != ch.delivered:
            ch.delivered = delivered
            self.record("output", channel=ch.number, amplitude_ua=delivered)
        if ch.delivered > ch.caps.max_amplitude_ua:
            self.latch_channel(ch, Fault.OVER_CURRENT)
            return
        # the limit is the setpoint plus a margin >= 0: at or below the setpoint, never over
        if ch.delivered > ch.setpoint and ch.delivered > ch.over_delivery_limit():
            if ch.over_since_us is None:
                ch.over_since_us = self.now_us
            elif self.now_us - ch.over_since_us > _OVER_DELIVERY_US:
                self.latch_channel(ch, Fault.OVER_DELIVERY)
        else:
            ch.over_since_us = None

    # --- what host requests make the firmware do -----------------------------------------
    def start(self, mask: int, watchdog_ms: int) -> int:
        """Enable the channels of ``mask`` at 0 with their faults cleared, clear the
        device-wide faults, arm the watchdog (``watchdog_ms``, 0 for the default): RUNNING.
        Returns the watchdog timeout in force, ms. The caller has checked the request."""
        for ch in self.channels:
            if mask >> (ch.number - 1) & 1:
                self.zero(ch, disable=True)
                ch.faults = Fault.NONE
                ch.enabled = True
        self.device_faults &= ~_CLEARED_BY_START
        self.watchdog_ms = watchdog_ms or WATCHDOG_DEFAULT_MS
        self.watchdog_armed = True
        self.watchdog_refreshed_us = self.now_us
        self.state = DeviceState.RUNNING
        return self.watchdog_ms

    def stop_all(self) -> None:
        """Every channel 0 and disabled at once, the watchdog disarmed: IDLE."""
        for ch in self.channels:
            self.zero(ch, disable=True)
        self.state = DeviceState.IDLE
        self.watchdog_armed = False

    def apply_setpoint(self, ch: Channel, amplitude_ua: int) -> None:
        """A new setpoint in force now: drop at once, or ramp up from here at the slew."""
        ch.set_setpoint(amplitude_ua, self.now_us)
        self.update_delivered(ch)

    # --- faults ------------------------------------------------------------------------
    def zero(self, ch: Channel, *, disable: bool) -> None:
        """Channel ``ch``'s setpoint and output to 0 at once (and disabled if ``disable``)."""
        ch.zero(self.now_us)
        if disable:
            ch.enabled = False
            ch.applied = None
        if ch.delivered != 0:
            ch.delivered = 0
            self.record("output", channel=ch.number, amplitude_ua=0)

    def latch_channel(self, ch: Channel, fault: Fault) -> None:
        """A channel fault: that channel to 0 at once, fault latched, telemetry now."""
        self.zero(ch, disable=False)
        if not fault & ch.faults:
            ch.faults |= fault
            self.record("fault", channel=ch.number, fault=_name(fault))
            self.report_now = True

    def latch_device(self, fault: Fault) -> None:
        """A device-wide fault: every channel 0 and disabled, latched, IDLE, telemetry now."""
        self.stop_all()
        if not fault & self.device_faults:
            self.device_faults |= fault
            self.record("fault", channel=None, fault=_name(fault))
        self.report_now = True

    # --- the simulated hardware's conditions ---------------------------------------------
    def lead_off(self, ch: Channel) -> None:
        """Channel ``ch``'s electrode lead comes off: LEAD_OFF latched, telemetry now."""
        if ch.lead is not Lead.OFF:
            ch.lead = Lead.OFF
            self.record("lead", channel=ch.number, lead="off")
            self.report_now = True
        self.latch_channel(ch, Fault.LEAD_OFF)

    def lead_on(self, ch: Channel) -> None:
        """Channel ``ch``'s electrode lead is back (its latched fault stays)."""
        if ch.lead is not Lead.OK:
            ch.lead = Lead.OK
            self.record("lead", channel=ch.number, lead="on")
            self.report_now = True

    def overdeliver(self, ch: Channel, percent: int) -> None:
        """Channel ``ch``'s current source delivers ``percent`` % above what it is driven to."""
        ch.over_percent = percent
        self.record("overdeliver", channel=ch.number, percent=percent)
        self.update_delivered(ch)

    def battery_goes_low(self) -> None:
        """The battery can no longer sustain output: LOW_BATTERY latched, output 0."""
        self.battery_low = True
        self.record("low_battery", battery_mv=BATTERY_LOW[0])
        self.latch_device(Fault.LOW_BATTERY)

    def hardware_fails(self) -> None:
        """The hardware fails: INTERNAL latched, output 0; every self-test fails from now."""
        self.hardware_failed = True
        self.record("internal_fault")
        self.latch_device(Fault.INTERNAL)

    def power_off(self) -> None:
        """The device loses power with its port: every channel back to its power-on state."""
        for ch in self.channels:
            if ch.delivered != 0:  # the output drops with the power: that is logged too
                self.record("output", channel=ch.number, amplitude_ua=0)
            ch.reset()

    def reset(self, reason: ResetReason) -> None:
        """Power-on or reboot: every volatile value back to its power-on value. Conditions
        that still hold (a lead off, a low battery) are detected again at once."""
        self._set_power_on_state()
        self.power_off()
        self.boot_count += 1
        self.record("boot", reason=reason.name)
        for ch in self.channels:
            if ch.lead is Lead.OFF:
                self.latch_channel(ch, Fault.LEAD_OFF)
        if self.battery_low:
            self.latch_device(Fault.LOW_BATTERY)
        if self.hardware_failed:  # the power-on self-test finds it again
            self.latch_device(Fault.INTERNAL)


def _name(fault: Fault) -> str:
    return fault.name or str(int(fault))
