"""Message <-> bytes: payload layouts of firmware_protocol.md, and whole-message framing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tenscontrol.errors import PayloadError
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
from tenscontrol.protocol.layouts import (
    BOOT,
    CAPS,
    CHANNEL_TELEMETRY,
    HELLO,
    ID_HEAD,
    ID_TIMING,
    NAK,
    SETPOINT,
    START,
    TELEMETRY_HEAD,
    PayloadReader,
    empty_decoder,
    enum_of,
    exact,
)
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
    Setpoint,
    Start,
    Stop,
    Telemetry,
)


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


def _pack_setpoint(s: Setpoint) -> bytes:
    return SETPOINT.pack(
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
    ch, amp, rate, width, wave, pattern, burst, ppb = exact(payload, SETPOINT, "SET")
    return Setpoint(
        channel=ch,
        amplitude_ua=amp,
        rate_mhz=rate,
        phase_width_us=width,
        waveform=enum_of(Waveform, wave, 5, "SET waveform"),
        pattern=enum_of(Pattern, pattern, 6, "SET pattern"),
        burst_rate_mhz=burst,
        pulses_per_burst=ppb,
    )


def _decode_hello(payload: bytes) -> Message:
    low, high = exact(payload, HELLO, "HELLO")
    return Hello(low, high)


def _decode_start(payload: bytes) -> Message:
    mask, watchdog = exact(payload, START, "START")
    return Start(mask, watchdog)


def _id_string(value: str) -> bytes:
    raw = value.encode("ascii")
    if len(raw) > MAX_ID_STRING_LEN:
        raise ValueError(f"identity string {value!r} longer than {MAX_ID_STRING_LEN} bytes")
    return bytes([len(raw)]) + raw


def _pack_identity(m: Identity) -> bytes:
    if len(m.channels) > MAX_CHANNELS_ON_WIRE:
        raise ValueError(f"{len(m.channels)} channels, at most {MAX_CHANNELS_ON_WIRE}")
    out = ID_HEAD.pack(
        m.selected_version,
        m.minor_version,
        m.device_min_version,
        m.device_max_version,
        m.flags,
        *m.firmware,
    )
    out += _id_string(m.model) + _id_string(m.serial_number)
    out += ID_TIMING.pack(
        m.watchdog_min_ms,
        m.watchdog_max_ms,
        m.watchdog_default_ms,
        m.telemetry_period_ms,
        m.slew_ua_per_s,
        len(m.channels),
    )
    for c in m.channels:
        out += CAPS.pack(
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


def _decode_identity(payload: bytes) -> Message:
    r = PayloadReader(payload, "IDENTITY")
    sel, minor, dmin, dmax, flags, fw1, fw2, fw3 = r.unpack(ID_HEAD)
    model, serial = r.string(), r.string()
    wmin, wmax, wdef, tele, slew, count = r.unpack(ID_TIMING)
    if count > MAX_CHANNELS_ON_WIRE:
        raise PayloadError(f"IDENTITY claims {count} channels", code=NakCode.OUT_OF_RANGE)
    channels = tuple(ChannelCapabilities(*r.unpack(CAPS)) for _ in range(count))
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
    request = enum_of(MsgType, payload[0], 1, "ACK request type")
    body = payload[1:]
    if request is MsgType.START:
        mask, watchdog = exact(body, START, "ACK(START)")
        return Ack(request, Start(mask, watchdog))
    if request is MsgType.SET:
        return Ack(request, _unpack_setpoint(body))
    if body:
        raise PayloadError(
            f"ACK({request.name}) has {len(body)} unexpected bytes", code=NakCode.BAD_LENGTH
        )
    return Ack(request)


def _decode_nak(payload: bytes) -> Message:
    request, code, field = exact(payload, NAK, "NAK")
    known = request in MsgType._value2member_map_
    return Nak(MsgType(request) if known else request, enum_of(NakCode, code, 2, "NAK code"), field)


def _pack_telemetry(m: Telemetry) -> bytes:
    out = TELEMETRY_HEAD.pack(
        m.state,
        m.faults,
        m.battery_mv,
        m.battery_pct,
        m.uptime_ms,
        m.frame_errors,
        len(m.channels),
    )
    for c in m.channels:
        out += CHANNEL_TELEMETRY.pack(
            c.setpoint_ua, c.delivered_ua, c.lead, c.impedance_ohm, c.faults
        )
    return out


def _decode_telemetry(payload: bytes) -> Message:
    count = payload[TELEMETRY_HEAD.size - 1] if len(payload) >= TELEMETRY_HEAD.size else -1
    if 0 <= count <= MAX_CHANNELS_ON_WIRE and len(payload) == _telemetry_size(count):
        return _decode_telemetry_exact(payload)
    return _decode_telemetry_checked(payload)


def _telemetry_size(count: int) -> int:
    return TELEMETRY_HEAD.size + count * CHANNEL_TELEMETRY.size


def _decode_telemetry_exact(payload: bytes) -> Telemetry:
    """A TELEMETRY payload whose length fits its channel count: no length check can fail,
    so only the enum checks remain, in the order :func:`_decode_telemetry_checked` makes
    them (each channel's lead, then the state) and with the same errors."""
    state, faults, mv, pct, uptime, errors, _count = TELEMETRY_HEAD.unpack_from(payload)
    leads = _LEADS
    channels = []
    for setpoint, delivered, lead, impedance, ch_faults in CHANNEL_TELEMETRY.iter_unpack(
        payload[TELEMETRY_HEAD.size :]
    ):
        lead_member = leads.get(lead)
        if lead_member is None:
            lead_member = enum_of(Lead, lead, 0, "TELEMETRY lead")
        channels.append(
            ChannelTelemetry(setpoint, delivered, lead_member, impedance, fault_of(ch_faults))
        )
    state_member = _STATES.get(state)
    if state_member is None:
        state_member = enum_of(DeviceState, state, 1, "TELEMETRY state")
    return Telemetry(state_member, fault_of(faults), mv, pct, uptime, errors, tuple(channels))


def _decode_telemetry_checked(payload: bytes) -> Message:
    r = PayloadReader(payload, "TELEMETRY")
    state, faults, mv, pct, uptime, errors, count = r.unpack(TELEMETRY_HEAD)
    if count > MAX_CHANNELS_ON_WIRE:
        raise PayloadError(f"TELEMETRY claims {count} channels", code=NakCode.OUT_OF_RANGE)
    channels = []
    for _ in range(count):
        setpoint, delivered, lead, impedance, ch_faults = r.unpack(CHANNEL_TELEMETRY)
        channels.append(
            ChannelTelemetry(
                setpoint_ua=setpoint,
                delivered_ua=delivered,
                lead=enum_of(Lead, lead, 0, "TELEMETRY lead"),
                impedance_ohm=impedance,
                faults=Fault(ch_faults),
            )
        )
    r.done()
    return Telemetry(
        state=enum_of(DeviceState, state, 1, "TELEMETRY state"),
        faults=Fault(faults),
        battery_mv=mv,
        battery_pct=pct,
        uptime_ms=uptime,
        frame_errors=errors,
        channels=tuple(channels),
    )


def _decode_boot(payload: bytes) -> Message:
    (reason,) = exact(payload, BOOT, "BOOT")
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
    return HELLO.pack(m.min_version, m.max_version)


def _pack_start(m: Start) -> bytes:
    return START.pack(m.channel_mask, m.watchdog_ms)


def _pack_nothing(m: Stop | Heartbeat) -> bytes:
    return b""


def _pack_ack(m: Ack) -> bytes:
    body = b""
    if isinstance(m.applied, Start):
        body = START.pack(m.applied.channel_mask, m.applied.watchdog_ms)
    elif isinstance(m.applied, Setpoint):
        body = _pack_setpoint(m.applied)
    return bytes([m.request_type]) + body


def _pack_nak(m: Nak) -> bytes:
    return NAK.pack(m.request_type, m.code, m.field)


def _pack_boot(m: Boot) -> bytes:
    return BOOT.pack(m.reason)


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
    MsgType.STOP: empty_decoder("STOP", Stop),
    MsgType.SET: _unpack_setpoint,
    MsgType.HEARTBEAT: empty_decoder("HEARTBEAT", Heartbeat),
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
