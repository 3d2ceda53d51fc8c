"""The simulated device's firmware: a pure state machine of firmware_protocol.md, sections 4-8.

No I/O, no threads, no clock of its own: the caller feeds host bytes with
:meth:`DeviceModel.receive`, runs time with :meth:`DeviceModel.advance`, collects the
device's bytes with :meth:`DeviceModel.take_output` and asks :meth:`DeviceModel.next_event_time`
when something will next happen on its own (telemetry, watchdog expiry, an injected fault, an
over-delivery trip), so virtual-time runs can jump straight there. The answers to host
requests (HELLO, START, STOP, SET, HEARTBEAT) are in :mod:`tenscontrol.sim.requests`.

Time: ``now`` arguments are monotonic seconds (floats, from the caller's clock); inside, the
model counts integer microseconds since power-on (its creation), so every limit check and
the slew are integer arithmetic. Delivered current during a ramp is computed exactly from
the elapsed microseconds: ``anchor + floor(slew_ua_per_s * elapsed_us / 1e6)``, capped at
the setpoint; a drop is applied at the instant the lower setpoint (or the fault, STOP,
watchdog expiry) happens.

The event sink sees one ``output`` event per channel at each model step where the channel's
delivered amplitude changed. Steps are every host frame, every telemetry instant (50 ms),
every injected fault and every internal deadline, so a ramp is logged as samples at most
50 ms apart (each sample exact for its time).
"""

from __future__ import annotations

from collections.abc import Callable

from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    PROTOCOL_MINOR,
    Boot,
    ChannelTelemetry,
    DeviceState,
    Fault,
    Frame,
    FrameDecoder,
    FrameFault,
    Identity,
    IdentityFlag,
    Lead,
    Message,
    MsgType,
    ResetReason,
    Telemetry,
    encode_message,
)
from tenscontrol.protocol.constants import (
    DEVICE_OVER_DELIVERY_MS,
    IMPEDANCE_OPEN,
    TELEMETRY_PERIOD_MS,
    WATCHDOG_DEFAULT_MS,
    fault_of,
)
from tenscontrol.protocol.vectors import SIM_CHANNEL
from tenscontrol.sim.channel import SLEW_UA_PER_S, US_PER_S, Channel, ChannelStatus
from tenscontrol.sim.checks import (
    WATCHDOG_MAX_MS,
    WATCHDOG_MIN_MS,
)
from tenscontrol.sim.eventlog import EventSink, NullSink
from tenscontrol.sim.faults import SimOptions
from tenscontrol.sim.requests import HostRequests

US_PER_MS = 1_000
MODEL = "TC-SIM-2"
SERIAL_NUMBER = "SIM00001"
FIRMWARE = (0, 1, 0)
#: Battery of the simulated device: healthy, and after ``low_battery_at``.
BATTERY_OK = (3_950, 87)
BATTERY_LOW = (3_300, 3)
#: Impedance the simulated electrodes show when the lead is on, ohm.
LEAD_IMPEDANCE_OHM = 820
#: Why the simulated device reboots at ``reboot_at``.
INJECTED_RESET = ResetReason.MCU_WATCHDOG

_TELEMETRY_US = TELEMETRY_PERIOD_MS * US_PER_MS
_OVER_DELIVERY_US = DEVICE_OVER_DELIVERY_MS * US_PER_MS
#: More internal events than this at one instant means a bug, not a busy device.
_MAX_EVENTS_AT_ONCE = 1_000


