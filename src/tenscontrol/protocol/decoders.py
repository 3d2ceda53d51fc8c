"""Payload bytes -> Message: one decoder per message type. Decoding checks lengths and enum
values only (range checks against device limits are the device's job); whatever does not
fit is a :class:`PayloadError` carrying the NAK code and field a device would answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tenscontrol.errors import PayloadError
from tenscontrol.protocol.constants import (
    MAX_CHANNELS_ON_WIRE,
    DeviceState,
    IdentityFlag,
    Lead,
    MsgType,
    NakCode,
    Pattern,
    ResetReason,
    Waveform,
    fault_of,
)
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


def _decode_hello(payload: bytes) -> Message:
    low, high = exact(payload, HELLO, "HELLO")
    return Hello(low, high)


def _decode_start(payload: bytes) -> Message:
    mask, watchdog = exact(payload, START, "START")
    return Start(mask, watchdog)


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


def _decode_identity(payload: bytes) -> Message:
    r = PayloadReader(payload, "IDENTITY")
    sel, minor, dmin, dmax, flags, fw1, fw2, fw3 = r.unpack(ID_HEAD)
    model, serial = r.string(), r.string()
    wmin, wmax, wdef, tele, slew, count = r.unpack(ID_TIMING)
    if count > MAX_CHANNELS_ON_WIRE:
        raise PayloadError(_too_many("IDENTITY", count), code=NakCode.OUT_OF_RANGE)
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


def _decode_telemetry(payload: bytes) -> Message:
    count = payload[TELEMETRY_HEAD.size - 1] if len(payload) >= TELEMETRY_HEAD.size else -1
    if 0 <= count <= MAX_CHANNELS_ON_WIRE and len(payload) == _telemetry_size(count):
        # The length fits the channel count, so no length check can fail: unpack at once.
        head = TELEMETRY_HEAD.unpack_from(payload)
        return _telemetry(head, CHANNEL_TELEMETRY.iter_unpack(payload[TELEMETRY_HEAD.size :]))
    r = PayloadReader(payload, "TELEMETRY")
    head = r.unpack(TELEMETRY_HEAD)
    if head[-1] > MAX_CHANNELS_ON_WIRE:
        raise PayloadError(_too_many("TELEMETRY", head[-1]), code=NakCode.OUT_OF_RANGE)
    return _telemetry(head, _checked_rows(r, head[-1]))


def _too_many(what: str, count: int) -> str:
    """Why a channel count above the wire's bound makes the payload malformed (spec 1.1)."""
    return f"{what} claims {count} channels, more than the {MAX_CHANNELS_ON_WIRE} a frame carries"


def _telemetry_size(count: int) -> int:
    return TELEMETRY_HEAD.size + count * CHANNEL_TELEMETRY.size


def _checked_rows(r: PayloadReader, count: int) -> Iterable[tuple[int, ...]]:
    """The ``count`` channel entries, read one at a time (so a bad lead is reported before
    a short payload after it), then BAD_LENGTH if bytes are left over."""
    for _ in range(count):
        yield r.unpack(CHANNEL_TELEMETRY)
    r.done()


def _telemetry(head: tuple[int, ...], rows: Iterable[tuple[int, ...]]) -> Telemetry:
    """The one way a TELEMETRY is built from its unpacked fields: each channel's lead
    checked in turn, then the state; faults kept bit for bit (unknown bits too)."""
    state, faults, mv, pct, uptime, errors, _count = head
    channels = []
    for setpoint, delivered, lead, impedance, ch_faults in rows:
        lead_member = _LEADS.get(lead)
        if lead_member is None:
            lead_member = enum_of(Lead, lead, 0, "TELEMETRY lead")
        channels.append(
            ChannelTelemetry(setpoint, delivered, lead_member, impedance, fault_of(ch_faults))
        )
    state_member = _STATES.get(state)
    if state_member is None:
        state_member = enum_of(DeviceState, state, 1, "TELEMETRY state")
    return Telemetry(state_member, fault_of(faults), mv, pct, uptime, errors, tuple(channels))


def _decode_boot(payload: bytes) -> Message:
    (reason,) = exact(payload, BOOT, "BOOT")
    try:
        return Boot(ResetReason(reason))
    except ValueError:
        return Boot(ResetReason.UNKNOWN)


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
DECODER_OF: dict[int, Callable[[bytes], Message]] = {int(k): v for k, v in _DECODERS.items()}

#: Members by value, for the per-frame look-ups of :func:`_telemetry`.
_LEADS: dict[int, Lead] = {int(m): m for m in Lead}
_STATES: dict[int, DeviceState] = {int(m): m for m in DeviceState}
