"""The channels of a running session and their traffic with the device: a person's
commands applied to the ramps, the setpoints of each tick and of each lowering out (each
through :func:`~tenscontrol.session.limits.check_setpoint`), telemetry in (lead changes,
the commanded-versus-delivered check), and the final STOP. Made when the session starts;
engine thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tenscontrol.clock import Clock
from tenscontrol.device import TelemetrySample, TensDevice
from tenscontrol.errors import DeviceTimeout, NakError, OverDelivery, PortLost
from tenscontrol.profiles.timeline import Stimulation
from tenscontrol.protocol import Fault, Lead, NakCode, Setpoint
from tenscontrol.session.events import EventKind, SetpointTiming, TimingCallback
from tenscontrol.session.inbox import Command
from tenscontrol.session.limits import PATTERNS, WAVEFORMS, check_setpoint
from tenscontrol.session.overdelivery import OverDeliveryMonitor
from tenscontrol.session.plan import SessionPlan
from tenscontrol.session.ramps import ChannelRamp, apply_command
from tenscontrol.session.recorder import Recorder

log = logging.getLogger(__name__)

#: SETs that may time out in a row (each after all its retries) before the link counts as
#: failed; the device watchdog guards the host side meanwhile.
SET_TIMEOUTS_TOLERATED = 3

Emit = Callable[[EventKind, int | None, dict[str, object]], None]


class ChannelIO:
    """The channels of one running session under ``plan``: their ramps, what was sent, what
    came back. Units: uA, session ms.

    ``started_s``: clock time of session time 0, seconds. ``stopping()``: True once a stop
    was asked for (nothing above 0 is sent any more). ``on_sent``: told of every setpoint
    the device accepted, with its timing (None: not measured, no clock read).
    """

    def __init__(
        self,
        device: TensDevice,
        clock: Clock,
        plan: SessionPlan,
        ramps: dict[int, ChannelRamp],
        rec: Recorder,
        emit: Emit,
        *,
        started_s: float,
        stopping: Callable[[], bool],
        on_sent: TimingCallback | None = None,
    ) -> None:
        self.device = device
        self.timeouts_in_a_row = 0
        self.clock = clock
        self.plan = plan
        self.ramps = ramps
        self.rec = rec
        self.emit = emit
        self.started_s = started_s
        self.stopping = stopping
        self.on_sent = on_sent
        channels = tuple(ramps)
        self.monitor = OverDeliveryMonitor(channels)
        self.sent: dict[int, Setpoint | None] = dict.fromkeys(channels)
        self.max_delivered = dict.fromkeys(channels, 0)
        #: Why the last STOP was not confirmed (None once it was, or before any).
        self.stop_error: str | None = None
        self.faults: dict[int, list[str]] = {n: [] for n in channels}
        self.latest: TelemetrySample | None = None

    def now_ms(self) -> int:
        """Session time now, ms."""
        return round((self.clock.monotonic() - self.started_s) * 1_000)

    def tick(self, t_ms: int) -> Stimulation:
        """Every channel's setpoint at session time ``t_ms``, each sent if it changed; the
        stimulation they were computed under."""
        stim = self.plan.stimulation(t_ms)
        for n in self.plan.channels:
            self.send(n, self.plan.amplitude_ua(self.ramps[n], t_ms, stim), stim, t_ms)
        return stim

    def apply(self, command: Command) -> set[int]:
        """Apply a person's ``command`` to the ramps now and tell of it (a ``command`` or
        ``refused`` event per channel, with its origin); the channels it touched."""
        tag: dict[str, object] = {} if command.origin is None else {"origin": command.origin}
        changed: set[int] = set()
        outcomes = apply_command(
            self.ramps, command.kind, command.channel, command.value_ua, self.now_ms()
        )
        for n, outcome, data in outcomes:
            self.emit(outcome, n, {**data, **tag})
            if n in self.ramps:
                changed.add(n)
        return changed

    def lower_now(self, channels: set[int]) -> tuple[int, Stimulation] | None:
        """Send at once any of ``channels`` whose output must drop (pause, down, a lower
        set-to); the (session ms, stimulation) used, or None before session time 0."""
        t_ms = min(self.now_ms(), self.plan.duration_ms - 1)
        if t_ms < 0:
            return None
        stim = self.plan.stimulation(t_ms)
        for n in sorted(channels):
            amp = self.plan.amplitude_ua(self.ramps[n], t_ms, stim)
            last = self.sent[n]
            if last is not None and amp < last.amplitude_ua:
                self.send(n, amp, stim, t_ms)
        return t_ms, stim

    def stop_all(self, t_ms: int, error: BaseException | None) -> bool:
        """STOP the device (unless its port is gone: ``error`` or the link says so) and zero
        every channel at session time ``t_ms``; True when the device confirmed (its ACK and
        then its telemetry showing output 0). Never raises: the device watchdog is the
        backstop of an unconfirmed STOP. Why a STOP was not confirmed is kept in
        :attr:`stop_error`."""
        confirmed = False
        gone = isinstance(error, PortLost) or isinstance(self.device.failure, PortLost)
        self.stop_error = "the port went away" if gone else None
        if not gone:
            try:
                self.device.stop()
                confirmed = True
            except Exception as stop_error:
                self.stop_error = str(stop_error)
                log.warning("STOP not confirmed: %s", stop_error)
        for n, ramp in self.ramps.items():
            ramp.pause(t_ms)
            self.sent[n] = None
        return confirmed

    def zeroed(self, n: int) -> None:
        """Channel ``n`` is at 0 on the device (START, STOP, lead-off)."""
        self.sent[n] = None
        self.monitor.commanded(n, self.now_ms(), 0)

    def on_telemetry(self, sample: TelemetrySample) -> None:
        """Handle one frame: leads, highest delivered, and the over-delivery check (raises
        :class:`OverDelivery` to trip the emergency stop)."""
        self.latest = sample
        t_ms = round((sample.at - self.started_s) * 1_000)
        for n, ct in enumerate(sample.telemetry.channels, 1):
            ramp = self.ramps.get(n)
            if ramp is None:
                continue
            self.max_delivered[n] = max(self.max_delivered[n], ct.delivered_ua)
            if ct.lead is Lead.OFF and not ramp.lead_off:
                self.lead_lost(n, t_ms)
            elif Fault.LEAD_OFF in ct.faults and not ramp.needs_start:
                self.lead_lost(n, t_ms)  # the frame showing the lead off was lost
            if ct.lead is Lead.OK and ramp.lead_off:
                ramp.lead_back(t_ms)
                self.emit(EventKind.LEAD, n, {"lead": "on", "impedance_ohm": ct.impedance_ohm})
            uptime_ms = sample.telemetry.uptime_ms
            trip = self.monitor.observe(n, t_ms, ct.setpoint_ua, ct.delivered_ua, uptime_ms)
            if trip is not None:
                self.faults[n].append("HOST_OVER_DELIVERY")
                self.emit(
                    EventKind.FAULT,
                    n,
                    {
                        "fault": "HOST_OVER_DELIVERY",
                        "source": "host",
                        "delivered_ua": trip.delivered_ua,
                        "commanded_ua": trip.reference_ua,
                        "lasted_ms": trip.lasted_ms,
                    },
                )
                raise OverDelivery(
                    f"channel {n} delivered {trip.delivered_ua} uA for a setpoint of "
                    f"{trip.reference_ua} uA for {trip.lasted_ms} ms; emergency stop",
                    hint="the device may be faulty: do not use it until it is checked",
                )
        self.rec.telemetry(t_ms, sample, self.device.stats.quality())

    def lead_lost(self, n: int, t_ms: int) -> None:
        """Channel ``n``'s lead is off (session time ``t_ms``): 0, target forgotten."""
        self.ramps[n].lead_lost(t_ms)
        self.zeroed(n)  # the device zeroed the channel itself
        self.emit(EventKind.LEAD, n, {"lead": "off", "target_forgotten": True})

    def send(self, n: int, amp: int, stim: Stimulation, t_ms: int) -> None:
        """Send channel ``n`` at ``amp`` uA with ``stim``'s pulse shape, unless unchanged.

        A START goes first when the channel needs one; the setpoint passes
        :func:`check_setpoint` (raising :class:`LimitViolation`) before it leaves.
        """
        ramp = self.ramps[n]
        if amp > 0 and self.stopping():
            return  # a stop was asked for: nothing above 0 leaves the host any more
        if amp > 0 and ramp.needs_start and not self.start_channel(n, t_ms):
            return
        sp = Setpoint(
            n,
            amp,
            stim.rate_mhz,
            stim.width_us,
            WAVEFORMS[stim.waveform],
            PATTERNS[stim.pattern],
            stim.burst_rate_mhz or 0,
            stim.pulses_per_burst or 0,
        )
        last = self.sent[n]
        if sp == last or (amp == 0 and (last is None or last.amplitude_ua == 0)):
            return
        check_setpoint(sp, self.plan.limits)  # a violation is a bug: LimitViolation -> fault stop
        self.monitor.commanded(n, self.now_ms(), amp)
        handed_s = self.clock.monotonic() if self.on_sent is not None else 0.0
        try:
            self.device.set_channel(sp)
        except DeviceTimeout:
            # Every attempt of this SET was lost on a noisy link. The device keeps its last
            # accepted setpoint (never above the chain) and the next tick sends this one
            # again; only a link that keeps failing ends the session.
            self.timeouts_in_a_row += 1
            if self.device.failure is not None or self.timeouts_in_a_row >= SET_TIMEOUTS_TOLERATED:
                raise
            return
        except NakError as error:
            if error.code in (NakCode.FAULT_LATCHED, NakCode.LEAD_OFF) and self.lead_off(n):
                self.lead_lost(n, t_ms)  # the lead came off while this SET was in flight
                return
            if self.device.failure is not None:  # e.g. a fault latched: report the fault
                raise self.device.failure from error
            raise
        self.timeouts_in_a_row = 0
        self.sent[n] = sp
        self.rec.setpoint(t_ms, sp, stim.phase_index)
        if self.on_sent is not None:
            self.on_sent(SetpointTiming(n, t_ms, self.started_s + t_ms / 1_000, handed_s))

    def lead_off(self, n: int) -> bool:
        """True when the latest telemetry shows channel ``n``'s lead off or latched off."""
        sample = self.device.telemetry
        if sample is None or n > len(sample.telemetry.channels):
            return False
        ct = sample.telemetry.channels[n - 1]
        return ct.lead is Lead.OFF or Fault.LEAD_OFF in ct.faults

    def start_channel(self, n: int, t_ms: int) -> bool:
        """START channel ``n`` alone (output 0); False when the lead is still off."""
        try:
            self.device.start([n])
        except NakError as error:
            if error.code is not NakCode.LEAD_OFF:
                raise
            self.lead_lost(n, t_ms)
            return False
        self.ramps[n].needs_start = False
        self.zeroed(n)
        self.emit(EventKind.CHANNEL_START, n, {})
        return True
