"""Per-channel traffic with the device during a session: setpoints out (each through
:func:`~tenscontrol.session.limits.check_setpoint`), telemetry in (lead changes, the
commanded-versus-delivered check). Engine thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from tenscontrol.clock import Clock
from tenscontrol.device import TelemetrySample, TensDevice
from tenscontrol.errors import DeviceTimeout, NakError, OverDelivery
from tenscontrol.profiles.timeline import Stimulation
from tenscontrol.protocol import Fault, Lead, NakCode, Setpoint
from tenscontrol.session.limits import PATTERNS, WAVEFORMS, SessionLimits, check_setpoint
from tenscontrol.session.overdelivery import OverDeliveryMonitor
from tenscontrol.session.ramps import ChannelRamp
from tenscontrol.session.recorder import Recorder

#: SETs that may time out in a row (each after all its retries) before the link counts as
#: failed; the device watchdog guards the host side meanwhile.
SET_TIMEOUTS_TOLERATED = 3

Emit = Callable[[str, int | None, dict[str, object]], None]


class ChannelIO:
    """What was sent, what came back, per channel. Units: uA, session ms."""

    def __init__(
        self,
        device: TensDevice,
        clock: Clock,
        limits: SessionLimits,
        ramps: dict[int, ChannelRamp],
        rec: Recorder,
        emit: Emit,
        now_ms: Callable[[], int],
        stopping: Callable[[], bool],
    ) -> None:
        self.device = device
        self.timeouts_in_a_row = 0
        self.clock = clock
        self.limits = limits
        self.ramps = ramps
        self.rec = rec
        self.emit = emit
        self.now_ms = now_ms
        self.stopping = stopping
        channels = tuple(ramps)
        self.monitor = OverDeliveryMonitor(channels)
        self.sent: dict[int, Setpoint | None] = dict.fromkeys(channels)
        self.max_delivered = dict.fromkeys(channels, 0)
        self.faults: dict[int, list[str]] = {n: [] for n in channels}
        self.latest: TelemetrySample | None = None
        self.t0 = 0.0
        self.due = 0.0
        #: When a list: each sent setpoint's lateness against its due time, seconds.
        self.send_lateness_s: list[float] | None = None

    def zeroed(self, n: int) -> None:
        """Channel ``n`` is at 0 on the device (START, STOP, lead-off)."""
        self.sent[n] = None
        self.monitor.commanded(n, self.now_ms(), 0)

    def on_telemetry(self, sample: TelemetrySample) -> None:
        """Handle one frame: leads, highest delivered, and the over-delivery check (raises
        :class:`OverDelivery` to trip the emergency stop)."""
        self.latest = sample
        t_ms = round((sample.at - self.t0) * 1_000)
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
                self.emit("lead", n, {"lead": "on", "impedance_ohm": ct.impedance_ohm})
            trip = self.monitor.observe(n, t_ms, ct.setpoint_ua, ct.delivered_ua)
            if trip is not None:
                self.faults[n].append("HOST_OVER_DELIVERY")
                self.emit(
                    "fault",
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
        self.emit("lead", n, {"lead": "off", "target_forgotten": True})

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
        check_setpoint(sp, self.limits)  # a violation is a bug: LimitViolation -> fault stop
        self.monitor.commanded(n, self.now_ms(), amp)
        if self.send_lateness_s is not None:
            self.send_lateness_s.append(self.clock.monotonic() - self.due)
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
        self.emit("channel_start", n, {})
        return True