class DeviceModel(HostRequests):
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
        self._t0 = now
        self._now_us = 0
        self._sink: EventSink = sink if sink is not None else NullSink()
        self._serial_number = serial_number
        self._channels = [Channel(n, SIM_CHANNEL) for n in range(1, self.options.channels + 1)]
        self._battery_low = False
        self._unplugged = False
        self._out = bytearray()
        self._last_telemetry: dict[int, ChannelTelemetry] = {}
        self._schedule = self._build_schedule()
        self._next_injection = 0
        self._handlers: dict[int, Callable[[Frame], None]] = {
            MsgType.HELLO: self._on_hello,
            MsgType.START: self._on_start,
            MsgType.STOP: self._on_stop,
            MsgType.SET: self._on_set,
            MsgType.HEARTBEAT: self._on_heartbeat,
        }
        self.boot_count = 0
        self._reset(ResetReason.POWER_ON)
        self.advance(now)  # injections due at power-on

    # --- public API ------------------------------------------------------------------
    def receive(self, data: bytes, now: float) -> None:
        """Feed bytes the host sent, arriving at monotonic time ``now`` (s)."""
        self.advance(now)
        if self._unplugged:
            return
        for result in self._decoder.feed(data):
            if isinstance(result, FrameFault):
                self._record("frame_error", kind=result.kind.value, length=result.length)
            else:
                self._on_frame(result)
            self._flush_telemetry()

    def advance(self, now: float) -> None:
        """Run device time up to monotonic ``now`` (s): slew, watchdog, telemetry, injections."""
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
            self._step_to(due)
            self._handle_due(due)
            if self._telemetry_now:
                self._flush_telemetry()
        if not self._unplugged and target > self._now_us:
            self._step_to(target)
            if self._telemetry_now:
                self._flush_telemetry()

    def take_output(self) -> bytes:
        """Bytes the device has sent since the last call (empty once unplugged)."""
        if not self._out:
            return b""
        data = bytes(self._out)
        self._out.clear()
        return data

    def next_event_time(self) -> float:
        """Monotonic time (s) at which the device next acts by itself; ``inf`` if never."""
        if self._unplugged:
            return float("inf")
        return self._t0 + self._next_due_us() / US_PER_S

    @property
    def now(self) -> float:
        """Monotonic time (s) the model has run up to."""
        return self._t0 + self._now_us / US_PER_S

    @property
    def state(self) -> DeviceState:
        """IDLE or RUNNING."""
        return self._state

    @property
    def device_faults(self) -> Fault:
        """Latched device-wide faults (LOW_BATTERY, HOST_LOST, INTERNAL)."""
        return self._device_faults

    @property
    def all_faults(self) -> Fault:
        """Every latched fault, device-wide and of any channel (as TELEMETRY reports it)."""
        faults = int(self._device_faults)
        for ch in self._channels:
            faults |= int(ch.faults)
        return fault_of(faults)

    @property
    def frame_errors(self) -> int:
        """Frames dropped since the last reset."""
        return self._decoder.frame_errors

    @property
    def watchdog_ms(self) -> int | None:
        """Watchdog timeout in force (ms), or None while disarmed."""
        return self._watchdog_ms if self._watchdog_armed else None

    @property
    def unplugged(self) -> bool:
        """True once ``unplug_at`` has passed: the device is gone."""
        return self._unplugged

    @property
    def version(self) -> int:
        """Negotiated protocol major version."""
        return self._version

    @property
    def channel_count(self) -> int:
        """Number of output channels."""
        return len(self._channels)

    def channel(self, number: int) -> ChannelStatus:
        """Read-only state of channel ``number`` (1-based)."""
        return self._channels[number - 1].status()

    def identity(self, selected_version: int = PROTOCOL_MAJOR) -> Identity:
        """The IDENTITY this device answers a HELLO with."""
        return Identity(
            selected_version=selected_version,
            minor_version=PROTOCOL_MINOR,
            device_min_version=PROTOCOL_MAJOR,
            device_max_version=PROTOCOL_MAJOR,
            flags=IdentityFlag.SIMULATOR,
            firmware=FIRMWARE,
            model=MODEL,
            serial_number=self._serial_number,
            watchdog_min_ms=WATCHDOG_MIN_MS,
            watchdog_max_ms=WATCHDOG_MAX_MS,
            watchdog_default_ms=WATCHDOG_DEFAULT_MS,
            telemetry_period_ms=TELEMETRY_PERIOD_MS,
            slew_ua_per_s=SLEW_UA_PER_S,
            channels=tuple(ch.caps for ch in self._channels),
        )

    # --- time ------------------------------------------------------------------------
    def _us(self, now: float) -> int:
        us = int((now - self._t0) * US_PER_S + 0.5)
        return us if us > self._now_us else self._now_us

    def _when(self, us: int | None = None) -> float:
        return self._t0 + (self._now_us if us is None else us) / US_PER_S

    def _build_schedule(self) -> list[tuple[int, int, str, int, int]]:
        """Injections as (at_us, order, kind, channel, value), sorted."""
        o = self.options
        items: list[tuple[int, int, str, int, int]] = []
        for i, lead in enumerate(o.lead_changes):
            items.append((lead.at_us, i, "lead_off" if lead.off else "lead_on", lead.channel, 0))
        for i, over in enumerate(o.overdeliver):
            items.append((over.at_us, 100 + i, "overdeliver", over.channel, over.percent))
        if o.low_battery_at_us is not None:
            items.append((o.low_battery_at_us, 200, "low_battery", 0, 0))
        if o.reboot_at_us is not None:
            items.append((o.reboot_at_us, 300, "reboot", 0, 0))
        if o.unplug_at_us is not None:
            items.append((o.unplug_at_us, 400, "unplug", 0, 0))
        return sorted(items)

    def _next_due_us(self) -> int:
        # Called several times per host look at the port: plain comparisons, no min().
        due = self._next_telemetry_us
        if self._watchdog_armed:
            expiry = self._watchdog_refreshed_us + self._watchdog_ms * US_PER_MS
            if expiry < due:
                due = expiry
        if self._next_injection < len(self._schedule):
            injection = self._schedule[self._next_injection][0]
            if injection < due:
                due = injection
        now_us = self._now_us
        for ch in self._channels:
            if ch.over_since_us is not None and ch.over_since_us + _OVER_DELIVERY_US + 1 < due:
                due = ch.over_since_us + _OVER_DELIVERY_US + 1
            if ch.over_percent:  # crossing_us is None without injected over-delivery
                crossing = ch.crossing_us(now_us)
                if crossing is not None and crossing < due:
                    due = crossing
        return due if due > now_us else now_us

    def _step_to(self, t_us: int) -> None:
        """Move time to ``t_us``: ramps rise, limit checks run."""
        if t_us > self._now_us:
            self._now_us = t_us
        now_us = self._now_us
        for ch in self._channels:
            if ch.enabled and ch.output < ch.setpoint:  # else ramp() changes nothing
                ch.ramp(now_us)
            # a channel at 0 with no over-delivery running (measured(0) is 0 whatever the
            # injection): _update_delivered would change nothing
            if ch.output or ch.delivered or ch.over_since_us is not None:
                self._update_delivered(ch)

    def _update_delivered(self, ch: Channel) -> None:
        """Recompute measured current, log a change, run over-current/over-delivery checks."""
        delivered = ch.measured(ch.output)
        if delivered != ch.delivered:
            ch.delivered = delivered
            self._record("output", channel=ch.number, amplitude_ua=delivered)
        if ch.delivered > ch.caps.max_amplitude_ua:
            self._latch_channel(ch, Fault.OVER_CURRENT)
            return
        # the limit is the setpoint plus a margin >= 0: at or below the setpoint, never over
        if ch.delivered > ch.setpoint and ch.delivered > ch.over_delivery_limit():
            if ch.over_since_us is None:
                ch.over_since_us = self._now_us
            elif self._now_us - ch.over_since_us > _OVER_DELIVERY_US:
                self._latch_channel(ch, Fault.OVER_DELIVERY)
        else:
            ch.over_since_us = None

    def _handle_due(self, t_us: int) -> None:
        """Run whatever is due at ``t_us`` (the model's time is already ``t_us``)."""
        while (
            self._next_injection < len(self._schedule)
            and self._schedule[self._next_injection][0] <= t_us
            and not self._unplugged
        ):
            _, _, kind, channel, value = self._schedule[self._next_injection]
            self._next_injection += 1
            self._inject(kind, channel, value)
        if self._unplugged:
            return
        if (
            self._watchdog_armed
            and t_us >= self._watchdog_refreshed_us + self._watchdog_ms * US_PER_MS
        ):
            self._record("watchdog", timeout_ms=self._watchdog_ms)
            self._latch_device(Fault.HOST_LOST)
        if t_us >= self._next_telemetry_us:
            self._send_telemetry()
            while self._next_telemetry_us <= t_us:
                self._next_telemetry_us += _TELEMETRY_US

    # --- injections --------------------------------------------------------------------
    def _inject(self, kind: str, channel: int, value: int) -> None:
        if kind == "unplug":
            self._record("unplug")
            for ch in self._channels:
                if ch.delivered != 0:  # powered off with the port: log the drop, as _reset does
                    self._record("output", channel=ch.number, amplitude_ua=0)
                ch.reset()
            self._unplugged = True
            self._out.clear()
            return
        if kind == "reboot":
            self._record("reboot", reason=INJECTED_RESET.name)
            self._reset(INJECTED_RESET)
            return
        if kind == "low_battery":
            self._battery_low = True
            self._record("low_battery", battery_mv=BATTERY_LOW[0])
            self._latch_device(Fault.LOW_BATTERY)
            return
        ch = self._channels[channel - 1]
        if kind == "overdeliver":
            ch.over_percent = value
            self._record("overdeliver", channel=channel, percent=value)
            self._update_delivered(ch)
        elif kind == "lead_off":
            if ch.lead is not Lead.OFF:
                ch.lead = Lead.OFF
                self._record("lead", channel=channel, lead="off")
                self._telemetry_now = True
            self._latch_channel(ch, Fault.LEAD_OFF)
        elif kind == "lead_on" and ch.lead is not Lead.OK:
            ch.lead = Lead.OK
            self._record("lead", channel=channel, lead="on")
            self._telemetry_now = True

    # --- faults ------------------------------------------------------------------------
    def _zero(self, ch: Channel, *, disable: bool) -> None:
        ch.zero(self._now_us)
        if disable:
            ch.enabled = False
            ch.applied = None
        if ch.delivered != 0:
            ch.delivered = 0
            self._record("output", channel=ch.number, amplitude_ua=0)

    def _latch_channel(self, ch: Channel, fault: Fault) -> None:
        """A channel fault: that channel to 0 at once, fault latched, telemetry now."""
        self._zero(ch, disable=False)
        if not fault & ch.faults:
            ch.faults |= fault
            self._record("fault", channel=ch.number, fault=_name(fault))
            self._telemetry_now = True

    def _latch_device(self, fault: Fault) -> None:
        """A device-wide fault: every channel 0 and disabled, latched, IDLE, telemetry now."""
        for ch in self._channels:
            self._zero(ch, disable=True)
        self._state = DeviceState.IDLE
        self._watchdog_armed = False
        if not fault & self._device_faults:
            self._device_faults |= fault
            self._record("fault", channel=None, fault=_name(fault))
        self._telemetry_now = True

    def _reset(self, reason: ResetReason) -> None:
        """Power-on or reboot: everything volatile back to its power-on value, BOOT first."""
        self._decoder = FrameDecoder()
        self._version = PROTOCOL_MAJOR
        self._state = DeviceState.IDLE
        self._device_faults = Fault.NONE
        self._watchdog_armed = False
        self._watchdog_ms = WATCHDOG_DEFAULT_MS
        self._watchdog_refreshed_us = self._now_us
        self._push_seq = 0
        self._boot_us = self._now_us
        self._next_telemetry_us = self._now_us + _TELEMETRY_US
        self._telemetry_now = False
        for ch in self._channels:
            if ch.delivered != 0:
                self._record("output", channel=ch.number, amplitude_ua=0)
            ch.reset()
        self.boot_count += 1
        self._record("boot", reason=reason.name)
        self._push(Boot(reason))
        # conditions that still hold after the reset are detected again at once
        for ch in self._channels:
            if ch.lead is Lead.OFF:
                self._latch_channel(ch, Fault.LEAD_OFF)
        if self._battery_low:
            self._latch_device(Fault.LOW_BATTERY)

    # --- output frames -----------------------------------------------------------------
    def _push(self, message: Message) -> None:
        self._out += encode_message(message, self._push_seq, self._version)
        self._push_seq = (self._push_seq + 1) & 0xFFFF

    def _reply(self, message: Message, seq: int) -> None:
        self._out += encode_message(message, seq, self._version)

    def _flush_telemetry(self) -> None:
        if self._telemetry_now and not self._unplugged:
            self._send_telemetry()

    def _send_telemetry(self) -> None:
        self._telemetry_now = False
        mv, pct = BATTERY_LOW if self._battery_low else BATTERY_OK
        device_faults = int(self._device_faults)
        channels = tuple(self._channel_telemetry(ch, device_faults) for ch in self._channels)
        self._push(
            Telemetry(
                state=self._state,
                faults=self.all_faults,
                battery_mv=mv,
                battery_pct=pct,
                uptime_ms=((self._now_us - self._boot_us) // US_PER_MS) & 0xFFFFFFFF,
                frame_errors=self._decoder.frame_errors & 0xFFFFFFFF,
                channels=channels,
            )
        )

    def _channel_telemetry(self, ch: Channel, device_faults: int) -> ChannelTelemetry:
        """Channel ``ch``'s TELEMETRY entry; the previous frame's object when nothing in it
        changed (it is immutable), so a steady channel costs no new object per frame."""
        setpoint = ch.setpoint if ch.enabled and not ch.faults else 0
        faults = int(ch.faults) | device_faults
        last = self._last_telemetry.get(ch.number)
        if (
            last is not None
            and last.setpoint_ua == setpoint
            and last.delivered_ua == ch.delivered
            and last.lead is ch.lead
            and last.faults == faults
        ):
            return last
        entry = ChannelTelemetry(
            setpoint_ua=setpoint,
            delivered_ua=ch.delivered,
            lead=ch.lead,
            impedance_ohm=LEAD_IMPEDANCE_OHM if ch.lead is Lead.OK else IMPEDANCE_OPEN,
            faults=fault_of(faults),
        )
        self._last_telemetry[ch.number] = entry
        return entry

    def _record(self, event: str, **fields: object) -> None:
        self._sink.record(self._when(), event, **fields)


def _name(fault: Fault) -> str:
    return fault.name or str(int(fault))
