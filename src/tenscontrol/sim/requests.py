"""The simulated device's answers to host requests: firmware_protocol.md, sections 4.1-4.6
and the order of section 3 (STOP first in any version byte, then HELLO, then the version).

:class:`RequestHandler` takes each host frame the wire decoded, checks it, has the
firmware do what it asks and answers it with exactly one IDENTITY, ACK or NAK. The checks
(the spec's refusal tables) are in :mod:`tenscontrol.sim.checks`, the state and what it
does in :mod:`tenscontrol.sim.firmware`.
"""

from __future__ import annotations

from collections.abc import Callable

from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    DeviceState,
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
from tenscontrol.protocol.constants import WATCHDOG_REFRESHING
from tenscontrol.protocol.layouts import SETPOINT
from tenscontrol.sim.checks import check_set, check_start
from tenscontrol.sim.firmware import Firmware
from tenscontrol.sim.wire import DeviceWire


class RequestHandler:
    """Answers the host requests of one simulated device.

    ``identity(selected_version)`` is the IDENTITY a HELLO is answered with.
    """

    def __init__(
        self, firmware: Firmware, wire: DeviceWire, identity: Callable[[int], Identity]
    ) -> None:
        self._firmware = firmware
        self._wire = wire
        self._identity = identity
        self._handlers: dict[int, Callable[[Frame], None]] = {
            MsgType.HELLO: self._on_hello,
            MsgType.START: self._on_start,
            MsgType.STOP: self._on_stop,
            MsgType.SET: self._on_set,
            MsgType.HEARTBEAT: self._on_heartbeat,
        }

    def handle(self, frame: Frame) -> None:
        """Answer one host frame (the firmware's time is the frame's arrival)."""
        kind = frame.msg_type
        if kind == MsgType.STOP:
            # Whatever its version byte and payload (spec 4.4): a host that lost version
            # sync, or a corrupted length, must still stop output.
            self._on_stop(frame)
            return
        in_force = frame.version == self._wire.version
        if kind != MsgType.HELLO and not in_force:
            # answered and otherwise ignored: it does not refresh the watchdog either
            self._nak(frame, NakCode.UNSUPPORTED_VERSION)
            return
        if in_force and kind in WATCHDOG_REFRESHING:
            # a HELLO in another version byte is answered but proves no live session
            self._firmware.refresh_watchdog()
        handler = self._handlers.get(kind)
        if handler is None:
            self._nak(frame, NakCode.UNKNOWN_TYPE)
            return
        handler(frame)

    # --- helpers -----------------------------------------------------------------------
    def _nak(self, frame: Frame, code: NakCode, field: int = 0) -> None:
        self._firmware.record("nak", request_type=frame.msg_type, code=code.name, field=field)
        self._wire.reply(Nak(frame.msg_type, code, field), frame.seq)

    def _decode(self, frame: Frame) -> Message | None:
        """The frame's message, or None once a NAK has refused its payload."""
        try:
            return decode_payload(frame.msg_type, frame.payload)
        except PayloadError as error:
            self._nak(frame, NakCode(error.code), error.field)
            return None

    # --- one handler per request type ----------------------------------------------------
    def _on_hello(self, frame: Frame) -> None:
        hello = self._decode(frame)
        if not isinstance(hello, Hello):
            return
        speaks = hello.min_version <= PROTOCOL_MAJOR <= hello.max_version
        selected = PROTOCOL_MAJOR if speaks else 0
        if selected:
            self._wire.version = selected
        self._firmware.record("hello", selected_version=selected)
        self._wire.reply(self._identity(selected), frame.seq)

    def _on_heartbeat(self, frame: Frame) -> None:
        if self._decode(frame) is not None:
            self._wire.reply(Ack(MsgType.HEARTBEAT), frame.seq)

    def _on_stop(self, frame: Frame) -> None:
        # Not decoded: any payload is ignored, and the ACK goes out in the negotiated
        # version byte whatever the STOP's own was (DeviceWire.reply writes that one).
        self._firmware.stop_all()
        self._firmware.record("stop")
        # output is 0 on every channel now; only then the ACK
        self._wire.reply(Ack(MsgType.STOP), frame.seq)

    def _on_start(self, frame: Frame) -> None:
        start = self._decode(frame)
        if not isinstance(start, Start):
            return
        firmware = self._firmware
        mask = start.channel_mask
        # The simulated self-test fails only once the hardware has failed, which latched
        # INTERNAL then: refusing with INTERNAL leaves it latched and changes nothing.
        refusal = check_start(
            mask,
            start.watchdog_ms,
            channels=firmware.channels,
            self_test_passes=firmware.self_test_passes(),
            battery_mv=firmware.battery_mv,
        )
        if refusal is not None:
            self._nak(frame, *refusal)
            return
        watchdog_ms = firmware.start(mask, start.watchdog_ms)
        firmware.record("start", channel_mask=mask, watchdog_ms=watchdog_ms)
        self._wire.reply(Ack(MsgType.START, Start(mask, watchdog_ms)), frame.seq)

    def _on_set(self, frame: Frame) -> None:
        # Unpacked as raw integers, not decoded: unknown enum values are then refused in
        # the table's order (section 4.5) instead of failing the decode.
        if len(frame.payload) != SETPOINT.size:
            self._nak(frame, NakCode.BAD_LENGTH)
            return
        fields = SETPOINT.unpack(frame.payload)
        firmware = self._firmware
        refusal = check_set(
            fields, running=firmware.state is DeviceState.RUNNING, channels=firmware.channels
        )
        if refusal is not None:
            self._nak(frame, *refusal)
            return
        number, amp, rate, width, wave, pattern, burst, pulses = fields
        applied = Setpoint(
            number, amp, rate, width, Waveform(wave), Pattern(pattern), burst, pulses
        )
        ch = firmware.channels[number - 1]
        # An amplitude-0 SET on a faulted channel is ACKed with its echo and stores nothing
        # (spec 4.5): no rate, width or setpoint change; the output stays 0.
        if not ch.faults:
            ch.applied = applied
            firmware.apply_setpoint(ch, amp)
        firmware.record("set", channel=number, amplitude_ua=amp, rate_mhz=rate, width_us=width)
        self._wire.reply(Ack(MsgType.SET, applied), frame.seq)
