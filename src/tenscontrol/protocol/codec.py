"""Message <-> bytes: payload layouts of firmware_protocol.md, and whole-message framing."""

from __future__ import annotations

import struct
from collections.abc import Callable
from enum import IntEnum
from typing import Any, TypeVar

from tenscontrol.protocol.constants import (
    MAX_CHANNELS_ON_WIRE,
    MAX_ID_STRING_LEN,
    PROTOCOL_MAJOR,
    DeviceState,
    Fault,
    IdentityFlag,
    Lead,
    MsgType,
    NakCode,
    Pattern,
    ResetReason,
    Waveform,
    fault_of,
)
from tenscontrol.protocol.framing import Frame, encode_frame
from tenscontrol.protocol.messages import (
    Ack,
    Boot,
    ChannelCapabilities,
    ChannelTelemetry,
    Heartbeat,
    Hello,
    Identity,
    Message,
    Nak,
    PayloadError,
    Setpoint,
    Start,
    Stop,
    Telemetry,
)

_HELLO = struct.Struct("<BB")
_START = struct.Struct("<BH")
_SETPOINT = struct.Struct("<BIIHBBIB")
_NAK = struct.Struct("<BBB")
_ID_HEAD = struct.Struct("<BBBBBBBB")
_ID_TIMING = struct.Struct("<HHHHIB")
_CAPS = struct.Struct("<IIIHHBBIIBB")
_TELEMETRY_HEAD = struct.Struct("<BBHBIIB")
_CHANNEL_TELEMETRY = struct.Struct("<IIBHB")
_BOOT = struct.Struct("<B")

E = TypeVar("E", bound=IntEnum)


def message_type(message: Message) -> MsgType:
    """The type byte a message is sent with."""
    return _TYPE_OF[type(message)]


def encode_payload(message: Message) -> bytes:
    """Payload bytes of ``message`` (header and CRC not included)."""
    pack = _PACKERS.get(type(message))
    if pack is None:
        raise TypeError(f"not a protocol message: {message!r}")
    return pack(message)


def encode_message(message: Message, seq: int, version: int = PROTOCOL_MAJOR) -> bytes:
    """One complete, stuffed and delimited frame carrying ``message`` with sequence id ``seq``."""
    return encode_frame(version, _TYPE_OF[type(message)], seq, encode_payload(message))


def decode_payload(msg_type: int, payload: bytes) -> Message:
    """Interpret a payload of type ``msg_type``. Raises :class:`PayloadError` if it does not fit."""
    decode = _DECODER_OF.get(msg_type)
    if decode is None:
        raise PayloadError(f"unknown message type 0x{msg_type:02x}", code=NakCode.UNKNOWN_TYPE)
    return decode(payload)


def decode_message(frame: Frame) -> Message:
    """Interpret a checked frame's payload (the version byte is the caller's to judge)."""
    return decode_payload(frame.msg_type, frame.payload)


# --- helpers ---------------------------------------------------------------------------
def _exact(payload: bytes, layout: struct.Struct, what: str) -> tuple[int, ...]:
    if len(payload) != layout.size:
        raise PayloadError(
            f"{what} payload is {len(payload)} bytes, expected {layout.size}",
            code=NakCode.BAD_LENGTH,
        )
    return layout.unpack(payload)


def _enum(kind: type[E], value: int, field: int, what: str) -> E:
    member = kind._value2member_map_.get(value)
    if member is not None:  # the common case, without the cost of calling the enum class
        return member  # type: ignore[return-value]
    try:
        return kind(value)
    except ValueError:
        raise PayloadError(
            f"{what}: {value} is not a valid {kind.__name__}",
            code=NakCode.OUT_OF_RANGE,
            field=field,
        ) from None


def _empty(what: str, build: Callable[[], Message]) -> Callable[[bytes], Message]:
    def decode(payload: bytes) -> Message:
        if payload:
            raise PayloadError(
                f"{what} payload is {len(payload)} bytes, expected 0", code=NakCode.BAD_LENGTH
            )
        return build()

    return decode


