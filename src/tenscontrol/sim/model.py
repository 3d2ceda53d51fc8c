"""The simulated device: firmware_protocol.md sections 4-8 as a pure state machine.

No I/O, no threads, no clock of its own: the caller feeds host bytes with
:meth:`DeviceModel.receive`, runs time with :meth:`DeviceModel.advance`, collects the
device's bytes with :meth:`DeviceModel.take_output` and asks :meth:`DeviceModel.next_event_time`
when something will next happen on its own (telemetry, watchdog expiry, an injected fault, an
over-delivery trip), so virtual-time runs can jump straight there.

The model is composed of its parts and runs them in time order: the wire
(:mod:`~tenscontrol.sim.wire`), the firmware's state and duties
(:mod:`~tenscontrol.sim.firmware`), the answers to host requests
(:mod:`~tenscontrol.sim.requests`), the TELEMETRY frames (:mod:`~tenscontrol.sim.telemetry`)
and the injected faults (:mod:`~tenscontrol.sim.schedule`).

Time: ``now`` arguments are monotonic seconds (floats, from the caller's clock); inside, the
model counts integer microseconds since power-on (its creation), so every limit check and
the slew are integer arithmetic. Delivered current during a ramp is computed exactly from
the elapsed microseconds: ``anchor + floor(slew_ua_per_s * elapsed_us / 1e6)``, capped at
the setpoint; a drop is applied at the instant the lower setpoint (or the fault, STOP,
watchdog expiry) happens. Steps are every host frame, every telemetry instant (50 ms),
every injected fault and every internal deadline, so a ramp is logged as ``output`` samples
at most 50 ms apart (each sample exact for its time).
"""

from __future__ import annotations

from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Boot,
    DeviceState,
    Fault,
    FrameFault,
    Identity,
    ResetReason,
)
from tenscontrol.protocol.constants import TELEMETRY_PERIOD_MS
from tenscontrol.sim.channel import US_PER_S, ChannelStatus
from tenscontrol.sim.eventlog import EventSink, NullSink
from tenscontrol.sim.faults import SimOptions
from tenscontrol.sim.firmware import US_PER_MS, Firmware
from tenscontrol.sim.identity import SERIAL_NUMBER, device_identity
from tenscontrol.sim.requests import RequestHandler
from tenscontrol.sim.schedule import Injection, InjectionKind, InjectionSchedule
from tenscontrol.sim.telemetry import TelemetryBuilder
from tenscontrol.sim.wire import DeviceWire

#: Why the simulated device reboots at ``reboot_at``.
INJECTED_RESET = ResetReason.MCU_WATCHDOG

_TELEMETRY_US = TELEMETRY_PERIOD_MS * US_PER_MS
#: More internal events than this at one instant means a bug, not a busy device.
_MAX_EVENTS_AT_ONCE = 1_000


