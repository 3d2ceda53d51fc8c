"""Message -> payload bytes: one packer per message type, each a payload table of
firmware_protocol.md. Whatever does not fit the wire (a field outside its range, a string
that is not ASCII or too long, too many channels) is an :class:`EncodeError` naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tenscontrol.errors import EncodeError
from tenscontrol.protocol.constants import MAX_CHANNELS_ON_WIRE, MAX_ID_STRING_LEN
from tenscontrol.protocol.layouts import (
    ACK_HEAD,
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
)
from tenscontrol.protocol.messages import (
    Ack,
    Boot,
    Heartbeat,
    Hello,
    Identity,
    Nak,
    Setpoint,
    Start,
    Stop,
    Telemetry,
)


def _pack_hello(m: Hello) -> bytes:
    return HELLO.pack(m.min_version, m.max_version)


def _pack_start(m: Start) -> bytes:
    return START.pack(m.channel_mask, m.watchdog_ms)


def _pack_nothing(m: Stop | Heartbeat) -> bytes:
    return b""


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


def _id_string(value: str, name: str) -> bytes:
    """A length-prefixed ASCII string of at most MAX_ID_STRING_LEN bytes."""
    where = f"cannot encode Identity.{name} = {value!r}"
    if not isinstance(value, str):
        raise EncodeError(f"{where}: not a string")
    if not value.isascii():
        raise EncodeError(f"{where}: not ASCII")
    if len(value) > MAX_ID_STRING_LEN:
        raise EncodeError(
            f"{where}: longer than {MAX_ID_STRING_LEN} bytes, outside its wire range"
            f" 0..{MAX_ID_STRING_LEN} ASCII bytes"
        )
    return bytes([len(value)]) + value.encode("ascii")


def _channel_count(what: str, count: int) -> None:
    """EncodeError unless ``count`` channel entries fit a frame (the decoders' bound)."""
    if count > MAX_CHANNELS_ON_WIRE:
        raise EncodeError(
            f"cannot encode {what}.channels: {count} channels, outside 0..{MAX_CHANNELS_ON_WIRE}"
        )


def _pack_identity(m: Identity) -> bytes:
    _channel_count("Identity", len(m.channels))
    if len(m.firmware) != 3:  # major, minor, patch: three u8 on the wire
        raise EncodeError(f"cannot encode Identity.firmware = {m.firmware!r}: not 3 numbers")
    out = ID_HEAD.pack(
        m.selected_version,
        m.minor_version,
        m.device_min_version,
        m.device_max_version,
        m.flags,
        *m.firmware,
    )
    out += _id_string(m.model, "model") + _id_string(m.serial_number, "serial_number")
    out += ID_TIMING.pack(
        m.watchdog_min_ms,
        m.watchdog_max_ms,
        m.watchdog_default_ms,
        m.telemetry_period_ms,
        m.slew_ua_per_s,
        len(m.channels),
    )
    for i, c in enumerate(m.channels):
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
            item=i,
        )
    return out


def _pack_ack(m: Ack) -> bytes:
    body = b""
    if isinstance(m.applied, Start):
        body = START.pack(m.applied.channel_mask, m.applied.watchdog_ms)
    elif isinstance(m.applied, Setpoint):
        body = _pack_setpoint(m.applied)
    return ACK_HEAD.pack(m.request_type) + body


def _pack_nak(m: Nak) -> bytes:
    return NAK.pack(m.request_type, m.code, m.field)


def _pack_telemetry(m: Telemetry) -> bytes:
    _channel_count("Telemetry", len(m.channels))
    out = TELEMETRY_HEAD.pack(
        m.state,
        m.faults,
        m.battery_mv,
        m.battery_pct,
        m.uptime_ms,
        m.frame_errors,
        len(m.channels),
    )
    for i, c in enumerate(m.channels):
        out += CHANNEL_TELEMETRY.pack(
            c.setpoint_ua, c.delivered_ua, c.lead, c.impedance_ohm, c.faults, item=i
        )
    return out


def _pack_boot(m: Boot) -> bytes:
    return BOOT.pack(m.reason)


#: Payload packer of each message class (looked up by exact class: one dict look-up per
#: frame).
PACKERS: dict[type, Callable[[Any], bytes]] = {
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