def _pack_setpoint(s: Setpoint) -> bytes:
    return _SETPOINT.pack(
        s.channel,
        s.amplitude_ua,
        s.rate_mhz,
        s.phase_width_us,
        s.waveform,
        s.pattern,
        s.burst_rate_mhz,
        s.pulses_per_burst,
    )


def _unpack_setpoint(payload: bytes) -> Setpoint:
    ch, amp, rate, width, wave, pattern, burst, ppb = _exact(payload, _SETPOINT, "SET")
    return Setpoint(
        channel=ch,
        amplitude_ua=amp,
        rate_mhz=rate,
        phase_width_us=width,
        waveform=_enum(Waveform, wave, 5, "SET waveform"),
        pattern=_enum(Pattern, pattern, 6, "SET pattern"),
        burst_rate_mhz=burst,
        pulses_per_burst=ppb,
    )


def _decode_hello(payload: bytes) -> Message:
    low, high = _exact(payload, _HELLO, "HELLO")
    return Hello(low, high)


def _decode_start(payload: bytes) -> Message:
    mask, watchdog = _exact(payload, _START, "START")
    return Start(mask, watchdog)


def _id_string(value: str) -> bytes:
    raw = value.encode("ascii")
    if len(raw) > MAX_ID_STRING_LEN:
        raise ValueError(f"identity string {value!r} longer than {MAX_ID_STRING_LEN} bytes")
    return bytes([len(raw)]) + raw


def _pack_identity(m: Identity) -> bytes:
    if len(m.channels) > MAX_CHANNELS_ON_WIRE:
        raise ValueError(f"{len(m.channels)} channels, at most {MAX_CHANNELS_ON_WIRE}")
    out = _ID_HEAD.pack(
        m.selected_version,
        m.minor_version,
        m.device_min_version,
        m.device_max_version,
        m.flags,
        *m.firmware,
    )
    out += _id_string(m.model) + _id_string(m.serial_number)
    out += _ID_TIMING.pack(
        m.watchdog_min_ms,
        m.watchdog_max_ms,
        m.watchdog_default_ms,
        m.telemetry_period_ms,
        m.slew_ua_per_s,
        len(m.channels),
    )
    for c in m.channels:
        out += _CAPS.pack(
            c.max_amplitude_ua,
            c.rate_min_mhz,
            c.rate_max_mhz,
            c.width_min_us,
            c.width_max_us,
            c.waveforms,
            c.patterns,
            c.burst_rate_min_mhz,
            c.burst_rate_max_mhz,
            c.pulses_per_burst_min,
            c.pulses_per_burst_max,
        )
    return out