class DeviceModel:
    """One simulated TENS device (``TC-SIM-2``), powered on at monotonic time ``now`` (s)."""

    def __init__(
        self,
        now: float,
        options: SimOptions | None = None,
        *,
        sink: EventSink | None = None,
        serial_number: str = SERIAL_NUMBER,
    ) -> None:
        self.options = options if options is not None else SimOptions()
        self._serial_number = serial_number
        self._firmware = Firmware(
            now, self.options.channels, sink if sink is not None else NullSink()
        )
        self._wire = DeviceWire()
        self._requests = RequestHandler(self._firmware, self._wire, self.identity)
        self._telemetry = TelemetryBuilder()
        self._schedule = InjectionSchedule(self.options)
        self._unplugged = False
        self._reset(ResetReason.POWER_ON)
        self.advance(now)  # injections due at power-on

    # --- public API ------------------------------------------------------------------
    def receive(self, data: bytes, now: float) -> None:
        """Feed bytes the host sent, arriving at monotonic time ``now`` (s)."""
        self.advance(now)
        if self._unplugged:
            return
        for result in self._wire.feed(data):
            if isinstance(result, FrameFault):
                self._firmware.record("frame_error", kind=result.kind.value, length=result.length)
            else:
                self._requests.handle(result)
            self._flush_telemetry()

    def advance(self, now: float) -> None:
        """Run device time up to monotonic ``now`` (s): slew, watchdog, telemetry, injections."""
        firmware = self._firmware
        target = self._us(now)
        last, repeats = -1, 0
        while not self._unplugged:
            due = self._next_due_us()
            if due > target:
                break
            repeats = repeats + 1 if due == last else 0
            last = due
            if repeats > _MAX_EVENTS_AT_ONCE:
                raise RuntimeError(f"simulated device stuck at {due} us")
            firmware.step_to(due)
            self._handle_due(due)
            if firmware.report_now:
                self._flush_telemetry()
        if not self._unplugged and target > firmware.now_us:
            firmware.step_to(target)
            if firmware.report_now:
                self._flush_telemetry()

    def take_output(self) -> bytes:
        """Bytes the device has sent since the last call (empty once unplugged)."""
        return self._wire.take()

    def next_event_time(self) -> float:
        """Monotonic time (s) at which the device next acts by itself; ``inf`` if never."""
        if self._unplugged:
            return float("inf")
        return self._firmware.t0 + self._next_due_us() / US_PER_S

    @property
    def now(self) -> float:
        """Monotonic time (s) the model has run up to."""
        return self._firmware.when()

    @property
    def state(self) -> DeviceState:
        """IDLE or RUNNING."""
        return self._firmware.state

    @property
    def device_faults(self) -> Fault:
        """Latched device-wide faults (LOW_BATTERY, HOST_LOST, INTERNAL)."""
        return self._firmware.device_faults

    @property
    def all_faults(self) -> Fault:
        """Every latched fault, device-wide and of any channel (as TELEMETRY reports it)."""
        return self._firmware.all_faults()

    @property
    def frame_errors(self) -> int:
        """Frames dropped since the last reset."""
        return self._wire.frame_errors

    @property
    def watchdog_ms(self) -> int | None:
        """Watchdog timeout in force (ms), or None while disarmed."""
        firmware = self._firmware
        return firmware.watchdog_ms if firmware.watchdog_armed else None

    @property
    def unplugged(self) -> bool:
        """True once ``unplug_at`` has passed: the device is gone."""
        return self._unplugged

    @property
    def version(self) -> int:
        """Negotiated protocol major version."""
        return self._wire.version

    @property
    def boot_count(self) -> int:
        """Resets so far, power-on included."""
        return self._firmware.boot_count

    @property
    def channel_count(self) -> int:
        """Number of output channels."""
        return len(self._firmware.channels)

    def channel(self, number: int) -> ChannelStatus:
        """Read-only state of channel ``number`` (1-based)."""
        return self._firmware.channels[number - 1].status()

    def identity(self, selected_version: int = PROTOCOL_MAJOR) -> Identity:
        """The IDENTITY this device answers a HELLO with."""
        return device_identity(
            selected_version, channels=self.channel_count, serial_number=self._serial_number
        )

    # --- time ------------------------------------------------------------------------
    def _us(self, now: float) -> int:
        """Monotonic ``now`` (s) as device time (us), never before the model's time."""
        firmware = self._firmware
        us = int((now - firmware.t0) * US_PER_S + 0.5)
        return us if us > firmware.now_us else firmware.now_us

    def _next_due_us(self) -> int:
        # Called several times per host look at the port: plain comparisons, no min().
        firmware = self._firmware
        due = self._next_telemetry_us
        expiry = firmware.watchdog_expiry_us()
        if expiry is not None and expiry < due:
            due = expiry
        injection = self._schedule.next_us
        if injection is not None and injection < due:
            due = injection
        due = firmware.limit_due_us(due)
        now_us = firmware.now_us
        return due if due > now_us else now_us

    def _handle_due(self, t_us: int) -> None:
        """Run whatever is due at ``t_us`` (the model's time is already ``t_us``)."""
        while not self._unplugged:
            injection = self._schedule.pop_due(t_us)
            if injection is None:
                break
            self._inject(injection)
        if self._unplugged:
            return
        self._firmware.check_watchdog(t_us)
        if t_us >= self._next_telemetry_us:
            self._send_telemetry()
            while self._next_telemetry_us <= t_us:
                self._next_telemetry_us += _TELEMETRY_US

    def _inject(self, injection: Injection) -> None:
        firmware = self._firmware
        match injection.kind:
            case InjectionKind.UNPLUG:
                firmware.record("unplug")
                firmware.power_off()
                self._unplugged = True
                self._wire.clear()
            case InjectionKind.REBOOT:
                firmware.record("reboot", reason=INJECTED_RESET.name)
                self._reset(INJECTED_RESET)
            case InjectionKind.LOW_BATTERY:
                firmware.battery_goes_low()
            case InjectionKind.INTERNAL_FAULT:
                firmware.hardware_fails()
            case InjectionKind.OVERDELIVER:
                firmware.overdeliver(firmware.channels[injection.channel - 1], injection.percent)
            case InjectionKind.LEAD_OFF:
                firmware.lead_off(firmware.channels[injection.channel - 1])
            case InjectionKind.LEAD_ON:
                firmware.lead_on(firmware.channels[injection.channel - 1])

    def _reset(self, reason: ResetReason) -> None:
        """Power-on or reboot: wire and firmware back to power-on, BOOT first."""
        self._wire.reset()
        self._firmware.reset(reason)
        self._next_telemetry_us = self._firmware.now_us + _TELEMETRY_US
        self._wire.push(Boot(reason))

    # --- telemetry ---------------------------------------------------------------------
    def _flush_telemetry(self) -> None:
        if self._firmware.report_now and not self._unplugged:
            self._send_telemetry()

    def _send_telemetry(self) -> None:
        self._firmware.report_now = False
        self._wire.push(self._telemetry.build(self._firmware, self._wire.frame_errors))
