"""The simulated device's firmware: a pure state machine of firmware_protocol.md, sections 4-8.

No I/O, no threads, no clock of its own: the caller feeds host bytes with
:meth:`DeviceModel.receive`, runs time with :meth:`DeviceModel.advance`, collects the
device's bytes with :meth:`DeviceModel.take_output` and asks :meth:`DeviceModel.next_event_time`
when something will next happen on its own (telemetry, watchdog expiry, an injected fault, an
over-delivery trip), so virtual-time runs can jump straight there.

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
    Ack,
    Boot,
    ChannelTelemetry,
    DeviceState,
    Fault,
    Frame,
    FrameDecoder,
    FrameFault,
    Hello,
    Identity,
    IdentityFlag,
    Lead,
    Message,
    MsgType,
    Nak,
    NakCode,
    Pattern,
    PayloadError,
    ResetReason,
    Setpoint,
    Start,
    Telemetry,
    Waveform,
    decode_payload,
    encode_message,
)
from tenscontrol.protocol.constants import (
    DEVICE_OVER_DELIVERY_MS,
    IMPEDANCE_OPEN,
    TELEMETRY_PERIOD_MS,
    WATCHDOG_DEFAULT_MS,
    WATCHDOG_REFRESHING,
)
from tenscontrol.protocol.vectors import SIM_CHANNEL
from tenscontrol.sim.channel import SLEW_UA_PER_S, US_PER_S, Channel, ChannelStatus
from tenscontrol.sim.checks import (
    SET_FIELDS,
    WATCHDOG_MAX_MS,
    WATCHDOG_MIN_MS,
    check_set,
    check_start,
)
from tenscontrol.sim.eventlog import EventSink, NullSink
from tenscontrol.sim.faults import SimOptions

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
        self._t0 = now
        self._now_us = 0
        self._sink: EventSink = sink if sink is not None else NullSink()
        self._serial_number = serial_number
        self._channels = [Channel(n, SIM_CHANNEL) for n in range(1, self.options.channels + 1)]
        self._battery_low = False
        self._unplugged = False
        self._out = bytearray()
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
            self._flush_telemetry()
        if not self._unplugged and target > self._now_us:
            self._step_to(target)
            self._flush_telemetry()

    def take_output(self) -> bytes:
        """Bytes the device has sent since the last call (empty once unplugged)."""
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
        faults = self._device_faults
        for ch in self._channels:
            faults |= ch.faults
        return faults

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
        return max(int((now - self._t0) * US_PER_S + 0.5), self._now_us)

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
        due = self._next_telemetry_us
        if self._watchdog_armed:
            due = min(due, self._watchdog_refreshed_us + self._watchdog_ms * US_PER_MS)
        if self._next_injection < len(self._schedule):
            due = min(due, self._schedule[self._next_injection][0])
        for ch in self._channels:
            if ch.over_since_us is not None:
                due = min(due, ch.over_since_us + _OVER_DELIVERY_US + 1)
            crossing = ch.crossing_us(self._now_us)
            if crossing is not None:
                due = min(due, crossing)
        return max(due, self._now_us)

    def _step_to(self, t_us: int) -> None:
        """Move time to ``t_us``: ramps rise, limit checks run."""
        self._now_us = max(self._now_us, t_us)
        for ch in self._channels:
            ch.ramp(self._now_us)
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
        if ch.delivered > ch.over_delivery_limit():
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

    def _nak(self, frame: Frame, code: NakCode, field: int = 0) -> None:
        self._record("nak", request_type=frame.msg_type, code=code.name, field=field)
        self._reply(Nak(frame.msg_type, code, field), frame.seq)

    def _flush_telemetry(self) -> None:
        if self._telemetry_now and not self._unplugged:
            self._send_telemetry()

    def _send_telemetry(self) -> None:
        self._telemetry_now = False
        mv, pct = BATTERY_LOW if self._battery_low else BATTERY_OK
        channels = tuple(
            ChannelTelemetry(
                setpoint_ua=ch.setpoint if ch.enabled and not ch.faults else 0,
                delivered_ua=ch.delivered,
                lead=ch.lead,
                impedance_ohm=LEAD_IMPEDANCE_OHM if ch.lead is Lead.OK else IMPEDANCE_OPEN,
                faults=ch.faults | self._device_faults,
            )
            for ch in self._channels
        )
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

    # --- host requests -----------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        kind = frame.msg_type
        if kind != MsgType.HELLO and frame.version != self._version:
            # answered and otherwise ignored: it does not refresh the watchdog either
            self._nak(frame, NakCode.UNSUPPORTED_VERSION)
            return
        if kind in WATCHDOG_REFRESHING:
            self._watchdog_refreshed_us = self._now_us
        handler = self._handlers.get(kind)
        if handler is None:
            self._nak(frame, NakCode.UNKNOWN_TYPE)
            return
        handler(frame)

    def _decode(self, frame: Frame) -> Message | None:
        try:
            return decode_payload(frame.msg_type, frame.payload)
        except PayloadError as error:
            self._nak(frame, error.code, error.field)
            return None

    def _on_hello(self, frame: Frame) -> None:
        hello = self._decode(frame)
        if not isinstance(hello, Hello):
            return
        speaks = hello.min_version <= PROTOCOL_MAJOR <= hello.max_version
        selected = PROTOCOL_MAJOR if speaks else 0
        if selected:
            self._version = selected
        self._record("hello", selected_version=selected)
        self._reply(self.identity(selected), frame.seq)

    def _on_heartbeat(self, frame: Frame) -> None:
        if self._decode(frame) is not None:
            self._reply(Ack(MsgType.HEARTBEAT), frame.seq)

    def _on_stop(self, frame: Frame) -> None:
        if self._decode(frame) is None:
            return
        for ch in self._channels:
            self._zero(ch, disable=True)
        self._state = DeviceState.IDLE
        self._watchdog_armed = False
        self._record("stop")
        # output is 0 on every channel now; only then the ACK
        self._reply(Ack(MsgType.STOP), frame.seq)

    def _on_start(self, frame: Frame) -> None:
        start = self._decode(frame)
        if not isinstance(start, Start):
            return
        mask, watchdog = start.channel_mask, start.watchdog_ms
        refusal = check_start(
            mask, watchdog, channels=self._channels, battery_low=self._battery_low
        )
        if refusal is not None:
            self._nak(frame, *refusal)
            return
        named = [ch for ch in self._channels if mask >> (ch.number - 1) & 1]
        for ch in named:
            self._zero(ch, disable=True)
            ch.faults = Fault.NONE
            ch.enabled = True
        self._device_faults &= ~(Fault.HOST_LOST | Fault.INTERNAL | Fault.LOW_BATTERY)
        self._watchdog_ms = watchdog or WATCHDOG_DEFAULT_MS
        self._watchdog_armed = True
        self._watchdog_refreshed_us = self._now_us
        self._state = DeviceState.RUNNING
        self._record("start", channel_mask=mask, watchdog_ms=self._watchdog_ms)
        self._reply(Ack(MsgType.START, Start(mask, self._watchdog_ms)), frame.seq)

    def _on_set(self, frame: Frame) -> None:
        if len(frame.payload) != SET_FIELDS.size:
            self._nak(frame, NakCode.BAD_LENGTH)
            return
        fields = SET_FIELDS.unpack(frame.payload)
        refusal = check_set(
            fields,
            running=self._state is DeviceState.RUNNING,
            channels=self._channels,
            device_faults=self._device_faults,
        )
        if refusal is not None:
            self._nak(frame, *refusal)
            return
        number, amp, rate, width, wave, pattern, burst, pulses = fields
        applied = Setpoint(
            number, amp, rate, width, Waveform(wave), Pattern(pattern), burst, pulses
        )
        ch = self._channels[number - 1]
        if not ch.faults and not self._device_faults:
            ch.applied = applied
            self._apply_setpoint(ch, amp)
        self._record("set", channel=number, amplitude_ua=amp, rate_mhz=rate, width_us=width)
        self._reply(Ack(MsgType.SET, applied), frame.seq)

    def _apply_setpoint(self, ch: Channel, amp: int) -> None:
        """New setpoint in force now: drop at once, or ramp up from here."""
        ch.set_setpoint(amp, self._now_us)
        self._update_delivered(ch)

    def _record(self, event: str, **fields: object) -> None:
        self._sink.record(self._when(), event, **fields)


def _name(fault: Fault) -> str:
    return fault.name or str(int(fault))