class _Reader:
    """Walks a payload, raising BAD_LENGTH when it runs short."""

    def __init__(self, payload: bytes, what: str) -> None:
        self.payload, self.offset, self.what = payload, 0, what

    def take(self, size: int) -> bytes:
        if self.offset + size > len(self.payload):
            raise PayloadError(
                f"{self.what} payload ends at byte {len(self.payload)}, needs {self.offset + size}",
                code=NakCode.BAD_LENGTH,
            )
        chunk = self.payload[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def unpack(self, layout: struct.Struct) -> tuple[int, ...]:
        return layout.unpack(self.take(layout.size))

    def string(self) -> str:
        (length,) = self.take(1)
        if length > MAX_ID_STRING_LEN:
            raise PayloadError(
                f"{self.what} string of {length} bytes at byte {self.offset - 1}",
                code=NakCode.BAD_LENGTH,
            )
        raw = self.take(length)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise PayloadError(
                f"{self.what} string at byte {self.offset - length} is not ASCII",
                code=NakCode.OUT_OF_RANGE,
            ) from None

    def done(self) -> None:
        if self.offset != len(self.payload):
            raise PayloadError(
                f"{self.what} payload has {len(self.payload) - self.offset} extra bytes "
                f"from byte {self.offset}",
                code=NakCode.BAD_LENGTH,
            )


def _decode_identity(payload: bytes) -> Message:
    r = _Reader(payload, "IDENTITY")
    sel, minor, dmin, dmax, flags, fw1, fw2, fw3 = r.unpack(_ID_HEAD)
    model, serial = r.string(), r.string()
    wmin, wmax, wdef, tele, slew, count = r.unpack(_ID_TIMING)
    if count > MAX_CHANNELS_ON_WIRE:
        raise PayloadError(f"IDENTITY claims {count} channels", code=NakCode.OUT_OF_RANGE)
    channels = tuple(ChannelCapabilities(*r.unpack(_CAPS)) for _ in range(count))
    r.done()
    return Identity(
        selected_version=sel,
        minor_version=minor,
        device_min_version=dmin,
        device_max_version=dmax,
        flags=IdentityFlag(flags),
        firmware=(fw1, fw2, fw3),
        model=model,
        serial_number=serial,
        watchdog_min_ms=wmin,
        watchdog_max_ms=wmax,
        watchdog_default_ms=wdef,
        telemetry_period_ms=tele,
        slew_ua_per_s=slew,
        channels=channels,
    )


def _decode_ack(payload: bytes) -> Message:
    if not payload:
        raise PayloadError("ACK payload is empty", code=NakCode.BAD_LENGTH)
    request = _enum(MsgType, payload[0], 1, "ACK request type")
    body = payload[1:]
    if request is MsgType.START:
        mask, watchdog = _exact(body, _START, "ACK(START)")
        return Ack(request, Start(mask, watchdog))
    if request is MsgType.SET:
        return Ack(request, _unpack_setpoint(body))
    if body:
        raise PayloadError(
            f"ACK({request.name}) has {len(body)} unexpected bytes", code=NakCode.BAD_LENGTH
        )
    return Ack(request)


def _decode_nak(payload: bytes) -> Message:
    request, code, field = _exact(payload, _NAK, "NAK")
    known = request in MsgType._value2member_map_
    return Nak(MsgType(request) if known else request, _enum(NakCode, code, 2, "NAK code"), field)


def _pack_telemetry(m: Telemetry) -> bytes:
    out = _TELEMETRY_HEAD.pack(
        m.state,
        m.faults,
        m.battery_mv,
        m.battery_pct,
        m.uptime_ms,
        m.frame_errors,
        len(m.channels),
    )
    for c in m.channels:
        out += _CHANNEL_TELEMETRY.pack(
            c.setpoint_ua, c.delivered_ua, c.lead, c.impedance_ohm, c.faults
        )
    return out


def _decode_telemetry(payload: bytes) -> Message:
    count = payload[_TELEMETRY_HEAD.size - 1] if len(payload) >= _TELEMETRY_HEAD.size else -1
    if 0 <= count <= MAX_CHANNELS_ON_WIRE and len(payload) == _telemetry_size(count):
        return _decode_telemetry_exact(payload)
    return _decode_telemetry_checked(payload)


def _telemetry_size(count: int) -> int:
    return _TELEMETRY_HEAD.size + count * _CHANNEL_TELEMETRY.size


def _decode_telemetry_exact(payload: bytes) -> Telemetry:
    """A TELEMETRY payload whose length fits its channel count: no length check can fail,
    so only the enum checks remain, in the order :func:`_decode_telemetry_checked` makes
    them (each channel's lead, then the state) and with the same errors."""
    state, faults, mv, pct, uptime, errors, _count = _TELEMETRY_HEAD.unpack_from(payload)
    leads = _LEADS
    channels = []
    for setpoint, delivered, lead, impedance, ch_faults in _CHANNEL_TELEMETRY.iter_unpack(
        payload[_TELEMETRY_HEAD.size :]
    ):
        lead_member = leads.get(lead)
        if lead_member is None:
            lead_member = _enum(Lead, lead, 0, "TELEMETRY lead")
        channels.append(
            ChannelTelemetry(setpoint, delivered, lead_member, impedance, fault_of(ch_faults))
        )
    state_member = _STATES.get(state)
    if state_member is None:
        state_member = _enum(DeviceState, state, 1, "TELEMETRY state")
    return Telemetry(state_member, fault_of(faults), mv, pct, uptime, errors, tuple(channels))


def _decode_telemetry_checked(payload: bytes) -> Message:
    r = _Reader(payload, "TELEMETRY")
    state, faults, mv, pct, uptime, errors, count = r.unpack(_TELEMETRY_HEAD)
    if count > MAX_CHANNELS_ON_WIRE:
        raise PayloadError(f"TELEMETRY claims {count} channels", code=NakCode.OUT_OF_RANGE)
    channels = []
    for _ in range(count):
        setpoint, delivered, lead, impedance, ch_faults = r.unpack(_CHANNEL_TELEMETRY)
        channels.append(
            ChannelTelemetry(
                setpoint_ua=setpoint,
                delivered_ua=delivered,
                lead=_enum(Lead, lead, 0, "TELEMETRY lead"),
                impedance_ohm=impedance,
                faults=Fault(ch_faults),
            )
        )
    r.done()
    return Telemetry(
        state=_enum(DeviceState, state, 1, "TELEMETRY state"),
        faults=Fault(faults),
        battery_mv=mv,
        battery_pct=pct,
        uptime_ms=uptime,
        frame_errors=errors,
        channels=tuple(channels),
    )


def _decode_boot(payload: bytes) -> Message:
    (reason,) = _exact(payload, _BOOT, "BOOT")
    try:
        return Boot(ResetReason(reason))
    except ValueError:
        return Boot(ResetReason.UNKNOWN)


_TYPE_OF: dict[type, MsgType] = {
    Hello: MsgType.HELLO,
    Start: MsgType.START,
    Stop: MsgType.STOP,
    Setpoint: MsgType.SET,
    Heartbeat: MsgType.HEARTBEAT,
    Identity: MsgType.IDENTITY,
    Ack: MsgType.ACK,
    Nak: MsgType.NAK,
    Telemetry: MsgType.TELEMETRY,
    Boot: MsgType.BOOT,
}


def _pack_hello(m: Hello) -> bytes:
    return _HELLO.pack(m.min_version, m.max_version)


def _pack_start(m: Start) -> bytes:
    return _START.pack(m.channel_mask, m.watchdog_ms)


def _pack_nothing(m: Stop | Heartbeat) -> bytes:
    return b""


def _pack_ack(m: Ack) -> bytes:
    body = b""
    if isinstance(m.applied, Start):
        body = _START.pack(m.applied.channel_mask, m.applied.watchdog_ms)
    elif isinstance(m.applied, Setpoint):
        body = _pack_setpoint(m.applied)
    return bytes([m.request_type]) + body


def _pack_nak(m: Nak) -> bytes:
    return _NAK.pack(m.request_type, m.code, m.field)


def _pack_boot(m: Boot) -> bytes:
    return _BOOT.pack(m.reason)


#: Payload packer of each message class (looked up by exact class: one dict look-up per
#: frame).
_PACKERS: dict[type, Callable[[Any], bytes]] = {
    Hello: _pack_hello,
    Start: _pack_start,
    Stop: _pack_nothing,
    Heartbeat: _pack_nothing,
    Setpoint: _pack_setpoint,
    Identity: _pack_identity,
    Ack: _pack_ack,
    Nak: _pack_nak,
    Telemetry: _pack_telemetry,
    Boot: _pack_boot,
}

_DECODERS: dict[MsgType, Callable[[bytes], Message]] = {
    MsgType.HELLO: _decode_hello,
    MsgType.START: _decode_start,
    MsgType.STOP: _empty("STOP", Stop),
    MsgType.SET: _unpack_setpoint,
    MsgType.HEARTBEAT: _empty("HEARTBEAT", Heartbeat),
    MsgType.IDENTITY: _decode_identity,
    MsgType.ACK: _decode_ack,
    MsgType.NAK: _decode_nak,
    MsgType.TELEMETRY: _decode_telemetry,
    MsgType.BOOT: _decode_boot,
}

#: ``_DECODERS`` by plain type byte, so no enum is made for each frame.
_DECODER_OF: dict[int, Callable[[bytes], Message]] = {int(k): v for k, v in _DECODERS.items()}
_LEADS: dict[int, Lead] = {int(m): m for m in Lead}
_STATES: dict[int, DeviceState] = {int(m): m for m in DeviceState}
