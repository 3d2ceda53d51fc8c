"""The simulated device's answers to host requests: firmware_protocol.md, sections 4.1-4.6
and the version rule of section 3.

:class:`HostRequests` is a mixin of :class:`~tenscontrol.sim.model.DeviceModel`: one handler
per request type (HELLO, START, STOP, SET, HEARTBEAT), each answering with exactly one
IDENTITY, ACK or NAK. The state the handlers read and change is the model's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    DeviceState,
    Fault,
    Frame,
    Hello,
    Identity,
    Message,
    MsgType,
    Nak,
    NakCode,
    Pattern,
    PayloadError,
    Setpoint,
    Start,
    Waveform,
    decode_payload,
)
from tenscontrol.protocol.constants import WATCHDOG_DEFAULT_MS, WATCHDOG_REFRESHING
from tenscontrol.sim.channel import Channel
from tenscontrol.sim.checks import SET_FIELDS, check_set, check_start


class _Model(Protocol):
    """What the handlers use of ``DeviceModel`` (its state and a few of its methods)."""

    _channels: list[Channel]
    _handlers: dict[int, Callable[[Frame], None]]
    _version: int
    _state: DeviceState
    _device_faults: Fault
    _battery_low: bool
    _watchdog_armed: bool
    _watchdog_ms: int
    _watchdog_refreshed_us: int
    _now_us: int

    def identity(self, selected_version: int = PROTOCOL_MAJOR) -> Identity: ...
    def _record(self, event: str, **fields: object) -> None: ...
    def _reply(self, message: Message, seq: int) -> None: ...
    def _zero(self, ch: Channel, *, disable: bool) -> None: ...
    def _update_delivered(self, ch: Channel) -> None: ...
    def _nak(self, frame: Frame, code: NakCode, field: int = 0) -> None: ...
    def _decode(self, frame: Frame) -> Message | None: ...
    def _apply_setpoint(self, ch: Channel, amp: int) -> None: ...


class HostRequests:
    """Request handlers of the simulated device (mixed into ``DeviceModel``).

    Each handler is typed ``self: _Model``, a protocol of the model's state and methods it
    uses, so the type checker holds the handlers to what the model really has.
    """

    # --- host requests -----------------------------------------------------------------
    def _nak(self: _Model, frame: Frame, code: NakCode, field: int = 0) -> None:
        self._record("nak", request_type=frame.msg_type, code=code.name, field=field)
        self._reply(Nak(frame.msg_type, code, field), frame.seq)

    def _on_frame(self: _Model, frame: Frame) -> None:
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

    def _decode(self: _Model, frame: Frame) -> Message | None:
        try:
            return decode_payload(frame.msg_type, frame.payload)
        except PayloadError as error:
            self._nak(frame, NakCode(error.code), error.field)
            return None

    def _on_hello(self: _Model, frame: Frame) -> None:
        hello = self._decode(frame)
        if not isinstance(hello, Hello):
            return
        speaks = hello.min_version <= PROTOCOL_MAJOR <= hello.max_version
        selected = PROTOCOL_MAJOR if speaks else 0
        if selected:
            self._version = selected
        self._record("hello", selected_version=selected)
        self._reply(self.identity(selected), frame.seq)

    def _on_heartbeat(self: _Model, frame: Frame) -> None:
        if self._decode(frame) is not None:
            self._reply(Ack(MsgType.HEARTBEAT), frame.seq)

    def _on_stop(self: _Model, frame: Frame) -> None:
        if self._decode(frame) is None:
            return
        for ch in self._channels:
            self._zero(ch, disable=True)
        self._state = DeviceState.IDLE
        self._watchdog_armed = False
        self._record("stop")
        # output is 0 on every channel now; only then the ACK
        self._reply(Ack(MsgType.STOP), frame.seq)

    def _on_start(self: _Model, frame: Frame) -> None:
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

    def _on_set(self: _Model, frame: Frame) -> None:
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

    def _apply_setpoint(self: _Model, ch: Channel, amp: int) -> None:
        """New setpoint in force now: drop at once, or ramp up from here."""
        ch.set_setpoint(amp, self._now_us)
        self._update_delivered(ch)
